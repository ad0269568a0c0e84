"""What a report was made from: the export's fingerprint and the software versions."""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path

#: Distributions whose versions the report states (Python itself is added).
SOFTWARE: tuple[str, ...] = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "snakemake",
    "matplotlib",
    "openpyxl",
    "ldj-analysis",
)


def hashed_export_files(export_dir: str | Path) -> list[tuple[str, str, int]]:
    """Every regular file under ``export_dir`` as (relative POSIX path, SHA-256, bytes),
    sorted by path."""
    root = Path(export_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"export folder not found: {root}")
    files = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file())
    return [(name, _sha256(path), path.stat().st_size) for name, path in files]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_fingerprint(export_dir: str | Path) -> str:
    """SHA-256 over the export's files, sorted by relative path: for each file, its UTF-8
    path, a NUL byte and the 32-byte SHA-256 of its content. Renaming, adding, removing or
    changing any file changes the fingerprint; timestamps do not."""
    return fingerprint_of(hashed_export_files(export_dir))


def fingerprint_of(files: list[tuple[str, str, int]]) -> str:
    """:func:`export_fingerprint` from an :func:`hashed_export_files` list already made (the report
    lists the files too, so the export is read once)."""
    digest = hashlib.sha256()
    for name, file_hash, _size in files:
        digest.update(name.encode("utf-8") + b"\0" + bytes.fromhex(file_hash))
    return digest.hexdigest()


def software_versions() -> dict[str, str]:
    """Versions of Python and of the packages in :data:`SOFTWARE` ("not installed" if absent)."""
    versions = {"python": platform.python_version()}
    for dist in SOFTWARE:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions
