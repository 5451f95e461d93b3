"""CLIPort tasks `packing-google-objects-seq` and `packing-google-objects-group`."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class PackingGoogleObjects(Task):
    """Household objects (mugs, cans, bottles, boxes, toys) and an open brown box on the table;
    the two packing tasks below say which objects go into the box."""

    seen_only = False  # the "seen" variants use the training objects in every mode

    def object_table(self) -> dict[str, dict[str, Any]]:
        """The household objects of this episode's split, by name (train or test objects)."""
        with open(os.path.join(self.assets_root, "google", "objects.json")) as f:
            table = json.load(f)
        split = "train" if self.mode == "train" or self.seen_only else "test"
        return {o["name"]: o for o in table["objects"] if o["split"] == split}

    def add_container(self, env: Environment) -> tuple[Any, tuple[float, float, float]]:
        """A brown open box with room for about four objects; returns its pose and size."""
        zone_size = self.get_random_size(0.25, 0.3, 0.25, 0.3, 0.05, 0.05)
        zone_pose = self.get_random_pose(env, zone_size)
        container_urdf = self.fill_template(
            "container/container-template.urdf",
            {"DIM": zone_size, "HALF": np.array(zone_size) / 2},
        )
        container_id = env.add_object(container_urdf, zone_pose, "fixed")
        self.color_random_brown(container_id)
        return zone_pose, zone_size

    def add_google_object(self, env: Environment, entry: dict[str, Any]) -> int:
        """One household object of the table, at a free random place."""
        pose = self.get_random_pose(env, entry["size_m"])
        return env.add_object(entry["urdf"], pose)


class PackingGoogleObjectsSeq(PackingGoogleObjects):
    """An open brown box lies on the table among five different household objects (such as a
    mug, a soda can, a banana, a book or a toy block). Following the instructions one at a
    time, pack the named objects into the brown box in the order they are named; the other
    objects stay out."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 6
        self.lang_template = "pack the {obj} in the brown box"
        self.task_completed_desc = "done packing objects."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        table = self.object_table()
        zone_pose, zone_size = self.add_container(env)

        names = [str(n) for n in self.rng.choice(sorted(table), 5, replace=False)]
        objects = [self.add_google_object(env, table[name]) for name in names]

        # The first two to four objects are packed, in order; the rest are distractors.
        n_pack = int(self.rng.integers(2, 5))
        for name, obj_id in zip(names[:n_pack], objects[:n_pack], strict=True):
            self.add_goal(
                objs=[obj_id],
                matches=np.ones((1, 1)),
                targ_poses=[zone_pose],
                replace=True,
                rotations=False,
                metric="zone",
                params=[(zone_pose, zone_size)],
                step_max_reward=1 / n_pack,
                language_goal=self.lang_template.format(obj=name),
            )


class PackingGoogleObjectsGroup(PackingGoogleObjects):
    """An open brown box lies on the table among household objects of two kinds, two or three
    of each (for example three soda cans and two books). Pack all the objects of the named
    kind into the brown box and leave the objects of the other kind out."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 6
        self.lang_template = "pack all the {obj} objects in the brown box"
        self.task_completed_desc = "done packing objects."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        table = self.object_table()
        zone_pose, zone_size = self.add_container(env)

        chosen, distractor = (str(n) for n in self.rng.choice(sorted(table), 2, replace=False))
        n_chosen, n_distractors = self.rng.integers(2, 4, size=2)
        chosen_ids = [self.add_google_object(env, table[chosen]) for _ in range(n_chosen)]
        for _ in range(n_distractors):
            self.add_google_object(env, table[distractor])

        self.add_goal(
            objs=chosen_ids,
            matches=np.ones((len(chosen_ids), 1)),
            targ_poses=[zone_pose],
            replace=True,
            rotations=False,
            metric="zone",
            params=[(zone_pose, zone_size)],
            step_max_reward=1,
            language_goal=self.lang_template.format(obj=chosen),
        )


class PackingSeenGoogleObjectsSeq(PackingGoogleObjectsSeq):
    """An open brown box lies on the table among five different household objects, always
    drawn from the objects seen in training (such as a mug, a soda can, a banana, a book or a
    toy block). Following the instructions one at a time, pack the named objects into the
    brown box in the order they are named; the other objects stay out."""

    seen_only = True


class PackingUnseenGoogleObjectsSeq(PackingGoogleObjectsSeq):
    """An open brown box lies on the table among five different household objects: training
    objects in training, objects never seen in training (a sponge, a pepper shaker, a toy car...)
    otherwise. Following the instructions one at a time, pack the named objects into the brown
    box in the order they are named; the other objects stay out."""


class PackingSeenGoogleObjectsGroup(PackingGoogleObjectsGroup):
    """An open brown box lies on the table among household objects of two kinds seen in
    training, two or three of each (for example three soda cans and two books). Pack all the
    objects of the named kind into the brown box and leave the objects of the other kind out."""

    seen_only = True


class PackingUnseenGoogleObjectsGroup(PackingGoogleObjectsGroup):
    """An open brown box lies on the table among household objects of two kinds, two or three
    of each: training objects in training, objects never seen in training otherwise. Pack all
    the objects of the named kind into the brown box and leave the objects of the other kind
    out."""
