"""A table as economists print it, and its renderings: LaTeX (booktabs +
threeparttable), Word (.docx, three-line table), HTML, Markdown and CSV.

A :class:`Table` is plain strings: header rows, body rows (first cell = row
label) and notes. Builders (``clusternet.report.regression`` and friends) fill
it from result documents; the renderers only lay it out, so every format shows
exactly the same numbers. Notes always end with the provenance line (code
version, config hash, input hashes).
"""
from __future__ import annotations

import csv
import html
import io
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

from clusternet.io import write_bytes, write_text

FORMATS = ("tex", "docx", "html", "md", "csv")


@dataclass
class Table:
    name: str  # file stem
    title: str
    header: list[list[str]]  # header rows; each has len(body[0]) cells
    body: list[list[str]]
    notes: list[str] = field(default_factory=list)
    rules_before: list[int] = field(default_factory=list)  # body indices preceded by a rule
    provenance: dict = field(default_factory=dict)
    language: str = "en"  # of the fixed words of its notes (the provenance line)

    @property
    def ncols(self) -> int:
        return len(self.header[-1]) if self.header else len(self.body[0])

    def all_notes(self) -> list[str]:
        return [*self.notes, *([provenance_note(self.provenance, self.language)] if self.provenance else [])]


def provenance_note(prov: dict, language: str = "en") -> str:
    """One line: code version, config hash, each input with a 12-digit sha256 prefix."""
    from clusternet.report.messages import of

    m = of(language)
    parts = [m["prov_code"].format(v=prov.get("code_version", "?"))]
    if prov.get("config_sha256"):
        parts.append(m["prov_config"].format(v=prov["config_sha256"][:12]))
    inputs = prov.get("inputs", {})
    if inputs:
        parts.append(m["prov_inputs"].format(v=", ".join(f"{p} ({h[:12]})" for p, h in sorted(inputs.items()))))
    return m["provenance"].format(parts=("；" if language == "zh" else "; ").join(parts))


# --- LaTeX -------------------------------------------------------------------
# clusternet.report.latex (T1/UTF-8-safe escaping, width control, fragment mode, provenance as comments).

def tex_escape(text: str) -> str:
    from clusternet.report.latex import tex_escape as escape

    return escape(text)


def to_latex(t: Table, fragment: bool = False) -> str:
    from clusternet.report.latex import to_latex as render

    return render(t, fragment=fragment)


# --- HTML --------------------------------------------------------------------

def to_html(t: Table, standalone: bool = True) -> str:
    esc = html.escape
    rows = ['<table class="cn-table" id="table-' + esc(t.name) + '">', "<caption>" + esc(t.title) + "</caption>",
            "<thead>"]
    for row in t.header:
        rows.append("<tr>" + "".join(f"<th>{esc(c)}</th>" for c in row) + "</tr>")
    rows.append("</thead><tbody>")
    for i, row in enumerate(t.body):
        cls = ' class="rule"' if i in t.rules_before and i > 0 else ""
        cells = [f"<th scope=\"row\">{esc(row[0])}</th>"] + [f"<td>{esc(c)}</td>" for c in row[1:]]
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    rows.append("</tbody>")
    notes = t.all_notes()
    if notes:
        rows.append(f'<tfoot><tr><td colspan="{t.ncols}">'
                    + "<br>".join(esc(n) for n in notes) + "</td></tr></tfoot>")
    rows.append("</table>")
    fragment = "\n".join(rows)
    if not standalone:
        return fragment
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(t.title) + "</title>"
            "<style>table{border-collapse:collapse}th,td{padding:2px 8px;text-align:center}"
            "thead tr:first-child th{border-top:2px solid #000}thead tr:last-child th{border-bottom:1px solid #000}"
            "tbody tr:last-child *{border-bottom:2px solid #000}tr.rule *{border-top:1px solid #000}"
            "tbody th{text-align:left;font-weight:normal}tfoot td{text-align:left;font-size:small}</style>"
            "</head><body>\n" + fragment + "\n</body></html>\n")


# --- Markdown ----------------------------------------------------------------

def to_markdown(t: Table) -> str:
    def cell(c: str) -> str:
        return c.replace("|", r"\|").replace("*", r"\*")

    header = [" ".join(filter(None, (row[j] for row in t.header))) for j in range(t.ncols)]
    lines = [f"**{t.title}**", "", "| " + " | ".join(cell(c) for c in header) + " |",
             "|" + "|".join([":---"] + [":---:"] * (t.ncols - 1)) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in t.body]
    notes = t.all_notes()
    if notes:
        lines.append("")
        lines += [cell(n) + "  " for n in notes]
    return "\n".join(lines) + "\n"


# --- CSV ---------------------------------------------------------------------

def to_csv(t: Table) -> str:
    """Header rows then body; notes (and provenance) as trailing ``# `` comment
    lines, which ``pandas.read_csv(..., comment="#")`` skips."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(t.header)
    writer.writerows(t.body)
    for note in t.all_notes():
        buf.write("# " + note.replace("\n", " ") + "\n")
    return buf.getvalue()


# --- Word --------------------------------------------------------------------

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _border(cell, **edges) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge, size in edges.items():
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)


PAPER_MM = {"a4": (210, 297), "letter": (215.9, 279.4)}


def _page_and_fonts(document, paper: str, east_asian_font: str) -> None:
    """Paper size with 25 mm margins; ``east_asian_font`` declared (w:eastAsia) on the Normal style
    so Word sets Chinese text in it rather than substituting a Latin font."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    width, height = PAPER_MM[paper]
    for section in document.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(25)
    r_pr = document.styles["Normal"].element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asian_font)
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def to_docx(t: Table, paper: str = "a4", east_asian_font: str = "SimSun") -> bytes:
    """A three-line table (thick top and bottom rules, thin rule under the
    header), as Chinese journals print them, on ``paper`` (A4 by default) with
    ``east_asian_font`` declared for Chinese text. The package is rewritten with fixed
    zip timestamps and core-property dates so reruns give identical bytes.

    Speed: python-docx builds the package once per (paper, font) (``_docx_template``); each
    table's body is written as WordprocessingML text into that template (a table through
    python-docx's cell objects took ~0.3 s, most of the report stage's Word time)."""
    from xml.sax.saxutils import escape

    members = _docx_template(paper, east_asian_font)
    width = _TEXT_WIDTH_TWIPS[paper]
    col = max(1, width // max(1, t.ncols))
    rows = [*t.header, *t.body]
    nh = len(t.header)

    def text_xml(text: str, size_half_points: int) -> str:
        if not text:
            return ""
        clean = "".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 0x20)
        return (f'<w:r><w:rPr><w:sz w:val="{size_half_points}"/></w:rPr>'
                f'<w:t xml:space="preserve">{escape(clean)}</w:t></w:r>')

    def border(edges: dict) -> str:
        if not edges:
            return ""
        inner = "".join(f'<w:{edge} w:val="single" w:sz="{size}" w:space="0" w:color="000000"/>'
                        for edge, size in edges.items())
        return f"<w:tcBorders>{inner}</w:tcBorders>"

    out = [f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{text_xml(t.title, 24)}</w:p>',
           '<w:tbl><w:tblPr><w:tblW w:type="auto" w:w="0"/><w:tblLook w:firstColumn="1" w:firstRow="1" '
           'w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>'
           + "".join(f'<w:gridCol w:w="{col}"/>' for _ in range(t.ncols)) + "</w:tblGrid>"]
    for i, row in enumerate(rows):
        cells = []
        for j in range(t.ncols):
            text = row[j] if j < len(row) else ""
            edges: dict = {}
            if i == 0:
                edges["top"] = 12
            if i >= nh and (i - nh) in t.rules_before and i > nh:
                edges["top"] = 4
            if i == nh - 1:
                edges["bottom"] = 6
            if i == len(rows) - 1:
                edges["bottom"] = 12
            align = "left" if j == 0 else "center"
            cells.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{col}"/>{border(edges)}</w:tcPr>'
                         f'<w:p><w:pPr><w:jc w:val="{align}"/></w:pPr>{text_xml(text, 18)}</w:p></w:tc>')
        out.append("<w:tr>" + "".join(cells) + "</w:tr>")
    out.append("</w:tbl>")
    out += [f"<w:p>{text_xml(note, 16)}</w:p>" for note in t.all_notes()]
    body = "".join(out)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members:
            if name == "word/document.xml":
                data = data.replace(_BODY_PLACEHOLDER, body.encode("utf-8"))
            elif name == "docProps/core.xml":
                data = data.replace(b"__CLUSTERNET_TITLE__", escape(t.title).encode("utf-8"))
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)
    return buf.getvalue()


# Text width (page less 2 x 25 mm margins) in twentieths of a point, per paper.
_TEXT_WIDTH_TWIPS = {paper: int(round((w - 50) / 25.4 * 1440)) for paper, (w, _h) in PAPER_MM.items()}
_BODY_PLACEHOLDER = b"<w:p><w:r><w:t>__CLUSTERNET_BODY__</w:t></w:r></w:p>"


@lru_cache(maxsize=8)
def _docx_template(paper: str, east_asian_font: str) -> tuple[tuple[str, bytes], ...]:
    """The members of an empty document (python-docx's default template with the page size, the
    East Asian font, fixed core properties and a body placeholder), built once per process."""
    import datetime

    import docx

    document = docx.Document()
    _page_and_fonts(document, paper, east_asian_font)
    fixed = datetime.datetime(2000, 1, 1)
    props = document.core_properties
    props.created = props.modified = props.last_printed = fixed
    props.author = props.last_modified_by = "clusternet"
    props.revision = 1
    props.title = "__CLUSTERNET_TITLE__"
    document.add_paragraph("__CLUSTERNET_BODY__")
    raw = io.BytesIO()
    document.save(raw)
    with zipfile.ZipFile(raw) as src:
        members = tuple((info.filename, src.read(info.filename)) for info in src.infolist())
    document_xml = dict(members)["word/document.xml"]
    if _BODY_PLACEHOLDER not in document_xml:
        raise RuntimeError("python-docx wrote the body placeholder in an unexpected form; update to_docx")
    return members


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with the same members in the same order but fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# --- writing -----------------------------------------------------------------

def write_table(t: Table, directory, formats=FORMATS, *, latex_fragment: bool = False, settings=None) -> list:
    """Write ``t`` in each format to ``directory/<name>.<ext>`` (atomically); return the paths.
    ``latex_fragment``: the .tex is a bare threeparttable for ``\\input{}`` (report.latex.fragment)."""
    from pathlib import Path

    directory = Path(directory)
    paths = []
    for fmt in formats:
        path = directory / f"{t.name}.{fmt}"
        if fmt == "docx":
            write_bytes(path, to_docx(t) if settings is None else
                        to_docx(t, settings.word_paper, settings.word_east_asian_font))
        else:
            render = {"tex": lambda x: to_latex(x, fragment=latex_fragment), "html": to_html, "md": to_markdown,
                      "csv": to_csv}[fmt]
            write_text(path, render(t))
        paths.append(path)
    return paths
