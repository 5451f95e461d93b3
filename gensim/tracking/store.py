"""Reaching the MLflow tracking store: one-time setup, a fast reachability probe, one warning.

Tracking must never block work: when the store cannot be reached, the caller gets one line on
stderr and carries on with tracking off (the task DB still records everything).
"""

from __future__ import annotations

import os
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Any

PROBE_TIMEOUT_S = 2.0  # connect/read timeout of the reachability probe (seconds)

_warned: set[str] = set()
_warn_lock = threading.Lock()


def warn_once(key: str, message: str) -> None:
    """Write `message` as one line on stderr, the first time `key` is seen in this process."""
    with _warn_lock:
        if key in _warned:
            return
        _warned.add(key)
    sys.stderr.write(f"warning: {message}\n")
    sys.stderr.flush()


def import_mlflow() -> Any:
    """Import mlflow with telemetry off and short HTTP retries (a user's settings win)."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    # With a tracking server MLflow prints "View run ..." links on stdout, which breaks --json.
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    import logging

    import mlflow

    # MLflow's INFO lines (store creation, migrations) would interleave with gensim's output.
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return mlflow


def mask_uri(uri: str) -> str:
    """The URI with any password replaced by ***, for messages."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.password is None:
        return uri
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@", 1)
    return urllib.parse.urlunparse(parsed._replace(netloc=netloc))


def first_line(err: BaseException) -> str:
    """The first line of an exception's message, or its type name."""
    text = str(err).strip()
    return text.splitlines()[0][:300] if text else type(err).__name__


def probe(uri: str) -> str | None:
    """None if the tracking store at `uri` answers, else a short reason. Fast for servers."""
    parsed = urllib.parse.urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in ("http", "https"):
        return _probe_http(uri, parsed)
    if scheme.startswith("sqlite"):
        folder = Path(parsed.path).parent if parsed.path not in ("", "/:memory:") else None
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                return f"cannot create {folder}: {err.strerror or err}"
    elif scheme in ("", "file"):
        try:
            Path(parsed.path or uri).mkdir(parents=True, exist_ok=True)
        except OSError as err:
            return f"cannot create {parsed.path or uri}: {err.strerror or err}"
    return _probe_client(uri)


def _probe_http(uri: str, parsed: urllib.parse.ParseResult) -> str | None:
    import socket
    import urllib.error
    import urllib.request  # here: http.client and ssl are not needed for a local store

    port = parsed.port or (443 if parsed.scheme.lower() == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "localhost", port), PROBE_TIMEOUT_S):
            pass
    except OSError as err:
        return f"no answer at {parsed.hostname}:{port} ({err.strerror or err})"
    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=PROBE_TIMEOUT_S):
            return None
    except urllib.error.HTTPError as err:
        # The server answered; auth or routing is MLflow's business (it may not serve /health).
        return None if err.code < 500 else f"server error {err.code}"
    except OSError as err:
        return f"no answer from {uri} ({first_line(err)})"


def _probe_client(uri: str) -> str | None:
    """Open the store with MLflow (a new SQLite store runs MLflow's own migrations here)."""
    try:
        mlflow = import_mlflow()
        mlflow.tracking.MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    except Exception as err:
        return first_line(err)
    return None
