"""Synthetic LDJ export generator (raw records that reproduce the published study).

Public API: :func:`generate`, :func:`truth` and :func:`write_synthetic` (see :mod:`.generator`).
"""

from __future__ import annotations

from ldj_analysis.synthetic.generator import generate, truth, write_synthetic

__all__ = ["generate", "truth", "write_synthetic"]
