"""How the fonts in this folder were made (run by hand; not imported by restock).

    pip download --no-deps fontpkg-noto-sans fontpkg-noto-sans-thai cvttf-notosanscjk-regular
    (unzip the three wheels)
    python subset_fonts.py NotoSans[wdth,wght].ttf NotoSansThai[wdth,wght].ttf NotoSansCJKtc-Regular.otf OUT_DIR

* Noto Sans 2.015 and Noto Sans Thai 2.002 (variable) -> static Regular (wght 400) and Bold (700),
  subset to Latin (with Vietnamese), punctuation, currency and arrows / to Thai; layout features kept
  (mark positioning and Thai shaping need them).
* Noto Sans CJK TC 1.004 -> the 6,763 hanzi of GB 2312 (simplified Chinese as suppliers and sellers
  write it; the TC font covers them), CJK punctuation and full-width forms; CFF outlines converted to
  TrueType (cu2qu) so that PDF text extraction maps every glyph back to its character.

All three are under the SIL Open Font License 1.1 (OFL.txt).
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fontTools.varLib import instancer


def ranges(*spans):
    return {code for low, high in spans for code in range(low, high + 1)}


LATIN = ranges((0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF),
               (0x2100, 0x215F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x25A0, 0x25FF))
THAI = ranges((0x20, 0x7E), (0xE00, 0xE7F), (0x2000, 0x206F), (0x25CC, 0x25CC))


def gb2312() -> set[int]:
    codes = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                codes.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return codes


CJK = gb2312() | ranges((0x3000, 0x303F), (0xFF00, 0xFFEF), (0x20, 0x7E))


def make(source: Path, unicodes: set[int], target: Path, weight: int | None = None) -> TTFont:
    font = TTFont(source)
    if "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100}, updateFontNames=False)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    if "CFF " in font:
        to_truetype(font)
    font.save(target)
    return font


def to_truetype(font: TTFont, max_err: float = 1.0) -> None:
    """CFF (cubic) outlines -> glyf (quadratic), in place."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.compile(font)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"


if __name__ == "__main__":
    latin, thai, cjk, out = map(Path, sys.argv[1:5])
    out.mkdir(parents=True, exist_ok=True)
    make(latin, LATIN, out / "NotoSans-Regular.ttf", 400)
    make(latin, LATIN, out / "NotoSans-Bold.ttf", 700)
    make(thai, THAI, out / "NotoSansThai-Regular.ttf", 400)
    make(thai, THAI, out / "NotoSansThai-Bold.ttf", 700)
    make(cjk, CJK, out / "NotoSansCJK-GB2312-Regular.ttf")
