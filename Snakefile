# ldj-analysis: regenerates the SEJN study of the LDJ feedback system.
# Run `snakemake` (the default profile in profiles/default sets cores etc.).

from snakemake.utils import min_version

min_version("9.27")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/export.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/publish.smk"
include: "workflow/rules/review.smk"
include: "workflow/rules/simulation.smk"


onsuccess:
    # the rules that read the export remove their DuckDB spill files, Snakemake the temporary
    # working copy; the folders made for them go too when empty (a tmpdir given stays)
    for folder in (SPILL_DIR, VALIDATED_DIR, INTERIM):
        remove_empty_folder(folder)


rule all:
    """Everything: derived data, tables in every format, models, figures, report."""
    default_target: True
    input:
        rules.publish_tables.output,
        rules.figures_study.output,
        rules.figures.output,
        rules.findings.output,
        rules.report_html.output,
        rules.ro_crate.output.crate,
