"""The printable certificate: one landscape page (A4 or US Letter) drawn with fpdf2.

Fonts come from Debian packages, not from the repository: DejaVu (fonts-dejavu-core) for
Latin, Greek and Cyrillic, and Noto Sans CJK (fonts-noto-cjk) as the fallback for Chinese,
Japanese and Korean names, loaded only when a text needs it (the file is large). The QR
code (segno) opens the certificate's public verification page.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from lms.credentials.service import CertificateDocument

if TYPE_CHECKING:
    from fpdf import FPDF

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_CJK_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
PAPER = {"A4": "A4", "LETTER": "Letter"}
INK = (33, 37, 41)
ACCENT = (13, 82, 140)
MUTED = (90, 98, 106)


def _needs_cjk(*texts: str) -> bool:
    """True when a text has characters DejaVu lacks (CJK scripts start at U+2E80)."""
    return any(ord(ch) >= 0x2E80 for text in texts for ch in text)


def _fonts(pdf: FPDF, cjk: bool) -> None:
    pdf.add_font("dejavu-serif", "", DEJAVU / "DejaVuSerif.ttf")
    pdf.add_font("dejavu-serif", "B", DEJAVU / "DejaVuSerif-Bold.ttf")
    pdf.add_font("dejavu", "", DEJAVU / "DejaVuSans.ttf")
    pdf.add_font("dejavu", "B", DEJAVU / "DejaVuSans-Bold.ttf")
    if cjk and NOTO_CJK.exists():
        # Noto Sans CJK's collection: face 0 is Japanese-first; every CJK ideograph is in it.
        pdf.add_font("noto-cjk", "", NOTO_CJK)
        pdf.add_font("noto-cjk", "B", NOTO_CJK_BOLD if NOTO_CJK_BOLD.exists() else NOTO_CJK)
        pdf.set_fallback_fonts(["noto-cjk"], exact_match=False)


def _qr_png(url: str) -> io.BytesIO:
    import segno  # imported here, with the PDF, not at every worker's start

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=12, border=0)
    buffer.seek(0)
    return buffer


def _month_day_year(day) -> str:
    return f"{day.day} {day:%B %Y}"


def render(document: CertificateDocument, paper: str = "A4") -> bytes:
    """Draw the certificate and return the PDF's bytes."""
    # imported here: fpdf2 (with fontTools) adds about 28 MB to every worker that loads it,
    # and only a certificate download needs it
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", unit="mm", format=PAPER.get(paper.upper(), "A4"))
    pdf.set_title(f"{document.title}: {document.holder_name}")
    pdf.set_author(document.issuer)
    pdf.set_creator(document.issuer)
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 20, 20)
    _fonts(pdf, _needs_cjk(document.holder_name, document.title, document.signer or ""))
    pdf.add_page()
    width, height = pdf.w, pdf.h

    # Frame: a double rule, the only decoration.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, width - 26, height - 26)

    inner = width - 40
    pdf.set_text_color(*ACCENT)
    pdf.set_font("dejavu", "B", 13)
    pdf.set_xy(20, 24)
    pdf.cell(inner, 8, document.issuer.upper(), align="C")

    pdf.set_text_color(*INK)
    pdf.set_font("dejavu-serif", "B", 34)
    pdf.set_xy(20, 38)
    pdf.cell(inner, 16, "Certificate", align="C")

    pdf.set_font("dejavu-serif", "", 14)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(20, 62)
    pdf.cell(inner, 8, "This certifies that", align="C")

    pdf.set_text_color(*INK)
    pdf.set_font("dejavu-serif", "B", 30)
    size = 30
    while pdf.get_string_width(document.holder_name) > inner and size > 14:
        size -= 2
        pdf.set_font_size(size)
    pdf.set_xy(20, 72)
    pdf.cell(inner, 16, document.holder_name, align="C")

    pdf.set_font("dejavu-serif", "", 14)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(20, 93)
    pdf.cell(inner, 8, "has earned the certification", align="C")

    pdf.set_text_color(*ACCENT)
    pdf.set_font("dejavu-serif", "B", 22)
    pdf.set_xy(20, 103)
    pdf.multi_cell(inner, 11, document.title, align="C")
    if document.level is not None:
        pdf.set_font("dejavu", "", 12)
        pdf.set_text_color(*MUTED)
        pdf.set_x(20)
        pdf.cell(inner, 7, f"Level {document.level}", align="C")

    pdf.set_text_color(*INK)
    pdf.set_font("dejavu", "", 12)
    pdf.set_xy(20, 132)
    pdf.cell(
        inner,
        7,
        f"Issued on {_month_day_year(document.issued_on)}  ·  "
        f"valid until {_month_day_year(document.expires_on)}",
        align="C",
    )

    # Signature line (bottom left) and the QR code with the verification code (bottom right).
    qr_size = 34
    bottom = height - 22
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(30, bottom - 14, 120, bottom - 14)
    pdf.set_xy(30, bottom - 12)
    pdf.set_font("dejavu", "B", 11)
    pdf.cell(90, 6, document.signer or "Issued automatically", align="L")
    pdf.set_xy(30, bottom - 6)
    pdf.set_font("dejavu", "", 9)
    pdf.set_text_color(*MUTED)
    role = f"Trainer, {document.issuer}" if document.signer else f"by {document.issuer}'s platform"
    pdf.cell(90, 5, role, align="L")

    qr_x = width - 30 - qr_size
    qr_y = bottom - qr_size - 10
    pdf.image(_qr_png(document.verify_url), x=qr_x, y=qr_y, w=qr_size, h=qr_size)
    pdf.set_text_color(*INK)
    pdf.set_font("dejavu", "", 8)
    text_width = 110
    pdf.set_xy(width - 30 - text_width, bottom - 8)
    pdf.cell(text_width, 4, f"Verification code {document.code}", align="R")
    pdf.set_xy(width - 30 - text_width, bottom - 4)
    pdf.set_text_color(*MUTED)
    pdf.cell(text_width, 4, document.verify_url, align="R", link=document.verify_url)
    pdf.set_xy(width - 30 - qr_size - 62, qr_y + qr_size / 2 - 6)
    pdf.set_font("dejavu", "", 8)
    pdf.multi_cell(
        58, 4, "Scan to check that this certificate is genuine and still valid.", align="R"
    )
    return bytes(pdf.output())
