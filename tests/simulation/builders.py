"""Shared pieces of the simulation tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ldj_analysis.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def simulation_config(**changes: Any) -> dict[str, Any]:
    """The default ``simulation.*`` config with ``changes``; the ICC sensitivity is off
    unless ``changes`` sets it (it adds scenarios the tests of other keys do not need)."""
    sim = copy.deepcopy(load_config(ROOT / "config.yaml")["simulation"])
    sim["icc_sensitivity"] = {"values": [], "spec": "study"}
    sim.update(changes)
    return sim
