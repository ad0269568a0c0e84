"""Mplus input files and data files of the reviewer bundle.

The inputs follow the conventions of the Mplus User's Guide example 3.1
(tests/reference/models/mplus_ex3_1/ex3.1.in): a section name ending in ``:`` at the line
start, statements ending in ``;``, ``FILE IS``/``NAMES ARE``. The model is the study's:
``TYPE = COMPLEX`` with ``ESTIMATOR = MLR`` and the team as ``CLUSTER``, the covariates
brought into the model (their means, variances and covariances estimated, as lavaan's
``fixed.x = FALSE`` and the pipeline), FIML or listwise deletion, ``OUTPUT: STDYX``.
Data: free format, no header, missing values as a flag, the cluster as integer codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ldj_analysis.review.models import MISSING_FLAG, ReviewModel

#: Mplus reads at most 90 characters of an input line.
MAX_LINE = 90
INDENT = " " * 10


def format_value(value: float) -> str:
    """Shortest text that reads back as the same double (no exponent); the flag if missing."""
    if not np.isfinite(value):
        return str(MISSING_FLAG)
    if float(value).is_integer():
        return str(int(value))
    return np.format_float_positional(value, unique=True, trim="-")


def data_text(model: ReviewModel) -> str:
    """The model's rows in Mplus free format: space-separated, no header, one row a line."""
    values = model.data[model.variables].to_numpy(dtype=float)
    if (values == MISSING_FLAG).any():
        raise ValueError(
            f"model '{model.name}': a value equals the missing flag {MISSING_FLAG}; "
            "it would be read as missing"
        )
    return "".join(" ".join(format_value(v) for v in row) + "\n" for row in values)


def _wrap(head: str, words: list[str], end: str = ";") -> list[str]:
    """``head`` followed by ``words``, wrapped at :data:`MAX_LINE` with a hanging indent."""
    lines, line = [], head
    for word in words:
        if len(line) + 1 + len(word) + len(end) > MAX_LINE:
            lines.append(line)
            line = INDENT + word
        else:
            line = f"{line} {word}" if line.strip() else f"{line}{word}"
    lines.append(line + end)
    return lines


def _section(name: str, statements: list[list[str]]) -> list[str]:
    """A section: its name padded to the indent, then the statements' lines."""
    out = []
    for i, lines in enumerate(statements):
        for j, line in enumerate(lines):
            if i == 0 and j == 0:
                out.append(f"{name + ':':<10}{line.removeprefix(INDENT)}")
            else:
                out.append(line if line.startswith(INDENT) else INDENT + line)
    return out


def input_text(model: ReviewModel, data_file: str) -> str:
    """The Mplus input that fits ``model`` as the pipeline does."""
    xs = list(model.x)
    pairs = [[f"{a} WITH {' '.join(xs[i + 1 :])};"] for i, a in enumerate(xs[:-1])]
    missing = "FIML" if model.missing == "fiml" else "listwise deletion"
    # TITLE is free text: no ':' (it could be read as a command) and no '!' (a comment)
    title = [
        [f"ldj-analysis review bundle, model {model.name.replace(':', ' ')}"],
        [f"{model.y} ON {' '.join(xs)}, {missing}"],
        [f"reproduces results/models/{model.output}, outcome {model.outcome}"],
    ]
    data = [[f"FILE IS {data_file};"]]
    if model.missing == "listwise":
        data.append(["LISTWISE = ON;"])
    variable = [
        _wrap("NAMES ARE", model.variables),
        _wrap("USEVARIABLES ARE", [model.y, *xs]),
        [f"MISSING ARE ALL ({MISSING_FLAG});"],
        [f"CLUSTER = {model.variables[0]};"],
    ]
    analysis = [["TYPE = COMPLEX;"], ["ESTIMATOR = MLR;"]]
    body = [
        _wrap(f"{model.y} ON", xs),
        ["! covariates in the model: means, variances, covariances estimated"],
        _wrap("", xs),
        *pairs,
    ]
    lines = [
        *_section("TITLE", [[t[0]] for t in title]),
        *_section("DATA", data),
        *_section("VARIABLE", variable),
        *_section("ANALYSIS", analysis),
        *_section("MODEL", body),
        *_section("OUTPUT", [["STDYX;"]]),
    ]
    for line in lines:
        if len(line) > MAX_LINE:
            raise ValueError(f"Mplus line longer than {MAX_LINE} characters: {line!r}")
    return "\n".join(lines) + "\n"


def read_data(path_or_text: str, names: list[str]) -> pd.DataFrame:
    """Read an Mplus free-format data file back (missing flag -> NaN); for the tests."""
    from io import StringIO

    frame = pd.read_csv(StringIO(path_or_text), sep=r"\s+", header=None, names=names)
    return frame.replace(MISSING_FLAG, np.nan)
