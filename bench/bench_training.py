"""Training throughput of the Transporter policy: samples per second of full optimiser steps
(forward, both losses, backward, Adam) at the observation size of the convention (320x160).

The baseline is the block-insertion recipe's policy (language off, width 8) at batch 1; every
other row is a ratio to it, measured in the same invocation. Batches are synthetic samples with
the dataset's keys and shapes (data loading is not what is measured); `--device cuda` runs on a
GPU when there is one.

    python bench/bench_training.py [--steps 5] [--warmup 2] [--device cpu|cuda] [--threads N]

With `--threads 1` a last row measures the baseline with two threads: on a machine busy with
other work, OpenMP threads that spin while waiting make two threads several times slower.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

RECIPE = {"language": False, "width": 8, "levels": 3, "stride": 2, "feature_dim": 4, "crop_size": 64}
CASES: list[tuple[str, dict[str, Any], int]] = [
    ("block-insertion recipe (baseline)", RECIPE, 1),
    ("  + language (FiLM, cached MiniLM)", {**RECIPE, "language": True}, 1),
    ("  batch 4", RECIPE, 4),
    ("  three separate networks", {**RECIPE, "shared_trunk": False}, 1),
    ("multitask recipe (width 16, 8 features, language)",
     {"language": True, "width": 16, "levels": 3, "stride": 2, "feature_dim": 8, "crop_size": 64}, 4),
    ("  stride 4 (coarser cells, 12.5 mm)", {**RECIPE, "stride": 4}, 1),
    ("put-block-in-bowl recipe (stride 4, width 16, language)",
     {"language": True, "width": 16, "levels": 3, "stride": 4, "feature_dim": 8, "crop_size": 64}, 4),
]
TWO_THREADS = "block-insertion recipe, 2 torch threads"  # a last row: OpenMP's cost when busy


def batch_of(size: int, device: Any) -> dict[str, Any]:
    import torch

    generator = torch.Generator().manual_seed(size)
    return {
        "color": torch.randint(0, 256, (size, 3, 320, 160), dtype=torch.uint8, generator=generator).to(device),
        "height": (torch.rand(size, 1, 320, 160, generator=generator) * 0.05).to(device),
        "lang": [f"put the block in the bowl {i % 2}" for i in range(size)],
        "pick_uv": torch.stack([torch.randint(0, 320, (size,), generator=generator),
                                torch.randint(0, 160, (size,), generator=generator)], 1),
        "place_uv": torch.stack([torch.randint(0, 320, (size,), generator=generator),
                                 torch.randint(0, 160, (size,), generator=generator)], 1),
        "place_theta_bin": torch.randint(0, 36, (size,), generator=generator),
    }


def measure(config: dict[str, Any], batch_size: int, steps: int, warmup: int, device: str) -> float:
    """Seconds per optimiser step (median over `steps` after `warmup`)."""
    import statistics

    import torch

    from gensim.policies.transporter import TransporterPolicy

    torch.manual_seed(0)
    policy = TransporterPolicy(config).to(device)
    optimiser = policy.configure_optimizers()
    batch = batch_of(batch_size, device)
    times = []
    for index in range(warmup + steps):
        start = time.perf_counter()
        loss = policy.losses(batch)["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if index >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"device: {name}; load average at start {load:.1f}; median of {args.steps} steps "
          f"after {args.warmup} warm-up steps\n")
    print("| policy | batch | s/step | samples/s | ratio to baseline |")
    print("|---|---:|---:|---:|---:|")
    measure(RECIPE, 1, 1, 3, args.device)  # the process's first steps pay one-time setup costs
    baseline = 0.0
    for label, config, batch_size in CASES:
        seconds = measure(config, batch_size, args.steps, args.warmup, args.device)
        rate = batch_size / seconds
        baseline = baseline or rate
        print(f"| {label} | {batch_size} | {seconds:.2f} | {rate:.2f} | {rate / baseline:.2f} |",
              flush=True)
    if torch.get_num_threads() == 1 and args.device == "cpu":
        torch.set_num_threads(2)
        seconds = measure(RECIPE, 1, args.steps, args.warmup, args.device)
        print(f"| {TWO_THREADS} | 1 | {seconds:.2f} | {1 / seconds:.2f} | {1 / seconds / baseline:.2f} |")


if __name__ == "__main__":
    main()
