"""QR codes of verify URLs (segno; error correction M, which survives a crease or a smudge)."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> str:
    """An inline ``<svg>`` element (for the HTML slip)."""
    return str(segno.make(url, error="m", micro=False).svg_inline(scale=3, border=2))


def qr_png(url: str) -> bytes:
    """PNG bytes (for the PDF slip)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()
