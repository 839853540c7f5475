"""A content load kept on disk, keyed by what decides it, so a new process reads it back.

Every worker (and `content check`) loads the same files: validating a thousand modules
costs a second or more, reading the result back a tenth of that. The key is the sha256 of
every content file (path and bytes), of this package's code and of the libraries that
validate and render, so any change to any of them loads afresh; a load with problems is
kept too (the check reports the same problems). Files are written whole or not at all, and
only the newest few are kept.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from types import MappingProxyType

from lms.content.loader import Catalog, LoadResult, _content_files, load_content

KEEP = 3  # loads kept in the folder (the newest): a content edit in development adds one
_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _code_key() -> str:
    """What, besides the files, decides a load: this package's code and its libraries."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    for name in ("pydantic", "pydantic-core", "PyYAML", "markdown", "pygments", "nh3"):
        digest.update(f"{name}={version(name)}\0".encode())
    return digest.hexdigest()


def content_key(root: Path) -> str:
    """sha256 of every content file's path and bytes, and of the code that loads them."""
    digest = hashlib.sha256(_code_key().encode())
    for path in _content_files(root):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        name = path.relative_to(root).as_posix().encode()
        digest.update(b"%d:%s%d:" % (len(name), name, len(data)) + data)
    return digest.hexdigest()


def _state(result: LoadResult) -> tuple:
    """What is pickled: the catalog's mappings as dicts (a mapping proxy does not pickle)."""
    catalog = result.catalog
    if catalog is None:
        return None, result.problems
    for module in catalog.modules.values():
        module.sections  # noqa: B018 (split once here, so the readers get it split)
    mappings = (catalog.documents, catalog.modules, catalog.labs, catalog.quizzes)
    return (*(dict(mapping) for mapping in mappings), catalog.curriculum), result.problems


def _result(state: tuple) -> LoadResult:
    parts, problems = state
    if parts is None:
        return LoadResult(None, problems)
    *mappings, curriculum = parts
    return LoadResult(Catalog(*(MappingProxyType(m) for m in mappings), curriculum), problems)


def cached_load(root: Path, folder: Path | None) -> LoadResult:
    """`load_content(root)`, read from `folder` when the same files were loaded before by
    the same code (and written there when not). No folder: load, nothing written."""
    root = Path(root)
    if folder is None or not root.is_dir():
        return load_content(root)
    path = Path(folder) / f"load-{content_key(root)}.pickle"
    try:
        with path.open("rb") as cached:
            return _result(pickle.load(cached))
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError,
            ValueError):  # fmt: skip
        pass  # not there yet, or unreadable: load, then write it
    result = load_content(root)
    _write(path, pickle.dumps(_state(result), protocol=pickle.HIGHEST_PROTOCOL))
    return result


def _write(path: Path, data: bytes) -> None:
    """Write atomically (a reader never sees half a file), then drop all but the newest."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        loads = sorted(path.parent.glob("load-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in loads[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs a load next time
