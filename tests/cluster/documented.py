"""docs/cluster.md's SLURM commands and the slurm profile's defaults, read for the tests."""

from __future__ import annotations

import re
import shlex

import yaml

from tests.workflow_copy import ROOT

DOC = ROOT / "docs" / "cluster.md"
PROFILE = ROOT / "profiles" / "slurm" / "profile.yaml"


def bash_blocks() -> list[str]:
    """The ```bash blocks of docs/cluster.md, in order."""
    return re.findall(r"```bash\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def documented_command(block: str) -> tuple[dict[str, str], list[str]]:
    """The environment set by the block's `export` lines and the `snakemake` command's arguments."""
    env: dict[str, str] = {}
    command: list[str] | None = None
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "export":
            env.update(word.split("=", 1) for word in words[1:])
        elif words[0] == "snakemake":
            command = words[1:]
    assert command is not None, f"no snakemake command in docs/cluster.md's block:\n{block}"
    return env, command


def profile_runtime() -> int:
    """The slurm profile's default runtime (minutes); the profile is a yte template whose
    plain keys read as YAML."""
    return yaml.safe_load(PROFILE.read_text(encoding="utf-8"))["default-resources"]["runtime"]
