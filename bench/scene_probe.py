"""Scene probe for bench/scene_parity.py: reset one task for some seeds and print its objects.

Runs under either interpreter: ours (`--side ours`) or the reference's (`--side ref`, with
`--ref-root` the GenSim checkout). It imports nothing of the other side, wraps the
environment's `add_object` and the task's `reset` to note what the task built, and prints one
JSON line per seed: for each body the task registered, in order, its category, the asset's
name, the pose it was placed at (before any physics step), its extents in its own frame and
its colour. Nothing here draws random numbers.

    python bench/scene_probe.py --side ours --task place-red-in-green --seeds 0 1 2
    python bench/scene_probe.py --side ref --ref-root GENSIM --file task.py --seeds 0 1 [--expert]

With `--expert` each seed's record also has `expert`: the seconds of the reset and the
expert's episode (the reference's `demos.py` loop there, `run_episode` here) and its reward.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import traceback

import numpy as np

CATEGORIES = ("fixed", "rigid", "deformable")


def asset_name(urdf):
    """A comparable asset name: file name without folder, template suffix and random tag."""
    name = os.path.basename(str(urdf))
    name = re.sub(r"\.urdf.*$", "", name)  # the reference's filled copies: x.urdf.<tag>
    name = re.sub(r"[-_.][0-9a-f]{6,}$", "", name)  # our filled copies carry a hash
    return name.replace("-template", "")


MARK = "@@scene-probe "  # pybullet prints to stdout without newlines: records carry a mark


def _pose_of(pose):
    """(xyz, quat) of a pose argument as task code passes it (a bare xyz gets identity)."""
    try:
        if len(pose) == 2 and len(pose[0]) == 3:
            return [float(v) for v in pose[0]], [float(v) for v in pose[1]]
    except TypeError:
        pass
    return [float(v) for v in pose], [0.0, 0.0, 0.0, 1.0]


def body_record(p, client, body, names, placed):
    pos, orn = p.getBasePositionAndOrientation(body, physicsClientId=client)
    p.resetBasePositionAndOrientation(body, pos, (0, 0, 0, 1), physicsClientId=client)
    lo, hi = (np.array(v, dtype=float) for v in p.getAABB(body, -1, physicsClientId=client))
    for link in range(p.getNumJoints(body, physicsClientId=client)):
        llo, lhi = p.getAABB(body, link, physicsClientId=client)
        lo, hi = np.minimum(lo, llo), np.maximum(hi, lhi)
    p.resetBasePositionAndOrientation(body, pos, orn, physicsClientId=client)
    shapes = p.getVisualShapeData(body, physicsClientId=client)
    rgba = list(shapes[0][7]) if shapes else [0.0, 0.0, 0.0, 0.0]
    # the pose task code placed the body at (a body's base pose is its inertial frame, which
    # differs between asset sets); bodies made without add_object (rope beads) use the latter
    place_pos, place_orn = placed.get(body, (list(pos), list(orn)))
    return {
        "name": names.get(body, "<body>"),
        "pos": [float(v) for v in place_pos],
        "orn": [float(v) for v in place_orn],
        "extents": [float(v) for v in hi - lo],
        "rgba": [float(v) for v in rgba],
    }


def snapshot(p, client, obj_ids, names, placed):
    return [
        dict(body_record(p, client, body, names, placed), category=cat)
        for cat in CATEGORIES for body in obj_ids.get(cat, [])
    ]


def instrument(env, task, p, client, out):
    names, placed = {}, {}
    original_add = env.add_object

    def add_object(urdf, pose, *args, **kwargs):
        body = original_add(urdf, pose, *args, **kwargs)
        if body is not None:
            names[body] = asset_name(urdf)
            try:
                placed[body] = _pose_of(pose)
            except (TypeError, ValueError):
                pass
        return body

    env.add_object = add_object
    original_reset = task.reset

    def reset(*args, **kwargs):
        names.clear()
        placed.clear()
        result = original_reset(*args, **kwargs)
        out["objects"] = snapshot(p, client, env.obj_ids, names, placed)
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
            start = time.perf_counter()
            obs = env.reset()
            out["lang_goal"] = task.get_lang_goal()
            if args.expert:  # the reference's demonstration loop (demos.py)
                info, agent, total = env.info, task.oracle(env), 0.0
                for _ in range(task.max_steps):
                    obs, reward, done, info = env.step(agent.act(obs, info))
                    total += reward
                    if done:
                        break
                out["expert"] = {"seconds": time.perf_counter() - start, "reward": total}
        except Exception as err:  # noqa: BLE001 - reported, not raised
            out["error"] = f"{type(err).__name__}: {err}"
            out["trace"] = traceback.format_exc()[-800:]
        print("\n" + MARK + json.dumps(out), flush=True)


def use_assets_from(env, root):
    """Load the task's objects from another asset folder (e.g. the reference checkout's) where it
    has the file, ours otherwise; scenery and gripper stay ours. This separates what our remade
    assets change from what our task logic changes; the other folder is only read."""
    def resolved(path):
        other = os.path.join(root, str(path))
        return other if not os.path.isabs(str(path)) and os.path.exists(other) else path

    def inside(value):  # a mesh path into our assets (kitting shapes' FNAME) -> theirs
        if isinstance(value, str) and value.startswith(env.assets_root + os.sep):
            return resolved(os.path.relpath(value, env.assets_root))
        return value

    add, fill = env.add_object, env.fill_template
    env.add_object = lambda urdf, pose, *a, **k: add(resolved(urdf), pose, *a, **k)
    env.fill_template = lambda template, replace: fill(
        resolved(template),
        {k: [inside(x) for x in v] if isinstance(v, (list, tuple)) else inside(v) for k, v in replace.items()})


def run_ours(args):
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.loader import load_task_file
    from gensim.tasks.registry import get_spec, make_task

    env = Environment(render_obs=args.expert)  # an expert episode observes after every step
    if args.assets_from:
        use_assets_from(env, args.assets_from)
    name = args.task or os.path.splitext(os.path.basename(args.file))[0].replace("_", "-")
    for seed in args.seeds:
        out = {"side": "ours", "task": name, "seed": seed}
        try:
            task = make_task(get_spec(args.task)) if args.task else load_task_file(args.file)()
            task.mode = args.mode
            task.seed(seed)
            instrument(env, task, env.p, env.client, out)
            if args.expert:
                start = time.perf_counter()
                result = run_episode(env, task, seed)
                out["expert"] = {"seconds": time.perf_counter() - start, "reward": result.total_reward}
            else:
                env.set_task(task)
                env.reset()
            out["lang_goal"] = task.get_lang_goal()
        except Exception as err:  # noqa: BLE001 - reported, not raised
            out["error"] = f"{type(err).__name__}: {err}"
        print("\n" + MARK + json.dumps(out), flush=True)
    env.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", choices=("ours", "ref"), required=True)
    parser.add_argument("--ref-root", default="")
    parser.add_argument("--task", default="")
    parser.add_argument("--file", default="")
    parser.add_argument("--mode", default="train")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--expert", action="store_true", help="also run the expert after reset")
    parser.add_argument("--assets-from", default="", help="ours: load task objects from this asset folder")
    args = parser.parse_args()
    (run_ref if args.side == "ref" else run_ours)(args)


if __name__ == "__main__":
    main()
