"""Shared pieces of the simulation tests."""

from __future__ import annotations

import copy
from typing import Any

from ldj_analysis.config import ROOT, load_config


def simulation_config(**changes: Any) -> dict[str, Any]:
    """The default ``simulation.*`` config with ``changes``."""
    sim = copy.deepcopy(load_config(ROOT / "config.yaml")["simulation"])
    sim.update(changes)
    return sim
