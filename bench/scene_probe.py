"""Scene probe for bench/scene_parity.py: reset one task for some seeds and print its objects.

Runs under either interpreter: ours (`--side ours`) or the reference's (`--side ref`, with
`--ref-root` the GenSim checkout). It imports nothing of the other side, wraps the
environment's `add_object` and the task's `reset` to note what the task built, and prints one
JSON line per seed: for each body the task registered, in order, its category, the asset's
name, the pose it was placed at (before any physics step), its extents in its own frame and
its colour. Nothing here draws random numbers.

    python bench/scene_probe.py --side ours --task place-red-in-green --seeds 0 1 2
    python bench/scene_probe.py --side ref --ref-root GENSIM --file task.py --seeds 0 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import traceback

import numpy as np

CATEGORIES = ("fixed", "rigid", "deformable")


def asset_name(urdf):
    """A comparable asset name: file name without folder, template suffix and random tag."""
    name = os.path.basename(str(urdf))
    name = re.sub(r"\.urdf.*$", "", name)  # the reference's filled copies: x.urdf.<tag>
    name = re.sub(r"[-_.][0-9a-f]{6,}$", "", name)  # our filled copies carry a hash
    return name.replace("-template", "")


def body_record(p, client, body, names):
    pos, orn = p.getBasePositionAndOrientation(body, physicsClientId=client)
    p.resetBasePositionAndOrientation(body, pos, (0, 0, 0, 1), physicsClientId=client)
    lo, hi = (np.array(v, dtype=float) for v in p.getAABB(body, -1, physicsClientId=client))
    for link in range(p.getNumJoints(body, physicsClientId=client)):
        llo, lhi = p.getAABB(body, link, physicsClientId=client)
        lo, hi = np.minimum(lo, llo), np.maximum(hi, lhi)
    p.resetBasePositionAndOrientation(body, pos, orn, physicsClientId=client)
    shapes = p.getVisualShapeData(body, physicsClientId=client)
    rgba = list(shapes[0][7]) if shapes else [0.0, 0.0, 0.0, 0.0]
    return {
        "name": names.get(body, "<body>"),
        "pos": [float(v) for v in pos],
        "orn": [float(v) for v in orn],
        "extents": [float(v) for v in hi - lo],
        "rgba": [float(v) for v in rgba],
    }


def snapshot(p, client, obj_ids, names):
    return [
        dict(body_record(p, client, body, names), category=cat)
        for cat in CATEGORIES for body in obj_ids.get(cat, [])
    ]


def instrument(env, task, p, client, out):
    names = {}
    original_add = env.add_object

    def add_object(urdf, pose, *args, **kwargs):
        body = original_add(urdf, pose, *args, **kwargs)
        if body is not None:
            names[body] = asset_name(urdf)
        return body

    env.add_object = add_object
    original_reset = task.reset

    def reset(*args, **kwargs):
        names.clear()
        result = original_reset(*args, **kwargs)
        out["objects"] = snapshot(p, client, env.obj_ids, names)
        return result

    task.reset = reset


def run_ref(args):
    sys.path.insert(0, args.ref_root)
    import pybullet as p
    from cliport import tasks
    from cliport.environments.environment import Environment

    assets = os.path.join(args.ref_root, "cliport", "environments", "assets")
    env = Environment(assets, disp=False, shared_memory=False, hz=480,
                      record_cfg={"save_video": False, "blender_render": False})
    name = args.task or os.path.splitext(os.path.basename(args.file))[0].replace("_", "-")
    for seed in args.seeds:
        out = {"side": "ref", "task": name, "seed": seed}
        try:
            task = tasks.names[name]()
            task.mode = args.mode
            np.random.seed(seed)
            random.seed(seed)
            env.seed(seed)
            instrument(env, task, p, 0, out)
            env.set_task(task)
            env.reset()
            out["lang_goal"] = task.get_lang_goal()
        except Exception as err:  # noqa: BLE001 - reported, not raised
            out["error"] = f"{type(err).__name__}: {err}"
            out["trace"] = traceback.format_exc()[-800:]
        print(json.dumps(out), flush=True)


def run_ours(args):
    from gensim.sim.environment import Environment
    from gensim.tasks.loader import load_task_file
    from gensim.tasks.registry import get_spec, make_task

    env = Environment(render_obs=False)
    name = args.task or os.path.splitext(os.path.basename(args.file))[0].replace("_", "-")
    for seed in args.seeds:
        out = {"side": "ours", "task": name, "seed": seed}
        try:
            task = make_task(get_spec(args.task)) if args.task else load_task_file(args.file)()
            task.mode = args.mode
            task.seed(seed)
            instrument(env, task, env.p, env.client, out)
            env.set_task(task)
            env.reset()
            out["lang_goal"] = task.get_lang_goal()
        except Exception as err:  # noqa: BLE001 - reported, not raised
            out["error"] = f"{type(err).__name__}: {err}"
        print(json.dumps(out), flush=True)
    env.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", choices=("ours", "ref"), required=True)
    parser.add_argument("--ref-root", default="")
    parser.add_argument("--task", default="")
    parser.add_argument("--file", default="")
    parser.add_argument("--mode", default="train")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    (run_ref if args.side == "ref" else run_ours)(args)


if __name__ == "__main__":
    main()
