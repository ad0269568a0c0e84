"""The report page: complete, self-contained, and read by a real browser without network."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ldj_analysis.config import validate_config
from ldj_analysis.publish import figures as fg
from ldj_analysis.publish.privacy import PrivacyError
from ldj_analysis.publish.provenance import export_fingerprint, fingerprint_of, software_versions
from ldj_analysis.publish.report import build_report
from ldj_analysis.vocabulary import FIGURES, FINDINGS_FIGURE
from tests.publish import frames as F

CHROMIUM = Path("/usr/bin/chromium")
TABLES = (
    "table1",
    "table2",
    "table3",
    "table4",
    "sample",
    "flow",
    "checklist_response",
    "outcomes",
    "baseline_ttests",
    "prepost_tests",
    "robustness",
    "icc",
)
URL_IN_ATTR = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:|//)""", re.I)
URL_IN_CSS = re.compile(r"url\(|@import", re.I)


def _export(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "teams.csv").write_text(
        "team_id,institution_id,care_type,arm\nT1,I1,ambulant,control\n"
    )
    (folder / "clients.csv").write_text("client_id,sex,birth_date\nC1,f,2008-03-01\n")
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str, dict, Path]:
    root = tmp_path_factory.mktemp("report")
    export = _export(root / "export")
    config = validate_config({"export_dir": str(export)})
    path = build_report(
        F.all_tables(),
        F.all_models(),
        F.team_periods(),
        config,
        export,
        root / "results" / "report.html",
        run_date="2024-05-01T12:00:00+02:00",
    )
    return path, path.read_text(encoding="utf-8"), config, export


class _Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.tables: list[str] = []
        self.img_src: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        attrs = dict(attrs)
        if tag == "table" and attrs.get("class") == "ldj":
            self.tables.append(attrs.get("id", ""))
        if tag == "img":
            self.img_src.append(attrs.get("src", ""))


def _count(html: str) -> _Counter:
    counter = _Counter()
    counter.feed(html)
    return counter


def test_report_holds_every_table_figure_and_provenance(report):
    _path, html, config, export = report
    found = _count(html)
    assert found.tables == [f"tab-{n}" for n in TABLES]
    assert len(found.img_src) == len(FIGURES) + 1 == 6  # and the findings' forest plot
    for src in found.img_src:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "53,9" in html and "0,0 \u2013 48,6" in html and ",054" in html
    assert "questionnaires in export" in html  # the record flow
    assert "2024-05-01T12:00:00+02:00" in html
    for package, version in software_versions().items():
        assert f"<td>{package}</td><td>{version}</td>" in html
    assert {
        "python",
        "pandas",
        "numpy",
        "scipy",
        "statsmodels",
        "snakemake",
        "ldj-analysis",
    } <= set(software_versions())
    config_block = re.search(r'<pre id="config">(.*?)</pre>', html, re.S).group(1)
    import html as html_mod

    assert yaml.safe_load(html_mod.unescape(config_block)) == config


def test_fingerprint_is_sha256_over_sorted_names_and_bytes(report, tmp_path):
    _path, html, _config, export = report
    expected = hashlib.sha256()
    for name in ("clients.csv", "teams.csv"):
        content = hashlib.sha256((export / name).read_bytes()).digest()
        expected.update(name.encode() + b"\0" + content)
    assert f'<code id="fingerprint">{expected.hexdigest()}</code>' in html
    copy = tmp_path / "copy"
    shutil.copytree(export, copy)  # same names and bytes, other folder and times
    assert export_fingerprint(copy) == expected.hexdigest()
    (copy / "teams.csv").write_text(
        "team_id,institution_id,care_type,arm\nT1,I1,ambulant,experimental\n"
    )
    assert export_fingerprint(copy) != expected.hexdigest()
    shutil.copytree(export, tmp_path / "renamed")
    (tmp_path / "renamed" / "teams.csv").rename(tmp_path / "renamed" / "teams2.csv")
    assert export_fingerprint(tmp_path / "renamed") != expected.hexdigest()


def test_report_is_self_contained(report):
    _path, html, _config, _export = report
    assert not URL_IN_ATTR.search(html)
    assert not URL_IN_CSS.search(html)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', html))


@pytest.mark.slow
def test_report_embeds_the_figure_files_when_given(tmp_path):
    config = validate_config({})
    args = (F.all_tables(), F.all_models(), F.team_periods(), config)
    fg.write_figures(*args, tmp_path / "figures")
    out = build_report(
        *args, _export(tmp_path / "exp"), tmp_path / "r.html", figures_dir=tmp_path / "figures"
    )
    srcs = _count(out.read_text(encoding="utf-8")).img_src
    on_disk = (tmp_path / "figures" / "forest_betas.png").read_bytes()
    assert base64.b64encode(on_disk).decode() in [s.split(",", 1)[1] for s in srcs]


def test_report_refuses_client_level_frames(tmp_path):
    config = validate_config({})
    tables = {**F.all_tables(), "sample": F.sample().assign(client_key="k")}
    with pytest.raises(PrivacyError):
        build_report(
            tables,
            F.all_models(),
            F.team_periods(),
            config,
            _export(tmp_path / "e"),
            tmp_path / "r.html",
        )
    assert not (tmp_path / "r.html").exists()


# --- a reader's view: headless Chromium -------------------------------------------------

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
]


def _chromium(page: Path, tmp: Path, *action: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.iterdir()))}"
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *action, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def _page_requests(netlog: Path) -> list[str]:
    """URLs the page asked for. Chromium's own background calls (update checks, time sync)
    have no initiating origin ("not an origin") and are not the page's doing."""
    log = json.loads(netlog.read_text())
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    return [
        e["params"]["url"]
        for e in log["events"]
        if names[e["type"]] == "URL_REQUEST_START_JOB"
        and "url" in e.get("params", {})
        and e["params"].get("initiator") != "not an origin"
    ]


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent: install Debian's chromium (apt-get install -y chromium)",
)
def test_report_in_headless_chromium(report, tmp_path):
    from PIL import Image

    page, _html, _config, _export = report
    # the DOM as the browser built it
    dom = _chromium(page, tmp_path, "--dump-dom").stdout
    found = _count(dom)
    assert found.tables == [f"tab-{n}" for n in TABLES]
    assert found.tags["img"] == 6 and found.tags.get("figure") == 6
    assert found.tags["tr"] > 100
    # a screenshot, with the network log of the same load
    shot, netlog = tmp_path / "shot.png", tmp_path / "net.json"
    _chromium(
        page, tmp_path, "--window-size=1280,9000", f"--screenshot={shot}", f"--log-net-log={netlog}"
    )
    assert _page_requests(netlog) == []
    image = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    assert image.shape == (9000, 1280, 3)
    assert (image.sum(axis=2) < 600).mean() > 0.02  # text and figures, not a blank page
    full_blue = (np.abs(image - np.array([8, 81, 156])).sum(axis=2) < 30).sum()
    assert full_blue > 5_000  # the figures' dark blue ("volledig") is painted
    # the check would have caught a page that loads something
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/x.png"><p>x</p>')
    leak_log = tmp_path / "leak.json"
    _chromium(leaky, tmp_path, f"--log-net-log={leak_log}", "--dump-dom")
    assert _page_requests(leak_log) == ["http://127.0.0.1:9/x.png"]


@pytest.mark.slow
def test_report_with_figure_files_does_not_import_matplotlib(tmp_path):
    """Embedding the figures already drawn needs no plotting library (import time)."""
    code = f"""
import sys
from pathlib import Path
from ldj_analysis.config import validate_config
from ldj_analysis.vocabulary import FIGURES, FINDINGS_FIGURE
from ldj_analysis.publish.report import build_report
from tests.publish import frames as F
root = Path({str(tmp_path)!r})
(root / "figures").mkdir()
for name in (*FIGURES, FINDINGS_FIGURE):
    (root / "figures" / f"{{name}}.png").write_bytes(b"png " + name.encode())
build_report(F.all_tables(), F.all_models(), F.team_periods(), validate_config({{}}),
             root / "exp", root / "r.html", figures_dir=root / "figures")
print("matplotlib" in sys.modules)
"""
    _export(tmp_path / "exp")  # (importing this test module would import matplotlib)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert base64.b64encode(b"png forest_betas").decode() in page
    assert base64.b64encode(f"png {FINDINGS_FIGURE}".encode()).decode() in page


def test_report_states_the_norms_used(tmp_path):
    used = pd.DataFrame(
        {
            "row": [3, 8],
            "instrument": ["CBCL_6-18", "SDQ_ouder"],
            "sex": ["m", "f"],
            "age_min": [6, 12],
            "age_max": [11, 25],
            "mean": [20.0, 6.3],
            "sd": [15.0, 5.3],
            "higher_is_worse": [True, True],
            "source": ["placeholder: no public norms", "Vugteveen et al. (2022)"],
            "placeholder": [True, False],
        }
    )
    config = validate_config({"publication": {"language": "en"}})
    (tmp_path / "figures").mkdir()
    for name in FIGURES:  # stand-ins: the page embeds them without drawing
        (tmp_path / "figures" / f"{name}.png").write_bytes(b"png")
    args = (F.all_tables(), F.all_models(), F.team_periods(), config, _export(tmp_path / "e"))
    page = build_report(
        *args, tmp_path / "r.html", figures_dir=tmp_path / "figures", norms_used=used
    ).read_text(encoding="utf-8")
    section = page.split('id="norms"')[1]
    assert "data/norms.csv" in section and "1 of them are placeholders" in section
    assert "placeholder: no public norms" in section and "Vugteveen et al. (2022)" in section


def test_report_lists_the_export_files_as_validated_without_reading_the_export(tmp_path):
    """The workflow passes the file list of validation.json: the export folder is no input
    of report_html, so the report must not read it."""
    files = [("clients.csv", "ab" * 32, 10), ("teams.csv", "cd" * 32, 20)]
    (tmp_path / "figures").mkdir()
    for name in FIGURES:
        (tmp_path / "figures" / f"{name}.png").write_bytes(b"png")
    page = build_report(
        F.all_tables(),
        F.all_models(),
        F.team_periods(),
        validate_config({}),
        tmp_path / "no-such-export",
        tmp_path / "r.html",
        figures_dir=tmp_path / "figures",
        files=files,
    ).read_text(encoding="utf-8")
    assert "ab" * 32 in page and "teams.csv" in page
    assert f'<code id="fingerprint">{fingerprint_of(files)}</code>' in page


def test_report_says_how_the_csv_files_were_read(tmp_path):
    """validation.json's csv_dialects (detected, or from export_csv) appear in provenance,
    in the report's language; without them the section is left out."""
    dialects = {
        "questionnaires.csv": {
            "delimiter": ";",
            "encoding": "cp1252",
            "decimal": ",",
            "date_format": "%d-%m-%Y",
        },
        "teams.csv": {
            "delimiter": "\t",
            "encoding": "utf-8",
            "decimal": ".",
            "date_format": "%Y-%m-%d",
        },
    }
    (tmp_path / "figures").mkdir()
    for name in FIGURES:
        (tmp_path / "figures" / f"{name}.png").write_bytes(b"png")
    pages = {}
    for language, dialect_arg in (("en", dialects), ("nl", dialects), ("en", None)):
        config = validate_config({"publication": {"language": language}})
        pages[language, dialect_arg is None] = build_report(
            F.all_tables(),
            F.all_models(),
            F.team_periods(),
            config,
            tmp_path / "no-such-export",
            tmp_path / f"r-{language}.html",
            figures_dir=tmp_path / "figures",
            files=[],
            csv_dialects=dialect_arg,
        ).read_text(encoding="utf-8")
    section = pages["en", False].split('id="provenance"')[1]
    assert "How the CSV files were read" in section
    row = "<tr><td>questionnaires.csv</td><td>;</td><td>cp1252</td><td>,</td><td>%d-%m-%Y</td></tr>"
    assert row in section
    assert "<tr><td>teams.csv</td><td>tab</td><td>utf-8</td>" in section
    assert "Hoe de CSV-bestanden zijn gelezen" in pages["nl", False]
    assert "How the CSV files were read" not in pages["en", True]


LAYOUT_PROBE = """<script>
const header = document.querySelector("header"), found = document.getElementById("findings");
const item = [...found.querySelectorAll("li")].find((li) => li.textContent.startsWith("Use, full"));
document.body.setAttribute("data-layout", JSON.stringify({
  width: window.innerWidth, height: window.innerHeight,
  next: header.nextElementSibling.id, gap: found.getBoundingClientRect().top
    - header.getBoundingClientRect().bottom,
  top: found.getBoundingClientRect().top, sentence: item ? item.textContent : ""}));
</script>"""


def _layout(page: Path, tmp: Path) -> dict:
    """Where the browser put the Findings section at 1280 px wide, and its use/full sentence
    (a probe script added to a copy of the page: the report itself has none)."""
    probe = tmp / f"probe-{page.stem}.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", LAYOUT_PROBE + "</body>"))
    dom = _chromium(probe, tmp, "--window-size=1280,800", "--dump-dom").stdout
    return json.loads(html_unescape(re.search(r'data-layout="([^"]*)"', dom).group(1)))


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent")
def test_findings_come_first_and_follow_the_model_files_in_chromium(tmp_path):
    """At 1280 px the Findings section is the first thing under the title, on the first
    screen; a changed estimate in a copy of the model results changes its sentence."""
    export = _export(tmp_path / "export")
    config = validate_config({"export_dir": str(export), "publication": {"language": "en"}})
    models = F.all_models()
    changed = models["robustness"].copy()
    at = (changed["spec"] == "study") & (changed["outcome"] == "use") & (changed["term"] == "full")
    changed.loc[at, "estimate"] = 23.45
    pages = {}
    for name, robustness in (("before", models["robustness"]), ("after", changed)):
        pages[name] = build_report(
            F.all_tables(),
            {**models, "robustness": robustness},
            F.team_periods(),
            config,
            export,
            tmp_path / name / "report.html",
            run_date="2024-05-01T12:00:00+02:00",
        )
    before, after = (_layout(pages[n], tmp_path) for n in ("before", "after"))
    assert (before["width"], before["next"]) == (1280, "findings")
    assert 0 <= before["gap"] < 40 and before["top"] < before["height"] / 2
    assert before["sentence"].startswith("Use, full: B = 19.01 [5.80, 32.20]")
    assert after["sentence"].startswith("Use, full: B = 23.45 [5.80, 32.20]")
