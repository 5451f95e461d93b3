"""Numbers of the tabletop convention and of this simulator, in SI units (metres, seconds, newtons).

The workspace and pixel size are facts of the convention (see the task API spec); the rest are
this simulator's own choices, gathered here so that the environment, grippers and primitives
agree on them.
"""

from __future__ import annotations

from gensim.checking.conventions import WORKSPACE

# Workspace [[x_min, x_max], [y_min, y_max], [z_min, z_max]] in metres; the table top is z = 0.
BOUNDS = WORKSPACE
PIX_SIZE = 0.003125  # metres per heightmap pixel
IMAGE_SHAPE = (320, 160)  # (rows along y, columns along x) of the top-down observation

HZ = 480  # physics steps per simulated second
GRAVITY = -9.8  # m/s^2 along z

SOLVER_ITERATIONS = 50  # Bullet's contact solver iterations per step (its default)
SOLVER_ITERATIONS_CROWDED = 20  # ... in scenes of more than CROWDED movable objects (piles):
CROWDED = 20  # there the solver dominates the step time, and 20 iterations push piles alike
SOLVER_ITERATIONS_LINKED = 10  # ... in scenes where movable bodies are linked to each other by
# constraints (ropes): the rope's links and its many contacts made the solver 60 % of a rope
# episode at 50 iterations; at 10 the beads still keep their spacing within a few per cent

SETTLE_SPEED = 0.005  # m/s: rigid objects slower than this count as settled
SETTLE_CAP_S = 2.0  # s of simulated time: the settling wait never runs longer
SETTLE_CHECK_EVERY = 4  # physics steps between two settling checks (the check costs calls)

# m/s: objects slower than this for Bullet's deactivation time (2 s) fall asleep: they are not
# simulated again until something touches them.
SLEEP_SPEED = 0.005
# rad/s: once the world has settled, every one-link object slower than SETTLE_SPEED and turning
# slower than this is put to sleep at once (`Environment.rest`), not after Bullet's 2 s
REST_SPIN = 0.05
REST_MOVED = 1e-4  # m (and quaternion components): a sleeper moved more than this was moved by code
REST_NEAR = 0.01  # m: a sleeper moved by code wakes the sleepers within this of where it was

HOME_POSITION = (0.5, 0.0, 0.45)  # where a new end effector starts (above the workspace)
EE_MAX_FORCE = 300.0  # N: force cap of the constraint that drives the end effector
EE_POS_TOL = 0.005  # m: movep counts a pose as reached within this distance
EE_ROT_TOL = 0.02  # rad: ... and within this angle
EE_MAX_ROT_STEP = 0.04  # rad per physics step: rotation speed limit of movep
MOVE_WAIT_S = 0.5  # s of simulated time movep waits for the body to reach its target

DESCEND_STEP = 0.001  # m per physics step when descending the last centimetres to contact
DESCEND_MARGIN = 0.02  # m above the expected contact where the fine descent starts
