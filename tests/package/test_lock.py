"""requirements.lock, the exact versions of the runtime dependencies (made with
``uv pip compile pyproject.toml --python-version 3.11 --generate-hashes``), agrees with
pyproject.toml: every requirement of ``[project] dependencies`` is pinned in the lock to a
version its range admits, every pin is exact and hashed, and the Python it was made for is
one pyproject supports. Read with ``packaging`` alone: neither uv nor pip-tools is needed."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from ldj_analysis.publish.run_crate import locked_versions
from tests.workflow_copy import ROOT

LOCK = ROOT / "requirements.lock"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def parse_lock(text: str) -> dict[str, tuple[Requirement, list[str]]]:
    """Each requirement of a hashed lock and its ``--hash`` values, by canonical name: the
    lines joined at their trailing backslashes, comments and blank lines dropped."""
    logical = re.sub(r"\\\n", " ", text)
    out = {}
    for line in logical.splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()  # pip's comments
        if not line:
            continue
        spec, *options = re.split(r"\s+(?=--)", line)
        hashes = [o.removeprefix("--hash=") for o in options if o.startswith("--hash=")]
        requirement = Requirement(spec)
        out[canonicalize_name(requirement.name)] = (requirement, hashes)
    return out


def pinned_version(requirement: Requirement) -> Version | None:
    """The version of an exact ``==`` pin, else None."""
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
        return Version(specs[0].version)
    return None


def disagreements(dependencies: list[str], lock: dict, python: str) -> list[str]:
    """Every direct dependency (for ``python``) the lock leaves out or pins outside its range."""
    problems = []
    for text in dependencies:
        wanted = Requirement(text)
        if wanted.marker and not wanted.marker.evaluate({"python_version": python}):
            continue
        entry = lock.get(canonicalize_name(wanted.name))
        if entry is None:
            problems.append(f"{wanted.name}: not in the lock")
            continue
        version = pinned_version(entry[0])
        if version is None or not wanted.specifier.contains(version, prereleases=True):
            problems.append(f"{wanted.name}: locked {entry[0].specifier}, wanted {text}")
    return problems


@pytest.fixture(scope="module")
def lock() -> dict:
    return parse_lock(LOCK.read_text(encoding="utf-8"))


def locked_python() -> str:
    match = re.search(r"--python-version[ =](\d+\.\d+)", LOCK.read_text(encoding="utf-8"))
    assert match, "the lock's header names no --python-version"
    return match.group(1)


def test_lock_is_for_a_python_pyproject_supports():
    assert SpecifierSet(PROJECT["requires-python"]).contains(locked_python() + ".0")


def test_every_direct_dependency_is_locked_within_its_range(lock):
    assert not disagreements(PROJECT["dependencies"], lock, locked_python())


def test_every_pin_is_exact_and_hashed(lock):
    assert len(lock) >= len(PROJECT["dependencies"])
    for name, (requirement, hashes) in lock.items():
        assert pinned_version(requirement), f"{name} is not pinned exactly"
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), name


def test_the_crates_reading_of_the_lock_agrees(lock):
    """run_crate reads the lock with a regular expression (no ``packaging`` at run time)."""
    expected = {name: str(pinned_version(r)) for name, (r, _) in lock.items()}
    assert locked_versions(LOCK.read_text(encoding="utf-8")) == expected


def test_a_disagreeing_lock_is_reported():
    lock = parse_lock(
        "numpy==2.4.6 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via pandas\n"
        "scipy>=1.17 \\\n    --hash=sha256:" + "1" * 64 + "\n"
    )
    problems = disagreements(
        ["numpy>=2.5", "scipy>=1.17", "pandas>=3.1", "tomli>=2; python_version < '3.11'"],
        lock,
        "3.11",
    )
    assert problems == [
        "numpy: locked ==2.4.6, wanted numpy>=2.5",
        "scipy: locked >=1.17, wanted scipy>=1.17",
        "pandas: not in the lock",
    ]
