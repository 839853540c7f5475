"""Text kept in a file rather than in memory: the module bodies of a kept content load.

A thousand modules' bodies are about 12 MB of UTF-8, 20 MB as Python strings (two bytes a
character as soon as one character is outside Latin-1), and a page shows one module's. A
kept load (lms.content.cache) writes them after its pickle and reads a piece back when it is
asked for, by its position in bytes: every worker shares the file's pages in the page cache
instead of holding its own copy of every body.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable


class TextFile:
    """UTF-8 texts one after the other in a block of a file (or, until it is written,
    in memory); what `StoredText` reads from. Pickled without the texts: `open` points a
    read-back one at the block `data` was written to."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.size = 0  # bytes
        self.descriptor: int | None = None
        self.offset = 0

    def add(self, text: str) -> StoredText:
        """Append a text; return it as a `StoredText`."""
        data = text.encode("utf-8")
        start = len(self.data)
        self.data += data
        self.size = len(self.data)
        return StoredText(self, start, len(data))

    def open(self, descriptor: int, offset: int, size: int) -> None:
        """Read the texts from the open file `descriptor`, where their block of `size`
        bytes starts at `offset`; from then on the descriptor is closed when this goes."""
        if size != self.size:
            raise ValueError("the texts' block does not match the load")
        self.descriptor, self.offset = descriptor, offset
        weakref.finalize(self, os.close, descriptor)

    def read(self, start: int, end: int) -> str:
        """The text between these byte positions."""
        if self.descriptor is None:
            return self.data[start:end].decode("utf-8")
        data = os.pread(self.descriptor, end - start, self.offset + start)
        if len(data) != end - start:
            raise OSError("the kept content load was cut short")
        return data.decode("utf-8")

    def __getstate__(self) -> dict:
        return {"size": self.size}

    def __setstate__(self, state: dict) -> None:
        self.__init__()
        self.size = state["size"]


class StoredText:
    """A text of a `TextFile`, read when asked for; sliced by positions in bytes (as its
    sections and search passages are), each slice read alone."""

    __slots__ = ("file", "start", "size")

    def __init__(self, file: TextFile, start: int, size: int) -> None:
        self.file, self.start, self.size = file, start, size

    def __getitem__(self, span: slice) -> str:
        start, end, _ = span.indices(self.size)
        return self.file.read(self.start + start, self.start + max(start, end))

    def __len__(self) -> int:
        return self.size

    def __str__(self) -> str:
        return self.file.read(self.start, self.start + self.size)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredText | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __reduce__(self):
        return StoredText, (self.file, self.start, self.size)


def utf8_positions(text: str, positions: Iterable[int]) -> dict[int, int]:
    """Each character position of `text` -> the same position in bytes of its UTF-8."""
    if text.isascii():
        return {position: position for position in positions}
    found, done, count = {}, 0, 0
    for position in sorted(set(positions)):
        count += len(text[done:position].encode("utf-8"))
        found[position], done = count, position
    return found
