"""`TrainConfig`: everything one `gensim train` run needs, from a YAML recipe and/or flags.

A recipe is a YAML mapping of these fields (`policy:` a mapping of `PolicyConfig` fields);
command-line flags override it. A recipe with `stages:` is an experiment (see
`gensim.training.experiment`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from gensim.errors import UnknownNameError, UsageError
from gensim.policies.config import PolicyConfig


@dataclass
class TrainConfig:
    """A training run: which tasks and demos, how long, how it is validated and where it runs."""

    tasks: list[str] = field(default_factory=list)  # task names (built-in or admitted)
    tasks_from_db: str | None = None  # a DB query instead of names (see `selection.query_tasks`)
    demos: int = 10  # training episodes per task (the first N of its train dataset)
    max_steps: int = 1000  # optimiser steps
    batch_size: int = 1  # samples per step
    seed: int = 0  # torch / augmentation seed
    augment: bool = True  # SE(2) augmentation of the training samples
    num_workers: int = 0  # DataLoader worker processes
    val_interval: int = 250  # steps between validation rollouts (0: only at the end)
    val_episodes: int = 5  # validation episodes per task on the val seeds (0: no rollouts)
    accelerator: str = "auto"  # Lightning accelerator: auto picks CUDA when present, else CPU
    devices: str = "1"  # Lightning devices ("1", "2", "auto", "0,1")
    strategy: str = "auto"  # Lightning strategy ("auto", "ddp", ...)
    num_nodes: int = 1  # machines for multi-node DDP
    precision: str = "32-true"  # Lightning precision ("16-mixed" on GPUs)
    cpu_threads: int = 0  # torch CPU threads (0: auto, the cores the load average leaves free)
    log_every: int = 10  # steps between logged losses
    demo_workers: int = 1  # worker processes when a missing dataset is made on demand
    init_from: str | None = None  # a model (NAME:VERSION, NAME@ALIAS or .ckpt path) to fine-tune
    model_name: str = "gensim-policy"  # registered model name in MLflow
    name: str | None = None  # MLflow run name (default: "train <tasks> <time>")
    policy: dict[str, Any] = field(default_factory=dict)  # `PolicyConfig` fields
    robot: str = "none"  # embodiment of the demos and the validation rollouts: none (floating tool) | panda

    def __post_init__(self) -> None:
        if isinstance(self.tasks, str):
            self.tasks = [t.strip() for t in self.tasks.split(",") if t.strip()]
        self.devices = str(self.devices)
        for name in ("demos", "max_steps", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise UsageError(f"{name.replace('_', '-')} must be at least 1")
        if self.val_interval < 0 or self.val_episodes < 0 or self.cpu_threads < 0:
            raise UsageError("val-interval, val-episodes and cpu-threads must not be negative")
        self.policy_config()  # unknown or bad policy settings fail here
        from gensim.sim.robots import check_robot

        check_robot(self.robot)

    def policy_config(self) -> PolicyConfig:
        """The policy settings as a `PolicyConfig`."""
        return PolicyConfig.from_dict(dict(self.policy))

    def resolved(self) -> dict[str, Any]:
        """All values, policy defaults filled in (what MLflow and the checkpoint folder keep)."""
        return {**asdict(self), "policy": self.policy_config().to_dict()}

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> TrainConfig:
        """A config from a mapping; unknown keys raise `UsageError` naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UnknownNameError("training setting", unknown[0], known)
        return cls(**values)


def read_recipe(path: str | Path) -> dict[str, Any]:
    """The mapping of a YAML recipe file (`UsageError` when missing or not a mapping)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no recipe file at {path}")
    text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise UsageError(f"{where}: not valid YAML ({problem})") from err
    if not isinstance(doc, dict):
        raise UsageError(f"{path} must hold a mapping of training settings")
    if "stages" not in doc:  # an experiment's stages are checked stage by stage when they run
        _check_keys(path, text)
    return doc


def _check_keys(path: Path, text: str) -> None:
    """UsageError at the line of the first unknown key of a training recipe (top level or
    `policy:`), with the closest known keys."""
    import yaml

    from gensim.policies.config import PolicyConfig

    root = yaml.compose(text)
    known = {"training setting": {f.name for f in fields(TrainConfig)},
             "policy setting": {f.name for f in fields(PolicyConfig)}}
    for key, value in getattr(root, "value", []):
        if key.value not in known["training setting"]:
            err = UnknownNameError("training setting", key.value, known["training setting"])
            raise UsageError(f"{path}:{key.start_mark.line + 1}: {err}")
        if key.value == "policy" and isinstance(value, yaml.MappingNode):
            for sub, _ in value.value:
                if sub.value not in known["policy setting"]:
                    err = UnknownNameError("policy setting", sub.value, known["policy setting"])
                    raise UsageError(f"{path}:{sub.start_mark.line + 1}: {err}")


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """`base` with the non-None `overrides` on top (`policy` mappings merge key by key)."""
    out = dict(base)
    for key, value in overrides.items():
        if value is None:
            continue
        if key == "policy" and isinstance(value, dict):
            out["policy"] = {**dict(out.get("policy") or {}), **value}
        else:
            out[key] = value
    return out


def torch_threads(requested: int = 0) -> int:
    """Torch CPU threads for a training or an evaluation: `requested` when positive, else the
    cores that the 1-minute load average leaves free (at least 1, at most all cores).

    OpenMP threads spin while they wait for each other: on a machine busy with other work, two
    threads were several times slower than one (bench/bench_training.py; 8.5 minutes against 1
    for the README's short training), while on an idle machine every core helps.
    """
    import os

    if requested > 0:
        return requested
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        return cores
    return max(1, min(cores, int(cores - load + 0.5)))
