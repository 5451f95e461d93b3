"""Demonstration datasets: expert throughput on 1 and 2 workers, bytes per stored episode
against the reference convention's storage, the container choice (npz per episode vs HDF5 vs
Zarr), random-sample reading through the DataModule, and peak memory as N grows.

Run: `python bench/bench_demos.py [--episodes N] [--read-episodes M] [--skip SECTION...]`.
Prints markdown tables. The reference figures (6.45 MB per step: three 480x640 colour + depth
views in pickles; 13 MB per block-insertion episode, 45 MB per stack-block-pyramid-seq
episode) are published numbers of the convention, printed for the ratio, not measured here.
Everything runs on this machine's CPUs: when other work shares them, the timings say so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

TASKS = ("put-block-in-bowl-seen-colors", "stack-block-pyramid-seq-seen-colors", "block-insertion")
REFERENCE_STEP_MB = 6.45
REFERENCE_EPISODE_MB = {"block-insertion": 13.0, "stack-block-pyramid-seq-seen-colors": 45.0}


def throughput(root: Path, n: int) -> dict[str, dict[str, Any]]:
    from gensim.data.demos import make_demos
    from gensim.data.reader import DemoReader

    rows: dict[str, dict[str, Any]] = {}
    print("\n## Expert episodes per minute: whole run (pool start-up included) and steady state "
          "(first to last written episode)\n")
    print("| task | episodes | 1 worker | 2 workers | ratio 2/1 | 1 worker steady | 2 workers steady "
          "| ratio 2/1 steady |")
    print("|---|---|---|---|---|---|---|---|")
    for task in TASKS:
        runs = []
        for workers in (1, 2):
            stamps: list[float] = []
            report = make_demos(task, n, "train", workers=workers, out=root / task / f"w{workers}",
                                track=False, progress=lambda _e, s=stamps: s.append(time.perf_counter()))
            steady = 60.0 * (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
            runs.append((report, steady))
        (one, one_steady), (two, two_steady) = runs
        steps = float(np.mean([m["steps"] for m in DemoReader(root / task / "w1").metas()]))
        ratio = two.episodes_per_minute / one.episodes_per_minute if one.episodes_per_minute else 0.0
        steady_ratio = two_steady / one_steady if one_steady else 0.0
        rows[task] = {"one": one, "two": two, "steps": steps}
        print(f"| {task} | {n} | {one.episodes_per_minute:.1f} | {two.episodes_per_minute:.1f} | "
              f"{ratio:.2f} | {one_steady:.1f} | {two_steady:.1f} | {steady_ratio:.2f} |")
    return rows


def storage(rows: dict[str, dict[str, Any]]) -> None:
    print("\n## Bytes per stored episode vs the reference convention (policy inputs: top-down colour"
          " + height, lossless)\n")
    print("| task | steps/episode | gensim bytes/episode | gensim bytes/observation | reference MB/episode "
          "| smaller by |")
    print("|---|---|---|---|---|---|")
    for task, row in rows.items():
        per_episode = row["one"].bytes_per_episode
        observations = row["steps"] + 1
        reference = REFERENCE_EPISODE_MB.get(task, REFERENCE_STEP_MB * observations)
        note = "" if task in REFERENCE_EPISODE_MB else " (6.45 MB x observations)"
        print(f"| {task} | {row['steps']:.1f} | {per_episode:,.0f} | {per_episode / observations:,.0f} | {reference:.1f}{note} | "
              f"{reference * 1e6 / per_episode:,.0f}x |")


def containers(source: Path, samples: int = 300) -> None:
    """The same episodes as one npz per episode, one HDF5 file, one Zarr group."""
    from gensim.data.format import EpisodeFile
    from gensim.data.reader import DemoReader

    reader = DemoReader(source)
    episodes = [EpisodeFile(p) for p in reader.paths]
    data = [([e.color(t) for t in range(e.steps + 1)], [e.height(t) for t in range(e.steps + 1)])
            for e in episodes]
    rng = np.random.default_rng(0)
    picks = [(int(i), int(rng.integers(0, len(data[i][0])))) for i in rng.integers(0, len(data), samples)]
    out: list[tuple[str, float, float, float]] = []
    work = Path(tempfile.mkdtemp(prefix="gensim-containers-"))
    # npz per episode (the chosen format): the files as written by the demo loop.
    npz_bytes = sum(p.stat().st_size for p in reader.paths)
    start = time.perf_counter()
    for i, t in picks:  # opening the file is part of each read (the torch dataset does the same)
        f = EpisodeFile(reader.paths[i])
        f.color(t), f.height(t)
        f.close()
    out.append(("npz per episode (deflate)", npz_bytes, float("nan"), (time.perf_counter() - start) / samples))
    try:
        import h5py

        path = work / "demos.h5"
        start = time.perf_counter()
        with h5py.File(path, "w") as h5:
            for i, (colors, heights) in enumerate(data):
                g = h5.create_group(f"ep{i:06d}")
                g.create_dataset("color", data=np.stack(colors), chunks=(1, 320, 160, 3), compression="gzip")
                g.create_dataset("height", data=np.stack(heights), chunks=(1, 320, 160), compression="gzip")
        write = time.perf_counter() - start
        start = time.perf_counter()
        with h5py.File(path, "r") as h5:
            for i, t in picks:
                h5[f"ep{i:06d}/color"][t], h5[f"ep{i:06d}/height"][t]
        out.append(("HDF5, one file, gzip chunks per step", path.stat().st_size, write,
                    (time.perf_counter() - start) / samples))
    except ImportError:
        print("(h5py not installed: HDF5 row skipped)")
    try:
        import zarr

        path = work / "demos.zarr"
        start = time.perf_counter()
        group = zarr.open_group(str(path), mode="w")
        for i, (colors, heights) in enumerate(data):
            group.create_array(f"ep{i:06d}/color", data=np.stack(colors), chunks=(1, 320, 160, 3))
            group.create_array(f"ep{i:06d}/height", data=np.stack(heights), chunks=(1, 320, 160))
        write = time.perf_counter() - start
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        start = time.perf_counter()
        group = zarr.open_group(str(path), mode="r")
        for i, t in picks:
            group[f"ep{i:06d}/color"][t], group[f"ep{i:06d}/height"][t]
        out.append(("Zarr v3, chunk per step (zstd)", size, write, (time.perf_counter() - start) / samples))
    except ImportError:
        print("(zarr not installed: Zarr row skipped)")
    shutil.rmtree(work, ignore_errors=True)
    print(f"\n## Containers for the same {len(data)} episodes (random single-step reads)\n")
    print("| container | bytes | write s | ms per random step (colour + height) |")
    print("|---|---|---|---|")
    for name, size, write, read in out:
        written = "(as written by demos)" if np.isnan(write) else f"{write:.2f}"
        print(f"| {name} | {size:,.0f} | {written} | {read * 1e3:.2f} |")


def reading(source: Path, n_episodes: int) -> None:
    """Random samples per second from an n-episode dataset made by copying real episodes."""
    import torch

    from gensim.data.dataset import DemoDataModule
    from gensim.data.format import episode_filename

    root = Path(tempfile.mkdtemp(prefix="gensim-read-")) / "ds"
    (root / "episodes").mkdir(parents=True)
    shutil.copy(source / "dataset.json", root / "dataset.json")
    originals = sorted((source / "episodes").glob("*.npz"))
    for i in range(n_episodes):
        shutil.copy(originals[i % len(originals)], root / "episodes" / episode_filename(2 * i))
    print(f"\n## Reading: random samples per second, {n_episodes}-episode dataset "
          f"(copies of {len(originals)} real episodes), batch 32\n")
    print("| loader | augment | samples/s |")
    print("|---|---|---|")
    torch.set_num_threads(1)
    for workers, aug in ((0, False), (0, True), (2, True)):
        module = DemoDataModule([root], batch_size=32, num_workers=workers, augment=aug, seed=0)
        module.setup("fit")
        loader = module.train_dataloader()
        it = iter(loader)
        next(it)  # start-up (workers) not timed
        start = time.perf_counter()
        count = 0
        for _ in range(15):
            batch = next(it, None)
            if batch is None:
                it = iter(loader)
                batch = next(it)
            count += len(batch["lang"])
        rate = count / (time.perf_counter() - start)
        print(f"| DataModule, {workers} worker processes | {'yes' if aug else 'no'} | {rate:,.0f} |")
    shutil.rmtree(root.parent, ignore_errors=True)


def _tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def _sample_peak(proc: subprocess.Popen[str], peak: list[float]) -> None:
    while proc.poll() is None:
        peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
        time.sleep(0.1)


def memory(root: Path) -> None:
    """Peak RSS of the demo process (and of its process tree) at N=10 and N=40."""
    print("\n## Peak memory of a demo run (block-insertion, 2 workers) as N grows\n")
    print("| N | parent peak RSS (MB, VmHWM) | process tree peak RSS (MB, sampled every 0.1 s) |")
    print("|---|---|---|")
    for n in (10, 40):
        out = root / f"mem{n}"
        code = ("import json; from pathlib import Path; from gensim.data.demos import make_demos; "
                f"r = make_demos('block-insertion', {n}, 'train', workers=2, out=Path({str(out)!r}), track=False); "
                "print(json.dumps(r.to_json()))")
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
        peak = [0.0]
        thread = threading.Thread(target=_sample_peak, args=(proc, peak))
        thread.start()
        stdout, _ = proc.communicate()
        thread.join()
        doc = json.loads(stdout.strip().splitlines()[-1])
        print(f"| {n} | {doc['peak_rss_mb']:.0f} | {peak[0]:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=12, help="episodes per task and worker count")
    parser.add_argument("--read-episodes", type=int, default=1000, help="size of the reading dataset")
    parser.add_argument("--skip", nargs="*", default=[], help="throughput containers reading memory")
    args = parser.parse_args()
    os.environ.setdefault("GENSIM_HOME", tempfile.mkdtemp(prefix="gensim-bench-home-"))
    root = Path(tempfile.mkdtemp(prefix="gensim-bench-demos-"))
    print(f"# bench_demos ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start)")
    rows = throughput(root, args.episodes)
    storage(rows)
    pyramid = root / "stack-block-pyramid-seq-seen-colors" / "w1"
    if "containers" not in args.skip:
        containers(pyramid)
    if "reading" not in args.skip:
        reading(pyramid, args.read_episodes)
    if "memory" not in args.skip:
        memory(root)
    print(f"\n(load average {os.getloadavg()[0]:.1f} at the end)")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
