"""The PDF's building blocks: fonts, headings, text, tiles, tables and figures (fpdf2).

Fonts are the ones shipped in ``planner/report/fonts`` (Noto Sans, Noto Sans Thai, a GB 2312 subset of
Noto Sans CJK; OFL): Thai and Chinese product names fall back to them, and only text that needs it is
shaped with HarfBuzz.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

FONTS = Path(__file__).resolve().parent / "fonts"
INK, MUTED, ACCENT, WARN, GOOD = (33, 33, 33), (110, 110, 110), (31, 111, 178), (192, 57, 43), (31, 138, 76)
HEAD_FILL, ZEBRA = (231, 239, 247), (247, 247, 247)
FIGURE_DPI = 130
LISTING_SIZE, LISTING_PAD, LISTING_MARGIN = 7, 0.5, 1.2  # font size; mm above and below a row's text, beside it
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class Column:
    """A listing column: ``text`` marks free text (wrapped or shortened), the rest stays on one line;
    width 0 takes what the other columns leave of the page's width."""

    title: str
    width: float
    align: str = "L"
    text: bool = False


class Document(FPDF):
    """A4 landscape with the shipped fonts, a footer with the page count and the report's blocks."""

    def __init__(self, footer_text: str):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text
        self._font_characters: dict[str, frozenset[str]] = {}
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.add_font("NotoSans", "", FONTS / "NotoSans-Regular.ttf")
        self.add_font("NotoSans", "B", FONTS / "NotoSans-Bold.ttf")
        self.add_font("NotoSansThai", "", FONTS / "NotoSansThai-Regular.ttf")
        self.add_font("NotoSansThai", "B", FONTS / "NotoSansThai-Bold.ttf")
        self.add_font("NotoSansCJK", "", FONTS / "NotoSansCJK-GB2312-Regular.ttf")
        self.set_fallback_fonts(["NotoSansThai", "NotoSansCJK"], exact_match=False)
        self.set_text_shaping(True)
        self.set_font("NotoSans", "", 9)
        self.set_text_color(*INK)

    def _preload_bidirectional_text(self, text, *args, **kwargs):
        # Shaping is what Thai (and combining marks) need, and it costs a HarfBuzz call per width
        # measured: text in precomposed Latin / Vietnamese, digits and punctuation is set unshaped.
        # Text the current font holds every character of needs no fallback font either: without
        # both, fpdf takes the text as one fragment instead of looking at it character by character.
        if self.text_shaping and not _needs_shaping(text):
            shaping, self.text_shaping = self.text_shaping, None
            fallback = self._fallback_font_ids
            if set(text) <= self._characters():
                self._fallback_font_ids = []
            try:
                return super()._preload_bidirectional_text(text, *args, **kwargs)
            finally:
                self.text_shaping, self._fallback_font_ids = shaping, fallback
        return super()._preload_bidirectional_text(text, *args, **kwargs)

    def _characters(self) -> frozenset[str]:
        """The characters the current font has a glyph for."""
        key = self.current_font.fontkey
        if key not in self._font_characters:
            self._font_characters[key] = frozenset(map(chr, self.current_font.cmap))
        return self._font_characters[key]

    def footer(self):
        self.set_y(-10)
        self.set_font("NotoSans", "", 7)
        self.set_text_color(*MUTED)
        self.cell(0, 4, f"{self.footer_text}  ·  page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    # -- building blocks
    def heading(self, text: str, size: float = 14, space: float = 2):
        self.set_font("NotoSans", "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font("NotoSans", "", 9)
        self.ln(space)

    def text_line(self, text: str, size: float = 9, style: str = "", color=INK, height: float | None = None):
        self.set_font("NotoSans", style, size)
        self.set_text_color(*color)
        self.multi_cell(0, height or size * 0.48, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font("NotoSans", "", 9)

    def ensure_space(self, height: float):
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()

    def table_of(self, header: list[str], rows: list[list[str]], widths: list[float], align: list[str],
                 size: float = 7.5, bold_last: bool = False):
        """A table that continues on the next page with its header; long cells wrap."""
        self.set_font("NotoSans", "", size)
        self.set_draw_color(200, 200, 200)
        with self.table(col_widths=widths, text_align=align, line_height=size * 0.5, padding=(0.8, 1.2),
                        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL, color=INK),
                        cell_fill_color=ZEBRA, cell_fill_mode="ROWS", borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                        repeat_headings=1, width=self.epw) as table:
            table.row(header)
            for k, values in enumerate(rows):
                style = FontFace(emphasis="BOLD") if bold_last and k == len(rows) - 1 else None
                row = table.row(style=style)
                for value in values:
                    row.cell(value)
        self.set_font("NotoSans", "", 9)
        self.ln(2)

    def tile(self, x: float, y: float, w: float, h: float, title: str, value: str, note: str, color=INK):
        self.set_fill_color(*ZEBRA)
        self.rect(x, y, w, h, style="F")
        self.set_xy(x + 3, y + 2)
        self.set_font("NotoSans", "", 8)
        self.set_text_color(*MUTED)
        self.cell(w - 6, 4, title)
        self.set_xy(x + 3, y + 7)
        self.set_font("NotoSans", "B", 16)
        self.set_text_color(*color)
        self.cell(w - 6, 8, value)
        self.set_xy(x + 3, y + 16)
        self.set_font("NotoSans", "", 7.5)
        self.set_text_color(*MUTED)
        self.multi_cell(w - 6, 3.6, note, align="L")
        self.set_text_color(*INK)
        self.set_font("NotoSans", "", 9)

    def figure(self, fig, width: float | None = None):
        """The matplotlib figure drawn at FIGURE_DPI, the page's width (or ``width``) wide. Its pixels go
        to fpdf as they are: a PNG written and read back gives the same PDF bytes, at more cost."""
        canvas = FigureCanvasAgg(fig)
        fig.set_dpi(FIGURE_DPI)
        canvas.draw()
        pixels = Image.frombuffer("RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba()).convert("RGB")
        width = width or self.epw
        w_in, h_in = fig.get_size_inches()
        height = width * h_in / w_in
        self.ensure_space(height)
        self.image(pixels, x=self.l_margin, w=width)
        self.ln(2)

    def column_width(self, texts, size: float = LISTING_SIZE) -> float:
        """The width a listing column needs to hold the widest of ``texts`` on one line."""
        self.set_font("NotoSans", "", size)
        widest = max((self.get_string_width(str(t)) for t in texts), default=0.0)
        self.set_font("NotoSans", "", 9)
        return widest + 2 * LISTING_MARGIN + 0.1

    def listing(self, columns: list[Column], rows: list[list[str]], size: float = LISTING_SIZE, wrap: bool = True):
        """A table of many rows drawn cell by cell, its header repeated on every page it spans.

        Numbers and dates stay on one line; a free-text column (``Column.text``) wraps when ``wrap``,
        otherwise it is cut to one line with an ellipsis. fpdf's table() lays every cell out twice
        with its line breaker: several seconds per thousand rows, where a one-line cell costs
        a tenth of a millisecond."""
        line = size * 0.5
        self.set_font("NotoSans", "", size)
        saved_margin, self.c_margin = self.c_margin, LISTING_MARGIN
        rest = self.epw - sum(c.width for c in columns)
        columns = [replace(c, width=rest) if c.width == 0 else c for c in columns]

        def header():
            self._listing_row(columns, [[c.title] for c in columns], line, HEAD_FILL, "B")

        header()
        for k, values in enumerate(rows):
            cells = []
            for column, value in zip(columns, values):
                if not column.text:
                    cells.append([value])
                elif wrap:
                    cells.append(self._wrapped(value, column.width, line))
                else:
                    cells.append([self._shortened(value, column.width)])
            height = max(len(c) for c in cells) * line + 2 * LISTING_PAD
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                self.set_font("NotoSans", "", size)
                header()
            self._listing_row(columns, cells, line, ZEBRA if k % 2 == 0 else None, "")
        self.c_margin = saved_margin
        self.set_font("NotoSans", "", 9)
        self.ln(2)

    def _listing_row(self, columns: list[Column], cells: list[list[str]], line: float, fill, style: str):
        y = self.get_y()
        height = max(len(c) for c in cells) * line + 2 * LISTING_PAD
        width = sum(c.width for c in columns)
        if fill is not None:
            self.set_fill_color(*fill)
            self.rect(self.l_margin, y, width, height, style="F")
        self.set_draw_color(200, 200, 200)  # a rule under each row, as table_of draws them
        self.line(self.l_margin, y + height, self.l_margin + width, y + height)
        if style:
            self.set_font(self.font_family, style, self.font_size_pt)
        # each cell centred in the row's height, as fpdf's table() sets them (a PDF reader's text of
        # the row then keeps a wrapped name's lines together, on the line of the row's figures)
        x, most = self.l_margin, max(len(c) for c in cells)
        for column, lines in zip(columns, cells):
            top = y + LISTING_PAD + (most - len(lines)) * line / 2
            for k, text in enumerate(lines):
                if text:
                    self._cell_text(x, top + k * line, column.width, line, text, column.align)
            x += column.width
        if style:
            self.set_font(self.font_family, "", self.font_size_pt)
        self.set_xy(self.l_margin, y + height)

    def _cell_text(self, x: float, y: float, width: float, height: float, text: str, align: str):
        """What cell(width, height, text, align) at (x, y) prints, without a border or fill. Text the
        current font sets without shaping or a fallback font (digits, dates, Latin) goes straight to
        text(), a tenth of cell()'s cost; the rest (Thai, Chinese) through cell()."""
        if self._is_plain(text):
            shift = width - self.c_margin - self.get_string_width(text) if align == "R" else self.c_margin
            # the baseline where cell() puts it: half the cell's height below its top, less 0.3 of the font size
            self.text(x + shift, y + 0.5 * height + 0.3 * self.font_size, text)
        else:
            self.set_xy(x, y)
            self.cell(width, height, text, align=align)

    def _is_plain(self, text: str) -> bool:
        return not _needs_shaping(text) and set(text) <= self._characters() and self.str_alias_nb_pages not in text

    def _fits(self, text: str, room: float) -> bool:
        if self._is_plain(text):
            return self.get_string_width(text) <= room
        return self._unshaped_width(text) <= room or self.get_string_width(text) <= room

    def _unshaped_width(self, text: str) -> float:
        """The text's width without shaping: a bound from above on the shaped width for the shipped
        fonts (Thai marks take no advance either way: on the sample generator's 116 Thai, Chinese and
        Latin product names, shaping never widened one by more than 1e-14 mm), at an eighth of the cost."""
        shaping, self.text_shaping = self.text_shaping, None
        try:
            return sum(fragment.get_width() for fragment in super()._preload_bidirectional_text(text, False))
        finally:
            self.text_shaping = shaping

    def _wrapped(self, text: str, width: float, line: float) -> list[str]:
        if self._fits(text, width - 2 * self.c_margin):
            return [text]
        return self.multi_cell(width, line, text, dry_run=True, output="LINES")

    def _shortened(self, text: str, width: float) -> str:
        """``text`` if it fits in ``width``, else its longest start that fits with an ellipsis (not cut
        before a combining mark, which belongs to the character before it)."""
        room = width - 2 * self.c_margin
        if self._fits(text, room):
            return text
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.get_string_width(text[:middle].rstrip() + ELLIPSIS) <= room:
                low = middle
            else:
                high = middle - 1
        while 0 < low < len(text) and unicodedata.category(text[low]) == "Mn":
            low -= 1
        return text[:low].rstrip() + ELLIPSIS


#: what stands for a character none of the report's fonts can draw (an emoji, a rare ideograph)
MISSING_GLYPH = "\u25a1"
#: characters that only steer others (variation selectors, joiners): dropped with the emoji they steer
_STEERING = {0x200D, 0xFE0E, 0xFE0F}


def printable(text: str) -> str:
    """``text`` with each character no shipped font has a glyph for shown as a white square, so an
    emoji in a product name is replaced visibly instead of silently dropped (fpdf draws nothing).

    >>> printable("Mask 🙂 แผ่น 面膜 ❤️")
    'Mask \u25a1 แผ่น 面膜 \u25a1'
    """
    known = _font_characters()
    return "".join(char if ord(char) in known else ("" if ord(char) in _STEERING else MISSING_GLYPH)
                   for char in str(text))


@lru_cache(maxsize=1)
def _font_characters() -> frozenset[int]:
    """Code points some shipped font draws (control characters count: they are not drawn anyway)."""
    from fontTools.ttLib import TTFont

    codes = set(range(0x20)) | {0x7F}
    for path in FONTS.glob("*.ttf"):
        codes |= set(TTFont(path, lazy=True).getBestCmap())
    return frozenset(codes)


def _needs_shaping(text: str) -> bool:
    """True when the text holds combining marks or a complex script (Thai, Arabic, Indic, ...): Latin
    with precomposed accents (Vietnamese included), punctuation and currency signs do not."""
    for char in str(text):
        code = ord(char)
        if code < 0x0300 or 0x1E00 <= code <= 0x20CF:
            continue
        return True
    return False
