"""Publication outputs: human-facing tables (md, xlsx, tex, html), figures and the report page.

Public entry points (figures and report import matplotlib only when called):
- :func:`ldj_analysis.publish.tables.render_table`, :func:`~.tables.write_tables`
- :func:`ldj_analysis.publish.figures.write_figures`
- :func:`ldj_analysis.publish.report.build_report`
"""

from ldj_analysis.publish.privacy import PrivacyError, refuse_client_rows
from ldj_analysis.publish.tables import read_csvs, render_table, write_tables

__all__ = ["PrivacyError", "read_csvs", "refuse_client_rows", "render_table", "write_tables"]
