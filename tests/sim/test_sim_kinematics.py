"""The Panda's kinematics in numpy (`gensim.sim.kinematics`) against PyBullet's, and its IK."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gensim.sim.arm import PANDA_BASE, PANDA_REST, PANDA_TIP_LINK
from gensim.sim.kinematics import Kinematics

DOWN = np.diag([1.0, -1.0, -1.0])  # tip frame of a tool pointing straight down


@pytest.fixture(scope="module")
def panda() -> Any:
    """(pybullet, client, body, Kinematics) of a bare Panda at the arm's base position."""
    import pybullet
    import pybullet_data

    client = pybullet.connect(pybullet.DIRECT)
    body = pybullet.loadURDF(f"{pybullet_data.getDataPath()}/franka_panda/panda.urdf", PANDA_BASE,
                             useFixedBase=True, physicsClientId=client)
    infos = [pybullet.getJointInfo(body, j, physicsClientId=client) for j in range(7)]
    kin = Kinematics(PANDA_BASE, [i[8] for i in infos], [i[9] for i in infos], PANDA_REST)
    yield pybullet, client, body, kin
    pybullet.disconnect(client)


def _tip(xyz: tuple[float, float, float], yaw: float = 0.0) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    target = np.eye(4)
    target[:3, :3] = np.array(((c, -s, 0), (s, c, 0), (0, 0, 1))) @ DOWN
    target[:3, 3] = xyz
    return target


def test_forward_kinematics_matches_pybullet(panda: Any) -> None:
    p, c, body, kin = panda
    rng = np.random.default_rng(0)
    for _ in range(5):
        q = rng.uniform(kin.lower, kin.upper)
        for j in range(7):
            p.resetJointState(body, j, q[j], physicsClientId=c)
        pos, orn = p.getLinkState(body, PANDA_TIP_LINK, computeForwardKinematics=True, physicsClientId=c)[4:6]
        tip = kin.tip(q)
        assert np.allclose(tip[:3, 3], pos, atol=1e-6)
        assert np.allclose(tip[:3, :3], np.reshape(p.getMatrixFromQuaternion(orn), (3, 3)), atol=1e-6)


@pytest.mark.parametrize("xyz,yaw", [  # tip-link positions (the tool point is 10 cm lower)
    ((0.3, 0.0, 0.12), 0.0),  # near the base, low: the elbow folds
    ((0.3, 0.35, 0.12), 1.2),
    ((0.5, 0.0, 0.4), -2.0),
    ((0.7, -0.45, 0.12), 0.5),  # a far corner, low
    ((0.65, 0.4, 0.4), 0.0),  # far and at the approach height
])
def test_ik_converges_within_limits_on_workspace_poses(panda: Any, xyz: tuple[float, float, float], yaw: float) -> None:
    _, _, _, kin = panda
    target = _tip(xyz, yaw)
    solution = kin.solve(target, PANDA_REST)
    assert solution.converged, solution
    q = np.array(solution.q)
    assert np.all(q >= kin.lower) and np.all(q <= kin.upper)
    assert np.linalg.norm(kin.tip(q)[:3, 3] - target[:3, 3]) < 1e-3


def test_track_follows_a_small_step_and_refuses_a_large_one(panda: Any) -> None:
    _, _, _, kin = panda
    start = _tip((0.5, 0.1, 0.2))
    assert kin.solve(start, PANDA_REST).converged
    near = _tip((0.504, 0.1, 0.2))
    tracked = kin.track(near)
    assert tracked is not None
    assert np.linalg.norm(kin.tip(tracked.q)[:3, 3] - near[:3, 3]) < 2e-4
    assert kin.track(_tip((0.53, 0.1, 0.2))) is None
