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


def _pdf() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_font(FAMILY, "", str(FONT))
    pdf.set_font(FAMILY, size=10)
    pdf.add_page()
    return pdf


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(3)
    pdf.set_font(FAMILY, size=11)
    pdf.set_fill_color(*GREY)
    pdf.multi_cell(0, 7, section.title, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=9)
    if section.pairs:
        with pdf.table(col_widths=(70, 110), first_row_as_headings=False, line_height=6) as table:
            for name, value in section.pairs:
                table.row([name, value])
    if section.rows:
        head = FontFace(fill_color=GREY)
        with pdf.table(line_height=6, headings_style=head, text_align="LEFT") as table:
            table.row(section.headers)
            for row in section.rows:
                table.row(row)
    for line in section.lines:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")


def render_pdf(title: str, issuer: str, sections: list[Section], slip_id: str, verify_url: str, signature: str,
               qr_png: bytes, public_key_hex: str) -> bytes:  # fmt: skip
    pdf = _pdf()
    pdf.set_title(f"{title} {slip_id}")
    pdf.set_font(FAMILY, size=16)
    pdf.cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=9)
    pdf.cell(0, 6, issuer, align="C", new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        _section(pdf, section)
    pdf.ln(4)
    if pdf.will_page_break(48):
        pdf.add_page()
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png), x=15, y=top, w=40, h=40)
    pdf.set_xy(60, top)
    pdf.set_font(FAMILY, size=9)
    chunks = [signature[i : i + SIGNATURE_LINE] for i in range(0, len(signature), SIGNATURE_LINE)]
    for line in [
        f"结算单编号 {slip_id}",
        "扫码或访问下列地址验签：",
        verify_url,
        "平台 SM2 签名（base64url）：",
        *chunks,
    ]:
        pdf.set_x(60)
        pdf.multi_cell(135, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + 42))
    pdf.set_font(FAMILY, size=7)
    pdf.multi_cell(0, 4, f"平台公钥（SM2，04||X||Y）：{public_key_hex}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
