"""Environment: reset/step call order, observation, info, clients, errors, determinism."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gensim.errors import UsageError

IDENTITY = (0.0, 0.0, 0.0, 1.0)
SIM_DIR = Path(__file__).resolve().parents[2] / "gensim" / "sim"


def test_reset_and_step_with_a_dummy_task(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.5, 0.0, 0.02), IDENTITY), {})], render_obs=True)
    obs = env.obs
    assert obs["color"].shape == (320, 160, 3) and obs["color"].dtype == np.uint8
    assert obs["height"].shape == (320, 160) and obs["height"].dtype == np.float32
    assert "views" not in obs
    (block,) = env.task.ids
    assert env.obj_ids == {"fixed": [], "rigid": [block], "deformable": []}
    assert env.warnings == []
    info = env.info
    assert info["lang_goal"] == "put the block somewhere"
    pos, quat, dims = info[block]
    assert np.allclose(pos, (0.5, 0.0, 0.02), atol=1e-3)
    assert np.allclose(dims, (0.04, 0.04, 0.04), atol=1e-6)
    # No action: nothing moves, no reward asked of the task.
    obs, reward, done, info = env.step()
    assert reward == 0.0 and not done and env.task.rewards == 0 and env.step_count == 0
    obs, reward, done, info = env.step({"pose0": ((0.5, 0.0, 0.04), IDENTITY), "pose1": ((0.6, 0.1, 0.04), IDENTITY)})
    assert reward == 0.5 and env.task.rewards == 1 and env.step_count == 1
    assert obs["height"].max() > 0.035  # the block is in the picture
    assert np.allclose(info[block][0][:2], (0.6, 0.1), atol=0.01)


def test_render_obs_false_skips_rendering(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.5, 0.0, 0.02), IDENTITY), {})])
    assert env.obs == {}
    obs, *_ = env.step()
    assert obs == {}


def test_usage_errors(make_env, block_urdf):
    from gensim.sim.environment import Environment

    with Environment() as bare:
        with pytest.raises(UsageError, match="set_task"):
            bare.reset()
    assert bare.closed and not bare.tmp_dir.exists()
    env = make_env([(block_urdf, ((0.5, 0.0, 0.02), IDENTITY), {})])
    with pytest.raises(UsageError, match="pose0"):
        env.step({"pick": 1})
    with pytest.raises(UsageError, match="not a pose"):
        env.add_object(block_urdf, "somewhere")


def test_settling_leaves_objects_at_rest(make_env, block_urdf):
    # Dropped from 10 cm: after reset (which settles) the block lies still on the table.
    env = make_env([(block_urdf, ((0.5, 0.2, 0.12), IDENTITY), {})])
    assert env.is_static
    assert env.get_object_pose(env.task.ids[0])[0][2] == pytest.approx(0.02, abs=2e-3)
    assert env.sim_steps < 2 * env.hz  # settled before the cap


def test_same_scene_same_action_is_deterministic(make_env, block_urdf):
    action = {"pose0": ((0.45, -0.1, 0.04), IDENTITY), "pose1": ((0.6, 0.15, 0.04), (0, 0, 0.3826834, 0.9238795))}
    poses = []
    for _ in range(2):
        env = make_env([(block_urdf, ((0.45, -0.1, 0.02), IDENTITY), {}), (block_urdf, ((0.6, -0.2, 0.02), IDENTITY), {})])
        env.step(action)
        poses.append([env.get_object_pose(i) for i in env.task.ids])
    assert poses[0] == poses[1]


def test_two_environments_do_not_interfere(make_env, block_urdf):
    import pybullet as p

    a = make_env([(block_urdf, ((0.4, 0.0, 0.02), IDENTITY), {})], render_obs=True)
    b = make_env([(block_urdf, ((0.6, 0.3, 0.02), IDENTITY), {}), (block_urdf, ((0.6, -0.3, 0.02), IDENTITY), {})])
    bodies_b = p.getNumBodies(physicsClientId=b.client)
    before_b = [b.get_object_pose(i) for i in b.task.ids]
    a.step({"pose0": ((0.4, 0.0, 0.04), IDENTITY), "pose1": ((0.5, 0.2, 0.04), IDENTITY)})
    a.reset()
    assert a.client != b.client
    assert p.getNumBodies(physicsClientId=b.client) == bodies_b
    assert [b.get_object_pose(i) for i in b.task.ids] == before_b
    assert np.allclose(a.get_object_pose(a.task.ids[0])[0], (0.4, 0.0, 0.02), atol=1e-3)


def test_a_client_connected_ahead_is_taken_by_the_next_environment(make_env, block_urdf, monkeypatch):
    import pybullet as p

    from gensim.sim import environment

    action = {"pose0": ((0.45, -0.1, 0.04), IDENTITY), "pose1": ((0.6, 0.15, 0.04), IDENTITY)}
    scene = [(block_urdf, ((0.45, -0.1, 0.02), IDENTITY), {})]
    fresh = make_env(scene, render_obs=True)
    environment.connect_ahead()
    environment.connect_ahead()  # one spare at most
    assert len(environment._spare_clients) == 1
    spare = environment._spare_clients[0]
    connects = []
    real = p.connect
    monkeypatch.setattr(p, "connect", lambda *a, **k: connects.append(a) or real(*a, **k))
    ahead = make_env(scene, render_obs=True)
    assert ahead.client == spare and connects == [] and environment._spare_clients == []
    again = make_env(scene)
    assert len(connects) == 1 and again.client not in (spare, fresh.client)
    # the spare client behaves as a fresh one: same pictures, same physics
    assert np.array_equal(ahead.obs["color"], fresh.obs["color"])
    fresh.step(action)
    ahead.step(action)
    assert ahead.get_object_pose(ahead.task.ids[0]) == fresh.get_object_pose(fresh.task.ids[0])


def _pybullet_calls_without_client(path: Path) -> list[str]:
    """Calls like `p.f(...)`, `self.p.f(...)`, `env.p.f(...)` that lack physicsClientId."""
    missing = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        is_p = (isinstance(owner, ast.Name) and owner.id in ("p", "pybullet")) or (
            isinstance(owner, ast.Attribute) and owner.attr == "p"
        )
        if node.func.attr == "connect":  # creates the client
            continue
        if is_p and not any(k.arg == "physicsClientId" for k in node.keywords):
            missing.append(f"{path.name}:{node.lineno} {node.func.attr}")
    return missing


def test_every_pybullet_call_passes_its_client(tmp_path):
    files = sorted(SIM_DIR.glob("*.py"))
    assert len(files) >= 8
    missing = [m for f in files for m in _pybullet_calls_without_client(f)]
    assert missing == [], missing
    # The checker itself finds a call without a client.
    sample = tmp_path / "sample_bad.py"
    sample.write_text("def f(env):\n    env.p.stepSimulation()\n")
    assert _pybullet_calls_without_client(sample) == ["sample_bad.py:2 stepSimulation"]


def test_importing_gensim_sim_does_not_import_pybullet():
    code = "import sys, gensim.sim, gensim.sim.environment; print('pybullet' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _two_stacked_and_one_alone(make_env, block_urdf):
    """Blocks 2 on 1 at the front, block 3 alone; one action moves block 3 further along, after
    which `rest` has put all three to sleep."""
    env = make_env([(block_urdf, ((0.4, -0.2, 0.02), IDENTITY), {}), (block_urdf, ((0.4, -0.2, 0.06), IDENTITY), {}),
                    (block_urdf, ((0.6, 0.1, 0.02), IDENTITY), {})])
    env.step({"pose0": ((0.6, 0.1, 0.04), IDENTITY), "pose1": ((0.6, 0.2, 0.04), IDENTITY)})
    return env


def test_objects_at_rest_after_an_action_sleep_until_touched(make_env, block_urdf):
    env = _two_stacked_and_one_alone(make_env, block_urdf)
    lower, upper, alone = env.task.ids
    assert set(env._asleep) == {lower, upper, alone}
    # The tool comes down on the stack: Bullet wakes what it touches; the stack stays standing.
    env.step({"pose0": ((0.4, -0.2, 0.08), IDENTITY), "pose1": ((0.6, -0.1, 0.04), IDENTITY)})
    assert np.allclose(env.get_object_pose(upper)[0], (0.6, -0.1, 0.02), atol=0.01)
    assert env.get_object_pose(lower)[0][2] == pytest.approx(0.02, abs=2e-3)


def test_a_sleeper_moved_by_code_wakes_with_what_it_held_up(make_env, block_urdf):
    # Bullet leaves a sleeping body where code puts it, in mid-air too: the environment wakes it,
    # and the sleepers that lay on it, before the next physics step.
    env = _two_stacked_and_one_alone(make_env, block_urdf)
    lower, upper, alone = env.task.ids
    p, c = env.p, env.client
    p.resetBasePositionAndOrientation(alone, (0.5, 0.3, 0.15), IDENTITY, physicsClientId=c)
    p.resetBasePositionAndOrientation(lower, (0.7, -0.3, 0.02), IDENTITY, physicsClientId=c)
    env._moves_pending = True  # as after the task's or the expert's code (`step` sets it)
    env.step_physics(240)
    assert env.get_object_pose(alone)[0][2] == pytest.approx(0.02, abs=2e-3)
    assert env.get_object_pose(upper)[0][2] == pytest.approx(0.02, abs=2e-3)
    assert env.get_object_pose(lower)[0][2] == pytest.approx(0.02, abs=2e-3)
