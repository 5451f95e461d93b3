"""scripts/ui_screenshots.py loaded as a module: the browser flow that the MLflow UI test, the
task library browser test and the README's screenshots share."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def load_flow() -> ModuleType:
    """The `ui_screenshots` module (loaded once; later calls return the same module)."""
    if "ui_screenshots" in sys.modules:
        return sys.modules["ui_screenshots"]
    spec = importlib.util.spec_from_file_location("ui_screenshots", REPO / "scripts" / "ui_screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
