"""Everything gensim knows about one task version (what `gensim tasks show` prints)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gensim.db.models import id_of


def stored_warnings(results: Iterable[Any]) -> list[str]:
    """The checker's warnings in a version's validation results (habits of model-written code it
    absorbed, e.g. a debugging import stubbed), each once, in order."""
    out: list[str] = []
    for r in results:
        found = r.details.get("warnings") if isinstance(r.details, dict) else None
        out += [str(w) for w in found or [] if str(w) not in out]
    return out


def task_record(name: str, version: int | None = None) -> dict[str, Any]:
    """Description, code, lineage both ways, verdicts, datasets, policies and MLflow runs."""
    from gensim.config import get_settings
    from gensim.db import provenance as prov
    from gensim.db import repository as repo
    from gensim.db.session import ensure_schema
    from gensim.errors import UnknownNameError
    from gensim.generation.library import sync_builtins

    ensure_schema()
    sync_builtins()
    try:
        task = repo.get_task(name)
    except UnknownNameError:
        raise
    from gensim.errors import UsageError
    from gensim.tasks.names import origin_label

    try:  # the default version is the newest admitted one (the one list, check and demos use)
        v = repo.get_task_version(name, version=version, status="admitted" if version is None else None)
    except UsageError:
        if version is not None:
            raise
        v = repo.get_task_version(name)  # nothing admitted: the newest, with its rejection
    names = {t.id: t.name for t in repo.list_tasks()}

    def ref(link: Any) -> dict[str, Any]:
        return {"task": names.get(link.version.task_id, "?"), "version": link.version.version,
                "relation": link.relation, "status": link.version.status}

    versions = repo.list_versions(name)
    results = prov.validation_results(id_of(v))
    warnings = stored_warnings(results)
    tracking = get_settings().tracking_uri
    return {
        "name": task.name, "origin": task.origin, "tags": list(task.tags), "version": v.version,
        "label": origin_label(task.origin, provider=v.provider, model=v.model, campaign_id=v.campaign_id),
        "versions": [{"version": x.version, "status": x.status, "stage": x.rejection_stage} for x in versions],
        "status": v.status, "rejection_stage": v.rejection_stage, "rejection_reason": v.rejection_reason,
        "description": v.description, "code_hash": v.code_hash, "code": v.code, "assets": list(v.assets),
        "provider": v.provider, "model": v.model, "prompts": dict(v.prompts),
        "success_rate": v.success_rate, "seeds": list(v.seeds), "created_at": str(v.created_at),
        "campaign_id": v.campaign_id,
        "parents": [ref(link) for link in repo.parents_of(id_of(v))],
        "children": [ref(link) for link in repo.children_of(id_of(v))],
        "validation": [{"stage": r.stage, "passed": r.passed, "seconds": round(r.seconds, 3), "error": r.error}
                       for r in results],
        "warnings": warnings,
        "source": dict(v.source),
        "datasets": [{"id": d.id, "name": d.name, "split": d.split, "episodes": d.n_episodes, "path": d.path,
                      "mlflow_run_id": d.mlflow_run_id} for d in prov.datasets_for_version(id_of(v))],
        "policies": [{"id": c.id, "path": c.path, "model": f"{c.registered_model_name}:{c.registered_model_version}"
                      if c.registered_model_name else None, "mlflow_run_id": c.mlflow_run_id}
                     for c in prov.checkpoints_for_version(id_of(v))],
        "mlflow_run_id": v.mlflow_run_id,
        "mlflow": _run_link(tracking, v.mlflow_run_id),
    }


def _run_link(tracking_uri: str, run_id: str | None) -> str | None:
    """The candidate run's page (as the commands print theirs) when the home knows the
    experiment's id, else the store and the run id; no MLflow import either way."""
    if not run_id:
        return None
    from gensim.tracking import GENERATE, Tracker, run_link
    from gensim.tracking.outbox import cached_experiment_id
    from gensim.tracking.tracker import UI_VIEW_QUERY

    experiment_id = cached_experiment_id(tracking_uri, GENERATE)
    if experiment_id is None:
        return f"{tracking_uri} (run {run_id}); open it with `gensim ui`"
    base = Tracker(tracking_uri, "unused").ui_base()
    return run_link(f"{base}/#/experiments/{experiment_id}/runs/{run_id}?{UI_VIEW_QUERY}")
