"""Mplus inputs and data of the reviewer bundle: syntax as the real ex3.1 input, Mplus's
limits (8-character names, 90-character lines, ';' after every statement), the data format
(free format, no header, missing flag), and the data are exactly the rows the pipeline fits.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models import fit_regression
from ldj_analysis.models.study import fit_checklist_response, fit_outcome_models
from ldj_analysis.review import mplus
from ldj_analysis.review.models import MISSING_FLAG, SHORT_NAMES, review_models

EX31 = Path(__file__).resolve().parents[1] / "reference" / "models" / "mplus_ex3_1" / "ex3.1.in"
#: Mplus commands in the order the User's Guide writes them (ex3.1 uses a subset).
COMMANDS = ["TITLE", "DATA", "VARIABLE", "DEFINE", "ANALYSIS", "MODEL", "OUTPUT", "SAVEDATA"]
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,7}$")


def sections(text: str) -> dict[str, str]:
    """Split an Mplus input into its commands (a command name and ':' at the line start)."""
    found: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.split("!", 1)[0].strip()
        head = re.match(r"^([A-Za-z]+):(.*)$", line)
        if head and head.group(1).upper() in COMMANDS:
            current = head.group(1).upper()
            assert current not in found, f"command {current} twice"
            found[current] = []
            line = head.group(2).strip()
        if line:
            assert current is not None, f"text before the first command: {raw!r}"
            found[current].append(line)
    return {k: " ".join(v) for k, v in found.items()}


def statements(body: str) -> list[str]:
    """The ';'-terminated statements of a command; fails on text after the last ';'."""
    parts = [p.strip() for p in body.split(";")]
    assert parts[-1] == "", f"statement without ';': {parts[-1]!r}"
    return parts[:-1]


def check_syntax(text: str) -> dict[str, list[str]]:
    """The conventions every input must share with ex3.1; returns statements per command."""
    found = sections(text)
    order = [COMMANDS.index(c) for c in found]
    assert order == sorted(order), f"commands out of order: {list(found)}"
    assert {"TITLE", "DATA", "VARIABLE", "MODEL"} <= set(found)
    return {c: statements(b) for c, b in found.items() if c != "TITLE"}


def test_checker_accepts_the_real_mplus_input():
    """The checker itself is right: the User's Guide input passes it; broken inputs fail."""
    parsed = check_syntax(EX31.read_text())
    assert parsed["VARIABLE"] == ["NAMES ARE y1 x1 x3"]
    assert parsed["MODEL"] == ["y1 ON x1 x3"]
    with pytest.raises(AssertionError, match="without ';'"):
        check_syntax(EX31.read_text().replace("x1 x3;", "x1 x3"))
    with pytest.raises(AssertionError, match="out of order"):
        check_syntax("MODEL: y ON x;\nDATA: FILE IS a.dat;\nTITLE: t\nVARIABLE: NAMES ARE y x;")


def _assignment(stmts: list[str], key: str) -> str:
    for s in stmts:
        m = re.match(rf"^{key}\s*(?:=|IS|ARE)\s*(.*)$", s, flags=re.IGNORECASE)
        if m:
            return m.group(1).strip()
    raise AssertionError(f"no {key} statement in {stmts}")


@pytest.fixture(scope="module")
def models(team_periods, pairs):
    return review_models(team_periods, pairs, {})


def test_every_input_follows_the_conventions(models):
    assert [m.name for m in models] == [
        *(f"checklist_response:{o}" for o in ("collection", "use", "preconditions", "total")),
        "checklist_response:response",
        "outcomes:opgroei",
        "outcomes:opvoed",
    ]
    for model in models:
        text = mplus.input_text(model, f"{model.stem}.dat")
        assert max(len(line) for line in text.splitlines()) <= mplus.MAX_LINE
        parsed = check_syntax(text)
        title = sections(text)["TITLE"]
        assert ":" not in title and "!" not in title and ";" not in title
        assert _assignment(parsed["DATA"], "FILE") == f"{model.stem}.dat"
        names = _assignment(parsed["VARIABLE"], "NAMES").split()
        used = _assignment(parsed["VARIABLE"], "USEVARIABLES").split()
        assert all(NAME.match(n) for n in names), names
        assert names == model.variables and used == names[1:]
        assert _assignment(parsed["VARIABLE"], "CLUSTER") == names[0] == "team"
        assert _assignment(parsed["VARIABLE"], "MISSING") == f"ALL ({MISSING_FLAG})"
        assert _assignment(parsed["ANALYSIS"], "TYPE") == "COMPLEX"
        assert _assignment(parsed["ANALYSIS"], "ESTIMATOR") == "MLR"
        assert parsed["OUTPUT"] == ["STDYX"]
        assert ("LISTWISE = ON" in parsed["DATA"]) == (model.missing == "listwise")
        # MODEL: the regression, the covariates' variances and every covariance among them
        xs = list(model.x)
        assert parsed["MODEL"][0] == f"{model.y} ON {' '.join(xs)}"
        assert parsed["MODEL"][1] == " ".join(xs)
        halves = [s.split(" WITH ") for s in parsed["MODEL"][2:]]
        withs = {(a, b) for a, rest in halves for b in rest.split()}
        assert withs == {(a, b) for i, a in enumerate(xs) for b in xs[i + 1 :]}
        words = {w for s in parsed["MODEL"] for w in s.split() if w not in ("ON", "WITH")}
        assert words <= set(used)


def test_short_names_fit_mplus():
    assert all(NAME.match(s) for s in SHORT_NAMES.values())
    assert len(set(SHORT_NAMES.values())) == len(SHORT_NAMES)


def test_long_lines_are_wrapped():
    words = [f"var{i:05d}" for i in range(30)]
    lines = mplus._wrap("NAMES ARE", words)
    assert len(lines) > 1 and all(len(line) <= mplus.MAX_LINE for line in lines)
    assert " ".join(" ".join(lines).split()) == "NAMES ARE " + " ".join(words) + ";"


def test_data_free_format_no_header_missing_flag(models):
    for model in models:
        text = mplus.data_text(model)
        rows = [line.split() for line in text.splitlines()]
        assert len(rows) == len(model.data)
        assert {len(r) for r in rows} == {len(model.variables)}
        values = np.array(rows, dtype=float)  # no header: every field is a number
        assert all("e" not in f.lower() for r in rows for f in r)  # no exponents
        expected = model.data[model.variables].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isnan(expected), values == MISSING_FLAG)
        np.testing.assert_array_equal(values[~np.isnan(expected)], expected[~np.isnan(expected)])
        team = values[:, 0]
        assert np.array_equal(team, np.round(team)) and team.min() >= 1


def test_missing_flag_clash_is_refused(models):
    model = models[-1]
    clash = model.data.copy()
    clash.loc[0, "age"] = MISSING_FLAG
    bad = type(model)(**{**model.__dict__, "data": clash})
    with pytest.raises(ValueError, match="missing flag"):
        mplus.data_text(bad)


def test_data_files_are_the_rows_the_pipeline_fits(team_periods, pairs, models):
    """Fitting the data read back from the .dat files gives the pipeline's tables exactly:
    same rows dropped, same dummies and sex coding, values written without loss."""
    pipeline = pd.concat(
        [fit_checklist_response(team_periods), fit_outcome_models(pairs)], ignore_index=True
    )
    for model in models:
        data = mplus.read_data(mplus.data_text(model), model.variables)
        fit = fit_regression(
            data, model.y, list(model.x), cluster="team", missing=model.missing, name=model.name
        )
        ours = pipeline[pipeline["outcome"] == model.outcome].reset_index(drop=True)
        assert fit.n == ours["n"].iloc[0] == len(model.data)
        assert fit.n_clusters == ours["n_clusters"].iloc[0]
        for col in ("estimate", "se", "beta", "beta_se"):
            np.testing.assert_allclose(fit.table[col], ours[col], rtol=1e-12, err_msg=model.name)


def test_rows_dropped_as_the_pipeline_does(team_periods, pairs, models):
    by_name = {m.name: m for m in models}
    # checklist: condition unknown (row 5) and outcome missing left out
    assert len(by_name["checklist_response:collection"].data) == len(team_periods) - 1
    assert len(by_name["checklist_response:use"].data) == len(team_periods) - 2
    assert len(by_name["checklist_response:response"].data) == len(team_periods) - 3
    # outcomes (FIML): only the two rows missing on every model variable are left out
    n_domain = pairs["domain"].value_counts()
    assert len(by_name["outcomes:opgroei"].data) + len(by_name["outcomes:opvoed"].data) == (
        n_domain.sum() - 2
    )
    listwise = review_models(team_periods, pairs, {"models": {"missing": "listwise"}})
    out = [m for m in listwise if m.name.startswith("outcomes")]
    assert all(m.missing == "listwise" and not m.data.isna().any().any() for m in out)


def test_bundle_written_and_refused_under_results(team_periods, pairs, tmp_path, monkeypatch):
    from ldj_analysis.review import write_bundle

    monkeypatch.chdir(tmp_path)
    written = write_bundle(team_periods, pairs, {}, tmp_path / "derived" / "review_bundle")
    names = {p.name for p in written}
    assert {"README.md", "team_codes.csv", "out_opgroei.inp", "out_opgroei.R"} <= names
    assert len(names) == 3 * 7 + 2
    with pytest.raises(ValueError, match="client-level"):
        write_bundle(team_periods, pairs, {}, "results/review_bundle")
