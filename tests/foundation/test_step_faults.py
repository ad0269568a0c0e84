"""A step's faults end in one line, never a traceback: Ctrl-C, an unwritable or full output
folder, a file where an output folder should be (#34)."""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
import time

import pytest

from ldj_analysis.runlog import INTERRUPTED, check_output_folders, logged_step


def _fail_with(tmp_path, err: BaseException, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop, logged_step(tmp_path / "step.log", "derive"):
        raise err
    return stop.value.code, capsys.readouterr().err


def test_a_full_disk_is_one_line_naming_the_file(tmp_path, capsys):
    err = OSError(errno.ENOSPC, "No space left on device", "results/tables/table1.csv")
    code, stderr = _fail_with(tmp_path, err, capsys)
    assert code == 1
    assert stderr == (
        "[derive] ERROR: cannot write results/tables/table1.csv: No space left on device\n"
    )


def test_a_read_only_folder_is_one_line_naming_it(tmp_path, capsys):
    err = PermissionError(errno.EACCES, "Permission denied", "results/tables/table2.csv")
    code, stderr = _fail_with(tmp_path, err, capsys)
    assert (code, stderr) == (
        1,
        "[derive] ERROR: cannot write results/tables/table2.csv: Permission denied\n",
    )


def test_arrows_full_disk_names_the_steps_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")
    code, stderr = _fail_with(tmp_path, err, capsys)
    assert stderr == (
        f"[derive] ERROR: cannot write the outputs of step derive under {tmp_path}: "
        "No space left on device\n"
    )


def test_other_os_errors_keep_their_traceback(tmp_path):
    with pytest.raises(ConnectionResetError), logged_step(tmp_path / "step.log", "derive"):
        raise ConnectionResetError(errno.ECONNRESET, "reset")


STEP = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
from ldj_analysis.runlog import logged_step
with logged_step(sys.argv[1], "derive"):
    print("running", flush=True)
    time.sleep(30)
"""


def test_ctrl_c_ends_a_step_quietly(tmp_path):
    log = tmp_path / "derive.log"
    step = subprocess.Popen(
        [sys.executable, "-c", STEP, str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert step.stdout.readline() == "running\n"
    time.sleep(0.2)
    step.send_signal(signal.SIGINT)
    _, stderr = step.communicate(timeout=20)
    assert step.returncode == INTERRUPTED
    assert stderr == ""
    assert "step derive interrupted (Ctrl-C)" in log.read_text()


def test_a_file_where_an_output_folder_should_be(tmp_path):
    (tmp_path / "results").write_text("")
    with pytest.raises(ValueError) as err:
        check_output_folders([tmp_path / "results" / "tables"])
    assert str(err.value) == (
        f"cannot write {tmp_path}/results/tables: {tmp_path}/results is a file, not a folder"
    )
    (tmp_path / "results").unlink()
    check_output_folders([tmp_path / "results" / "tables"])  # absent: made by the run


def _out_of_memory(wrapped: bool):
    """A real DuckDB out-of-memory error: a window over 8 M rows in 60 MB with nowhere to
    spill (``wrapped``: raised through a recipe step, as steps.run wraps it)."""
    from ldj_analysis.key_lookups import connect

    con = connect()
    con.execute("SET temp_directory = ''; SET memory_limit = '60MB'")
    query = (
        "SELECT max(r) FROM (SELECT row_number() OVER (ORDER BY hash(i)) r"
        " FROM range(8000000) t(i))"
    )
    try:
        con.execute(query).fetchall()
    except Exception as error:
        if wrapped:
            raise RuntimeError(f"recipe step 05_list_checks.sql failed: {error}") from error
        raise


@pytest.mark.parametrize("wrapped", [False, True])
def test_duckdb_out_of_memory_says_how_to_give_the_rule_more(tmp_path, capsys, wrapped):
    with pytest.raises(SystemExit) as stop, logged_step(tmp_path / "step.log", "derive"):
        _out_of_memory(wrapped)
    stderr = capsys.readouterr().err
    assert stop.value.code == 1
    assert stderr.startswith("[derive] ERROR: step derive ran out of memory: Out of Memory Error")
    assert "`snakemake --set-resources derive:mem_mb=N`" in stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert "Traceback" not in (tmp_path / "step.log").read_text()
