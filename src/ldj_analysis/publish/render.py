"""Rendering of a :class:`Display` to Markdown, LaTeX, HTML and XLSX (byte-stable)."""

from __future__ import annotations

import html
import io
import re
import zipfile

from ldj_analysis.publish.display import Display
from ldj_analysis.publish.numbers import Num, PValue, cell_text, round_half_up

FORMATS: tuple[str, ...] = ("md", "xlsx", "tex", "html")
#: Fixed timestamp written into XLSX files so that reruns give identical bytes.
XLSX_EPOCH = (2000, 1, 1, 0, 0, 0)
_XLSX_STAMP = "2000-01-01T00:00:00Z"


def _flat_columns(display: Display) -> list[str]:
    """Column heads with their spanning group prefixed, for formats without spans."""
    if not display.groups:
        return list(display.columns)
    prefixes = [g for g, span in display.groups for _ in range(span)]
    return [f"{g} {c}".strip() for g, c in zip(prefixes, display.columns, strict=True)]


def _texts(display: Display, language: str) -> list[list[str]]:
    return [[cell_text(c, language) for c in row] for row in display.rows]


def to_markdown(display: Display, language: str) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    heads = _flat_columns(display)
    align = [":--" if i < display.label_columns else "--:" for i in range(len(display.columns))]
    lines = [f"**{esc(display.title)}**", ""]
    lines.append("| " + " | ".join(esc(h) for h in heads) + " |")
    lines.append("|" + "|".join(align) + "|")
    lines += ["| " + " | ".join(esc(t) for t in row) + " |" for row in _texts(display, language)]
    if display.notes:
        lines.append("")
        lines += [f"{esc(n)}  " for n in display.notes[:-1]] + [esc(display.notes[-1])]
    return "\n".join(lines) + "\n"


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "\u2212": "$-$",
    "\u2013": "--",
    "β": r"$\beta$",
}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX_SPECIAL))


def tex_escape(text: str) -> str:
    """Escape LaTeX specials; minus, en dash and beta become their LaTeX forms."""
    return _TEX_RE.sub(lambda m: _TEX_SPECIAL[m.group(0)], text)


def _caption(text: str) -> str:
    """Drop "Tabel 2. " / "Table 2. ": LaTeX numbers its tables itself."""
    return re.sub(r"^(Tabel|Table) \d+\.\s*", "", text)


def to_latex(display: Display, language: str) -> str:
    ncol = len(display.columns)
    spec = "l" * display.label_columns + "r" * (ncol - display.label_columns)
    out = [
        "\\begin{table}[htbp]",
        "\\centering",
        f"\\caption{{{tex_escape(_caption(display.title))}}}",
        f"\\label{{tab:{display.name}}}",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
    ]
    if display.groups:
        cells, rules, col = [], [], 1
        for text, span in display.groups:
            if text:
                cells.append(f"\\multicolumn{{{span}}}{{c}}{{{tex_escape(text)}}}")
                rules.append(f"\\cmidrule(lr){{{col}-{col + span - 1}}}")
            else:
                cells += [""] * span
            col += span
        out.append(" & ".join(cells) + " \\\\")
        out.append(" ".join(rules))
    out.append(" & ".join(tex_escape(c) for c in display.columns) + " \\\\")
    out.append("\\midrule")
    out += [" & ".join(tex_escape(t) for t in row) + " \\\\" for row in _texts(display, language)]
    out.append("\\bottomrule")
    out.append("\\end{tabular}")
    if display.notes:
        out.append(
            "\\par\\smallskip{\\footnotesize "
            + " ".join(tex_escape(n) for n in display.notes)
            + "}"
        )
    out.append("\\end{table}")
    return "\n".join(out) + "\n"


def to_html(display: Display, language: str) -> str:
    """An HTML ``<table>`` (with caption and notes), to embed in a page."""
    e = html.escape
    ncol = len(display.columns)
    parts = [
        f'<table class="ldj" id="tab-{e(display.name)}">',
        f"<caption>{e(display.title)}</caption>",
    ]
    parts.append("<thead>")
    if display.groups:
        cells = "".join(
            f'<th colspan="{span}" class="group">{e(text)}</th>' for text, span in display.groups
        )
        parts.append(f"<tr>{cells}</tr>")
    heads = "".join(
        f'<th scope="col" class="{"lab" if i < display.label_columns else "num"}">{e(c)}</th>'
        for i, c in enumerate(display.columns)
    )
    parts.append(f"<tr>{heads}</tr>")
    parts.append("</thead>")
    parts.append("<tbody>")
    for row in _texts(display, language):
        cells = "".join(
            f'<td class="{"lab" if i < display.label_columns else "num"}">{e(t)}</td>'
            for i, t in enumerate(row)
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody>")
    if display.notes:
        notes = "<br>".join(e(n) for n in display.notes)
        parts.append(
            f'<tfoot><tr><td colspan="{ncol}" class="note"><div>{notes}</div></td></tr></tfoot>'
        )
    parts.append("</table>")
    return "\n".join(parts) + "\n"


def html_page(display: Display, language: str, css: str = "") -> str:
    """A standalone HTML page of one table (for Snakemake's report, which shows HTML inline)."""
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(display.title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f"{to_html(display, language)}</body>\n</html>\n"
    )


def _excel_format(cell: Num | PValue) -> str:
    if isinstance(cell, PValue):
        return "#.000"
    digits = "0" * cell.decimals
    lead = "0" if cell.leading_zero else "#"
    return f"{lead}.{digits}" if digits else "0"


def to_xlsx(display: Display, language: str) -> bytes:
    """One worksheet; numbers stay numbers (rounded as shown) with a matching number format,
    so Excel shows the decimal comma of its own locale."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = display.name[:31]
    ws.cell(row=1, column=1, value=display.title).font = Font(bold=True)
    row = 3
    if display.groups:
        col = 1
        for text, span in display.groups:
            if text:
                ws.cell(row=row, column=col, value=text).font = Font(bold=True)
                ws.cell(row=row, column=col).alignment = Alignment(horizontal="center")
                if span > 1:
                    ws.merge_cells(
                        start_row=row, start_column=col, end_row=row, end_column=col + span - 1
                    )
            col += span
        row += 1
    for j, head in enumerate(display.columns, start=1):
        ws.cell(row=row, column=j, value=head).font = Font(bold=True)
    for cells in display.rows:
        row += 1
        for j, cell in enumerate(cells, start=1):
            target = ws.cell(row=row, column=j)
            p_small = isinstance(cell, PValue) and cell.value < 0.0005
            if isinstance(cell, Num | PValue) and not p_small and cell_text(cell, "en") != "\u2013":
                decimals = 3 if isinstance(cell, PValue) else cell.decimals
                target.value = float(round_half_up(cell.value, decimals))
                target.number_format = _excel_format(cell)
            else:
                target.value = cell_text(cell, language)
            if j > display.label_columns:
                target.alignment = Alignment(horizontal="right")
    row += 1
    for text in display.notes:
        row += 1
        ws.cell(row=row, column=1, value=text).font = Font(italic=True, size=9)
    for j in range(1, len(display.columns) + 1):
        width = max(
            [len(display.columns[j - 1])]
            + [len(cell_text(r[j - 1], language)) for r in display.rows]
        )
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = min(
            max(width + 2, 6), 40
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_xlsx(buffer.getvalue())


def normalise_xlsx(data: bytes) -> bytes:
    """Rewrite an XLSX with fixed zip timestamps and document dates: identical reruns."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda m: m.group(1) + _XLSX_STAMP.encode() + m.group(3),
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=XLSX_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return out.getvalue()


def render_display(display: Display, language: str, fmt: str) -> str | bytes:
    """Render ``display`` in ``fmt`` (md, tex, html, xlsx); xlsx gives bytes."""
    if fmt == "md":
        return to_markdown(display, language)
    if fmt == "tex":
        return to_latex(display, language)
    if fmt == "html":
        return html_page(display, language, TABLE_CSS)
    if fmt == "xlsx":
        return to_xlsx(display, language)
    raise ValueError(f"unknown format {fmt!r}; known: {FORMATS}")


TABLE_CSS = """
table.ldj{border-collapse:collapse;margin:1.2em 0;font-size:0.92em}
table.ldj caption{caption-side:top;text-align:left;font-weight:600;padding-bottom:.4em;
 contain:inline-size}
table.ldj th,table.ldj td{padding:.2em .7em;border:0}
table.ldj thead tr:first-child th{border-top:2px solid #333}
table.ldj thead tr:last-child th{border-bottom:1px solid #333}
table.ldj .num{text-align:right}
table.ldj .lab{text-align:left}
table.ldj th.group{text-align:center}
table.ldj tbody tr:last-child td{border-bottom:2px solid #333}
table.ldj td.note{font-size:.85em;color:#444;text-align:left;padding-top:.5em}
table.ldj td.note div{contain:inline-size}
""".strip()
