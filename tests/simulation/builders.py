"""Shared pieces of the simulation tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ldj_analysis.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def simulation_config(**changes: Any) -> dict[str, Any]:
    """The default ``simulation.*`` config with ``changes``."""
    sim = copy.deepcopy(load_config(ROOT / "config.yaml")["simulation"])
    sim.update(changes)
    return sim
