"""Word tables: A4 by default (python-docx's template is US Letter), Letter on request,
the East Asian font declared on the Normal style."""
from __future__ import annotations

import io

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from clusternet.report.settings import ReportSettings
from clusternet.report.tables import Table, to_docx


def table() -> Table:
    return Table(name="t", title="描述性统计", header=[["变量", "(1)"]], body=[["数字资源禀赋", "0.500"]])


@pytest.mark.parametrize("paper, mm", [("a4", (210, 297)), ("letter", (215.9, 279.4))])
def test_paper_size(paper, mm):
    d = docx.Document(io.BytesIO(to_docx(table(), paper=paper)))
    s = d.sections[0]
    assert abs(s.page_width - Mm(mm[0])) <= Mm(0.1) and abs(s.page_height - Mm(mm[1])) <= Mm(0.1)


def test_default_is_a4_and_east_asian_font_declared():
    d = docx.Document(io.BytesIO(to_docx(table())))
    assert abs(d.sections[0].page_width - Mm(210)) <= Mm(0.1)
    fonts = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "SimSun"
    d = docx.Document(io.BytesIO(to_docx(table(), east_asian_font="Noto Serif CJK SC")))
    assert d.styles["Normal"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "Noto Serif CJK SC"


def test_config_keys():
    s = ReportSettings.from_section({"word": {"paper": "letter", "east_asian_font": "KaiTi"}, "latex": {"fragment": True}})
    assert (s.word_paper, s.word_east_asian_font, s.latex_fragment) == ("letter", "KaiTi", True)
    d = ReportSettings()
    assert (d.word_paper, d.word_east_asian_font, d.latex_fragment) == ("a4", "SimSun", False)
