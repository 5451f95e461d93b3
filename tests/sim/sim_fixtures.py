"""Helpers of the simulator tests: test URDFs written to a folder, a tiny task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BOX_URDF = """<?xml version="1.0"?>
<robot name="{name}">
  <link name="base">
    <inertial><origin xyz="0 0 0"/><mass value="{mass}"/>
      <inertia ixx="0.0001" ixy="0" ixz="0" iyy="0.0001" iyz="0" izz="0.0001"/></inertial>
    <visual><geometry><box size="{size}"/></geometry></visual>
    <collision><geometry><box size="{size}"/></geometry></collision>
  </link>
</robot>
"""


def write_box(folder: Path, name: str, size: str = "0.04 0.04 0.04", mass: float = 0.05) -> Path:
    """A box URDF (size: 'dx dy dz' in metres, or placeholders) written under `folder`."""
    path = folder / f"{name}.urdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BOX_URDF.format(name=Path(name).name, size=size, mass=mass))
    return path


class DummyTask:
    """The smallest object the environment accepts as a task: it adds the given objects."""

    def __init__(self, objects: list[tuple[str, Any, dict[str, Any]]], ee: Any = None, primitive: Any = None):
        from gensim.sim.grippers import Suction
        from gensim.sim.primitives import PickPlace

        self.objects = objects
        self.ee = ee or Suction
        self.primitive = primitive or PickPlace()
        self.ids: list[int] = []
        self.rewards = 0

    def reset(self, env: Any) -> None:
        self.ids = [env.add_object(urdf, pose, **kw) for urdf, pose, kw in self.objects]

    def reward(self) -> tuple[float, dict[str, Any]]:
        self.rewards += 1
        return 0.5, {}

    def done(self) -> bool:
        return False

    def get_lang_goal(self) -> str:
        return "put the block somewhere"
