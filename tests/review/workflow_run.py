"""One run of the workflow (default target and the reviewer bundle) in a scratch copy,
shared by the test modules that read its outputs (made once per test session)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from tests.workflow_copy import copy_workflow, run_snakemake


@cache
def default_run_with_bundle() -> Path:
    """Work folder after ``snakemake all review_bundle`` (removed at exit)."""
    tmp = Path(tempfile.mkdtemp(prefix="ldj-review-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    work = copy_workflow(tmp / "work")
    done = run_snakemake(work, "all", "review_bundle")
    if done.returncode != 0:
        raise RuntimeError(f"workflow failed:\n{done.stderr[-4000:]}")
    return work
