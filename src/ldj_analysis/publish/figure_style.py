"""The figures' shared style: matplotlib settings, a new figure, and saving reproducibly.

Used by every module that draws (``publish.figures``, ``publish.flow_diagram``,
``simulation.figures``), so that none of them reaches into another's internals.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

#: Settings that make the files identical on reruns (no dates, fixed SVG ids).
RC = {
    "svg.hashsalt": "ldj-analysis",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: File metadata left out per format (dates, tool versions), for byte-identical reruns.
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Producer": None, "Creator": None},
}


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches in the project's style."""
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


def save_figure(
    fig: Figure,
    stem: str | Path,
    formats: tuple[str, ...] | list[str] = ("png", "svg"),
    dpi: int = 150,
) -> list[Path]:
    """Save ``fig`` as ``<stem>.<fmt>`` for each format, without dates or tool versions."""
    paths = []
    with matplotlib.rc_context(RC):
        for fmt in formats:
            path = Path(f"{stem}.{fmt}")
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, format=fmt, dpi=dpi, metadata=METADATA.get(fmt))
            paths.append(path)
    return paths
