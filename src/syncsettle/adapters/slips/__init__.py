"""Drawing slips: the QR code (segno) and the PDF (fpdf2, with the vendored CJK font in ``fonts/``)."""
