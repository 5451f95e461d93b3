"""`gensim ui`: the MLflow UI on 127.0.0.1 over the embedded tracking store."""

from __future__ import annotations

import os
import subprocess
import sys

import typer

from gensim.cli.common import console

app = typer.Typer(help="Start the MLflow UI on 127.0.0.1 over gensim's tracking store.")


@app.callback(invoke_without_command=True)
def main(
    port: int = typer.Option(5000, help="TCP port on 127.0.0.1"),
    host: str = typer.Option("127.0.0.1", help="interface to bind (keep it local)"),
) -> None:
    """Run `mlflow ui` on the gensim store until Ctrl-C.

    Example: `gensim ui --port 5001`, then open http://127.0.0.1:5001
    """
    from gensim.config import get_settings

    settings = get_settings()
    settings.home_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    cmd = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", settings.tracking_uri,
        "--default-artifact-root", settings.artifact_root,
        "--host", host, "--port", str(port), "--workers", "1",
    ]
    console.print(f"MLflow UI on http://{host}:{port} (store {settings.tracking_uri})")
    try:
        subprocess.run(cmd, env=env, check=False)
    except KeyboardInterrupt:
        pass
