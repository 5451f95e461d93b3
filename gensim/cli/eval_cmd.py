"""`gensim eval`: success of a trained policy on tasks' test seeds."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import typer

from gensim.cli.common import (
    ProgressBar,
    fail_from,
    native_stderr_filtered,
    out,
    print_json,
    print_table,
)
from gensim.errors import GensimError
from gensim.tracking import run_link

app = typer.Typer()


@app.callback(invoke_without_command=True)
def main(
    model: str = typer.Option(..., "--model", help="NAME:VERSION, NAME@ALIAS, NAME (newest) or a .ckpt path"),
    tasks: str = typer.Option(..., "--tasks", help="comma-separated task names"),
    episodes: int = typer.Option(10, "--episodes", help="test episodes per task (seeds 10001, 10003, ...)"),
    gifs: int = typer.Option(4, "--gif-episodes", help="episodes rendered per task for GIFs"),
    cpu_threads: int = typer.Option(0, "--cpu-threads", help="torch CPU threads (0: the cores the load average leaves free)"),
    robot: str = typer.Option(None, "--robot", help="none | panda (default: the embodiment the model was "
                              "trained for; another one is refused)"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="nothing on stderr but errors"),
) -> None:
    """Evaluate a policy on tasks' test seeds: success rate and mean reward per task (MLflow gensim/eval).

    Tasks with generated code run in the sandbox. A progress bar (episodes over all tasks, rate,
    ETA, running success) and a final table go to stderr with --json, else the table goes to
    stdout; the MLflow run holds a success-per-task bar chart and rollout GIFs.

    Examples:
      gensim eval --model gensim-policy:1 --tasks block-insertion --episodes 20
      gensim eval --model gensim-policy:1 --tasks block-insertion,stack-block-pyramid --episodes 100 --json
      gensim eval --model gensim-policy:2 --tasks place-red-in-green --robot panda
    """
    show = not quiet
    try:
        with native_stderr_filtered() if quiet else nullcontext():
            result = evaluate_with_bar(model, tasks.split(","), episodes, show=show, gif_episodes=gifs,
                                       cpu_threads=cpu_threads, robot=robot)
    except GensimError as err:
        fail_from(err)
    if json_out:
        print_json(result.to_json())
        if show:
            _summary(result, stderr=True)
    elif quiet:
        for task, stats in result.results.items():
            out.print(f"{task:<40} success {stats['success_rate']:6.1%}  mean reward "
                      f"{stats['mean_reward']:.3f}  ({stats['episodes']} episodes)", highlight=False)
    else:
        _summary(result, stderr=False)


def evaluate_with_bar(model: str, tasks: list[str], episodes: int, *, show: bool, **options: Any) -> Any:
    """`gensim.training.evaluate.evaluate` under a progress bar over all episodes (rate, ETA,
    running successes); per-task lines go above it. Returns the `EvalResult`."""
    from gensim.training.evaluate import evaluate

    options.setdefault("defer_tracking", True)  # MLflow off the command's path (see its outbox)
    # An error leaves the `with` (closing the bar) before the caller prints its one line.
    with ProgressBar("eval", None, enabled=show, unit="episodes", started=False) as bar:

        def on_episode(event: dict[str, Any]) -> None:
            bar.update(event["done"], f"{event['successes']}/{event['done']} succeeded",
                       total=event["total"])

        return evaluate(model, tasks, episodes, report=bar.lines if show else None,
                        progress=on_episode if show else None, **options)


def _summary(result: Any, *, stderr: bool) -> None:
    """The final table: success, successes, mean reward per task and the mean over tasks."""
    rows = [(task, f"{s['success_rate']:.0%}", f"{round(s['success_rate'] * s['episodes'])}/{s['episodes']}",
             f"{s['mean_reward']:.3f}") for task, s in result.results.items()]
    if len(rows) > 1:
        mean = sum(s["success_rate"] for s in result.results.values()) / len(rows)
        rows.append(("mean over tasks", f"{mean:.0%}", "", ""))
    print_table(f"evaluation of {result.model}", ("task", "success", "episodes", "mean reward"), rows,
                stderr=stderr, notes=[f"{result.seconds:.0f} s; success_per_task.png and rollout GIFs in the MLflow run",
                       f"MLflow run {run_link(result.mlflow_url)}"])
