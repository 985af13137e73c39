"""The PDF slip (fpdf2): A4, the vendored CJK font embedded (subset to the glyphs used), the layout
sections of ``services/slips/layout.py``, then the QR code, the slip id, the verify URL and the SM2
signature printed in lines of :data:`SIGNATURE_LINE` characters (white space is ignored when it is
typed or pasted back at ``/verify``)."""

from __future__ import annotations

import io
from importlib.resources import files
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from syncsettle.domain.slip_layout import Section

FONT = Path(str(files("syncsettle.adapters.slips") / "fonts" / "SyncSettleSlipSans-Regular.ttf"))
FAMILY = "slip"
SIGNATURE_LINE = 48
GREY = (235, 238, 242)


MARGIN = 12
QR_SIZE = 34  # mm: still scans from a phone at arm's length (module ≈ 0.6 mm for a ~100-character URL)


def _pdf() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FAMILY, "", str(FONT))
    pdf.set_font(FAMILY, size=9)
    pdf.add_page()
    return pdf


def _section(pdf: FPDF, section: Section) -> None:
    """Label/value pairs two to a row (label, value, label, value) so a slip keeps to one page."""
    pdf.ln(1.5)
    pdf.set_font(FAMILY, size=9.5)
    pdf.set_fill_color(*GREY)
    pdf.multi_cell(0, 5.5, section.title, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=8)
    if section.pairs:
        with pdf.table(col_widths=(46, 47, 46, 47), first_row_as_headings=False, line_height=4.2,
                       padding=0.8) as table:  # fmt: skip
            pairs = list(section.pairs)
            for i in range(0, len(pairs), 2):
                left, right = pairs[i], pairs[i + 1] if i + 1 < len(pairs) else ("", "")
                table.row([left[0], left[1], right[0], right[1]])
    if section.rows:
        head = FontFace(fill_color=GREY)
        with pdf.table(line_height=4.2, headings_style=head, text_align="LEFT", padding=0.8) as table:
            table.row(section.headers)
            for row in section.rows:
                table.row(row)
    for line in section.lines:
        pdf.multi_cell(0, 3.8, line, new_x="LMARGIN", new_y="NEXT")


def render_pdf(title: str, issuer: str, sections: list[Section], slip_id: str, verify_url: str, signature: str,
               qr_png: bytes, public_key_hex: str) -> bytes:  # fmt: skip
    """One A4 page: the title block with the QR code beside it (so the code is always on the first
    page), the sections, then the signature block in small type."""
    pdf = _pdf()
    pdf.set_title(f"{title} {slip_id}")
    width = pdf.w - 2 * MARGIN
    text_w = width - QR_SIZE - 4
    pdf.image(io.BytesIO(qr_png), x=pdf.w - MARGIN - QR_SIZE, y=MARGIN, w=QR_SIZE, h=QR_SIZE)
    pdf.set_font(FAMILY, size=15)
    pdf.cell(text_w, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=8.5)
    for line in (issuer, f"结算单编号 {slip_id}", "扫描右侧二维码或访问下列地址验签："):
        pdf.multi_cell(text_w, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=6.5)
    pdf.multi_cell(text_w, 3.2, verify_url, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), MARGIN + QR_SIZE))
    for section in sections:
        _section(pdf, section)
    pdf.ln(2)
    pdf.set_font(FAMILY, size=7)
    chunks = [signature[i : i + SIGNATURE_LINE * 2] for i in range(0, len(signature), SIGNATURE_LINE * 2)]
    for line in ["平台 SM2 签名（base64url）：", *chunks, f"平台公钥（SM2，04||X||Y）：{public_key_hex}"]:
        pdf.multi_cell(0, 3.4, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
