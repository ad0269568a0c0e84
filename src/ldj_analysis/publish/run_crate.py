"""RO-Crate of a run (results/ro-crate-metadata.json), Workflow Run Crate profile 0.5.

The crate's root is results/. It holds a copy of the workflow (Snakefile, rules, scripts,
captions) and the configuration used under results/workflow/, and describes:

- the main workflow (``workflow/Snakefile``, a ``ComputationalWorkflow`` in Snakemake) as the
  root's ``mainEntity``, with the software versions it ran with;
- one ``CreateAction`` for the run: instrument the workflow, object the configuration, the
  export's fingerprint and the norm table (the export's data are not in the crate), result
  every result file;
- per Snakemake rule one ``CreateAction`` whose result are the files that rule made, with
  its start and end time, read from Snakemake's own records (.snakemake/metadata), not
  typed here;
- the project's lock of exact dependency versions (``requirements.lock``), copied to
  ``workflow/requirements.lock`` with its SHA-256 and whether the run's environment had the
  locked versions (docs/reproducibility.md).

The crate is built with the ``rocrate`` library.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import platform
import re
import shutil
from base64 import urlsafe_b64encode
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from ldj_analysis.publish.provenance import software_versions

log = logging.getLogger(__name__)

#: Profiles the crate conforms to (versioned permalinks).
PROFILES: dict[str, tuple[str, str]] = {
    "https://w3id.org/ro/wfrun/process/0.5": ("Process Run Crate", "0.5"),
    "https://w3id.org/ro/wfrun/workflow/0.5": ("Workflow Run Crate", "0.5"),
    "https://w3id.org/workflowhub/workflow-ro-crate/1.0": ("Workflow RO-Crate", "1.0"),
}
#: The RO-Crate version of Workflow Run Crate 0.5 (and of the validators that check it).
RO_CRATE = "1.1"
WORKFLOW_DIR = "workflow"
MAIN_WORKFLOW = f"{WORKFLOW_DIR}/Snakefile"
CONFIG_FILE = f"{WORKFLOW_DIR}/config.yaml"
LICENSE = "https://spdx.org/licenses/MIT"
#: The lock of exact runtime versions in the project folder, and its copy in the crate.
LOCK_NAME = "requirements.lock"
LOCK_FILE = f"{WORKFLOW_DIR}/{LOCK_NAME}"
#: JSON-LD context of the Workflow Run Crate terms (defines ``sha256``).
WFRUN_TERMS = "https://w3id.org/ro/terms/workflow-run/context"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
_LOCKED_PYTHON = re.compile(r"--python-version[ =](\S+)")
_FORMATS = {".md": "text/markdown", ".tex": "application/x-tex", ".smk": "text/x-snakemake"}


@dataclass(frozen=True)
class JobRecord:
    """What Snakemake recorded about the job that made one file."""

    rule: str
    inputs: tuple[str, ...]
    start: float | None
    end: float | None


def _record_file(metadata_dir: Path, path: str) -> Path:
    """Where Snakemake's file persistence keeps the record of ``path``: the URL-safe base64
    of the path as the workflow names it, cut into folder names of at most NAME_MAX - 1
    characters (all but the last prefixed with '@'), as ``FilePersistence._record_path``."""
    max_len = os.pathconf(metadata_dir, "PC_NAME_MAX") if os.name == "posix" else 255
    max_len = max_len or 255
    b64 = urlsafe_b64encode(path.encode()).decode()
    chunks = [b64[i : i + max_len - 1] for i in range(0, len(b64), max_len - 1)]
    return metadata_dir.joinpath(*["@" + c for c in chunks[:-1]], chunks[-1])


def job_records(
    paths: Iterable[str], snakemake_dir: str | Path = ".snakemake", *, skip_unknown: bool = False
) -> dict:
    """Snakemake's metadata record of each output path (rule, input, start and end time),
    read from the JSON records of its default (file) persistence in ``.snakemake/metadata``
    (importing Snakemake's persistence API costs about a second: it loads SQLModel). A path
    without a record raises ValueError, or is logged and left out with ``skip_unknown``."""
    metadata_dir = Path(snakemake_dir) / "metadata"
    out = {}
    for path in paths:
        file = _record_file(metadata_dir, str(path)) if metadata_dir.is_dir() else None
        if file is None or not file.is_file():
            if skip_unknown:
                log.warning("%s: no Snakemake record (not made by this workflow); left out", path)
                continue
            raise ValueError(
                f"no Snakemake record of {path} in {metadata_dir}: was it made by this "
                "workflow (with the default file persistence)?"
            )
        record = json.loads(file.read_text(encoding="utf-8"))
        if not record.get("rule"):
            raise ValueError(f"the Snakemake record of {path} names no rule")
        out[str(path)] = JobRecord(
            record["rule"],
            tuple(record.get("input") or ()),
            record.get("starttime"),
            record.get("endtime"),
        )
    return out


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")


def _format(path: str) -> str:
    suffix = Path(path).suffix
    return _FORMATS.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def crate_name(source: str | Path, root: str | Path) -> str:
    """A file's name in the crate's workflow folder: its path relative to ``root``, or
    ``inputs/<file name>`` for a file outside it (e.g. the norm table shipped in the package)."""
    path = Path(source)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return f"inputs/{path.name}"


def copy_workflow(
    sources: Iterable[str | Path], config: Mapping[str, Any], root: str | Path, dest: Path
) -> list[str]:
    """Copy the workflow's files (paths relative to ``root``, or absolute) to ``dest`` and
    write the configuration used as ``dest/config.yaml``; return the copies' paths relative
    to ``dest.parent`` (the crate root)."""
    if dest.exists():
        shutil.rmtree(dest)
    written = []
    for name, source in sorted({crate_name(s, root): Path(root) / s for s in sources}.items()):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target.relative_to(dest.parent).as_posix())
    (dest / "config.yaml").write_text(
        yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return [*written, CONFIG_FILE]


def locked_versions(text: str) -> dict[str, str]:
    """The exact versions a lock file pins (its ``name==version`` lines; hashes, comments and
    options skipped), by normalised distribution name (PEP 503: lower case, runs of ``-_.`` as
    one ``-``). Read without ``packaging`` so that the crate needs nothing undeclared."""
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in _PIN.findall(text)}


def lock_differences(pins: Mapping[str, str]) -> list[str]:
    """Each pinned distribution whose installed version is not the locked one, as
    ``"name locked X, installed Y"``: empty when the environment is the locked one."""
    out = []
    for name, version in sorted(pins.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            out.append(f"{name} locked {version}, installed {installed}")
    return out


def _describe_lock(crate, entity, path: Path) -> None:
    """Give the crate's copy of the lock its SHA-256 (the Workflow Run Crate term
    ``sha256``), and say how to install from it and whether this run's environment had the
    locked versions, so that a reader knows if the lock reproduces the run's numbers."""
    data = path.read_bytes()
    text = data.decode("utf-8")
    pins = locked_versions(text)
    differences = lock_differences(pins)
    python = _LOCKED_PYTHON.search(text)
    if differences:
        state = "This run's environment differed from the lock: " + "; ".join(differences)
    else:
        state = f"This run's environment had the locked versions of all {len(pins)} pins"
    entity["sha256"] = hashlib.sha256(data).hexdigest()
    entity["contentSize"] = str(len(data))
    entity["encodingFormat"] = "text/plain"
    entity["description"] = (
        "Exact versions (with hashes) of the runtime dependencies"
        + (f", locked for Python {python.group(1)}" if python else "")
        + f"; this run used Python {platform.python_version()}. Install in the project "
        "folder: pip install -r requirements.lock, then pip install --no-deps -e . "
        f"(docs/reproducibility.md). {state}."
    )
    if WFRUN_TERMS not in crate.metadata.extra_contexts:
        crate.metadata.extra_contexts.append(WFRUN_TERMS)


def _describe_root(crate, results: Mapping[str, JobRecord]) -> None:
    """The root dataset: name, description, licence, date (the last job's end) and the
    profiles it conforms to."""
    from rocrate.model.contextentity import ContextEntity

    crate.name = "ldj-analysis: results of one run"
    crate.description = (
        "Tables, models, figures and report of the SEJN study of the LDJ feedback system, "
        "regenerated by the ldj-analysis Snakemake workflow; no client-level data."
    )
    crate.license = LICENSE
    crate.datePublished = _iso(max(r.end for r in results.values() if r.end)) or _iso(
        datetime.now(UTC).timestamp()
    )
    profiles = []
    for uri, (name, version) in PROFILES.items():
        profiles.append(
            crate.add(
                ContextEntity(
                    crate, uri, {"@type": "CreativeWork", "name": name, "version": version}
                )
            )
        )
    crate.root_dataset["conformsTo"] = profiles
    crate.metadata["conformsTo"] = [
        {"@id": f"https://w3id.org/ro/crate/{RO_CRATE}"},
        {"@id": "https://w3id.org/workflowhub/workflow-ro-crate/1.0"},
    ]


def _add_workflow(crate, workflow_files: list[str]):
    """The main workflow with the software versions it ran with, and the other files of
    the workflow copy (by crate path)."""
    from rocrate.model.contextentity import ContextEntity

    versions = software_versions()
    software = [
        crate.add(
            ContextEntity(
                crate,
                f"#software-{name}",
                {"@type": "SoftwareApplication", "name": name, "softwareVersion": version},
            )
        )
        for name, version in versions.items()
    ]
    workflow = crate.add_workflow(
        dest_path=MAIN_WORKFLOW,
        main=True,
        lang="snakemake",
        lang_version=versions.get("snakemake"),
        properties={
            "name": "ldj-analysis",
            "description": "Snakemake workflow that regenerates the SEJN study's results",
            "softwareRequirements": software,
            "encodingFormat": "text/x-snakemake",
        },
    )
    parts = {}
    for path in workflow_files:
        if path == MAIN_WORKFLOW:
            continue
        parts[path] = crate.add_file(
            dest_path=path, properties={"name": Path(path).name, "encodingFormat": _format(path)}
        )
    return workflow, parts


def _add_export(crate, fingerprint: str):
    """The export's fingerprint (its data are client-level and stay out of the crate)."""
    from rocrate.model.contextentity import ContextEntity

    return crate.add(
        ContextEntity(
            crate,
            "#export-fingerprint",
            {
                "@type": "PropertyValue",
                "name": "export fingerprint (SHA-256)",
                "value": fingerprint,
                "description": "SHA-256 over the export's files sorted by path: per file its "
                "path (UTF-8), a NUL byte and the SHA-256 of its content. The export's data "
                "are client-level and not in this crate.",
            },
        )
    )


def _add_results(crate, results: Mapping[str, JobRecord], root: Path) -> dict[str, Any]:
    """Every result file, sorted by path, with its format and size."""
    files = {}
    for path in sorted(results):
        rel = Path(path).relative_to(root).as_posix()
        files[path] = crate.add_file(
            dest_path=rel,
            properties={
                "name": rel,
                "encodingFormat": _format(path),
                "contentSize": str((Path(path)).stat().st_size),
            },
        )
    return files


def _run_action(crate, workflow, objects: list, results: Mapping[str, JobRecord], files):
    """The run: the workflow's action, from the first job's start to the last one's end."""
    starts = [r.start for r in results.values() if r.start]
    ends = [r.end for r in results.values() if r.end]
    return crate.add_action(
        workflow,
        identifier="#run",
        object=objects,
        result=[files[p] for p in sorted(results)],
        properties={
            "name": "Run of the ldj-analysis workflow",
            "description": "Jobs of the Snakemake workflow that made the result files "
            "(start of the first, end of the last)",
            "startTime": _iso(min(starts)) if starts else None,
            "endTime": _iso(max(ends)) if ends else None,
            "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"},
        },
    )


def _rule_action(crate, rule: str, paths: list[str], results: Mapping[str, JobRecord], files):
    """One rule's action: the files it made, its inputs (those outside the crate named)
    and its start and end time."""
    from rocrate.model.contextentity import ContextEntity

    recs = [results[p] for p in paths]
    step = crate.add(
        ContextEntity(
            crate,
            f"#rule-{rule}",
            {
                "@type": "SoftwareApplication",
                "name": f"Snakemake rule {rule}",
                "isPartOf": {"@id": MAIN_WORKFLOW},
            },
        )
    )
    inputs = sorted({i for r in recs for i in r.inputs})
    in_crate = [files[i] for i in inputs if i in files]
    outside = [i for i in inputs if i not in files]
    props = {
        "name": f"Rule {rule}",
        "startTime": _iso(min((r.start for r in recs if r.start), default=None)),
        "endTime": _iso(max((r.end for r in recs if r.end), default=None)),
    }
    if outside:
        props["description"] = "Inputs outside the crate: " + ", ".join(outside)
    return crate.add_action(
        step,
        identifier=f"#run-rule-{rule}",
        object=in_crate or None,
        result=[files[p] for p in paths],
        properties={k: v for k, v in props.items() if v is not None},
    )


def build_crate(
    results: Mapping[str, JobRecord],
    workflow_files: list[str],
    fingerprint: str,
    crate_root: str | Path = "results",
    input_files: Iterable[str] = (),
):
    """The run's crate (``rocrate.ROCrate``). ``results`` maps each result path (under
    ``crate_root``) to the record of the job that made it; ``workflow_files`` are crate paths
    of the workflow copy (with ``workflow/Snakefile`` and ``workflow/config.yaml``);
    ``input_files`` those of them the run read as data (the norm table)."""
    from rocrate.rocrate import ROCrate

    root = Path(crate_root)
    crate = ROCrate(version=RO_CRATE)
    _describe_root(crate, results)
    workflow, parts = _add_workflow(crate, workflow_files)
    inputs = set(input_files)
    workflow["hasPart"] = [
        parts[p] for p in workflow_files if p in parts and p != CONFIG_FILE and p not in inputs
    ]
    if LOCK_FILE in parts:
        _describe_lock(crate, parts[LOCK_FILE], root / LOCK_FILE)
    config = parts[CONFIG_FILE]
    config["description"] = "Configuration of the run (validated, defaults filled in)"
    export = _add_export(crate, fingerprint)
    files = _add_results(crate, results, root)
    objects = [config, export, *(parts[p] for p in input_files)]
    actions = [_run_action(crate, workflow, objects, results, files)]
    by_rule: dict[str, list[str]] = {}
    for path, record in results.items():
        by_rule.setdefault(record.rule, []).append(path)
    for rule in sorted(by_rule):
        actions.append(_rule_action(crate, rule, sorted(by_rule[rule]), results, files))
    crate.root_dataset["mentions"] = actions
    return crate


def result_files(crate_root: str | Path) -> list[str]:
    """Every file under ``crate_root`` but the crate's own (its metadata file and the
    workflow copy) and hidden files, as the workflow names them (``results/...``)."""
    root = Path(crate_root)
    own = {root / "ro-crate-metadata.json"}
    return sorted(
        p.as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and p not in own
        and not p.is_relative_to(root / WORKFLOW_DIR)
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def write_run_crate(
    workflow_sources: Iterable[str],
    config: Mapping[str, Any],
    fingerprint: str,
    input_sources: Iterable[str] = (),
    crate_root: str | Path = "results",
    project_root: str | Path = ".",
    snakemake_dir: str | Path = ".snakemake",
    lock_file: str | None = LOCK_NAME,
) -> Path:
    """Describe every file in ``crate_root`` that a rule of this workflow made (a file
    Snakemake has no record of is logged and left out): copy the workflow (and the small
    public inputs, ``input_sources``: the norm table; and ``lock_file``, relative to
    ``project_root``, when there is one) into ``crate_root/workflow`` and write
    ``crate_root/ro-crate-metadata.json``."""
    root = Path(crate_root)
    records = job_records(result_files(root), snakemake_dir, skip_unknown=True)
    if not records:
        raise ValueError(f"no file in {root} was made by this workflow")
    inputs = list(input_sources)
    sources = [*workflow_sources, *inputs]
    if lock_file and (Path(project_root) / lock_file).is_file():
        sources.append(lock_file)
    elif lock_file:
        log.warning("no %s in %s: the crate names no locked versions", lock_file, project_root)
    copies = copy_workflow(sources, config, project_root, root / WORKFLOW_DIR)
    crate_inputs = [f"{WORKFLOW_DIR}/{crate_name(p, project_root)}" for p in inputs]
    crate = build_crate(records, copies, fingerprint, root, crate_inputs)
    crate.metadata.write(root)
    return root / "ro-crate-metadata.json"
