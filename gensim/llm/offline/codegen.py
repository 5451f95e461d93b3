"""Write task code in the public convention (the CLIPort/GenSim `Task` API) from a design.

The code is what a careful model would write: the usual import header of the convention, one
`Task` subclass whose docstring is the description, objects added with `env.add_object` and goals
with `self.add_goal`. It is checked like any model's code; nothing here is trusted.
"""

from __future__ import annotations

from gensim.llm.offline import designs as D
from gensim.llm.offline import vocabulary as V

HEADER = """import numpy as np
import os
import pybullet as p
import random
from cliport.tasks import primitives
from cliport.tasks.grippers import Spatula
from cliport.tasks.task import Task
from cliport.utils import utils
"""


def class_name(task_name: str) -> str:
    """`build-car-wheels` -> `BuildCarWheels`."""
    return "".join(w.capitalize() for w in task_name.replace("_", "-").split("-") if w)


def write_code(design: D.Design) -> str:
    """The task file for a design."""
    name, description = D.describe(design)
    if design["kind"] == "layout":
        body = _layout_body(design)
    else:
        body = _containers_body(design)
    doc = _wrap(description, 4)
    return f'{HEADER}\n\nclass {class_name(name)}(Task):\n    """{doc}"""\n{body}'


def _wrap(text: str, indent: int, width: int = 92) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width - indent:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return ("\n" + " " * indent).join(lines)


def _size(size: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in size) + ")"


def _layout_body(design: D.Design) -> str:
    layout = design["layout"]
    parts = D.parts_of(design)
    base_kind = V.LAYOUTS[layout][1]
    base_urdf, base_size = V.BASES[base_kind]
    colors = design["colors"]
    noun = layout.replace("tall-", "tall ")
    rows = []
    for p in parts:
        shape = V.SHAPES[p.shape]
        rows.append(
            f"            ({shape.urdf!r}, {_size(shape.size)}, {colors[p.group]!r}, "
            f"{_size(p.offset)}, {shape.symmetry}, {p.group!r}),"
        )
    xs = [abs(p.offset[0]) + max(V.SHAPES[p.shape].size[:2]) / 2 for p in parts]
    ys = [abs(p.offset[1]) + max(V.SHAPES[p.shape].size[:2]) / 2 for p in parts]
    footprint = (max(base_size[0], 2 * max(xs) + 0.02), max(base_size[1], 2 * max(ys) + 0.02), 0)
    base_fill = ""
    if "template" in base_urdf:
        base_fill = f"        base_urdf = self.fill_template(base_urdf, {{'DIM': {_size(base_size)}}})\n"
    return f'''
    def __init__(self):
        super().__init__()
        self.max_steps = {len(parts) + 3}
        self.lang_template = "place the {{color}} {{part}} piece of the {noun}"
        self.task_completed_desc = "done building the {noun}."
        self.additional_reset()

    def reset(self, env):
        super().reset(env)

        # Parts in building order: (asset, size, colour, offset from the base centre, yaw
        # symmetry, the part of the structure it belongs to).
        parts = [
{chr(10).join(rows)}
        ]

        # Put the parts on the table first, so that the base is then placed clear of them all.
        objs = []
        for urdf, size, color, _, _, _ in parts:
            if 'template' in urdf:
                # cylinder and ball templates take a radius for DIM0
                round_ = 'cylinder' in urdf or 'ball' in urdf
                dims = (size[0] / 2, size[1] / 2, size[2]) if round_ else size
                urdf = self.fill_template(urdf, {{'DIM': dims}})
            pose = self.get_random_pose(env, size)
            objs.append(env.add_object(urdf, pose, color=utils.COLORS[color]))

        # The base marker, with room around it for the whole structure.
        footprint = {_size(footprint)}
        base_pose = self.get_random_pose(env, footprint)
        base_urdf = {base_urdf!r}
{base_fill}        env.add_object(base_urdf, base_pose, 'fixed')

        # One goal per part, in building order.
        for obj, (_, _, color, offset, symmetry, group) in zip(objs, parts):
            targ_pose = (utils.apply(base_pose, offset), base_pose[1])
            self.add_goal(objs=[obj], matches=np.ones((1, 1)), targ_poses=[targ_pose],
                          replace=False, rotations=True, metric='pose', params=None,
                          step_max_reward=1 / len(parts), symmetries=[symmetry],
                          language_goal=self.lang_template.format(color=color, part=group))
'''


def _containers_body(design: D.Design) -> str:
    shape = V.SHAPES[design["object"]]
    container = design["container"]
    cont_urdf, cont_size = V.BASES[container]
    per = design["per_color"]
    n = per * len(design["colors"])
    if container == "zone":
        metric, params = "'zone'", "[(container_pose, container_size)]"
    else:
        metric, params = "'pose'", "None"
    fill = ""
    if shape.template:
        fill = f"                urdf = self.fill_template(urdf, {{'DIM': {_size(shape.template['DIM'])}}})\n"
    return f'''
    def __init__(self):
        super().__init__()
        self.max_steps = {n + 3}
        self.lang_template = "put the {{color}} {V.SHAPES[design["object"]].name}s in the {{color}} {container}"
        self.task_completed_desc = "done putting every {shape.name} in its {container}."
        self.additional_reset()

    def reset(self, env):
        super().reset(env)
        colors = {design["colors"]!r}
        per_color = {per}
        n_objects = len(colors) * per_color

        # The objects first, {per} of each colour.
        size = {_size(shape.size)}
        objs = {{}}
        for color in colors:
            for _ in range(per_color):
                urdf = {shape.urdf!r}
{fill}                pose = self.get_random_pose(env, size)
                obj = env.add_object(urdf, pose, color=utils.COLORS[color])
                objs.setdefault(color, []).append(obj)

        # Then one {container} per colour, placed clear of the objects; one goal per colour (the
        # yaw of an object in a container does not matter: symmetry 0, not checked).
        container_size = {_size(cont_size)}
        for color in colors:
            container_pose = self.get_random_pose(env, container_size)
            env.add_object({cont_urdf!r}, container_pose, 'fixed', color=utils.COLORS[color])
            n = len(objs[color])
            self.add_goal(objs=objs[color], matches=np.ones((n, 1)), targ_poses=[container_pose],
                          replace=True, rotations=False, metric={metric}, params={params},
                          step_max_reward=n / n_objects, symmetries=[0] * n,
                          language_goal=self.lang_template.format(color=color))
'''
