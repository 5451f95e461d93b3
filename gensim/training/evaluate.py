"""`evaluate(model, tasks, episodes)`: the library function behind `gensim eval`.

The policy plays each task on its test seeds (odd from 10001); success rate and mean reward
per task. One MLflow run in `gensim/eval` holds per-task metrics, rollout GIFs of a few
episodes (successes and failures), a success-per-task bar chart and the results as JSON; the
evaluated checkpoint's DB row gets the results in its metrics. Built-in tasks play in this
process; tasks with code play in the sandbox (see `gensim.training.rollout`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gensim.checking import conventions
from gensim.errors import UsageError
from gensim.interrupts import Interrupted
from gensim.training.rollout import Outcome, rollouts, summary

Report = Callable[[str], None]
Progress = Callable[[dict[str, Any]], None]
GIF_EPISODES = 4  # episodes rendered per task (the first test seeds); GIFs of up to 2+2 kept


def test_seeds(n: int) -> list[int]:
    """The first `n` test seeds of the convention (odd from 10001)."""
    return conventions.eval_seeds(n)


@dataclass
class EvalReport:
    """What an evaluation measured; `to_json()` is the CLI's `--json` object."""

    model: str
    checkpoint: str
    results: dict[str, dict[str, Any]]  # task -> success_rate, mean_reward, episodes
    mlflow_run_id: str | None = None
    mlflow_url: str | None = None  # the run's page in the MLflow UI
    seconds: float = 0.0
    episodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per-episode detail
    robot: str = "none"  # the embodiment that executed the policy's actions

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc.pop("episodes")
        return doc


def _task_fields(name: str) -> dict[str, Any]:
    from gensim.data.catalog import pin_task

    pinned = pin_task(name)
    return {**pinned.job_fields(), "version": pinned.version, "version_id": pinned.version_id}


def evaluate(model: str, tasks: Sequence[str], episodes: int, *, gif_episodes: int = GIF_EPISODES,
             report: Report | None = None, track: bool = True, cpu_threads: int = 0,
             progress: Progress | None = None, robot: str | None = None,
             defer_tracking: bool = False) -> EvalReport:
    """Evaluate `model` (a reference `gensim.training.models.resolve_model` accepts);
    `cpu_threads` sets torch's CPU threads (0: the cores the load leaves free, see
    `gensim.training.config.torch_threads`). `robot`: the embodiment that executes the policy's
    actions; None takes the one the model was trained for, another one is a `UsageError`.

    `report` gets one line per finished task; `progress` an event after every episode (after
    every task for tasks played in the sandbox) with the keys `done`, `total` (episodes over all
    tasks), `successes` (so far, over all tasks) and `task`. `defer_tracking` logs the MLflow
    run after the call through the home's outbox (`gensim.tracking.outbox`; the report then has
    the run's link but no run id unless it was logged here).
    """
    from gensim.policies.agent import PolicyAgent, read_checkpoint
    from gensim.sim.arm import check_robot
    from gensim.training.models import checkpoint_robot, require_same_robot, resolve_model

    if robot is not None:
        check_robot(robot)
    if episodes < 1:
        raise UsageError("--episodes must be at least 1")
    names = [t.strip() for t in tasks if t.strip()]
    if not names:
        raise UsageError("no tasks: give --tasks a,b,c")
    say = report or (lambda _line: None)
    started_at = time.time()  # the MLflow run opened after the work covers all of it
    # The model and the tasks are resolved before torch is imported: mistakes fail fast, the
    # cheap checks first (task names in the registry, the model in the task DB), then the pins
    # (which open the task DB through its ORM).
    from gensim.tasks.registry import get_spec

    for name in names:
        get_spec(name)
    resolved = resolve_model(model)
    fields = {name: _task_fields(name) for name in names}
    if track and resolved.checkpoint_id is not None:  # its DB row is updated through the ORM at
        from gensim.db.quick import import_orm_meanwhile  # the end: import it while torch loads

        import_orm_meanwhile()
    doc = read_checkpoint(resolved.checkpoint)  # read once: its robot, then its weights
    robot = require_same_robot(resolved.ref, checkpoint_robot(resolved.checkpoint, doc), robot)
    import torch

    from gensim.training.config import torch_threads

    torch.set_num_threads(torch_threads(cpu_threads))
    agent = PolicyAgent.from_checkpoint(resolved.checkpoint, doc=doc)
    del doc
    seeds = test_seeds(episodes)
    start = time.perf_counter()
    outcomes: dict[str, list[Outcome]] = {}
    try:
        _play(agent, resolved, fields, names, seeds, gif_episodes, robot, outcomes, say, progress)
    except KeyboardInterrupt as err:
        if isinstance(err, Interrupted):
            raise
        kept = _keep_partial(resolved, fields, outcomes, episodes, started_at, robot) if track else None
        raise Interrupted(_interrupted_note(resolved.ref, outcomes, len(names) * episodes, kept)) from None
    result = EvalReport(model=resolved.ref, checkpoint=str(resolved.checkpoint),
                        results={n: summary(o) for n, o in outcomes.items()},
                        seconds=round(time.perf_counter() - start, 3),
                        episodes={n: [x.to_json() for x in o] for n, o in outcomes.items()}, robot=robot)
    if track:
        try:
            _record(result, resolved, fields, outcomes, started_at, defer_tracking)
        except KeyboardInterrupt as err:
            if isinstance(err, Interrupted):
                raise
            raise Interrupted(f"evaluation of {resolved.ref} stopped while recording its results (all "
                              f"{len(names) * episodes} episodes played): its MLflow run ends KILLED, the "
                              "task DB keeps each write whole or not at all; rerun the same command to "
                              "evaluate again") from None
    return result


def _play(agent: Any, resolved: Any, fields: dict[str, dict[str, Any]], names: list[str], seeds: list[int],
          gif_episodes: int, robot: str, outcomes: dict[str, list[Outcome]], say: Report,
          progress: Progress | None) -> None:
    """Play every task's test seeds into `outcomes` (filled as episodes end: an interrupt leaves
    what was played)."""
    done = successes = 0
    for name in names:
        # Built-in tasks play here one episode at a time (progress after each); a task with code
        # plays all its episodes in one sandboxed child, whose start-up is too dear to repeat.
        chunks = [seeds] if fields[name].get("code") is not None else [[s] for s in seeds]
        outcomes[name] = []
        for chunk in chunks:
            played = rollouts(agent, resolved.checkpoint, fields[name], chunk, split="test",
                              render=[s for s in chunk if s in seeds[:gif_episodes]], robot=robot)
            outcomes[name] += played
            done += len(played)
            successes += sum(o.success for o in played)
            if progress is not None:
                progress({"done": done, "total": len(names) * len(seeds), "successes": successes,
                          "task": name})
        stats = summary(outcomes[name])
        errors = sum(o.error is not None for o in outcomes[name])
        say(f"{name}: success {stats['success_rate']:.0%} ({sum(o.success for o in outcomes[name])}"
            f"/{len(outcomes[name])}), mean reward {stats['mean_reward']:.3f}"
            + (f", {errors} episode(s) failed with an error" if errors else ""))


def _interrupted_note(model: str, outcomes: dict[str, list[Outcome]], total: int, kept: str | None) -> str:
    """What an interrupted evaluation had measured, and where that is kept."""
    played = {task: items for task, items in outcomes.items() if items}
    done = sum(len(items) for items in played.values())
    so_far = ", ".join(f"{task} {sum(o.success for o in items)}/{len(items)} succeeded"
                       for task, items in played.items())
    where = f"kept in {kept}" if kept else "nothing recorded"
    return (f"evaluation of {model} stopped after {done} of {total} episodes"
            + (f" ({so_far})" if so_far else "") + f"; {where}; the checkpoint's metrics are unchanged; "
            "rerun the same command to evaluate again")


def _keep_partial(resolved: Any, fields: dict[str, dict[str, Any]], outcomes: dict[str, list[Outcome]],
                  episodes: int, started_at: float, robot: str | None) -> str | None:
    """The episodes played so far as a KILLED run of gensim/eval, through the outbox (no MLflow
    import here; a detached writer logs it); where it is, or None when nothing was played."""
    from gensim.tracking import EVAL
    from gensim.tracking.outbox import deferred_run

    played = {task: items for task, items in outcomes.items() if items}
    if not played:
        return None
    results = {task: summary(items) for task, items in played.items()}
    run: Any = None
    try:
        with deferred_run(EVAL, f"eval {resolved.ref} (stopped)", started_at=started_at, background=True,
                          tags={"gensim.model": resolved.ref, "gensim.tasks": ",".join(results),
                                "gensim.robot": robot},
                          params={"model": resolved.ref, "checkpoint": str(resolved.checkpoint),
                                  "tasks": ",".join(fields), "episodes": episodes}) as run:
            run.log_metrics({f"success_rate/{task}": r["success_rate"] for task, r in results.items()}
                            | {f"episodes/{task}": r["episodes"] for task, r in results.items()})
            run.log_dict({"model": resolved.ref, "results": results,
                          "episodes": {t: [o.to_json() for o in items] for t, items in played.items()}},
                         "eval.json")
            raise KeyboardInterrupt  # the run ends KILLED
    except KeyboardInterrupt:
        pass
    return f"the MLflow run {run.url} (KILLED)" if run is not None and run.url else \
        "the home's MLflow outbox (`gensim runs sync` logs it)"


def _record(result: EvalReport, resolved: Any, fields: dict[str, dict[str, Any]],
            outcomes: dict[str, list[Outcome]], started_at: float, defer_tracking: bool = False) -> None:
    from gensim.tracking import EVAL, get_tracker
    from gensim.tracking.outbox import deferred_run

    params = {"model": result.model, "checkpoint": result.checkpoint,
              "tasks": ",".join(result.results), "episodes": max(
                  (r["episodes"] for r in result.results.values()), default=0),
              "seeds": "10001, 10003, ... (test)", "robot": result.robot}
    params |= {f"task.{n}": f"v{f['version']} (version id {f['version_id']})" for n, f in fields.items()}
    label = ",".join(result.results) if len(result.results) <= 3 else f"{len(result.results)} tasks"
    name = f"eval {result.model} on {label} x{params['episodes']}"
    tags = {"gensim.model": result.model, "gensim.tasks": ",".join(result.results), "gensim.robot": result.robot}
    if resolved.run_id:
        tags["gensim.train_run_id"] = resolved.run_id
    opened: Any = (deferred_run(EVAL, name, tags=tags, params=params, started_at=started_at) if defer_tracking
                   else get_tracker().run(EVAL, name, tags=tags, params=params, started_at=started_at))
    with opened as run:
        result.mlflow_run_id = run.run_id
        result.mlflow_url = run.url
        metrics: dict[str, float] = {}
        for task, stats in result.results.items():
            metrics[f"success_rate/{task}"] = stats["success_rate"]
            metrics[f"mean_reward/{task}"] = stats["mean_reward"]
        rates = [s["success_rate"] for s in result.results.values()]
        metrics["success_rate"] = sum(rates) / len(rates) if rates else 0.0
        metrics["seconds"] = result.seconds
        run.log_metrics(metrics)
        run.log_dict({**result.to_json(), "episodes": result.episodes}, "eval.json")
        if run.active:
            run.log_plot("gensim.training.plots:success_per_task", "success_per_task.png",
                         results=result.results, title=f"{result.model}: test success per task")
            with tempfile.TemporaryDirectory(prefix="gensim-eval-") as folder:
                for task, items in outcomes.items():
                    for path in _gifs(task, items, Path(folder)):
                        run.log_artifact(path, f"rollouts/{task}")
    result.mlflow_run_id, result.mlflow_url = run.run_id, run.url  # a deferred run's are known now
    if resolved.checkpoint_id is not None:
        from gensim.db import provenance

        provenance.update_checkpoint(resolved.checkpoint_id, metrics={
            f"eval/{task}/success_rate": s["success_rate"] for task, s in result.results.items()})


def _gifs(task: str, outcomes: Sequence[Outcome], folder: Path) -> list[Path]:
    """GIFs of up to two successful and two failed rendered episodes."""
    from PIL import Image

    rendered = [o for o in outcomes if o.frames]
    chosen = [o for o in rendered if o.success][:2] + [o for o in rendered if not o.success][:2]
    paths = []
    for outcome in chosen:
        kind = "success" if outcome.success else "failure"
        path = folder / f"{task}-{outcome.seed}-{kind}.gif"
        frames = captioned(list(outcome.frames), outcome.instruction or task)
        # 8 frames per simulated second are filmed: play them at that pace, hold the last one.
        durations = [GIF_FRAME_MS] * (len(frames) - 1) + [GIF_HOLD_MS]
        # Pillow itself, the format named (imageio's import and plugin scan: 0.15-0.2 s of CPU).
        images = [Image.fromarray(frame) for frame in frames]
        images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
        paths.append(path)
    return paths


GIF_FRAME_MS = 125  # ms per rollout frame (the frames are 1/8 s of simulated time apart)
GIF_HOLD_MS = 1500  # ms the last frame stays


def captioned(frames: list[Any], caption: str) -> list[Any]:
    """The frames with `caption` (the instruction) in a band under each one."""
    import numpy as np
    from PIL import Image, ImageDraw

    if not frames:
        return frames
    height, width = frames[0].shape[:2]
    band = Image.new("RGB", (width, 36), (0, 0, 0))
    draw = ImageDraw.Draw(band)
    words, lines = caption.split(), [""]
    for word in words:  # wrap to the frame's width (default bitmap font: about 6 px a character)
        if len(lines) < 3 and len(lines[-1]) + len(word) + 1 > width // 6:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    draw.multiline_text((3, 1), "\n".join(lines), fill=(255, 255, 255), spacing=1)
    strip = np.asarray(band)
    return [np.concatenate([np.asarray(f)[:, :, :3], strip], axis=0) for f in frames]
