"""Reviewer bundle: Mplus inputs, lavaan scripts and their data for every fitted model.

``write_bundle(team_periods, pairs, config, out_dir)`` writes data/derived/review_bundle/.
"""

from ldj_analysis.review.bundle import write_bundle

__all__ = ["write_bundle"]
