"""`PolicyConfig`: the sizes and switches of the Transporter policy (one comment per field)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from gensim.errors import UnknownNameError, UsageError

# The tabletop convention's workspace and pixel size (equal to gensim.sim.constants; policies
# do not import the simulator, a test checks they agree).
WORKSPACE_BOUNDS: tuple[tuple[float, float], tuple[float, float], tuple[float, float]] = (
    (0.25, 0.75),
    (-0.5, 0.5),
    (0.0, 0.3),
)
PIXEL_SIZE = 0.003125  # metres per heightmap pixel
IMAGE_SHAPE = (320, 160)  # (rows u along y, columns v along x)
THETA_BINS = 36  # place-yaw classes, 10 degrees each


@dataclass
class PolicyConfig:
    """Network sizes, learning rate and language switch of a `TransporterPolicy`."""

    language: bool = True  # condition on the instruction (False: the Transporter baseline)
    lang_dim: int = 384  # size of the frozen sentence embedding (all-MiniLM-L6-v2)
    width: int = 16  # channels of the first stage; each deeper stage doubles them
    levels: int = 3  # encoder stages below the stem (each halves the resolution)
    stride: int = 2  # the networks and their scores work at 1/stride of the image
    shared_trunk: bool = True  # one network with pick, key and query heads (False: three)
    feature_dim: int = 8  # channels of the place key/query features
    crop_size: int = 64  # side of the place crop around the pick point (full-res pixels)
    theta_bins: int = THETA_BINS  # place-yaw classes over a full turn
    lr: float = 1e-3  # Adam learning rate
    weight_decay: float = 0.0  # Adam weight decay
    height_scale: float = 0.1  # metres: heights are divided by this before the networks

    def __post_init__(self) -> None:
        if self.stride not in (1, 2, 4):
            raise UsageError(f"policy stride must be 1, 2 or 4, not {self.stride}")
        if self.crop_size % (2 * self.stride):
            raise UsageError(f"crop_size must be a multiple of {2 * self.stride}")
        if self.width < 1 or self.levels < 1 or self.feature_dim < 1 or self.theta_bins < 1:
            raise UsageError("policy width, levels, feature_dim and theta_bins must be positive")

    def to_dict(self) -> dict[str, Any]:
        """Plain values (what checkpoints and MLflow params store)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PolicyConfig:
        """A config from plain values; unknown keys raise `UsageError` naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UnknownNameError("policy setting", unknown[0], known)
        return cls(**values)
