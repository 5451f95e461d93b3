"""Jobs that run inside the sandbox (`gensim.sandbox.run_in_sandbox`): they touch untrusted code.

Each takes and returns plain JSON. Nothing here writes outside the folder it is given.
"""

from __future__ import annotations

from typing import Any


def check_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Run `check_task` on task code; returns the verdict as JSON."""
    from gensim.tasks.checker import check_task

    verdict = check_task(
        payload["code"],
        name=payload.get("name"),
        seeds=payload.get("seeds"),
        threshold=float(payload.get("threshold", 0.75)),
    )
    return verdict.to_json()


def render_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Render a top-down PNG and an expert-rollout GIF of task code into `payload['out_dir']`."""
    from gensim.tasks.render import render_task

    return render_task(
        payload["code"], name=payload.get("name"), seed=int(payload.get("seed", 0)),
        out_dir=payload["out_dir"], gif=bool(payload.get("gif", True)),
    )
