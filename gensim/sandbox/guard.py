"""The in-process guard of the sandbox child: an audit hook, an import allowlist, output caps.

`arm(policy)` is called by the child after the job's modules are imported and before any task
code is loaded. From then on:
- an audit hook (`sys.addaudithook`; Python code cannot remove it) refuses process creation
  (`os.system`, `os.exec*`, `os.fork`, `os.posix_spawn`, `subprocess.Popen`...), signals to other
  processes, sockets and HTTP, ctypes, memory maps, tracing and `gc` introspection, `chdir`;
  allows `open` for writing and file removal/renaming only under the scratch folder, and
  reading only under the scratch folder, the gensim package and the Python installation;
- for calls made directly by task code (frames whose file is not under a trusted root) it also
  refuses `compile`/`exec`/`eval`, new code or function objects, frame access
  (`sys._getframe`, `tb_frame`, `gi_frame`...), replacing a function's `__code__`, and `open`
  of raw file descriptors (plain class attributes raise no audit event: the check job watches
  the classes and modules that decide a verdict instead);
- `__import__` enforces the import allowlist on task code's own imports, and a meta-path
  finder refuses fresh imports of dangerous modules (subprocess, socket, ctypes,
  multiprocessing...) whenever task code is on the stack;
- `signal.signal` and friends, and `os._exit`, are replaced by refusals;
- `sys.stdout`/`sys.stderr` drop what goes beyond a cap.
Every refusal raises `PermissionError("sandbox: ...")` (an `ImportError` for imports) and is
recorded; the check job fails a task with any recorded refusal, even one it caught.

Everything the hook uses is captured in closures at arm time, so task code that replaces
module attributes (`os.path.realpath`, builtins...) cannot weaken it. Known limits are listed
in docs/sandbox.md.
"""

from __future__ import annotations

import builtins
import os
import stat
import sys
import types
from dataclasses import dataclass, field
from typing import Any

ALLOWED_IMPORTS = frozenset({
    "numpy", "math", "random", "copy", "itertools", "collections", "functools", "dataclasses",
    "typing", "enum", "pprint", "string", "re", "os", "time", "abc", "operator", "heapq", "bisect",
    "statistics", "numbers", "fractions", "json", "textwrap", "warnings", "typing_extensions",
    "pybullet", "pybullet_data", "cliport", "__future__",
})
ALLOWED_GENSIM = ("gensim.tasks", "gensim.sim")
DENIED_MODULES = frozenset({
    "subprocess", "_posixsubprocess", "socket", "_socket", "ssl", "_ssl", "select", "selectors",
    "ctypes", "_ctypes", "cffi", "multiprocessing", "_multiprocessing", "concurrent", "asyncio",
    "urllib", "http", "requests", "httpx", "urllib3", "ftplib", "smtplib", "telnetlib", "poplib",
    "imaplib", "xmlrpc", "socketserver", "webbrowser", "pty", "mmap", "resource", "gc", "pickle",
    "_pickle", "marshal", "shelve", "dbm", "sqlite3", "_sqlite3", "openai", "mlflow", "psutil",
})
TASK_DENIED_EXTRA = frozenset({"sys", "builtins", "importlib", "inspect", "signal", "_signal",
                               "threading", "_thread", "shutil", "tempfile", "io", "_io", "posix"})

_ALWAYS_DENIED = frozenset({
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg", "signal.pthread_kill", "os.chdir",
    "os.chroot", "sys.settrace", "sys.setprofile", "gc.get_objects", "gc.get_referrers",
    "gc.get_referents", "sys._current_frames", "mmap.__new__", "resource.setrlimit",
    "resource.prlimit", "urllib.Request", "http.client.connect", "http.client.send",
    "webbrowser.open", "ftplib.connect", "smtplib.connect", "poplib.connect", "imaplib.open",
    "telnetlib.Telnet.open", "nntplib.connect", "sys.addaudithook", "os.setuid",
})
_DENIED_PREFIXES = ("socket.", "ctypes.", "_ctypes.")
_TASK_DENIED = frozenset({
    "compile", "exec", "code.__new__", "function.__new__", "sys._getframe", "marshal.loads",
    "marshal.load", "pickle.find_class", "builtins.input", "cpython._PySys_ClearAuditHooks",
})
_FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_code", "__code__",
                          "__globals__"})
_WRITE_EVENTS = {  # event -> positions of path arguments that must lie under the scratch folder
    "os.remove": (0,), "os.rename": (0, 1), "os.rmdir": (0,), "os.mkdir": (0,), "os.chmod": (0,),
    "os.chown": (0,), "os.link": (0, 1), "os.symlink": (1,), "os.truncate": (0,), "os.utime": (0,),
    "os.mkfifo": (0,), "os.mknod": (0,), "os.setxattr": (0,), "os.removexattr": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.copymode": (1,), "shutil.copystat": (1,),
    "shutil.copytree": (1,), "shutil.move": (0, 1), "shutil.chown": (0,), "shutil.make_archive": (0,),
    "shutil.unpack_archive": (1,), "tempfile.mkstemp": (0,), "tempfile.mkdtemp": (0,),
}
_READ_EVENTS = {"os.listdir": (0,), "os.scandir": (0,), "os.listxattr": (0,), "glob.glob": (0,),
                "shutil.copyfile": (0,), "shutil.copytree": (0,)}
PYBULLET_REFUSED = ("saveWorld", "saveBullet", "startStateLogging", "loadPlugin", "executePluginCommand",
                    "unloadPlugin", "restoreState", "loadBullet", "loadMJCF", "loadSDF")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


@dataclass
class Policy:
    """What the guarded child may touch."""

    scratch: str  # the only folder task code may write under
    read_roots: tuple[str, ...] = ()  # extra folders it may read under (besides trusted ones)
    write_roots: tuple[str, ...] = ()  # extra folders it may write under (a job's output folder)
    output_bytes: int = 256 * 1024  # Python-level stdout/stderr kept per stream
    code_roots: tuple[str, ...] = ()  # more folders of trusted code (packages a caller bound in)
    violations: list[str] = field(default_factory=list)  # refusals, in order (filled while armed)


def trusted_roots() -> tuple[str, ...]:
    """Folders whose code is trusted and readable: the gensim package and the Python install."""
    import gensim

    roots = {os.path.dirname(os.path.realpath(gensim.__file__))}
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        roots.add(os.path.realpath(prefix))
    for path in sys.path:
        if "site-packages" in path or "dist-packages" in path:
            roots.add(os.path.realpath(path))
    return tuple(sorted(roots))


SYSTEM_READ = ("/dev/null", "/dev/urandom", "/dev/random", "/proc/cpuinfo", "/proc/meminfo",
               "/proc/self/stat", "/proc/self/status", "/proc/self/maps", "/proc/self/cgroup",
               "/sys/devices/system/cpu", "/sys/fs/cgroup", "/etc/localtime", "/usr/share/zoneinfo",
               "/usr/lib", "/lib", "/usr/local/lib")


_ARMED: dict[str, Any] = {}
LOADER_FILES = ("gensim/tasks/loader.py",)


def task_code_calling(depth: int = 2) -> bool:
    """Whether the code that called our caller (skipping the loader's pybullet proxy) is task
    code; False before `arm`."""
    is_task = _ARMED.get("is_task")
    if is_task is None:
        return False
    frame: Any = sys._getframe(depth)
    while frame is not None and frame.f_code.co_filename.endswith(LOADER_FILES):
        frame = frame.f_back
    return frame is not None and bool(is_task(frame))


def refuse(what: str) -> None:
    """Record a refusal and raise `PermissionError` (plain raise before `arm`)."""
    fn = _ARMED.get("refuse")
    if fn is None:
        raise PermissionError(f"sandbox: {what}")
    fn(what)


def arm(policy: Policy) -> Policy:
    """Install the audit hook, the import guard, the signal and exit refusals, the output caps."""
    trusted = (*trusted_roots(), *policy.code_roots)
    readable = tuple({*trusted, *policy.read_roots, *SYSTEM_READ, policy.scratch})
    writable = (policy.scratch, "/dev/null", *policy.write_roots)
    code_roots = tuple(r + "/" for r in trusted) + ("<",)
    hook, is_task, refuse = _make_hook(policy, readable, writable, code_roots)
    _ARMED.update(is_task=is_task, refuse=refuse)
    _install_import_guard(is_task, refuse)
    _install_refusals(refuse)
    sys.stdout = _Capped(sys.stdout, policy.output_bytes)
    sys.stderr = _Capped(sys.stderr, policy.output_bytes)
    sys.addaudithook(hook)
    return policy


def _make_hook(policy: Policy, readable: tuple[str, ...], writable: tuple[str, ...],
               code_roots: tuple[str, ...]) -> tuple[Any, Any, Any]:
    # Captured once: task code may replace the module attributes, not these references.
    _getframe, _get_ident = sys._getframe, __import__("_thread").get_ident
    _fspath, _getcwd, _lstat, _readlink, _islnk = os.fspath, os.getcwd, os.lstat, os.readlink, stat.S_ISLNK
    _isinstance, _str, _bytes, _int, _type, _len, _repr = isinstance, str, bytes, int, type, len, repr
    _PermissionError, _getattr = PermissionError, getattr
    violations = policy.violations
    always, prefixes, task_only, frame_attrs = _ALWAYS_DENIED, _DENIED_PREFIXES, _TASK_DENIED, _FRAME_ATTRS
    writes, reads, wflags = _WRITE_EVENTS, _READ_EVENTS, _WRITE_FLAGS
    busy: set[int] = set()
    trusted_files: dict[str, bool] = {}

    def refuse(what: str) -> None:
        if _len(violations) < 200:
            violations.append(what)
        raise _PermissionError(f"sandbox: {what}")

    def is_task(frame: Any) -> bool:
        name = frame.f_code.co_filename
        known = trusted_files.get(name)
        if known is None:
            known = trusted_files[name] = name.startswith(code_roots)
        return not known

    def resolve(path: Any) -> str:
        p = _fspath(path)
        if _isinstance(p, _bytes):
            p = p.decode("utf-8", "surrogateescape")
        if not p.startswith("/"):
            p = _getcwd() + "/" + p
        todo, hops = p.split("/"), 0
        done: list[str] = []
        while todo:
            part = todo.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            candidate = "/" + "/".join([*done, part])
            try:
                mode = _lstat(candidate).st_mode
            except OSError:
                done.append(part)
                continue
            if _islnk(mode):
                hops += 1
                if hops > 40:
                    refuse(f"too many symbolic links in {p}")
                target = _readlink(candidate)
                if target.startswith("/"):
                    done = []
                todo = target.split("/") + todo
                continue
            done.append(part)
        return "/" + "/".join(done)

    def under(path: str, roots: tuple[str, ...]) -> bool:
        for root in roots:
            if path == root or path.startswith(root + "/"):
                return True
        return False

    def check_path(arg: Any, roots: tuple[str, ...], verb: str) -> None:
        if _isinstance(arg, _int) or arg is None:
            return
        path = resolve(arg)
        if not under(path, roots):
            refuse(f"{verb} {path} (outside the sandbox's folders)")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        tid = _get_ident()
        if tid in busy:
            return
        busy.add(tid)
        try:
            if event == "open":
                path, mode, flags = args
                if _isinstance(path, _int):
                    if is_task(_getframe(1)):
                        refuse(f"task code may not open file descriptor {path}")
                    return
                writing = (_isinstance(mode, _str) and ("w" in mode or "a" in mode or "x" in mode
                                                        or "+" in mode)) or (
                    mode is None and _isinstance(flags, _int) and flags & wflags)
                if writing:
                    check_path(path, writable, "writing")
                else:
                    check_path(path, readable, "reading")
            elif event in always or event.startswith(prefixes):
                refuse(f"{event} is not allowed")
            elif event in writes:
                for i in writes[event]:
                    if i < _len(args):
                        check_path(args[i], writable, f"{event} on")
                if event in reads:
                    check_path(args[reads[event][0]], readable, f"{event} on")
            elif event in reads:
                arg = args[reads[event][0]] if args else "."
                check_path("." if arg is None else arg, readable, f"{event} on")
            elif event == "object.__getattr__":
                if args[1] in frame_attrs and is_task(_getframe(1)):
                    refuse(f"task code may not read {_type(args[0]).__name__}.{args[1]}")
            elif event in ("object.__setattr__", "object.__delattr__"):
                target = args[0]
                if (_isinstance(target, _type) or args[1] in ("__code__", "__globals__")) and is_task(_getframe(1)):
                    name = _getattr(target, "__name__", _repr(target)[:40])
                    refuse(f"task code may not change {name}.{args[1]}")
            elif event in task_only and is_task(_getframe(1)):
                refuse(f"task code may not call {event}")
        finally:
            busy.discard(tid)

    return hook, is_task, refuse


class _DenyFinder:
    """First on `sys.meta_path`: refuses fresh imports of dangerous modules while task code is
    on the stack (trusted code imported before the guard was armed is not affected)."""

    def __init__(self, refuse: Any, is_task: Any) -> None:
        self._refuse = refuse
        self._is_task = is_task
        self._getframe = sys._getframe

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] not in DENIED_MODULES:
            return None
        frame: Any = self._getframe(1)
        while frame is not None:
            if self._is_task(frame):
                try:
                    self._refuse(f"import of {name}")
                except PermissionError as err:
                    raise ImportError(str(err), name=name) from None
            frame = frame.f_back
        return None


def _install_import_guard(is_task: Any, refuse: Any) -> None:
    real_import = builtins.__import__
    _getframe = sys._getframe
    loader_files = LOADER_FILES
    allowed, denied = ALLOWED_IMPORTS, DENIED_MODULES | TASK_DENIED_EXTRA

    def guarded_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                       level: int = 0) -> types.ModuleType:
        frame: Any = _getframe(1)
        while frame is not None and frame.f_code.co_filename.endswith(loader_files):
            frame = frame.f_back
        if frame is not None and is_task(frame):
            top = name.split(".")[0]
            ok = level == 0 and top not in denied and (top in allowed or name.startswith(ALLOWED_GENSIM))
            if not ok:
                try:
                    refuse(f"task code may not import {name!r}")
                except PermissionError as err:
                    raise ImportError(str(err), name=name) from None
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded_import
    sys.meta_path.insert(0, _DenyFinder(refuse, is_task))  # type: ignore[arg-type]


def _install_refusals(refuse: Any) -> None:
    import signal

    def refused(what: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            refuse(f"{what} is not allowed")
        return call

    for name in ("signal", "siginterrupt", "setitimer", "alarm", "pthread_sigmask", "set_wakeup_fd",
                 "pthread_kill", "raise_signal"):
        if hasattr(signal, name):
            setattr(signal, name, refused(f"signal.{name}"))

    def exit_now(code: int = 0) -> None:
        refuse_exit = f"os._exit({code}) called by task code"
        try:
            refuse(refuse_exit)
        except PermissionError:
            raise SystemExit(f"sandbox: {refuse_exit}") from None

    os._exit = exit_now  # type: ignore[assignment]
    import pybullet

    # Functions that write or load files from C (no audit event): the environment never uses them.
    for name in PYBULLET_REFUSED:
        if hasattr(pybullet, name):
            setattr(pybullet, name, refused(f"pybullet.{name}"))
    for name in ("abort", "setsid", "setpgid", "nice", "sched_setaffinity"):
        if hasattr(os, name):
            setattr(os, name, refused(f"os.{name}"))


class _Capped:
    """A text stream that keeps the first `limit` bytes written and drops the rest."""

    def __init__(self, stream: Any, limit: int) -> None:
        self._stream = stream
        self._left = limit
        self.truncated = False

    def write(self, text: str) -> int:
        if self._left > 0:
            part = text[: self._left]
            self._left -= len(part)
            self._stream.write(part)
            if len(part) < len(text):
                self._stream.write("\n[sandbox: output truncated]\n")
                self.truncated = True
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
