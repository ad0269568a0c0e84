"""The built package holds every file of src/ldj_analysis that git tracks: an installed
(not editable) package reads its config schema, norms and the recipe's SQL from itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tracked(*paths: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", *paths], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return out.stdout.split() if out.returncode == 0 else []


@pytest.mark.slow
def test_wheel_holds_every_tracked_package_file(tmp_path):
    package = _tracked("src/ldj_analysis")
    if not package:
        pytest.skip("not a git checkout")
    source = tmp_path / "source"  # a copy: building writes build/ into the source tree
    for name in _tracked():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("ldj_analysis-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packed = set(archive.namelist())
    missing = [p for p in package if p.removeprefix("src/") not in packed]
    assert not missing, f"tracked but not in the wheel: {missing}"
