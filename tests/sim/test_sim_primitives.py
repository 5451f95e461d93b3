"""End effectors and primitives: pick-and-place accuracy, stacking, grasp checks, pushing."""

from __future__ import annotations

import numpy as np
import pytest

IDENTITY = (0.0, 0.0, 0.0, 1.0)


def yaw_of(quat) -> float:
    x, y, z, w = quat
    return float(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))


def yaw_quat(yaw: float) -> tuple[float, float, float, float]:
    return (0.0, 0.0, float(np.sin(yaw / 2)), float(np.cos(yaw / 2)))


def test_pick_and_place_moves_a_block_within_a_centimetre(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.4, -0.25, 0.02), IDENTITY), {})])
    (block,) = env.task.ids
    _, _, done, _ = env.step({"pose0": ((0.4, -0.25, 0.04), IDENTITY), "pose1": ((0.65, 0.2, 0.04), yaw_quat(0.6))})
    pos, quat = env.get_object_pose(block)
    assert not env.last_timeout and not done
    assert np.linalg.norm(np.subtract(pos[:2], (0.65, 0.2))) < 0.01
    assert pos[2] == pytest.approx(0.02, abs=2e-3)
    assert yaw_of(quat) == pytest.approx(0.6, abs=np.deg2rad(5))  # the yaw was carried
    assert not env.ee.check_grasp()  # released


def test_a_stack_of_two_blocks_stands(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.5, 0.0, 0.02), IDENTITY), {}), (block_urdf, ((0.4, 0.25, 0.02), IDENTITY), {})])
    base, top = env.task.ids
    env.step({"pose0": ((0.4, 0.25, 0.04), IDENTITY), "pose1": ((0.5, 0.0, 0.08), IDENTITY)})
    env.step_physics(env.hz)  # one more second: a leaning stack would topple
    top_pos, top_quat = env.get_object_pose(top)
    base_pos, _ = env.get_object_pose(base)
    assert np.linalg.norm(np.subtract(top_pos[:2], base_pos[:2])) < 0.01
    assert top_pos[2] == pytest.approx(0.06, abs=3e-3)
    assert abs(top_quat[3]) > 0.99  # upright, barely turned
    assert env.is_static


def test_suction_grasps_only_what_touches_the_tip(make_env, block_urdf):
    from gensim.sim.primitives import descend

    env = make_env([(block_urdf, ((0.5, 0.1, 0.02), IDENTITY), {})])
    ee = env.ee
    assert not env.movep(((0.5, 0.1, 0.2), IDENTITY))
    ee.activate()  # touching nothing: no grasp
    assert not ee.check_grasp() and not ee.detect_contact()
    assert not descend(env, ((0.5, 0.1, 0.04), IDENTITY), 0.01)
    assert ee.detect_contact()
    ee.activate()
    assert ee.check_grasp() and ee.grasped == env.task.ids[0]
    assert not env.movep(((0.5, 0.1, 0.2), IDENTITY))
    assert env.get_object_pose(env.task.ids[0])[0][2] > 0.15  # lifted with the cup
    ee.release()
    assert not ee.check_grasp()
    env.wait_until_settled()
    assert env.get_object_pose(env.task.ids[0])[0][2] == pytest.approx(0.02, abs=2e-3)


def test_picking_empty_table_grasps_nothing_and_moves_nothing(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.5, 0.1, 0.02), IDENTITY), {})])
    before = env.get_object_pose(env.task.ids[0])
    _, _, done, _ = env.step({"pose0": ((0.4, -0.2, 0.0), IDENTITY), "pose1": ((0.5, 0.1, 0.04), IDENTITY)})
    assert not done and not env.last_timeout
    assert np.allclose(env.get_object_pose(env.task.ids[0])[0], before[0], atol=1e-3)


def test_a_place_above_where_the_object_will_rest_lands_it_without_timing_out(make_env, block_urdf):
    # The reference descends until contact: a block placed 8 cm up (the top of a pyramid whose
    # base is not built yet) comes to rest on the table and the episode goes on.
    env = make_env([(block_urdf, ((0.4, -0.25, 0.02), IDENTITY), {})])
    (block,) = env.task.ids
    _, _, done, _ = env.step({"pose0": ((0.4, -0.25, 0.04), IDENTITY), "pose1": ((0.6, 0.1, 0.14), IDENTITY)})
    assert not env.last_timeout and not done
    pos, _ = env.get_object_pose(block)
    assert np.linalg.norm(np.subtract(pos[:2], (0.6, 0.1))) < 0.01 and pos[2] == pytest.approx(0.02, abs=2e-3)


def test_movep_reports_a_blocked_target_as_timeout(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.5, 0.1, 0.02), IDENTITY), {})], ee=None)
    assert env.movep(((0.6, -0.1, -0.05), IDENTITY))  # below the table: cannot get there
    assert not env.movep(((0.6, -0.1, 0.1), IDENTITY))


def test_slow_low_variant_for_ropes(make_env, block_urdf):
    from gensim.sim.primitives import PickPlace

    env = make_env([(block_urdf, ((0.5, 0.0, 0.02), IDENTITY), {})], primitive=PickPlace(height=0.02, speed=0.001))
    env.step({"pose0": ((0.5, 0.0, 0.04), IDENTITY), "pose1": ((0.55, 0.08, 0.04), IDENTITY)})
    pos, _ = env.get_object_pose(env.task.ids[0])
    assert np.linalg.norm(np.subtract(pos[:2], (0.55, 0.08))) < 0.01


def test_spatula_push_moves_small_blocks(make_env, tmp_path):
    from sim_fixtures import write_box

    from gensim.sim.grippers import Spatula
    from gensim.sim.primitives import push

    small = str(write_box(tmp_path, "small", "0.01 0.01 0.01", mass=0.01))
    objects = [(small, ((0.45, y, 0.005), IDENTITY), {}) for y in (-0.02, 0.0, 0.02)]
    env = make_env(objects, ee=Spatula, primitive=push)
    assert not env.ee.check_grasp()
    env.step({"pose0": ((0.42, 0.0, 0.0), IDENTITY), "pose1": ((0.62, 0.0, 0.0), IDENTITY)})
    xs = [env.get_object_pose(i)[0][0] for i in env.task.ids]
    assert all(x > 0.5 for x in xs), xs  # pushed about 10 cm or more along +x
    assert all(x < 0.62 for x in xs), xs  # stopped short of the end point


def test_objects_asleep_after_a_long_rest_still_react(make_env, block_urdf, tmp_path):
    from sim_fixtures import write_box

    from gensim.sim.grippers import Spatula
    from gensim.sim.primitives import push

    env = make_env([(block_urdf, ((0.45, 0.0, 0.02), IDENTITY), {}), (block_urdf, ((0.6, 0.2, 0.02), IDENTITY), {})])
    env.step_physics(3 * env.hz)  # longer than Bullet's 2 s deactivation time
    env.step({"pose0": ((0.6, 0.2, 0.04), IDENTITY), "pose1": ((0.45, 0.0, 0.08), IDENTITY)})  # stack it
    env.step_physics(3 * env.hz)
    env.step({"pose0": ((0.45, 0.0, 0.08), IDENTITY), "pose1": ((0.4, -0.3, 0.04), IDENTITY)})  # unstack
    pos, _ = env.get_object_pose(env.task.ids[1])
    assert np.linalg.norm(np.subtract(pos, (0.4, -0.3, 0.02))) < 0.01

    small = str(write_box(tmp_path, "small", "0.01 0.01 0.01", mass=0.01))
    env = make_env([(small, ((0.45, 0.0, 0.005), IDENTITY), {})], ee=Spatula, primitive=push)
    env.step_physics(3 * env.hz)
    env.step({"pose0": ((0.42, 0.0, 0.0), IDENTITY), "pose1": ((0.62, 0.0, 0.0), IDENTITY)})
    assert env.get_object_pose(env.task.ids[0])[0][0] > 0.5


@pytest.mark.parametrize("timed_out", [True, False])
def test_a_timed_out_action_ends_the_episode_with_reward_zero(make_env, block_urdf, timed_out):
    # The reference's rule: a timed-out primitive returns reward 0 and done, without asking the task.
    env = make_env([(block_urdf, ((0.4, -0.25, 0.02), IDENTITY), {})], primitive=lambda *_: timed_out)
    asked: list[int] = []
    stock = env.task.reward

    def reward():  # counts the calls, answers with the task's own reward raised to 1
        asked.append(1)
        return 1.0, stock()[1]

    env.task.reward = reward
    _, r, done, _ = env.step({"pose0": ((0.4, -0.25, 0.04), IDENTITY), "pose1": ((0.6, 0.2, 0.04), IDENTITY)})
    assert env.last_timeout is timed_out
    assert (r, done, len(asked)) == ((0.0, True, 0) if timed_out else (1.0, bool(env.task.done()), 1))


def test_a_held_block_meets_a_tower_taller_than_its_target_at_the_fine_step(make_env, block_urdf):
    # Four blocks stacked 16 cm high; the held block's place pose is on the table under them,
    # as model-written towers give every level the stand's height. The descent must slow down
    # near the tower's top (what lies below), not only near the pose.
    from gensim.sim.constants import DESCEND_STEP
    from gensim.sim.primitives import clearance_below, descend

    tower = [(block_urdf, ((0.5, 0.0, 0.02 + 0.04 * k), IDENTITY), {}) for k in range(4)]
    env = make_env([*tower, (block_urdf, ((0.4, 0.25, 0.02), IDENTITY), {})])
    held = env.task.ids[-1]
    ee = env.ee
    assert not env.movep(((0.4, 0.25, 0.3), IDENTITY))
    assert not descend(env, ((0.4, 0.25, 0.04), IDENTITY), 0.01)
    ee.activate()
    assert ee.grasped == held
    assert not env.movep(((0.5, 0.0, 0.32), IDENTITY))
    top = env.get_object_pose(env.task.ids[3])[0][2] + 0.02
    underside = env.get_object_pose(held)[0][2] - 0.02
    assert clearance_below(env) == pytest.approx(underside - top, abs=2e-3)
    steps: list[float] = []
    env.frame_every = 1
    env.frame_hook = lambda: steps.append(float(ee.target[0][2]))
    assert not descend(env, ((0.5, 0.0, 0.04), IDENTITY), 0.01)
    env.frame_hook = None
    assert steps[-2] - steps[-1] == pytest.approx(DESCEND_STEP, abs=1e-6)  # touched at the fine step
    assert env.get_object_pose(held)[0][2] == pytest.approx(top + 0.02, abs=5e-3)  # on the tower
