"""Run the Snakemake workflow in a scratch copy of the project (tests never touch results/)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("Snakefile", "config.yaml", "workflow", "profiles")


def copy_workflow(dest: Path) -> Path:
    """Copy what the workflow needs (not data or results) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def run_snakemake(
    workdir: Path, *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run snakemake (the one installed beside this Python) in ``workdir``."""
    exe = Path(sys.executable).with_name("snakemake")
    return subprocess.run(
        [str(exe), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def result_files(work: Path, folders: tuple[str, ...]) -> dict[str, bytes]:
    """The bytes of every file under ``folders`` of a run, by path (images left out: their
    encoders may differ between runs)."""
    out = {}
    for folder in folders:
        for path in sorted((work / folder).rglob("*")):
            if path.is_file() and path.suffix not in (".png", ".svg"):
                out[str(path.relative_to(work))] = path.read_bytes()
    return out
