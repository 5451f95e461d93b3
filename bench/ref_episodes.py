"""Reference episodes for bench/fidelity.py: run the reference's expert the way its data loop does.

Runs under the reference's Python with `--ref-root` its GenSim checkout; imports nothing of
gensim. For each `--task`, and each seed: seed `numpy` and `random` with the seed, `set_task`,
`reset`, then the oracle acts until `done` or `max_steps`; success is a total reward above 0.99
(the reference's rule for keeping a demonstration). Prints one JSON line per episode, marked
`REFRESULT`, with the verdict, total reward, steps, seconds and any error.

    python bench/ref_episodes.py --ref-root GENSIM --tasks place-red-in-green --seeds 0 2

Batch mode: `--generated` runs every generated task file (imports paid once for all of them);
`--cache DIR` writes each task's result to DIR/ref/NAME.json as soon as its seeds are done, in
the form bench/fidelity.py caches, and skips tasks already there, so a killed run loses at most
the task in progress and a rerun resumes. `--episode-timeout` bounds one episode.

    nice -n 10 python bench/ref_episodes.py --ref-root GENSIM --generated --cache /tmp/gensim-fidelity
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import sys
import time
import traceback

SUCCESS = 0.99  # the reference's cutoff on an episode's total reward

RECORD_CFG = {"save_video": False, "blender_render": False, "video_height": 640, "video_width": 720,
              "fps": 20, "add_text": False, "save_video_path": "/tmp", "add_task_text": False}


class EpisodeTimeout(Exception):
    """An episode ran past `--episode-timeout`."""


def _alarm(signum, frame):
    raise EpisodeTimeout("episode timed out")


def episode(env, tasks, name, seed, mode, timeout=0):
    """One episode's record (the reference's stdout chatter is swallowed)."""
    import numpy as np

    out = {"task": name, "seed": seed, "ok": False, "reward": 0.0, "steps": 0, "error": None}
    start = time.perf_counter()
    if timeout:
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(int(timeout))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            task = tasks.names[name]()
            task.mode = mode
            agent = task.oracle(env)
            np.random.seed(seed)
            random.seed(seed)
            env.set_task(task)
            obs = env.reset()
            info = env.info
            total = 0.0
            for _ in range(task.max_steps):
                act = agent.act(obs, info)
                obs, reward, done, info = env.step(act)
                total += reward
                out["steps"] += 1
                if done:
                    break
        out["reward"] = float(total)
        out["ok"] = bool(total > SUCCESS)
    except Exception as err:  # the task's own failure is the verdict
        out["error"] = f"{type(err).__name__}: {err}"[:300]
        out["trace"] = traceback.format_exc()[-800:]
    finally:
        signal.alarm(0)
    out["seconds"] = time.perf_counter() - start
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ref-root", required=True)
    parser.add_argument("--tasks", nargs="*", default=[])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--mode", default="train")
    parser.add_argument("--list", action="store_true", help="print built-in and generated names")
    parser.add_argument("--generated", action="store_true", help="add every generated task file")
    parser.add_argument("--cache", default="", help="write DIR/ref/NAME.json per task; skip cached")
    parser.add_argument("--reverse", action="store_true", help="run the tasks in reverse order")
    parser.add_argument("--episode-timeout", type=float, default=0.0, help="s per episode (0: none)")
    args = parser.parse_args()
    root = os.path.abspath(args.ref_root)
    sys.path.insert(0, root)
    os.chdir(root)
    with contextlib.redirect_stdout(io.StringIO()):
        from cliport import tasks
        from cliport.generated_tasks import new_names
    if args.list:
        builtin = sorted(n for n in tasks.names if n not in new_names)
        print("REFLIST " + json.dumps({"builtin": builtin, "generated": sorted(new_names)}))
        return
    with contextlib.redirect_stdout(io.StringIO()):
        from cliport.environments.environment import Environment

        env = Environment(os.path.join(root, "cliport", "environments", "assets"), disp=False,
                          shared_memory=False, hz=480, record_cfg=RECORD_CFG)
    names = list(args.tasks)
    if args.generated:
        folder = os.path.join(root, "cliport", "generated_tasks")
        names += sorted(f[:-3].replace("_", "-") for f in os.listdir(folder)
                        if f.endswith(".py") and not f.startswith("__"))
    if args.reverse:
        names.reverse()
    for name in names:
        path = os.path.join(args.cache, "ref", name + ".json") if args.cache else ""
        if path and os.path.isfile(path):
            continue
        start = time.perf_counter()
        seeds = {}
        for seed in args.seeds:
            if name not in tasks.names:
                record = {"task": name, "seed": seed, "ok": False, "error": "not a task of the reference",
                          "seconds": 0.0}
            else:
                record = episode(env, tasks, name, seed, args.mode, args.episode_timeout)
            seeds[str(seed)] = record
            sys.stdout.write("\nREFRESULT " + json.dumps(record) + "\n")
            sys.stdout.flush()
        if path and not os.path.isfile(path):  # another run may have written it meanwhile
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = path + ".tmp"
            with open(tmp, "w") as fh:
                json.dump({"seeds": seeds, "wall_s": time.perf_counter() - start}, fh)
            os.replace(tmp, path)


if __name__ == "__main__":
    main()
