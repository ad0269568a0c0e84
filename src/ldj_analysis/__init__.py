"""ldj-analysis: reproducible pipeline for the SEJN study of the LDJ feedback system.

Keep this module free of heavy imports: every Snakemake job imports the package.
"""

__version__ = "0.1.0"
