"""The PDF certificate as a person sees it: rendered to PNG with pdftoppm (poppler-utils),
not blank, its QR code read back with zbarimg (zbar-tools), and names in Latin, Greek,
Cyrillic and CJK scripts drawn with real glyphs."""

import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from lms.credentials import pdf
from lms.credentials.service import CertificateDocument

URL = "https://training.example.com/verify/ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z"


def document(name: str = "Ada Lovelace", signer: str | None = "Tom Trainer", **changes):
    values = {
        "holder_name": name,
        "title": "DWCP v3 Professional",
        "level": 2,
        "issuer": "DWCP Training",
        "issued_on": date(2026, 3, 2),
        "expires_on": date(2027, 3, 2),
        "signer": signer,
        "code": "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z",
        "verify_url": URL,
    }
    return CertificateDocument(**{**values, **changes})


def to_png(body: bytes, folder: Path, dpi: int = 100) -> Path:
    source = folder / "certificate.pdf"
    source.write_bytes(body)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(source), str(folder / "page")],
        check=True,
    )
    return folder / "page.png"


def text_of(body: bytes, folder: Path) -> str:
    source = folder / "text.pdf"
    source.write_bytes(body)
    result = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True
    )
    return result.stdout


def ink(png: Path) -> float:
    """The share of pixels that are not white."""
    with Image.open(png) as image:
        histogram = image.convert("L").histogram()
    return 1 - sum(histogram[245:]) / sum(histogram)


@pytest.mark.parametrize(("paper", "size"), [("A4", (1170, 827)), ("Letter", (1100, 850))])
def test_the_page_is_landscape_not_blank_and_its_qr_opens_the_verification_page(
    tmp_path, paper, size
):
    png = to_png(pdf.render(document(), paper), tmp_path)
    with Image.open(png) as image:
        assert image.size == size
    assert 0.02 < ink(png) < 0.5
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], check=True, capture_output=True, text=True
    )
    assert decoded.stdout.strip() == URL


def test_the_page_says_who_what_when_and_who_signed(tmp_path):
    text = text_of(pdf.render(document()), tmp_path)
    for expected in (
        "Ada Lovelace", "DWCP v3 Professional", "Level 2", "DWCP TRAINING", "2 March 2026",
        "2 March 2027", "Tom Trainer", "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z",
    ):  # fmt: skip
        assert expected in text
    automatic = text_of(pdf.render(document(signer=None)), tmp_path)
    assert "Issued automatically" in automatic


@pytest.mark.parametrize(
    "name",
    # One CJK case: the Noto CJK collection is large, and loading it is most of the cost.
    ["Zoë Ångström-Núñez", "Ελένη Παπαδοπούλου", "Юлия Иванова", "王小明 山田太郎 김민준"],
)
def test_names_in_every_script_render_with_real_glyphs(tmp_path, name):
    body = pdf.render(document(name=name))
    assert name in text_of(body, tmp_path)
    assert ink(to_png(body, tmp_path, dpi=50)) > 0.02


def test_a_very_long_name_still_fits_on_one_line(tmp_path):
    name = "Maximiliane Wilhelmina Konstantinopoulou-Schwarzenberg von Hohenlohe"
    text = text_of(pdf.render(document(name=name)), tmp_path)
    assert name in text
