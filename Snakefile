# ldj-analysis: regenerates the SEJN study of the LDJ feedback system.
# Run `snakemake` (the default profile in profiles/default sets cores etc.).

from snakemake.utils import min_version

min_version("9.27")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/export.smk"


rule all:
    default_target: True
    input:
        VALIDATED_SUMMARY,
