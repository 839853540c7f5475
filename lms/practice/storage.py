"""Where uploaded files live, and what kind of file an upload really is.

`Storage` is the interface the rest of the area uses; `LocalStorage` (a folder outside
the web root, `instance/uploads/` by default) is its one implementation. An object store
would be a second class with the same three methods. Stored names are random: nothing a
learner chose ever becomes part of a path.

`sniff` decides a file's type from its first bytes, never from its name or the type the
browser claimed. HTML, SVG and anything else a browser might run are refused.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app

# Types a learner may upload: shown inline (images, PDF) or offered as a download (text).
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
ALLOWED_DESCRIPTION = "PNG, JPEG, GIF or WebP images, PDF, or plain text (.txt, .md, .log, .csv)"
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
# Markup a browser would render or run, looked for at the start of text files.
_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<body", b"<iframe", b"<head")


class Storage(Protocol):
    """Keeps uploaded bytes under opaque keys."""

    def save(self, data: bytes) -> str:
        """Store the bytes under a new random key and return the key."""

    def read(self, key: str) -> bytes:
        """Return the bytes stored under the key (KeyError when there are none)."""

    def exists(self, key: str) -> bool:
        """True when something is stored under the key."""


class LocalStorage:
    """Files in one folder, each named by a random key."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise KeyError(key)
        return self.folder / key

    def save(self, data: bytes) -> str:
        """Store the bytes under a new random key and return the key."""
        self.folder.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(20)
        self._path(key).write_bytes(data)
        return key

    def read(self, key: str) -> bytes:
        """Return the bytes stored under the key (KeyError when there are none)."""
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        """True when something is stored under the key."""
        try:
            return self._path(key).is_file()
        except KeyError:
            return False


def current_storage() -> Storage:
    """The app's storage: the folder UPLOAD_FOLDER (default instance/uploads)."""
    folder = current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    return LocalStorage(folder)


def sniff(data: bytes) -> str | None:
    """The content type of an upload from its bytes, or None when it is not allowed."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "text/plain" if _is_plain_text(data) else None


def _is_plain_text(data: bytes) -> bool:
    """UTF-8 text without NUL bytes that does not start like HTML, SVG or XML."""
    if not data or b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return not any(head.startswith(tag) for tag in _MARKUP) and b"<script" not in data.lower()


def served_inline(content_type: str) -> bool:
    """True for the types shown in the browser (images and PDF); others are downloads."""
    return content_type in INLINE_TYPES
