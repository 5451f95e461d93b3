"""`gensim ui`: the MLflow UI on 127.0.0.1 over gensim's tracking store.

It prints the URL of the experiments in MLflow 3's classic view (`?workflowType=machine_learning`;
the UI otherwise opens in its GenAI view, which shows traces, not runs), then one link per
gensim experiment to its runs, and tags those experiments as model development (the tag the UI
reads for an experiment's view). The server's routine messages (access log, start-up notes,
deprecation warnings) are dropped; anything else it prints comes through on stderr.

The server (`mlflow server`, which runs uvicorn) gets a process group of its own, so that Ctrl-C
or SIGTERM on `gensim ui` stops the whole group and leaves no worker behind; on Linux it is also
told to stop if `gensim ui` dies without cleaning up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from types import FrameType
from typing import Any, NoReturn

import typer

from gensim.cli.common import console, fail, out, print_json
from gensim.tracking.tracker import UI_VIEW_QUERY

app = typer.Typer()

STOP_GRACE_S = 10.0  # seconds the server group gets to exit after SIGTERM, before SIGKILL
POLL_S = 0.25  # seconds between readiness probes
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@app.callback(invoke_without_command=True)
def main(
    port: int = typer.Option(5000, help="TCP port; 0 picks a free one"),
    host: str = typer.Option("127.0.0.1", help="interface to bind (keep it local: no login)"),
    timeout: float = typer.Option(120.0, help="seconds to wait for the server to answer"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object once it answers"),
    tasks_port: int | None = typer.Option(None, show_default=False,
                                   help="port of the task library browser [default: --port + 1; free with --port 0]; -1: none"),
    render: bool = typer.Option(False, "--render", help="render every task's missing pictures before serving"),
) -> None:
    """Serve the MLflow UI over gensim's runs until Ctrl-C; prints the URL once it answers.

    With --json it prints {"url", "port", "pid"} once the server answers (--port 0: a free port).

    Examples:
      gensim ui
      gensim ui --port 0 --json
    """
    from gensim.config import get_settings
    from gensim.tracking.store import mask_uri

    settings = get_settings()
    if settings.tracking_uri.startswith(("http://", "https://")):
        # Tracking goes to a server already: that server is the UI (its login is its own).
        parsed = urllib.parse.urlparse(settings.tracking_uri)
        bare = parsed._replace(netloc=parsed.netloc.rsplit("@", 1)[-1]).geturl()
        _announce(bare, None, None, mask_uri(settings.tracking_uri), json_out, _experiment_links(bare))
        return
    if not 0 <= port <= 65535:
        fail(f"--port must be in 0..65535, got {port}")
    if timeout <= 0:
        fail(f"--timeout must be positive, got {timeout}")
    browser_port = _browser_port(port, tasks_port)  # task library browser (gensim.web)
    port = _pick_port(host, port)
    if browser_port >= 0:
        browser_port = _pick_port(host, browser_port)
    if host not in _LOCAL_HOSTS:
        console.print(f"[yellow]warning:[/] the UI has no login; {host} exposes it beyond this machine")
    settings.home_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false",
               PYTHONWARNINGS="ignore")  # the server's own deprecations are not the user's business
    cmd = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", settings.tracking_uri,
        "--registry-store-uri", settings.tracking_uri,
        "--default-artifact-root", settings.artifact_root,
        "--host", host, "--port", str(port), "--workers", "1",
        "--uvicorn-opts", "--no-access-log --log-level warning",
    ]
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    # The server logs to stderr only: stdout stays one parseable line (or --json document).
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=_stop_with_parent())
    relay = threading.Thread(target=_relay, args=(proc,), daemon=True, name="gensim-ui-log")
    relay.start()
    browser = None
    try:
        browser = _task_browser(host, browser_port, url, render)  # --- task library browser (gensim.web)
        if not _wait_ready(proc, url, timeout):
            if proc.poll() is not None:
                fail(f"the MLflow server exited with code {proc.returncode} before answering "
                     "(its messages are above)", 1)
            fail(f"the MLflow server did not answer at {url} within {timeout:g} s", 1)
        _announce(url, port, proc.pid, mask_uri(settings.tracking_uri), json_out, _experiment_links(url))
        if browser is not None:
            console.print(f"Task library: {browser.url}/", highlight=False)
        code = proc.wait()
        if code != 0:
            fail(f"the MLflow server stopped with code {code}", 1)
    except KeyboardInterrupt:
        console.print("stopping the MLflow UI")
    finally:
        if browser is not None:
            browser.stop()
        _stop_group(proc)
        signal.signal(signal.SIGTERM, previous)


def _browser_port(mlflow_port: int, asked: int | None) -> int:
    """The task browser's port: as asked, else next to the MLflow UI's (a free one with --port 0)."""
    if asked is not None:
        if not -1 <= asked <= 65535:
            fail(f"--tasks-port must be in -1..65535, got {asked}")
        return asked
    return 0 if mlflow_port in (0, 65535) else mlflow_port + 1


def _task_browser(host: str, port: int, mlflow_url: str, render: bool) -> Any:
    """The task library browser (`gensim.web`) on its own port (its URL is printed on stderr)."""
    if port < 0:
        return None
    from gensim.errors import GensimError
    from gensim.generation.library import sync_builtins
    from gensim.web.app import State
    from gensim.web.media import Renderer, render_all
    from gensim.web.server import start_browser

    try:
        sync_builtins()  # built-ins in the DB, as `gensim tasks list` and `search` make sure
        if render:
            console.print(f"rendered task pictures: {render_all()}", highlight=False)
    except GensimError as err:
        console.print(f"[yellow]warning:[/] no task library browser: {err}", highlight=False)
        return None
    return start_browser(host, port, State(renderer=Renderer(), mlflow_url=mlflow_url))


def _announce(url: str, port: int | None, pid: int | None, store: str, json_out: bool,
              links: dict[str, str]) -> None:
    home = f"{url}/#/experiments?{UI_VIEW_QUERY}"
    if json_out:
        print_json({"url": url, "port": port, "pid": pid, "tracking_uri": store, "home": home,
                    "experiments": links})
    else:
        out.print(f"MLflow UI: {home}", highlight=False)
        for name, link in links.items():
            out.print(f"  {name:<16} {link}", highlight=False)
        if not links:
            out.print("  (no gensim runs yet: demos, train, eval and generate each log one)", highlight=False)
        if pid is not None:
            console.print(f"store {store}; Ctrl-C stops it", highlight=False)
    sys.stdout.flush()


def _experiment_links(url: str) -> dict[str, str]:
    """The runs page of each gensim experiment the server knows, tagging each as model
    development on the way (through the server's REST API: no mlflow import here)."""
    import urllib.request  # here: its import (http, ssl, email) is 50 ms of every command's start

    from gensim.tracking.tracker import EXPERIMENT_KIND, EXPERIMENT_KIND_TAG, EXPERIMENTS

    links: dict[str, str] = {}
    for name in EXPERIMENTS:
        query = urllib.parse.urlencode({"experiment_name": name})
        try:
            with urllib.request.urlopen(f"{url}/api/2.0/mlflow/experiments/get-by-name?{query}",
                                        timeout=5) as reply:
                found = json.load(reply)["experiment"]
        except (OSError, ValueError, KeyError):  # not there yet (404), or no answer
            continue
        experiment_id = str(found["experiment_id"])
        tags = {tag.get("key"): tag.get("value") for tag in found.get("tags", [])}
        if EXPERIMENT_KIND_TAG not in tags:
            body = json.dumps({"experiment_id": experiment_id, "key": EXPERIMENT_KIND_TAG,
                               "value": EXPERIMENT_KIND}).encode()
            request = urllib.request.Request(
                f"{url}/api/2.0/mlflow/experiments/set-experiment-tag", data=body, method="POST",
                headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=5).close()
            except OSError:
                pass  # the view toggle in the UI still works
        links[name] = f"{url}/#/experiments/{experiment_id}/runs?{UI_VIEW_QUERY}"
    return links


# Routine lines of the MLflow server that tell a gensim user nothing.
_SERVER_NOISE = ("Registry store URI not provided", "[MLflow] Security middleware enabled")


def _relay(proc: subprocess.Popen[bytes]) -> None:
    """Copy the server's output to stderr, without its routine lines."""
    assert proc.stdout is not None
    for raw in iter(proc.stdout.readline, b""):
        line = raw.decode(errors="replace")
        if not line.startswith(_SERVER_NOISE):
            sys.stderr.write(line)
            sys.stderr.flush()


def _pick_port(host: str, port: int) -> int:
    """`port` if it is free on `host`, a free port when it is 0; a clear error when taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as err:
            if port == 0:
                fail(f"cannot bind {host}: {err.strerror or err}")
            fail(f"port {port} on {host} is taken ({err.strerror or err}); "
                 "choose another with --port, or --port 0 for a free one")
        return int(sock.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[bytes], url: str, timeout: float) -> bool:
    """True once `url`/health answers 200; False if the server exits or `timeout` passes."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(POLL_S)
    return False


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, SIGKILL after the grace period; wait for all."""
    pgid = proc.pid  # start_new_session made the server the leader of its own group
    for sig, grace in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if proc.poll() is not None and not _group_alive(pgid):
                break
            time.sleep(0.1)
    proc.poll()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _raise_interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM takes the same clean path as Ctrl-C."""
    raise KeyboardInterrupt


def _stop_with_parent() -> Callable[[], None] | None:
    """On Linux, a hook for the server's process (run before exec) that has the kernel send it
    SIGTERM when `gensim ui` dies; libc is loaded here, before the fork."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return hook
