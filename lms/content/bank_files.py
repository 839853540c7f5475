"""Reading an uploaded or named question bank file safely: size, archives, text encodings.

Nothing here decompresses anything: an archive (a zip bomb included) is recognised by its
first bytes and refused before any of it is read, and every message says what to do.
"""

from __future__ import annotations

import codecs
import re

MAX_BANK_BYTES = 16 * 1024 * 1024

_ARCHIVES = {
    b"PK\x03\x04": "a zip archive",
    b"PK\x05\x06": "an empty zip archive",
    b"PK\x07\x08": "a zip archive",
    b"\x1f\x8b": "a gzip archive (a Moodle backup .mbz is one)",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ\x00": "an xz archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"%PDF": "a PDF document",
}
_XML_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


class BankFileError(ValueError):
    """A bank file that cannot be read; the message says why and what to do."""


def check_bytes(raw: bytes, *, limit: int = MAX_BANK_BYTES) -> None:
    """Refuse an empty, oversized or archived file (with a message saying what to do)."""
    if not raw.strip():
        raise BankFileError("the file is empty.")
    if len(raw) > limit:
        raise BankFileError(
            f"the file is {len(raw) / 1048576:.1f} MiB, over the limit of "
            f"{limit / 1048576:.0f} MiB: split the bank into several files."
        )
    for magic, what in _ARCHIVES.items():
        if raw.startswith(magic):
            raise BankFileError(
                f"the file is {what}, not a text file: extract the question file from it "
                "and import that (archives are never unpacked here)."
            )


def guess_legacy_encoding(raw: bytes) -> str:
    """Name the likely 8-bit encoding of text that is not UTF-8, for the user's converter."""
    if any(0x80 <= byte <= 0x9F for byte in raw):
        return "Windows-1252"
    return "ISO-8859-1 (Latin-1)"


def _not_utf8(raw: bytes, error: UnicodeDecodeError) -> BankFileError:
    line = raw[: error.start].count(b"\n") + 1
    encoding = guess_legacy_encoding(raw)
    name = encoding.split(" ")[0].upper()
    return BankFileError(
        f"the file is not UTF-8 text (line {line}); it looks like {encoding}. Convert it, "
        f"for example with: iconv -f {name} -t UTF-8 FILE > FILE.utf8"
    )


def decode_text(raw: bytes, *, limit: int = MAX_BANK_BYTES) -> str:
    """The text of a GIFT or Aiken file: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    check_bytes(raw, limit=limit)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise BankFileError("the file starts like UTF-16 but is not valid UTF-16.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_utf8(raw, error) from None
    if "\x00" in text:
        raise BankFileError("the file holds NUL bytes: it is binary, not a text file.")
    return text


def check_xml_encoding(raw: bytes, *, limit: int = MAX_BANK_BYTES) -> None:
    """Accept XML that declares its encoding, or is UTF-8/UTF-16; else say what to convert."""
    check_bytes(raw, limit=limit)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return
    declared = _XML_DECLARED_ENCODING.match(raw)
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            codecs.lookup(name)
        except LookupError:
            raise BankFileError(f"the file declares an unknown encoding {name!r}.") from None
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(raw, error) from None
