"""CLIPort task `packing-boxes-pairs` (seen / unseen / full colour variants)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.packing_boxes import box_in_container, scatter, split_container
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

N_DISTRACTORS = 4


class PackingBoxesPairsUnseenColors(Task):
    """An open brown container lies on the table with boxes around it: boxes of two colours
    that together exactly fill the container, and four distractor boxes of other colours.
    Pack all the boxes of the two named colours into the container and leave the distractors
    out."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "pack all the {colors} blocks into the brown box"
        self.task_completed_desc = "done packing blocks."
        # A tight height bound (5.25 cm) keeps boxes stacked on others out of the zone.
        self.zone_bounds = np.array([[0.25, 0.75], [-0.5, 0.5], [0, 0.0525]])
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        zone_size = self.get_random_size(0.05, 0.3, 0.05, 0.3, 0.05, 0.05)
        zone_pose = self.get_random_pose(env, zone_size)
        container_urdf = self.fill_template(
            "container/container-template.urdf", {"DIM": zone_size, "HALF": np.array(zone_size) / 2}
        )
        env.add_object(container_urdf, zone_pose, "fixed")
        cut = split_container(zone_size)

        # Two colours of the split (one `choice` of two indices; named in the split's order),
        # the others for the distractors.
        names = utils.get_colors_names(self.mode)
        chosen = np.random.choice(range(len(names)), 2, replace=False)
        pair = [n for i, n in enumerate(names) if i in chosen]
        others = [n for i, n in enumerate(names) if i not in chosen]

        # The boxes start in the container, each one of the two colours, then leave it one
        # by one for a free place on the table.
        boxes = []
        for box in cut:
            size, pose = box_in_container(box, zone_pose, zone_size)
            box_id = env.add_object(self.fill_template("box/box-template.urdf", {"DIM": size}), pose)
            env.set_color(box_id, pair[int(np.random.choice(range(len(pair)), 1).squeeze())])
            boxes.append(box_id)
        places = scatter(env, self, boxes)

        # Distractors: copies of randomly chosen cut boxes, in the other colours.
        for k in np.random.choice(len(cut), N_DISTRACTORS):
            size = tuple(float(v) for v in cut[int(k)][3:] - cut[int(k)][:3])
            pose = self.get_random_pose(env, size)
            box_id = env.add_object(self.fill_template("box/box-template.urdf", {"DIM": size}), pose)
            env.set_color(box_id, others[int(np.random.choice(range(len(others)), 1).squeeze())])

        self.add_goal(
            objs=boxes,
            matches=np.eye(len(boxes)),
            targ_poses=places,
            replace=False,
            rotations=True,
            metric="zone",
            params=[(zone_pose, zone_size)],
            step_max_reward=1,
            # The reference passes no symmetries (its expert turns every box to its target yaw
            # anyway); ours turns an object only for a symmetry above 0, and a box has pi.
            symmetries=[np.pi] * len(boxes),
            language_goal=self.lang_template.format(colors=f"{pair[0]} and {pair[1]}"),
        )


class PackingBoxesPairsSeenColors(PackingBoxesPairsUnseenColors):
    """An open brown container lies on the table with boxes around it: boxes of two colours
    (training colours) that together exactly fill the container, and four distractor boxes of
    other colours. Pack all the boxes of the two named colours into the container."""


class PackingBoxesPairsFull(PackingBoxesPairsUnseenColors):
    """An open brown container lies on the table with boxes around it: boxes of two colours
    (GenSim's full split, drawn from the training colours) that together exactly fill the container, and four distractor boxes of
    other colours. Pack all the boxes of the two named colours into the container."""
