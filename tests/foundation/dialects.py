"""Dialect variants of an export: the same tables as Dutch Excel and others write them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from ldj_analysis.csv_dialect import CsvDialect
from ldj_analysis.export import COLUMNS

#: Variants as sites make them (name -> dialect, line terminator).
VARIANTS: dict[str, tuple[CsvDialect, str]] = {
    "excel_nl": (CsvDialect(";", "cp1252", ",", "%d-%m-%Y"), "\r\n"),
    "excel_utf8_bom": (CsvDialect(",", "utf-8-sig", ".", "%Y-%m-%d"), "\r\n"),
    "unicode_text": (CsvDialect("\t", "utf-16", ",", "%d-%m-%Y"), "\r\n"),
    "semicolon_slashes": (CsvDialect(";", "utf-8", ",", "%d/%m/%Y"), "\n"),
    "utf16_comma_iso": (CsvDialect(",", "utf-16-le", ".", "%Y-%m-%d"), "\n"),
}


def as_dialect(frame: pd.DataFrame, table: str, dialect: CsvDialect) -> pd.DataFrame:
    """A contract table as text (ISO dates, '.' decimals) rewritten in ``dialect``."""
    out = frame.copy()
    for column, kind in COLUMNS[table].items():
        if column not in out.columns:
            continue
        values = out[column].fillna("")
        if kind == "date":
            out[column] = [
                datetime.strptime(v, "%Y-%m-%d").strftime(dialect.date_format) if v else ""
                for v in values
            ]
        elif kind == "float":
            out[column] = values.str.replace(".", dialect.decimal, regex=False)
    return out


def write_variant(source: Path, target: Path, dialect: CsvDialect, newline: str = "\n") -> None:
    """Write every CSV table of the export ``source`` to ``target`` in ``dialect``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(source).glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        text = as_dialect(frame, path.stem, dialect)
        text.to_csv(
            target / path.name,
            index=False,
            sep=dialect.delimiter,
            encoding=dialect.encoding,
            lineterminator=newline,
        )
