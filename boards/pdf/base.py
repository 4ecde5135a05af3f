"""What Quorum's PDFs share: the fonts, the paragraph styles, tables and the page frame (ReportLab).

The text is set in Bitstream Vera, which ships inside ReportLab itself (no system font is needed, so the
documents come out the same on every machine) and, unlike the PDF standard fonts, covers the names of
most European languages (Ł, ő, ž). Its one gap the documents need, the arrow of "II.i → I", is drawn
in Helvetica, whose Symbol fallback has it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

FONT = "Vera"
BOLD = "VeraBd"
ARROW = "→"
MARGIN = 15 * mm
PORTRAIT = A4
LANDSCAPE = landscape(A4)
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
BAND = colors.HexColor("#f0f4f8")
LINE = colors.HexColor("#d9e2ec")
ALERT = colors.HexColor("#a61b1b")


@cache
def fonts() -> None:
    """Register the Vera family once per process, from ReportLab's own fonts folder."""
    folder = Path(reportlab.__file__).parent / "fonts"
    for name, file in (
        (FONT, "Vera.ttf"),
        (BOLD, "VeraBd.ttf"),
        ("VeraIt", "VeraIt.ttf"),
        ("VeraBI", "VeraBI.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic="VeraIt", boldItalic="VeraBI")


BASE = ParagraphStyle("base", fontName=FONT, textColor=INK)
TITLE = ParagraphStyle("title", parent=BASE, fontName=BOLD, fontSize=16, leading=20, spaceAfter=4)
SUBTITLE = ParagraphStyle("subtitle", parent=BASE, fontSize=10, leading=13, textColor=MUTED, spaceAfter=8)
HEADING = ParagraphStyle(
    "heading", parent=BASE, fontName=BOLD, fontSize=13, leading=16, spaceBefore=12, spaceAfter=4
)
SUBHEADING = ParagraphStyle(
    "subheading", parent=BASE, fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=3
)
BODY = ParagraphStyle("body", parent=BASE, fontSize=9.5, leading=12.5, spaceAfter=3)
ITEM = ParagraphStyle(
    "item",
    parent=BASE,
    fontSize=9.5,
    leading=12.5,
    leftIndent=10,
    bulletIndent=0,
    bulletFontName=FONT,
    spaceAfter=2,
)
WARNING = ParagraphStyle(
    "warning", parent=BASE, fontName=BOLD, fontSize=10.5, leading=13.5, textColor=ALERT, spaceAfter=6
)
CELL = ParagraphStyle("cell", parent=BASE, fontSize=7, leading=8.5)
HEAD_CELL = ParagraphStyle("head-cell", parent=BASE, fontName=BOLD, fontSize=7, leading=8.5)


def markup(text: str) -> str:
    """Plain text as Paragraph markup: escaped, with the arrow in a font that has it."""
    return escape(text).replace(ARROW, f'<font name="Helvetica">{ARROW}</font>')


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(markup(text), style)


def item(text: str) -> Paragraph:
    return Paragraph(markup(text), ITEM, bulletText="•")


def lines(texts: Sequence[str], empty: str) -> list[Flowable]:
    """A list of items, or the sentence that says there are none."""
    return [item(text) for text in texts] if texts else [para(empty)]


def cell(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(markup(text), style)


def table(
    head: Sequence[Sequence[str]],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A table whose header rows (``head``) repeat on every page it runs onto; cells wrap to their width."""
    data = [[cell(v, HEAD_CELL) for v in row] for row in head] + [[cell(v) for v in row] for row in rows]
    last = len(head) - 1
    style = TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("BACKGROUND", (0, 0), (-1, last), BAND),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
            ("LINEBELOW", (0, last), (-1, last), 0.8, MUTED),
            *extra,
        ]
    )
    return Table(data, colWidths=list(widths), repeatRows=len(head), style=style, hAlign="LEFT")


Footer = Callable[[Canvas, Any], None]


def footer(text: str) -> Footer:
    """Each page's foot: what the document is, and the page number."""

    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        width, _ = doc.pagesize
        canvas.drawString(MARGIN, MARGIN / 2, text)
        canvas.drawRightString(width - MARGIN, MARGIN / 2, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def render(story: list[Flowable], *, title: str, pagesize: tuple[float, float], foot: str) -> bytes:
    """The story as PDF bytes, with the document's title in its metadata."""
    fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Quorum",
        creator="Quorum",
    )
    draw = footer(foot)
    document.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


def frame_width(pagesize: tuple[float, float]) -> float:
    return pagesize[0] - 2 * MARGIN
