"""The dialect of an export's CSV file: delimiter, encoding, decimal mark and date format.

Dutch Excel writes CSV with ``;`` between fields and a decimal comma, in Windows-1252 or
as UTF-16 "Unicode text", with dd-mm-yyyy dates. Each file's dialect is detected from its
first bytes (a byte-order mark, a decodable sample, the header's contract column names,
the shape of its numbers and dates); any part can be fixed with the config key
``export_csv``. What is detected is logged and written to ``validation.json``. A file whose
dialect cannot be told stops with a message saying what was seen and which key to set.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

#: Bytes read to detect a file's dialect.
SAMPLE_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t")
#: Date formats told apart by their shape (month-first dates are never guessed: set
#: ``export_csv.date_format``).
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y")
_DECIMAL = {".": re.compile(r"^[-+]?\d*\.\d+$"), ",": re.compile(r"^[-+]?\d*,\d+$")}
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab"}


class DialectError(ValueError):
    """A file's dialect cannot be told; the message names the file and the key to set."""


@dataclass(frozen=True)
class CsvDialect:
    """How one CSV file is written. The defaults are the contract's: UTF-8, ``,``, ``.``
    and ISO dates."""

    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."
    date_format: str = "%Y-%m-%d"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def describe(self) -> str:
        """One line for the validation log."""
        return (
            f"delimiter {_DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}, "
            f"encoding {self.encoding}, decimal {self.decimal!r}, dates {self.date_format}"
        )


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file from its first bytes: a byte-order mark (UTF-8 or UTF-16),
    else UTF-16 when every other byte is NUL, else UTF-8 when the sample decodes as such,
    else Windows-1252 (what Dutch Excel writes as "CSV")."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = sample[:512]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    try:  # final=False: a character cut at the sample's end is no error
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sample_rows(text: str, delimiter: str) -> list[list[str]]:
    """The complete rows of a decoded sample (the last, perhaps cut, line left out)."""
    lines = text.splitlines()
    if len(lines) > 1:
        lines = lines[:-1]
    return list(csv.reader(lines, delimiter=delimiter))


def detect_delimiter(header: str, columns: Mapping[str, str], path: Path) -> str:
    """The delimiter that splits the header line into the most contract column names."""
    found = {
        d: len(set(next(csv.reader([header], delimiter=d))) & set(columns)) for d in DELIMITERS
    }
    best = max(found.values())
    winners = [d for d, n in found.items() if n == best]
    if best > 0 and len(winners) == 1:
        return winners[0]
    try:
        return csv.Sniffer().sniff(header, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        raise DialectError(
            f"{path}: cannot tell the delimiter: none of {', '.join(_DELIMITER_NAMES.values())} "
            f"separates the contract's column names in the header line {header[:120]!r}; "
            "set export_csv.delimiter in config.yaml"
        ) from None


def detect_decimal(rows: list[list[str]], numeric: list[int], path: Path) -> str:
    """``,`` when the numbers of the sample have a decimal comma, else ``.``."""
    marks = {
        mark
        for row in rows
        for i in numeric
        if i < len(row)
        for mark, shape in _DECIMAL.items()
        if shape.match(row[i].strip())
    }
    if len(marks) > 1:
        raise DialectError(
            f"{path}: numbers with a decimal point and numbers with a decimal comma in its first "
            "lines; set export_csv.decimal ('.' or ',') in config.yaml"
        )
    return marks.pop() if marks else "."


def detect_date_format(rows: list[list[str]], dates: list[int]) -> str:
    """The first of :data:`DATE_FORMATS` that reads every date of the sample (ISO when
    none does: the values that do not parse are then reported one by one)."""
    values = {row[i].strip() for row in rows for i in dates if i < len(row)} - {""}
    for fmt in DATE_FORMATS:
        if values and all(_parses(v, fmt) for v in values):
            return fmt
    return DATE_FORMATS[0]


def _parses(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def check_encoding(name: str) -> str:
    """``name`` when Python knows the encoding, else a DialectError naming the key."""
    try:
        codecs.lookup(name)
    except LookupError:
        raise DialectError(
            f"config key 'export_csv.encoding': unknown encoding {name!r} "
            "(e.g. utf-8, utf-8-sig, cp1252, utf-16)"
        ) from None
    return name


def detect_dialect(
    path: str | Path, columns: Mapping[str, str], override: Mapping[str, Any] | None = None
) -> CsvDialect:
    """The dialect of the CSV file ``path`` whose contract columns (name -> kind) are
    ``columns``: each part from ``override`` (config ``export_csv``) where set, else detected
    from the file's first :data:`SAMPLE_BYTES`."""
    path = Path(path)
    override = {k: v for k, v in (override or {}).items() if v is not None}
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding = check_encoding(override.get("encoding") or detect_encoding(sample))
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    text = text.removeprefix("\ufeff")
    header = text.splitlines()[0] if text.strip() else ""
    if not header:
        raise DialectError(f"{path}: the file is empty (no header line)")
    delimiter = override.get("delimiter") or detect_delimiter(header, columns, path)
    rows = sample_rows(text, delimiter)
    names = [name.strip() for name in rows[0]] if rows else []
    where = {
        kind: [i for i, n in enumerate(names) if columns.get(n) in kinds]
        for kind, kinds in (("num", ("float", "int")), ("date", ("date",)))
    }
    decimal = override.get("decimal") or detect_decimal(rows[1:], where["num"], path)
    date_format = override.get("date_format") or detect_date_format(rows[1:], where["date"])
    return CsvDialect(delimiter, encoding, decimal, date_format)


def arrow_encoding(dialect: CsvDialect) -> str:
    """The encoding to give Arrow's reader: its own UTF-8 (which skips a BOM) where it can,
    else the Python codec it transcodes with."""
    return (
        "utf8"
        if codecs.lookup(dialect.encoding).name in ("utf-8", "utf-8-sig")
        else (dialect.encoding)
    )


def read_fault(
    path: str | Path, dialect: CsvDialect, columns: Mapping[str, str]
) -> tuple[int, str, str] | None:
    """Where the file first breaks its dialect, as (1-based line, column name, what): bytes
    that do not decode, or a row with another number of fields than the header. None when
    neither is found. Read again only after Arrow's reader failed, to say where and why."""
    fault = _decode_fault(Path(path), dialect)
    if fault is not None:
        return fault
    with open(path, encoding=dialect.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=dialect.delimiter)
        header = [h.strip().removeprefix("\ufeff") for h in next(reader, [])]
        for row in reader:
            if row and len(row) != len(header):
                return (reader.line_num, *_misfit(row, header, dialect, columns))
    return None


def _decode_fault(path: Path, dialect: CsvDialect) -> tuple[int, str, str] | None:
    """The first bytes of ``path`` that are not in the dialect's encoding, as (line, column,
    what); the column is the header's name of the field they are in. Encodings whose line
    break is the byte ``\\n`` (UTF-8, Windows-1252) are read line by line; others (UTF-16)
    whole."""
    encoding = dialect.encoding
    with open(path, "rb") as fh:
        if "\n".encode(encoding) == b"\n":
            for number, raw in enumerate(fh, 1):
                try:
                    raw.decode(encoding)
                except UnicodeDecodeError as err:
                    return number, *_field_of(path, dialect, raw[: err.start], err, number)
            return None
        data = fh.read()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as err:
        before = data[: err.start].decode(encoding, errors="replace")
        number = before.count("\n") + 1
        last = before.rsplit("\n", 1)[-1].encode(encoding)
        return number, *_field_of(path, dialect, last, err, number)
    return None


def _field_of(
    path: Path, dialect: CsvDialect, prefix: bytes, err: UnicodeDecodeError, number: int
) -> tuple[str, str]:
    """(column name, what) of an undecodable byte preceded by ``prefix`` on its line."""
    text = prefix.decode(dialect.encoding, errors="replace").removeprefix("\ufeff")
    position = len(next(csv.reader([text], delimiter=dialect.delimiter), [""])) - 1
    with open(path, encoding=dialect.encoding, errors="replace", newline="") as fh:
        header = next(csv.reader(fh, delimiter=dialect.delimiter), [])
    name = header[position].strip().removeprefix("\ufeff") if 0 <= position < len(header) else "?"
    if number == 1:
        name = "(header)"
    what = (
        f"bytes {err.object[err.start : err.end]!r} are not {dialect.encoding} text; "
        "set export_csv.encoding in config.yaml (e.g. cp1252 or utf-16)"
    )
    return name, what


def _misfit(
    row: list[str], header: list[str], dialect: CsvDialect, columns: Mapping[str, str]
) -> tuple[str, str]:
    """(column name, what) of a row with too many or too few fields; a number split by an
    unquoted decimal comma is named as such."""
    found = f"{len(row)} fields where the header has {len(header)}"
    if len(row) < len(header):
        return header[len(row)], f"{found}: the row ends before this column"
    if len(row) == len(header) + 1 and dialect.delimiter == ",":
        for i in range(len(header)):
            if (
                columns.get(header[i]) in ("float", "int")
                and row[i].strip().lstrip("-").isdigit()
                and row[i + 1].strip().isdigit()
            ):
                return header[i], (
                    f"{found}: {row[i]},{row[i + 1]} looks like a number with an unquoted "
                    "decimal comma; quote it, or write the file with ';' between fields"
                )
    return header[-1], f"{found}: extra field(s) after the last column"
