"""DuckDB's settings come from the rule's resources: half its memory, its threads, and a
spill directory of its own inside the rule's tmpdir, removed when the rule ends."""

from __future__ import annotations

from pathlib import Path

from ldj_analysis.key_lookups import connect, rule_engine


def test_rule_engine_spills_in_a_fresh_directory_inside_tmpdir(tmp_path):
    tmpdir = tmp_path / "work" / "data" / "interim" / "spill"  # not there yet: made
    with rule_engine(3000, tmpdir, 2, "derive") as engine:
        spill = Path(engine["temp_dir"])
        assert spill.parent == tmpdir and spill.name.startswith("ldj-derive-")
        con = connect(engine)
        temp, limit, threads = con.execute(
            "SELECT current_setting('temp_directory'), current_setting('memory_limit'),"
            " current_setting('threads')"
        ).fetchone()
        assert Path(temp) == spill
        assert limit == "1.3 GiB"  # 1500 MB, as DuckDB shows it
        assert threads == 2
        # a window over more rows than the limit holds completes by spilling there (it
        # fails with no temp directory)
        con.execute("SET memory_limit = '60MB'")
        top = (
            "SELECT max(r) FROM (SELECT row_number() OVER (ORDER BY hash(i)) r"
            " FROM range(8000000) t(i))"
        )
        assert con.execute(top).fetchone()[0] == 8_000_000
        con.close()
        (spill / "left").write_text("x")
    assert not spill.exists()  # removed with what it held
    assert not tmpdir.exists()  # made here, empty: removed too


def test_rule_engine_keeps_a_tmpdir_it_did_not_make(tmp_path):
    """A tmpdir given (a node's scratch) stays, and so does one holding another rule's files."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with rule_engine(3000, scratch, 2, "derive") as engine:
        assert Path(engine["temp_dir"]).parent == scratch
    assert scratch.is_dir() and not any(scratch.iterdir())
    made = tmp_path / "spill"
    with rule_engine(3000, made, 2, "validate"):
        (made / "other-rule").mkdir()
    assert (made / "other-rule").is_dir()
