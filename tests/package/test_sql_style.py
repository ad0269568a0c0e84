"""The package's SQL (the recipe, src/ldj_analysis/steps/*.sql, and validation's queries,
src/ldj_analysis/*.sql) passes sqlfluff with the repository's .sqlfluff (DuckDB dialect),
as the Python passes ruff: every file parses and has no violation. Fix with
`sqlfluff fix src/ldj_analysis` (docs/development.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "ldj_analysis"


@pytest.mark.slow
def test_recipe_sql_passes_sqlfluff() -> None:
    config = FluffConfig.from_path(str(ROOT))
    assert config.get("dialect") == "duckdb", "the repository's .sqlfluff was not read"
    files = sorted(PACKAGE.glob("**/*.sql"))
    assert any(f.parent.name == "steps" for f in files), f"no recipe SQL in {PACKAGE}"
    result = Linter(config=config).lint_paths(tuple(str(f) for f in files))
    linted = {Path(f.path).resolve(): f for d in result.paths for f in d.files}
    assert set(linted) == {f.resolve() for f in files}
    problems = [
        f"{path.relative_to(ROOT)}:{v.line_no}:{v.line_pos}: {v.rule_code()} {v.desc()}"
        for path, f in sorted(linted.items())
        for v in f.get_violations()
    ]
    assert not problems, "sqlfluff (fix with `sqlfluff fix src/ldj_analysis`):\n" + (
        "\n".join(problems)
    )
