"""One prepared GPU check of policy training: throughput, then a time-boxed real training.

Made for a lent GPU machine that has torch and Lightning but neither the simulator nor the
sentence encoder's weights: instructions are embedded here beforehand (`--prepare`), and the
check reads demo datasets copied beside it. It prints two tables and writes a checkpoint that
`gensim eval --model FILE.ckpt` evaluates back on a machine with the simulator.

    # here: copy the datasets and embed their instructions into a folder that travels
    python bench/bench_gpu.py --prepare .gpu --dataset .gensim/datasets/TASK/v1/train
    # on the GPU machine
    python bench/bench_gpu.py --run .gpu --minutes 5 --out "$OUT"

Part 1 measures samples per second of full optimiser steps on synthetic batches (as
bench/bench_training.py does) on the GPU and, in the same invocation, on that machine's CPU as
the baseline. Part 2 trains the put-block-in-bowl recipe's network at stride 2 on the real
demos for `--minutes`, with large batches, and saves `gpu-policy.ckpt` and the loss curve.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_training import batch_of, measure  # noqa: E402

SMALL = {"language": False, "width": 8, "levels": 3, "stride": 2, "feature_dim": 4, "crop_size": 64}
LANG = {"language": True, "width": 16, "levels": 3, "stride": 2, "feature_dim": 8, "crop_size": 64}
CASES: list[tuple[str, dict[str, Any], int, str]] = [
    ("block-insertion recipe", SMALL, 1, "cpu"),
    ("block-insertion recipe", SMALL, 1, "cuda"),
    ("block-insertion recipe", SMALL, 32, "cuda"),
    ("language recipe (width 16)", LANG, 1, "cpu"),
    ("language recipe (width 16)", LANG, 1, "cuda"),
    ("language recipe (width 16)", LANG, 8, "cuda"),
    ("language recipe (width 16)", LANG, 32, "cuda"),
    ("language recipe (width 16)", LANG, 64, "cuda"),
]


def prepare(folder: Path, datasets: list[Path]) -> None:
    """Copy the datasets into `folder` and embed every instruction they (and the bench) use."""
    import numpy as np
    import torch

    from gensim.policies.language import shared_encoder

    folder.mkdir(parents=True, exist_ok=True)
    texts = {text for size in (1, 8, 32, 64) for text in batch_of(size, "cpu")["lang"]}
    for index, source in enumerate(datasets):
        target = folder / f"dataset{index}"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
        for episode in sorted((target / "episodes").glob("*.npz")):
            with np.load(episode, allow_pickle=False) as data:
                texts.update(str(t) for t in data["lang"])
    vectors = shared_encoder().encode(sorted(texts))
    torch.save({t: v for t, v in zip(sorted(texts), vectors, strict=True)}, folder / "embeddings.pt")
    print(f"{len(datasets)} dataset(s) and {len(texts)} instruction embeddings in {folder}")


def _load_embeddings(folder: Path) -> None:
    import torch

    from gensim.policies.language import shared_encoder

    encoder = shared_encoder()
    encoder._cache.update(torch.load(folder / "embeddings.pt"))  # no weights needed on this machine


def throughput(steps: int) -> list[dict[str, Any]]:
    """Samples per second of each case; the ratio is to the CPU row of the same policy."""
    import torch

    rows: list[dict[str, Any]] = []
    gpu = torch.cuda.get_device_name(0)
    print(f"\nGPU {gpu}; CPU {torch.get_num_threads()} torch threads\n")
    print("| policy | device | batch | s/step | samples/s | ratio to CPU batch 1 |")
    print("|---|---|---:|---:|---:|---:|")
    measure(SMALL, 1, 1, 2, "cuda")  # one-time CUDA set-up
    baseline: dict[str, float] = {}
    for label, config, batch, device in CASES:
        seconds = measure(config, batch, steps if device == "cuda" else max(3, steps // 4), 2, device)
        rate = batch / seconds
        baseline.setdefault(label, rate)
        row = {"policy": label, "device": gpu if device == "cuda" else "cpu", "batch": batch,
               "seconds_per_step": seconds, "samples_per_second": rate, "ratio": rate / baseline[label]}
        rows.append(row)
        print(f"| {label} | {device} | {batch} | {seconds:.4f} | {rate:.1f} | {row['ratio']:.1f} |", flush=True)
    return rows


def train(folder: Path, out: Path, minutes: float, batch: int, lr: float) -> dict[str, Any]:
    """Train on the copied datasets for `minutes`; save the checkpoint and the loss curve."""
    import lightning.pytorch as pl
    import torch
    from torch.utils.data import DataLoader

    from gensim.data.dataset import PickPlaceDataset
    from gensim.policies.transporter import TransporterPolicy

    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    roots = sorted(p for p in folder.glob("dataset*") if p.is_dir())
    dataset = PickPlaceDataset(roots, augment=True, seed=0)

    class Epochs(torch.utils.data.Dataset):  # type: ignore[type-arg]
        """`repeats` epochs of `dataset` end to end: item i is sample i % n drawn as in epoch
        i // n. Persistent DataLoader workers keep their own copy of the dataset, so
        `set_epoch` in this process would not reach them and every epoch would repeat the same
        augmentation draws (the network then memorises them)."""

        def __len__(self) -> int:
            return len(dataset) * 10_000

        def __getitem__(self, index: int) -> Any:
            dataset.set_epoch(index // len(dataset))
            return dataset[index % len(dataset)]

    loader = DataLoader(Epochs(), batch_size=batch, shuffle=True, num_workers=12, drop_last=True,
                        persistent_workers=True, generator=torch.Generator().manual_seed(0))
    policy = TransporterPolicy({**LANG, "lr": lr})
    curve: list[tuple[int, float, float]] = []
    start = time.perf_counter()

    class Curve(pl.Callback):
        def on_train_batch_end(self, trainer: pl.Trainer, module: Any, outputs: Any, *args: Any) -> None:
            if trainer.global_step % 50 == 0:
                loss = float(outputs["loss"] if isinstance(outputs, dict) else outputs)
                curve.append((trainer.global_step, round(time.perf_counter() - start, 1), loss))
                if trainer.global_step % 500 == 0:
                    print(f"step {trainer.global_step}: loss {loss:.3f} "
                          f"({time.perf_counter() - start:.0f} s)", flush=True)

    accelerator = "gpu" if torch.cuda.is_available() else "cpu"  # cpu: a dry run of this script
    trainer = pl.Trainer(accelerator=accelerator, devices=1, max_time=timedelta(minutes=minutes), max_steps=-1,
                         max_epochs=-1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, callbacks=[Curve()])
    trainer.fit(policy, train_dataloaders=loader)
    seconds = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    trainer.save_checkpoint(str(out / "gpu-policy.ckpt"))
    (out / "gpu-curve.json").write_text(json.dumps(curve))
    summary = {"steps": trainer.global_step, "batch": batch, "lr": lr, "seconds": round(seconds, 1),
               "samples": trainer.global_step * batch, "episodes": len({(r, e) for r, e, _ in dataset.index}),
               "samples_per_second": round(trainer.global_step * batch / seconds, 1),
               "final_loss": curve[-1][2] if curve else None}
    print(json.dumps(summary))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", type=Path, help="folder to fill here (datasets, embeddings)")
    parser.add_argument("--dataset", type=Path, action="append", default=[])
    parser.add_argument("--run", type=Path, help="the prepared folder, on the GPU machine")
    parser.add_argument("--out", type=Path, default=Path("gpu-out"))
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per throughput case")
    parser.add_argument("--no-throughput", action="store_true", help="only the real training")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.dataset)
        return
    if not args.run:  # `python -m bench` runs every script with no arguments: skip, with why
        print("bench_gpu: a prepared check for a GPU machine; see `python bench/bench_gpu.py --help` "
              "(BENCHMARKS.md has its latest figures)")
        return
    _load_embeddings(args.run)
    import torch

    args.out.mkdir(parents=True, exist_ok=True)
    if torch.cuda.is_available() and not args.no_throughput:
        rows = throughput(args.steps)
        (args.out / "gpu-throughput.json").write_text(json.dumps(rows, indent=1))
    if args.minutes > 0:
        train(args.run, args.out, args.minutes, args.batch, args.lr)


if __name__ == "__main__":
    main()
