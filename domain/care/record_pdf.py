"""The service record as a PDF: the very text of the message (`service_record.render`), laid out
on A4 pages with fpdf2, in an embedded CJK font (`domain.care.pdf_fonts`).

The record's HTML is Kefu's own and simple: whole lines in <b> are headings, <blockquote>
holds what people wrote (the description, the resolution note). Reading it back here keeps one
source for both forms of the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from domain.care.pdf_fonts import PdfFonts

FAMILY = "record"
TITLE_SIZE, TEXT_SIZE = 15, 10.5
LINE_HEIGHT = 5.5  # mm
QUOTE_INDENT = 5  # mm
QUOTE_GREY = 70


@dataclass
class Line:
    text: str = ""
    bold: bool = False
    quoted: bool = False


class _Lines(HTMLParser):
    """Telegram HTML to lines of plain text, each knowing whether it is bold or quoted."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [Line()]
        self._bold = self._quoted = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "b":
            self._bold = True
        elif tag == "blockquote":
            self._quoted = True
            self._next_line()

    def handle_endtag(self, tag: str) -> None:
        if tag == "b":
            self._bold = False
        elif tag == "blockquote":
            self._quoted = False
            self._next_line()

    def handle_data(self, data: str) -> None:
        for number, part in enumerate(data.split("\n")):
            if number:
                self.lines.append(Line())
            line = self.lines[-1]
            line.text += part
            line.bold = line.bold or (self._bold and bool(part.strip()))
            line.quoted = line.quoted or self._quoted

    def _next_line(self) -> None:
        if self.lines[-1].text:
            self.lines.append(Line())


def lines_of(html: str) -> list[Line]:
    """The record's lines; a run of empty lines (a gap between sections) counts as one."""
    parser = _Lines()
    parser.feed(html)
    parser.close()
    lines: list[Line] = []
    for line in parser.lines:
        if _is_gap(line) and (not lines or _is_gap(lines[-1])):
            continue
        lines.append(line)
    return lines


def _is_gap(line: Line) -> bool:
    return not line.quoted and not line.text.strip()


def build_pdf(html: str, fonts: PdfFonts) -> bytes:
    # Imported here: fpdf2 (with fontTools and numpy) takes a third of a second to import,
    # which every start of Kefu would pay for the few who ask for a PDF.
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    lines = lines_of(html)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FAMILY, "", fonts.regular.path, collection_font_number=fonts.regular.index)
    bold = ""
    if fonts.bold is not None:
        pdf.add_font(FAMILY, "B", fonts.bold.path, collection_font_number=fonts.bold.index)
        bold = "B"
    title = lines[0].text.strip() if lines else ""
    pdf.set_title(title)
    pdf.set_creator("Kefu")
    pdf.add_page()
    for number, line in enumerate(lines):
        if _is_gap(line):
            pdf.ln(LINE_HEIGHT * 0.6)
            continue
        size = TITLE_SIZE if number == 0 else TEXT_SIZE
        pdf.set_font(FAMILY, bold if line.bold else "", size)
        pdf.set_text_color(QUOTE_GREY if line.quoted else 0)
        indent = QUOTE_INDENT if line.quoted else 0
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(
            pdf.epw - indent,
            LINE_HEIGHT * size / TEXT_SIZE,
            line.text,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    return bytes(pdf.output())
