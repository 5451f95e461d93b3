"""Experiments: recipes of several train and eval stages run by one command.

A recipe with `stages:` (see experiments/train-pretrain-generated-then-finetune.yaml):

    defaults: {policy: {width: 16}, val_episodes: 3}   # training settings of every train stage
    stages:
      - {name: pretrain, kind: train, tasks_from_db: "origin=generated,limit=10", demos: 20}
      - {name: zero-shot, kind: eval, model: "@pretrain", tasks: [block-insertion], episodes: 20}
      - {name: finetune, kind: train, init_from: "@pretrain", tasks: [block-insertion], demos: 5}

`@STAGE` in `model` / `init_from` names the model a previous train stage produced. Flags of
`gensim train` override the training settings of every train stage. `robot` (in `defaults`, a
train stage or an eval stage) is the embodiment: train stages make and validate on demos of it;
an eval stage without its own `robot` uses the defaults' (or, with none, the model's), and one
that differs from the model's stops the experiment with a one-line error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gensim.errors import UsageError
from gensim.training.config import TrainConfig, merge

Report = Callable[[str], None]
TrainFn = Callable[[TrainConfig], dict[str, Any]]  # a train stage -> TrainResult.to_json()
EvalFn = Callable[..., dict[str, Any]]  # (model, tasks, episodes, cpu_threads=, robot=) -> EvalResult JSON
STAGE_KINDS = ("train", "eval")


def _model_of(ref: str, models: dict[str, str]) -> str:
    if ref.startswith("@"):
        if ref[1:] not in models:
            raise UsageError(f"stage model '{ref}' is not the name of an earlier train stage")
        return models[ref[1:]]
    return ref


def check_stages(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The recipe's stages, checked before anything runs."""
    stages = doc.get("stages")
    if not isinstance(stages, list) or not stages:
        raise UsageError("an experiment recipe needs a non-empty list of stages")
    names: set[str] = set()
    for index, stage in enumerate(stages):
        if not isinstance(stage, dict) or stage.get("kind") not in STAGE_KINDS:
            raise UsageError(f"stage {index + 1} needs kind: train or eval")
        name = str(stage.get("name") or f"stage-{index + 1}")
        if name in names:
            raise UsageError(f"two stages are named '{name}'")
        names.add(name)
        stage["name"] = name
        for key in ("model", "init_from"):
            ref = stage.get(key)
            if isinstance(ref, str) and ref.startswith("@") and ref[1:] not in names - {name}:
                raise UsageError(f"stage '{name}': {key} {ref} is not an earlier stage")
        if stage["kind"] == "eval" and (not stage.get("model") or not stage.get("tasks")):
            raise UsageError(f"eval stage '{name}' needs model and tasks")
    return stages


def run_experiment(doc: dict[str, Any], overrides: dict[str, Any], *,
                   report: Report | None = None, track: bool = True,
                   train_fn: TrainFn | None = None, eval_fn: EvalFn | None = None) -> dict[str, Any]:
    """Run every stage in order; returns `{"experiment", "stages": [...]}` plus the fields of
    the last train stage's result (`run_id`, `model`, `checkpoint`, `steps`, `seconds`).

    `train_fn` and `eval_fn` run one stage (the CLI passes ones that draw progress bars); by
    default `gensim.training.train.train` and `gensim.training.evaluate.evaluate`. Eval stages
    use the recipe's `cpu_threads` (defaults, then the stage's own).
    """
    from gensim.training.evaluate import evaluate
    from gensim.training.train import train

    say = report or (lambda _line: None)

    def default_train(config: TrainConfig) -> dict[str, Any]:
        return train(config, report=say, track=track).to_json()

    def default_eval(model: str, tasks: list[str], episodes: int, cpu_threads: int = 0,
                     robot: str | None = None) -> dict[str, Any]:
        return evaluate(model, tasks, episodes, report=say, track=track,
                        cpu_threads=cpu_threads, robot=robot).to_json()

    run_train, run_eval = train_fn or default_train, eval_fn or default_eval
    stages = check_stages(doc)
    defaults = dict(doc.get("defaults") or {})
    models: dict[str, str] = {}
    done: list[dict[str, Any]] = []
    last_train: dict[str, Any] = {}
    for stage in stages:
        name, kind = stage["name"], stage["kind"]
        values = {k: v for k, v in stage.items() if k not in ("name", "kind")}
        say(f"experiment stage '{name}' ({kind})")
        if kind == "train":
            values = merge(merge(defaults, values), overrides)
            if values.get("init_from"):
                values["init_from"] = _model_of(str(values["init_from"]), models)
            values.setdefault("name", f"{doc.get('name', 'experiment')}: {name}")
            result = run_train(TrainConfig.from_mapping(values))
            models[name] = result["model"]
            last_train = result
        else:
            given = values.get("tasks") or []
            tasks = given.split(",") if isinstance(given, str) else [str(t) for t in given]
            threads = values.get("cpu_threads", overrides.get("cpu_threads") or defaults.get("cpu_threads"))
            robot = values.get("robot", overrides.get("robot") or defaults.get("robot"))
            result = run_eval(_model_of(str(values["model"]), models), tasks,
                              int(values.get("episodes", 10)), cpu_threads=int(threads or 0),
                              robot=None if robot is None else str(robot))
        done.append({"name": name, "kind": kind, **result})
    out = {key: last_train.get(key) for key in ("run_id", "model", "checkpoint", "steps", "seconds")}
    return {**out, "experiment": doc.get("name", ""), "stages": done}
