"""Build the CJK font the PDF slips embed (run at development time; the result is committed).

Source: Debian's ``fonts-noto-cjk`` package (``apt-get install fonts-noto-cjk``), face "Noto Sans
CJK SC" of ``NotoSansCJK-Regular.ttc`` — SIL Open Font License 1.1. The face is subset to the
GB 2312 repertoire (6,763 hanzi and its symbols), printable ASCII, Latin-1 and every character the
package's own sources and templates use, then converted from CFF to TrueType outlines (quadratic,
1 font-unit tolerance) because PDF text extractors read fpdf2's TrueType embedding reliably. The
OFL allows subsetting and redistribution; a modified version may not use the reserved name
"Noto", so the output is named "SyncSettle Slip Sans". Usage::

    .venv/bin/python scripts/build_slip_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "syncsettle"
OUT = PACKAGE / "adapters" / "slips" / "fonts" / "SyncSettleSlipSans-Regular.ttf"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "SyncSettle Slip Sans"


def repertoire() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for path in PACKAGE.rglob("*"):
        if path.suffix in (".py", ".yaml", ".html", ".txt") and path.is_file():
            chars |= {c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F}
    return chars


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines with quadratic TrueType ones."""
    glyphs, order = font.getGlyphSet(), font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):  # fmt: skip
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 2.0  # glyph names kept: readers need not rebuild them from the cmap
    font["post"].extraNames, font["post"].mapping = [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont) -> None:
    """OFL reserved font name: a modified font carries another family name."""
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (1, 3, 4, 6, 16, 17):
            table.removeNames(nameID=record.nameID)
    table.setName(FAMILY, 1, 3, 1, 0x409)
    table.setName("Regular", 2, 3, 1, 0x409)
    table.setName(f"{FAMILY} Regular", 3, 3, 1, 0x409)
    table.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    table.setName("SyncSettleSlipSans-Regular", 6, 3, 1, 0x409)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    collection = TTCollection(str(source))
    font = next(f for f in collection.fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = []  # no shaping in a slip: one glyph per character, so no alternates either
    options.drop_tables += ["GSUB", "GPOS", "BASE", "JSTF", "GDEF"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in repertoire()])
    subsetter.subset(font)
    to_truetype(font)
    rename(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    print(f"{OUT}: {OUT.stat().st_size} bytes, {len(font.getGlyphOrder())} glyphs")


if __name__ == "__main__":
    main()
