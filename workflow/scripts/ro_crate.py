"""Snakemake script: the run's RO-Crate (ldj_analysis.publish.run_crate.write_run_crate)."""

import json
from pathlib import Path

from ldj_analysis.publish.run_crate import write_run_crate
from ldj_analysis.runlog import logged_step

with logged_step(snakemake.log[0], "ro_crate") as log:
    summary = json.loads(Path(snakemake.input.validation).read_text(encoding="utf-8"))
    path = write_run_crate(
        snakemake.params.sources,
        dict(snakemake.params.config),
        summary["fingerprint_sha256"],
        input_sources=[snakemake.params.norms],
        crate_root=Path(snakemake.output.crate).parent,
    )
    log.info("wrote %s", path)
