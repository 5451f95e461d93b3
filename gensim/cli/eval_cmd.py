"""`gensim eval`: success of a trained policy on tasks' test seeds."""

from __future__ import annotations

import typer

from gensim.cli.common import console, fail_from, out, print_json
from gensim.errors import GensimError

app = typer.Typer(help="Evaluate a policy: `gensim eval --model gensim-policy:3 --tasks a,b --episodes 20`.")


@app.callback(invoke_without_command=True)
def main(
    model: str = typer.Option(..., "--model", help="NAME:VERSION, NAME@ALIAS, NAME (newest) or a .ckpt path"),
    tasks: str = typer.Option(..., "--tasks", help="comma-separated task names"),
    episodes: int = typer.Option(10, "--episodes", help="test episodes per task (seeds 10001, 10003, ...)"),
    gifs: int = typer.Option(4, "--gif-episodes", help="episodes rendered per task for GIFs"),
    cpu_threads: int = typer.Option(0, "--cpu-threads", help="torch CPU threads (0: default; 1 is fastest on a busy machine)"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress lines"),
) -> None:
    """Run the policy on the test seeds; success rate and mean reward per task (MLflow gensim/eval).

    Tasks with generated code run in the sandbox. Example:
    `gensim eval --model gensim-policy:1 --tasks block-insertion --episodes 100 --json`.
    """
    from gensim.training.evaluate import evaluate

    # Progress goes to stderr, so it shows with --json too (stdout keeps the one JSON object).
    report = None if quiet else (lambda line: console.print(line, highlight=False))
    try:
        result = evaluate(model, tasks.split(","), episodes, gif_episodes=gifs, report=report,
                          cpu_threads=cpu_threads)
    except GensimError as err:
        fail_from(err)
    if json_out:
        print_json(result.to_json())
        return
    for task, stats in result.results.items():
        out.print(f"{task:<40} success {stats['success_rate']:6.1%}  mean reward "
                  f"{stats['mean_reward']:.3f}  ({stats['episodes']} episodes)", highlight=False)
    console.print(f"model {result.model}; MLflow run {result.mlflow_run_id}", highlight=False)
