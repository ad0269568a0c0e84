"""The pipeline's outputs by name, each list defined once and imported by the Snakemake rules,
the rule scripts and the modules. Adding an output is one line here (plus what makes it: a
builder in ``publish.display`` or ``publish.figures``, a caption in ``workflow/report/``)."""

from __future__ import annotations

#: Descriptive tables written by ``derive``: ``results/tables/<name>.csv``.
DESCRIPTIVE_TABLES: tuple[str, ...] = (
    "table1",
    "table2",
    "table3",
    "table4",
    "sample",
    "flow",
)

#: Model tables, in the report's order, each with the file the model rules write:
#: ``results/models/<file>.csv`` (the robustness table shows ``small_sample.csv``).
MODEL_FILES: dict[str, str] = {
    "checklist_response": "checklist_response",
    "outcomes": "outcomes",
    "baseline_ttests": "baseline_ttests",
    "prepost_tests": "prepost_tests",
    "robustness": "small_sample",
    "icc": "icc",
}
MODEL_TABLES: tuple[str, ...] = tuple(MODEL_FILES)

#: Figures: ``results/figures/<name>.<format>``, embedded in the report. Those in
#: :data:`MODEL_FIGURES` are drawn from the model outputs, the others from derive's tables
#: alone (a job of their own that runs beside the models).
FIGURES: tuple[str, ...] = (
    "table1_grid",
    "checklist_response",
    "table4_means",
    "forest_betas",
    "flow_diagram",
)
MODEL_FIGURES: tuple[str, ...] = ("forest_betas",)
STUDY_FIGURES: tuple[str, ...] = tuple(f for f in FIGURES if f not in MODEL_FIGURES)
