"""The child side of the sandbox, started by `runner.py` inside bwrap (request on stdin), or
forked by a warm sandbox's fork server (`gensim.sandbox.forkserver`, which did steps 1-3 once).

Order, all before any task code is loaded:
1. read the request (job, payload, token, verdict and phase fds, scratch folder, rlimits) from
   stdin; lower its own resource limits; send phase announcements to the phase fd;
2. the kernel boundary is already in force (`bwrap.py`: namespaces, uid 65534, read-only binds,
   tmpfs, seccomp, death with the parent);
3. import the job's module (it preloads what the job needs) and a few standard modules;
4. arm the guard (`guard.arm`): audit hook, import allowlist, refusals, output caps;
5. run the job; then write `{"ok", "result" | "error", "token", "isolation", "violations"}` to
   the verdict fd, with functions captured in step 1, and leave with the real `os._exit`.
A job result that is a checker verdict (a dict with "passed") is failed when the guard refused
anything or a signal handler changed, even if the task code caught the refusal.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import traceback
from typing import Any

_exit, _write, _dumps = os._exit, os.write, json.JSONEncoder(default=str).encode
_lseek, _ftruncate = os.lseek, os.ftruncate
PRELOAD = ("copy", "pprint", "string", "re", "math", "random", "itertools", "collections", "functools",
           "dataclasses", "typing", "enum", "time", "abc", "operator", "heapq", "bisect", "statistics",
           "numbers", "fractions", "json", "textwrap", "warnings", "traceback", "linecache", "tokenize",
           "tempfile", "shutil", "weakref", "hashlib", "struct", "zlib", "base64", "uuid", "decimal",
           "glob", "fnmatch", "contextlib", "ast", "difflib")


def _signal_state() -> dict[int, Any]:
    state = {}
    for sig in signal.valid_signals():
        try:
            state[int(sig)] = signal.getsignal(sig)
        except (ValueError, OSError):
            continue
    return state


def apply_rlimits(limits: dict[str, list[int]]) -> None:
    import resource

    for name, (soft, hard) in limits.items():
        try:
            resource.setrlimit(getattr(resource, name), (int(soft), int(hard)))
        except (ValueError, OSError, AttributeError):
            pass  # a limit already lower than asked stays as it is


def _quiet_pybullet() -> None:
    """Import pybullet without the build-date banner its C module writes to descriptor 2 (it
    would otherwise be the last line of every job's stderr, and of the verdicts that quote it)."""
    if "pybullet" in sys.modules:
        return
    saved = os.dup(2)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        importlib.import_module("pybullet")
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load_job(job: str) -> tuple[Any, dict[str, Any] | None]:
    """Import the job's module, the modules it names in `SANDBOX_PRELOAD` and the preloaded
    modules: (the job function, None), or (None, the error answer) when the job cannot be
    loaded. Runs before any task code (in a warm sandbox, once in the fork server)."""
    _quiet_pybullet()
    module, _, func = job.partition(":")
    fn: Any = None
    failed: dict[str, Any] | None = None
    try:
        loaded = importlib.import_module(module)
        for name in getattr(loaded, "SANDBOX_PRELOAD", ()):  # what the job will import, loaded now
            importlib.import_module(str(name))
        fn = getattr(loaded, func)
    except BaseException as err:  # noqa: BLE001
        failed = {"ok": False, "error": f"job {job!r} cannot be loaded: {err}"}
    for name in (*PRELOAD, "numpy", "pybullet"):
        importlib.import_module(name)
    return fn, failed


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    from gensim.sandbox import guard, phases  # noqa: F401 - the guard is imported before any job

    apply_rlimits(request.get("rlimits") or {})
    phases.configure(request.get("phase_fd"))
    fn, failed = load_job(str(request["job"]))
    serve(request, fn, failed)
    return 0


def serve(request: dict[str, Any], fn: Any, failed: dict[str, Any] | None) -> None:
    """Arm the guard, run the job on the request's payload, write the answer; never returns.
    The request's rlimits and phase fd are already in force (`main`, or the fork server)."""
    token, verdict_fd = str(request.pop("token")), int(request["verdict_fd"])
    scratch = str(request["scratch"])
    from gensim.sandbox import guard

    info: dict[str, Any] = {"boundary": str(request.get("boundary")), "network": "netns",
                            "user": f"uid {os.getuid()} in a user namespace"}
    out: dict[str, Any] = failed or {}
    writable = tuple(str(p) for p in request.get("writable") or ())
    readable = tuple(str(p) for p in request.get("readable") or ())
    policy = guard.Policy(scratch=scratch, read_roots=(*writable, *readable), write_roots=writable,
                          output_bytes=int(request.get("output_bytes", 256 * 1024)),
                          code_roots=tuple(str(p) for p in request.get("packages") or ()))
    handlers = _signal_state()
    if request.get("guard", True):
        guard.arm(policy)
        info["guard"] = "audit-hook+import-allowlist"
    if fn is not None:
        try:
            out = {"ok": True, "result": fn(request["payload"])}
        except BaseException as err:  # noqa: BLE001 - everything the job raises is a verdict
            out = {"ok": False, "error": f"{type(err).__name__}: {err}"[:2000],
                   "traceback": traceback.format_exc()[-4000:]}
    violations = list(policy.violations)
    changed = [n for n, h in _signal_state().items() if handlers.get(n) is not h]
    if changed:
        violations.append(f"signal handlers changed: {sorted(changed)}")
    result = out.get("result")
    if violations and isinstance(result, dict) and "passed" in result:
        result["passed"] = False
        result["errors"] = [*list(result.get("errors") or []), *(f"sandbox: {v}" for v in violations[:20])]
        if result.get("stage") == "done":
            result["stage"] = "integrity"
    out.update(token=token, isolation=info, violations=violations[:200])
    try:
        data = _dumps(out).encode()
    except BaseException as err:  # noqa: BLE001 - a result that is not JSON is an error verdict
        data = _dumps({"ok": False, "error": f"unserialisable result: {err}", "token": token,
                       "isolation": info, "violations": violations[:200]}).encode()
    _lseek(verdict_fd, 0, os.SEEK_SET)  # whatever task code wrote to the channel goes
    _ftruncate(verdict_fd, 0)
    while data:
        data = data[_write(verdict_fd, data):]
    sys.stdout.flush()
    sys.stderr.flush()
    _exit(0)


if __name__ == "__main__":
    main()
