"""The run's RO-Crate against the Workflow Run Crate 0.5 profile's requirements.

The requirements checked (MUST unless said), from the profiles' texts:

RO-Crate 1.1
  C1  ``ro-crate-metadata.json`` is a CreativeWork ``about`` the root, conformsTo RO-Crate 1.1.
  C2  The root is a Dataset with name, description, datePublished (ISO 8601) and license
      (SHOULD in 1.1; we require them).
  C3  Every entity referenced by @id is described in the graph (contextual entities), and
      every data entity with a relative @id exists in the crate folder.
Workflow RO-Crate 1.0
  W1  The root's ``mainEntity`` is the main workflow, typed File, SoftwareSourceCode and
      ComputationalWorkflow, listed in the root's ``hasPart``.
  W2  The main workflow has a ``programmingLanguage``, a ComputerLanguage with a name.
  W3  The metadata descriptor conformsTo Workflow RO-Crate 1.0 (SHOULD).
Process Run Crate 0.5
  P1  The root conformsTo the Process Run Crate permalink (SHOULD for the Workflow Run Crate;
      we require it), a CreativeWork entity.
  P2  Every CreateAction has an @id, is listed in the root's ``mentions`` (SHOULD), has an
      ``instrument`` of type SoftwareApplication, SoftwareSourceCode or
      ComputationalWorkflow, an ISO 8601 ``endTime`` (SHOULD) and a ``result`` of Files.
Workflow Run Crate 0.5
  R1  The root's conformsTo references the Workflow Run Crate 0.5 permalink (a CreativeWork).
  R2  A CreateAction for the workflow's execution has the main workflow as ``instrument``.
ldj-analysis (this project)
  L1  The run's object holds the configuration file and the export's fingerprint as a
      PropertyValue (64 hex digits), and no file of the export.
  L2  Every result file is the result of the run and of exactly one rule's action, the rule
      Snakemake recorded as having made it.
  L3  The software versions are stated (Python, Snakemake, this package).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from ldj_analysis.publish import run_crate
from ldj_analysis.publish.run_crate import JobRecord, build_crate

WFRUN = "https://w3id.org/ro/wfrun/workflow/0.5"
PROCESS = "https://w3id.org/ro/wfrun/process/0.5"
WFCRATE = "https://w3id.org/workflowhub/workflow-ro-crate/1.0"
TOOL_TYPES = {"SoftwareApplication", "SoftwareSourceCode", "ComputationalWorkflow"}


def _ids(value) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [v["@id"] if isinstance(v, dict) else v for v in values]


def _types(entity) -> set[str]:
    t = entity["@type"]
    return set(t if isinstance(t, list) else [t])


def _iso(text: str) -> None:
    datetime.fromisoformat(text)


def check_workflow_run_crate(crate_dir: Path) -> dict:
    """Assert the requirements listed in this module's docstring; return the graph by @id."""
    meta = json.loads((crate_dir / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    graph = {e["@id"]: e for e in meta["@graph"]}
    assert len(graph) == len(meta["@graph"]), "duplicate @id"
    # C1
    descriptor = graph["ro-crate-metadata.json"]
    assert "CreativeWork" in _types(descriptor)
    assert _ids(descriptor["about"]) == ["./"]
    assert "https://w3id.org/ro/crate/1.1" in _ids(descriptor["conformsTo"])
    # C2
    root = graph["./"]
    assert "Dataset" in _types(root)
    for key in ("name", "description", "datePublished", "license"):
        assert root.get(key), f"root lacks {key}"
    _iso(root["datePublished"])
    # C3
    for entity in graph.values():
        for key, value in entity.items():
            if key.startswith("@") or key in ("url", "identifier"):
                continue
            for ref in _ids(value) if isinstance(value, (dict, list)) else []:
                if isinstance(ref, str) and not ref.startswith("http"):
                    assert ref in graph, f"{entity['@id']}.{key} -> {ref} not described"
    for eid, entity in graph.items():
        if "File" in _types(entity) and not eid.startswith(("#", "http")):
            assert (crate_dir / eid).is_file(), f"data entity {eid} missing in the crate"
    # W1, W2, W3
    main = graph[_ids(root["mainEntity"])[0]]
    assert {"File", "SoftwareSourceCode", "ComputationalWorkflow"} <= _types(main)
    assert main["@id"] in _ids(root["hasPart"]), "main workflow not in the root's hasPart"
    language = graph[_ids(main["programmingLanguage"])[0]]
    assert "ComputerLanguage" in _types(language) and language.get("name")
    assert WFCRATE in _ids(descriptor["conformsTo"])
    # P1, R1
    profiles = _ids(root["conformsTo"])
    for uri in (PROCESS, WFRUN, WFCRATE):
        assert uri in profiles, f"root does not conform to {uri}"
        assert "CreativeWork" in _types(graph[uri])
    # P2
    actions = [e for e in graph.values() if "CreateAction" in _types(e)]
    assert actions
    mentions = set(_ids(root.get("mentions")))
    for action in actions:
        assert action["@id"] in mentions
        tool = graph[_ids(action["instrument"])[0]]
        assert _types(tool) & TOOL_TYPES, f"instrument of {action['@id']} is no tool"
        _iso(action["endTime"])
        results = _ids(action["result"])
        assert results and all("File" in _types(graph[r]) for r in results)
    # R2
    runs = [a for a in actions if _ids(a["instrument"]) == [main["@id"]]]
    assert len(runs) == 1, "one CreateAction of the main workflow"
    return graph


def check_ldj_run(graph: dict, rules_by_file: dict[str, str]) -> None:
    """L1-L3: inputs, the rule behind each result file, software versions."""
    main_id = _ids(graph["./"]["mainEntity"])[0]
    run = next(e for e in graph.values() if _ids(e.get("instrument")) == [main_id])
    objects = [graph[i] for i in _ids(run["object"])]
    assert any(o["@id"].endswith("config.yaml") for o in objects)
    fingerprints = [o for o in objects if "PropertyValue" in _types(o)]
    assert len(fingerprints) == 1 and re.fullmatch(r"[0-9a-f]{64}", fingerprints[0]["value"])
    assert not any("raw/" in o["@id"] for o in objects), "export data in the crate"
    assert set(_ids(run["result"])) == set(rules_by_file)
    made_by: dict[str, list[str]] = {}
    for action in graph.values():
        if "CreateAction" in _types(action) and action is not run:
            rule = graph[_ids(action["instrument"])[0]]["name"].removeprefix("Snakemake rule ")
            for path in _ids(action["result"]):
                made_by.setdefault(path, []).append(rule)
    assert made_by == {path: [rule] for path, rule in rules_by_file.items()}
    software = {graph[i]["name"]: graph[i] for i in _ids(graph[main_id]["softwareRequirements"])}
    for name in ("python", "snakemake", "ldj-analysis"):
        assert software[name]["softwareVersion"]


@pytest.fixture
def small_crate(tmp_path):
    """A crate built from two fake rule records (no Snakemake run)."""
    crate_dir = tmp_path / "results"
    table = str(crate_dir / "tables" / "t.csv")
    files = {
        "tables/t.csv": JobRecord("derive", ("data/derived/x.parquet",), 1.7e9, 1.7e9 + 3),
        "figures/f.png": JobRecord("figures", (table,), 1.7e9 + 4, 1.7e9 + 6),
    }
    results = {}
    for rel, record in files.items():
        path = crate_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        results[str(path)] = record
    src = tmp_path / "project"
    (src / "workflow" / "rules").mkdir(parents=True)
    (src / "Snakefile").write_text("include: 'workflow/rules/a.smk'\n")
    (src / "workflow" / "rules" / "a.smk").write_text("rule a:\n    output: 'x'\n")
    copies = run_crate.copy_workflow(
        ["Snakefile", "workflow/rules/a.smk"],
        {"models": {"missing": "fiml"}},
        src,
        crate_dir / "workflow",
    )
    crate = build_crate(results, copies, "ab" * 32, crate_dir)
    crate.metadata.write(crate_dir)
    return crate_dir, {str(crate_dir / r): rec.rule for r, rec in files.items()}


def test_small_crate_meets_the_profile(small_crate):
    crate_dir, rules = small_crate
    graph = check_workflow_run_crate(crate_dir)
    # result ids are relative to the crate root
    check_ldj_run(graph, {str(Path(p).relative_to(crate_dir)): r for p, r in rules.items()})
    derive = graph["#run-rule-derive"]
    assert "data/derived/x.parquet" in derive["description"]  # client-level input: named only
    assert _ids(graph["#run-rule-figures"]["object"]) == ["tables/t.csv"]


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda g: g["./"].pop("mainEntity"), "mainEntity"),
        (lambda g: g["./"].update(conformsTo=[{"@id": PROCESS}]), "workflow/0.5"),
        (lambda g: g["#run"].pop("instrument"), "instrument"),
        (lambda g: g["#run-rule-derive"].update(endTime="yesterday"), "isoformat"),
        (lambda g: g["./"].update(hasPart=[]), "hasPart"),
    ],
)
def test_checker_fails_on_broken_crates(small_crate, breakage, message):
    crate_dir, _ = small_crate
    path = crate_dir / "ro-crate-metadata.json"
    meta = json.loads(path.read_text())
    graph = {e["@id"]: e for e in meta["@graph"]}
    breakage(graph)
    path.write_text(json.dumps(meta))
    with pytest.raises((AssertionError, KeyError, ValueError), match=message):
        check_workflow_run_crate(crate_dir)


def test_files_without_a_record_are_left_out(tmp_path, caplog):
    (tmp_path / "results" / "tables").mkdir(parents=True)
    (tmp_path / "results" / ".gitkeep").write_text("")
    (tmp_path / "results" / "tables" / "mine.csv").write_text("a\n")
    (tmp_path / "results" / "notes.txt").write_text("hand-made")
    assert run_crate.result_files(tmp_path / "results") == [
        (tmp_path / "results" / "notes.txt").as_posix(),
        (tmp_path / "results" / "tables" / "mine.csv").as_posix(),
    ]
    with pytest.raises(ValueError, match="no file in .* was made by this workflow"):
        run_crate.write_run_crate([], {}, "0" * 64, crate_root=tmp_path / "results",
                                  snakemake_dir=tmp_path / ".snakemake")  # fmt: skip
    assert "no Snakemake record" in caplog.text


@pytest.mark.slow
def test_crate_of_the_workflow_run():
    """The crate the default run writes meets the profile; the rule of every result file is
    the one `snakemake --detailed-summary` reports (an independent read of Snakemake)."""
    from tests.review.workflow_run import default_run_with_bundle
    from tests.workflow_copy import run_snakemake

    work = default_run_with_bundle()
    crate_dir = work / "results"
    graph = check_workflow_run_crate(crate_dir)
    summary = run_snakemake(work, "--detailed-summary")
    assert summary.returncode == 0, summary.stderr
    lines = [line.split("\t") for line in summary.stdout.splitlines()]
    head = lines[0]
    rows = [dict(zip(head, line, strict=False)) for line in lines[1:]]
    rules = {
        Path(r["output_file"]).relative_to("results").as_posix(): r["rule"]
        for r in rows
        if r["output_file"].startswith("results/")
        and r["rule"] != "ro_crate"
        and Path(work, r["output_file"]).is_file()
    }
    assert len(rules) > 50
    check_ldj_run(graph, rules)
    config = (crate_dir / "workflow" / "config.yaml").read_text()
    assert "min_cell_size" in config
    assert (crate_dir / "workflow" / "Snakefile").read_text() == (work / "Snakefile").read_text()
    # the crate holds no client-level file
    assert not any("data/derived" in e["@id"] for e in graph.values())


def test_records_are_read_where_snakemake_keeps_them(tmp_path):
    """The record path of a short and of a very long output name is the one Snakemake's
    file persistence uses (its long names are cut into '@'-prefixed folders)."""
    from snakemake.persistence.file import FilePersistence

    store = FilePersistence(nolock=True, path=tmp_path / ".snakemake")
    metadata = tmp_path / ".snakemake" / "metadata"
    for path in ("results/tables/flow.csv", "results/" + "x" * 400 + ".csv"):
        assert run_crate._record_file(metadata, path) == Path(
            store._record_path(str(metadata), path)
        )
        target = run_crate._record_file(metadata, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"rule": "derive", "input": ["a"], "endtime": 2.0}))
        assert run_crate.job_records([path], tmp_path / ".snakemake")[path] == JobRecord(
            "derive", ("a",), None, 2.0
        )
    with pytest.raises(ValueError, match="no Snakemake record"):
        run_crate.job_records(["results/other.csv"], tmp_path / ".snakemake")
