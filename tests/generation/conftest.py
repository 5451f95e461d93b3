"""Fixtures for campaign tests: small campaigns in an isolated home."""

from __future__ import annotations

import sys
from pathlib import Path

_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)


def small_config(**overrides):
    """A campaign config with toy sizes: two seeds, two workers, no media."""
    from gensim.generation.campaign import CampaignConfig

    base = dict(seeds=(0, 2), workers=2, media=False, repair_rounds=2, check_timeout_s=180)
    base.update(overrides)
    return CampaignConfig(**base)
