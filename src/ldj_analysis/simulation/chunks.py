"""Chunks of replications. Light on purpose: the Snakefile imports it while it parses."""

from __future__ import annotations

import math


def chunk_ranges(replications: int, chunk_size: int) -> list[tuple[int, int]]:
    """[start, stop) of each chunk: full chunks of ``chunk_size``, the last one shorter."""
    if replications < 1 or chunk_size < 1:
        raise ValueError("simulation.replications and chunk_size must be at least 1")
    n = math.ceil(replications / chunk_size)
    return [(c * chunk_size, min((c + 1) * chunk_size, replications)) for c in range(n)]
