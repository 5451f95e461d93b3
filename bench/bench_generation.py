"""Generation throughput: candidates validated per minute with 1 and 2 workers, and seconds from
a model's reply to the verdict (median, p90).

Both runs are the same bottom-up campaign of the offline composer (same seed, so the same
candidates), each in a fresh home, media off, after a one-trial warm-up campaign (imports, the
embedding model); the 2-worker figure is reported as a ratio to the 1-worker run of the same
invocation.

    python bench/bench_generation.py [--trials 8] [--seeds 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def run(trials: int, seeds: int, workers: int) -> dict[str, float]:
    from gensim.checking.conventions import train_seeds
    from gensim.config import get_settings
    from gensim.generation.campaign import CampaignConfig, run_campaign

    with tempfile.TemporaryDirectory(prefix="gensim-bench-gen-") as home:
        os.environ["GENSIM_HOME"] = home
        get_settings.cache_clear()
        cfg = CampaignConfig(mode="bottomup", trials=trials, workers=workers, media=False,
                             seeds=tuple(train_seeds(seeds)))
        start = time.perf_counter()
        result = run_campaign(cfg)
        seconds = time.perf_counter() - start
    waits = sorted(x for d in result.details for x in d["reply_to_verdict_s"])
    p90 = waits[min(len(waits) - 1, int(0.9 * len(waits)))] if waits else float("nan")
    return {
        "workers": workers, "candidates": result.candidates, "admitted": len(result.admitted),
        "seconds": seconds, "per_minute": 60 * result.candidates / seconds,
        "checks": len(waits), "median_s": statistics.median(waits) if waits else float("nan"), "p90_s": p90,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    run(1, 1, 1)  # warm-up: imports, the embedding model and a first MLflow store cost seconds once
    rows = [run(args.trials, args.seeds, w) for w in (1, 2)]
    base = rows[0]["per_minute"]
    print(f"bottom-up campaign, offline composer, {args.trials} trials, {args.seeds} seeds, media off, "
          f"{os.cpu_count()} cores\n")
    print("| workers | candidates | admitted | seconds | candidates/min | ratio vs 1 | checks | reply->verdict median s | p90 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workers']} | {r['candidates']} | {r['admitted']} | {r['seconds']:.1f} | {r['per_minute']:.2f} "
              f"| {r['per_minute'] / base:.2f}x | {r['checks']} | {r['median_s']:.2f} | {r['p90_s']:.2f} |")


if __name__ == "__main__":
    main()
