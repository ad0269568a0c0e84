"""Make tests/review/reference/: the reviewer bundle of the default synthetic run, its lavaan
output and the versions that made it. Needs Rscript with lavaan.

    python -m tests.review.make_reference

Runs ``snakemake review_bundle`` in a scratch copy of the project, runs every ``<stem>.R`` of
the bundle with Rscript, and stores: ``bundle_sha256.csv`` (SHA-256 of every file the rule
wrote), ``<stem>_lavaan.csv`` (what each script wrote) and ``versions.csv`` (R, lavaan).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from tests.workflow_copy import copy_workflow, run_snakemake

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference"
BUNDLE = Path("data/derived/review_bundle")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bundle_hashes(bundle: Path) -> pd.DataFrame:
    """SHA-256 of every file in the bundle folder (sorted by name; lavaan output excluded)."""
    files = sorted(
        p
        for p in bundle.iterdir()
        if p.is_file() and "_lavaan" not in p.name and not p.name.startswith(".")
    )
    return pd.DataFrame({"file": [p.name for p in files], "sha256": [sha256(p) for p in files]})


def run_scripts(bundle: Path) -> dict[str, Path]:
    """Run every lavaan script in ``bundle``; return the CSV each wrote, by stem."""
    out = {}
    for script in sorted(bundle.glob("*.R")):
        done = subprocess.run(
            ["Rscript", script.name], cwd=bundle, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"{script.name} failed:\n{done.stderr}")
        out[script.stem] = bundle / f"{script.stem}_lavaan.csv"
    return out


def r_versions() -> dict[str, str]:
    code = 'cat(paste(R.version$major, R.version$minor, sep = "."), '
    code += 'as.character(packageVersion("lavaan")))'
    done = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    r, lavaan = done.stdout.split()
    return {"r": r, "lavaan": lavaan}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = copy_workflow(Path(tmp))
        done = run_snakemake(work, "review_bundle")
        if done.returncode != 0:
            sys.exit(done.stderr)
        bundle = work / BUNDLE
        REFERENCE.mkdir(exist_ok=True)
        bundle_hashes(bundle).to_csv(REFERENCE / "bundle_sha256.csv", index=False)
        for stem, csv in run_scripts(bundle).items():
            shutil.copy2(csv, REFERENCE / f"{stem}_lavaan.csv")
        pd.DataFrame([r_versions()]).to_csv(REFERENCE / "versions.csv", index=False)
    print(f"wrote {REFERENCE}")


if __name__ == "__main__":
    main()
