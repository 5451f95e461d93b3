"""The expert clears a target before using it and lands objects on the middle of their support.

Task code often scatters every object before it says where the goals are, so an object of a
later step can start on an earlier step's target (build-house: a wall block on the
foundation); and a target may sit on the very edge of what holds it (build-house's chimney,
half over the roof's end). Both scenes below are built on purpose, in a real simulator.
"""

from __future__ import annotations

import numpy as np

from gensim.sim.environment import Environment
from gensim.tasks import utils
from gensim.tasks.episode import run_episode
from gensim.tasks.task import Task

FLAT = (0.0, 0.0, 0.0, 1.0)
BLOCK = "stacking/block.urdf"


class LaterBlockOnTarget(Task):
    """Red to (0.5, 0); then blue to (0.5, 0.2). Blue starts exactly on red's target."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 4

    def reset(self, env: Environment) -> None:
        super().reset(env)
        red = env.add_object(BLOCK, ((0.5, -0.25, 0.02), FLAT), color=utils.COLORS["red"])
        blue = env.add_object(BLOCK, ((0.5, 0.0, 0.02), FLAT), color=utils.COLORS["blue"])
        for obj, xy in ((red, (0.5, 0.0)), (blue, (0.5, 0.2))):
            self.add_goal(objs=[obj], matches=np.ones((1, 1)), targ_poses=[((xy[0], xy[1], 0.02), FLAT)],
                          replace=False, rotations=True, metric="pose", params=None, step_max_reward=0.5,
                          symmetries=[np.pi / 2], language_goal="move the blocks")


class TargetOnAnEdge(Task):
    """A block to be stacked with its middle right over the far edge of a fixed block."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 2

    def reset(self, env: Environment) -> None:
        super().reset(env)
        env.add_object(BLOCK, ((0.5, 0.0, 0.02), FLAT), "fixed", color=utils.COLORS["gray"])
        top = env.add_object(BLOCK, ((0.5, -0.25, 0.02), FLAT), color=utils.COLORS["red"])
        self.add_goal(objs=[top], matches=np.ones((1, 1)), targ_poses=[((0.5, 0.02, 0.06), FLAT)],
                      replace=False, rotations=True, metric="pose", params=None, step_max_reward=1.0,
                      symmetries=[np.pi / 2], language_goal="stack the block")


class AgainstANeighbour(Task):
    """A block to be placed flat against another one, 4 cm centre to centre, both turned 0.35
    rad (a wall, a bridge's pillars side by side): the neighbour's edge falls under the
    landing's pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 2

    def reset(self, env: Environment) -> None:
        super().reset(env)
        turned = utils.eulerXYZ_to_quatXYZW((0.0, 0.0, YAW))
        env.add_object(BLOCK, ((0.5, 0.0, 0.02), turned), color=utils.COLORS["gray"])
        block = env.add_object(BLOCK, ((0.5, -0.25, 0.02), turned), color=utils.COLORS["red"])
        self.add_goal(objs=[block], matches=np.ones((1, 1)), targ_poses=[(BESIDE, turned)],
                      replace=False, rotations=True, metric="pose", params=None, step_max_reward=1.0,
                      symmetries=[np.pi / 2], language_goal="put the red block against the grey one")


YAW = 0.35
BESIDE = (0.5 - 0.04 * np.sin(YAW), 0.04 * np.cos(YAW), 0.02)


class TopLeftInTheMiddle(Task):
    """A two-block base and one block on top; the top block starts on the table in the base's
    middle (where an earlier goal, "every block into the zone", would have left it): over its
    target in xy, as the reward counts it, but under it and in the base's way."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 6

    def reset(self, env: Environment) -> None:
        super().reset(env)
        left = env.add_object(BLOCK, ((0.4, -0.25, 0.02), FLAT), color=utils.COLORS["red"])
        right = env.add_object(BLOCK, ((0.6, -0.25, 0.02), FLAT), color=utils.COLORS["green"])
        top = env.add_object(BLOCK, ((0.5, 0.0, 0.02), FLAT), color=utils.COLORS["blue"])
        for obj, xyz in ((left, (0.5, -0.02, 0.02)), (right, (0.5, 0.02, 0.02)), (top, (0.5, 0.0, 0.06))):
            self.add_goal(objs=[obj], matches=np.ones((1, 1)), targ_poses=[(xyz, FLAT)], replace=False,
                          rotations=True, metric="pose", params=None, step_max_reward=1 / 3,
                          symmetries=[np.pi / 2], language_goal="build the small pyramid")


ZONE = (((0.5, 0.25, 0.0), FLAT), (0.12, 0.12, 0.0))


class LaterZoneObjectOnTarget(Task):
    """Red to (0.5, 0); then blue into a zone at (0.5, 0.25). Blue starts on red's target,
    outside its zone (a fixture pushed off its spawn pose while the scene settled)."""

    def __init__(self, receptacle: bool = False) -> None:
        super().__init__()
        self.max_steps = 4
        self.receptacle = receptacle

    def reset(self, env: Environment) -> None:
        super().reset(env)
        red = env.add_object(BLOCK, ((0.5, -0.25, 0.02), FLAT), color=utils.COLORS["red"])
        if self.receptacle:  # the target taken from the blue block's pose: the red one goes onto it
            blue = env.add_object(BLOCK, ((0.5, 0.0, 0.02), FLAT), color=utils.COLORS["blue"])
        else:
            blue = env.add_object(BLOCK, ((0.5, 0.025, 0.02), FLAT), color=utils.COLORS["blue"])
        self.add_goal(objs=[red], matches=np.ones((1, 1)), targ_poses=[((0.5, 0.0, 0.02), FLAT)],
                      replace=False, rotations=True, metric="pose", params=None, step_max_reward=0.5,
                      symmetries=[np.pi / 2], language_goal="move the red block")
        self.add_goal(objs=[blue], matches=np.ones((1, 1)), targ_poses=[ZONE[0]], replace=False,
                      rotations=True, metric="zone", params=[ZONE], step_max_reward=0.5,
                      language_goal="move the blue one into the zone")


def _run(task: Task) -> tuple[object, Environment]:
    env = Environment(render_obs=False)
    return run_episode(env, task, 0), env


def test_a_later_goals_object_on_a_target_is_moved_out_of_the_way_first() -> None:
    task = LaterBlockOnTarget()
    result, env = _run(task)
    try:
        first_pick = result.actions[0]["pose0"][0]
        assert abs(first_pick[0] - 0.5) < 0.01 and abs(first_pick[1]) < 0.01  # the blue block first
        assert result.success, result.rewards
        assert result.steps == 3
        red, blue = env.obj_ids["rigid"]
        assert env.get_object_pose(red)[0][2] < 0.03  # on the table, not on top of the blue block
    finally:
        env.close()


def test_a_target_on_an_edge_is_reached_a_few_millimetres_inwards() -> None:
    task = TargetOnAnEdge()
    result, env = _run(task)
    try:
        assert result.success, result.rewards
        xyz = env.get_object_pose(env.obj_ids["rigid"][0])[0]
        assert xyz[2] > 0.05  # resting on the fixed block, not tipped off
        assert 0.01 < xyz[1] < 0.02  # moved inwards, within the tolerance of the target
    finally:
        env.close()


def test_a_later_zone_goals_object_outside_its_zone_is_moved_off_a_target_first() -> None:
    result, env = _run(LaterZoneObjectOnTarget())
    try:
        first_pick = result.actions[0]["pose0"][0]
        assert abs(first_pick[0] - 0.5) < 0.01 and abs(first_pick[1] - 0.025) < 0.01  # the blue block first
        assert result.rewards[0] == 0.0 and result.rewards[1] == 0.5
        red = env.obj_ids["rigid"][0]
        assert env.get_object_pose(red)[0][2] < 0.03  # on the table, not on top of the blue block
    finally:
        env.close()


def test_the_receptacle_a_target_was_taken_from_stays_where_it_is() -> None:
    result, env = _run(LaterZoneObjectOnTarget(receptacle=True))
    try:
        first_pick = result.actions[0]["pose0"][0]
        assert abs(first_pick[1] + 0.25) < 0.01  # the red block first, onto the blue one
        assert result.rewards[0] == 0.5
    finally:
        env.close()


def test_a_block_placed_against_a_neighbour_lands_flat_on_its_target() -> None:
    result, env = _run(AgainstANeighbour())
    try:
        assert result.success, result.rewards
        assert result.steps == 1
        xyz, _ = env.get_object_pose(env.obj_ids["rigid"][1])
        assert xyz[2] < 0.025  # on the table beside it, not on its edge
    finally:
        env.close()


def test_a_later_goals_object_under_its_target_is_moved_out_of_the_way_first() -> None:
    result, env = _run(TopLeftInTheMiddle())
    try:
        first_pick = result.actions[0]["pose0"][0]
        assert abs(first_pick[0] - 0.5) < 0.01 and abs(first_pick[1]) < 0.01  # the top block first
        assert result.success, result.rewards
        left, right, top = env.obj_ids["rigid"]
        assert env.get_object_pose(left)[0][2] < 0.03 and env.get_object_pose(right)[0][2] < 0.03
        assert env.get_object_pose(top)[0][2] > 0.05
    finally:
        env.close()
