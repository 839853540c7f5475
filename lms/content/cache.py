"""A content load (and its search index) kept on disk, keyed by what decides it, so a new
process reads it back.

Every worker (and `content check`) loads the same files: validating a thousand modules
costs a second or more, reading the result back a tenth of that. The key is the sha256 of
every content file (path and bytes), of this package's code and of the libraries that
validate and render, so any change to any of them loads afresh; a load with problems is
kept too (the check reports the same problems). Files are written whole or not at all, and
only the newest few are kept.

What a process does not need in memory stays in the file, after the pickle, and is read a
piece at a time: the modules' bodies (`lms.content.text`) and the search index's postings.
A process that finds nothing kept makes the load (or the index) in a forked child, which
keeps it, then reads it back like any other: the garbage of loading stays in the child.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from importlib.metadata import version
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from lms.collector import paused
from lms.content.forked import can_fork
from lms.content.loader import Catalog, LoadResult, _content_files, load_content
from lms.content.markdown import Section
from lms.content.search import SearchIndex
from lms.content.text import TextFile, utf8_positions

_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
               TypeError, ValueError)  # fmt: skip
T = TypeVar("T")
_ALIGN = 8  # blocks after a pickle start at a multiple of 8 bytes, after their 8-byte size
KEEP = 3  # loads kept in the folder (the newest): a content edit in development adds one
_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _code_key() -> str:
    """What, besides the files, decides a load: Python, this package's code and its libraries."""
    digest = hashlib.sha256(f"{sys.version} {sys.byteorder}".encode())  # arrays kept raw
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


def _state(result: LoadResult) -> tuple[tuple | None, list, TextFile]:
    """What is pickled: the catalog's mappings as dicts (a mapping proxy does not pickle),
    with the modules' bodies in a `TextFile` (written after the pickle, read when asked
    for) and their sections split once here, so the readers get them split."""
    catalog, texts = result.catalog, TextFile()
    if catalog is None:
        return None, result.problems, texts
    modules = {}
    for module_id, module in catalog.modules.items():
        body, (intro, sections) = module.body, module._split
        stored = texts.add(body)
        at = utf8_positions(body, [p for s in sections for p in (s.start, s.end)])
        kept = module.model_copy()  # the loaded module stays as it is
        kept._body = stored
        kept.__dict__["_split"] = (
            texts.add(intro),
            tuple(
                Section(s.slug, s.title, s.line, stored, at[s.start], at[s.end]) for s in sections
            ),
        )
        modules[module_id] = kept
    mappings = (catalog.documents, modules, catalog.labs, catalog.quizzes)
    return (*(dict(mapping) for mapping in mappings), catalog.curriculum), result.problems, texts


def _result(path: Path) -> LoadResult:
    """A load `_write` kept at `path` (its modules' bodies read from the file)."""
    state, descriptor, (block,) = _read(path, blocks=1)
    try:
        parts, problems, texts = state
        texts.open(descriptor, *block)  # the texts close it from then on
    except BaseException:
        os.close(descriptor)
        raise
    if parts is None:
        return LoadResult(None, problems)
    *mappings, curriculum = parts
    return LoadResult(Catalog(*(MappingProxyType(m) for m in mappings), curriculum), problems)


def cached_load(root: Path, folder: Path | None) -> LoadResult:
    """`load_content(root)`, read from `folder` when the same files were loaded before by
    the same code (and written there when not). No folder: load, nothing written."""
    return keyed_load(root, folder)[0]


def keyed_load(root: Path, folder: Path | None) -> tuple[LoadResult, str | None]:
    """`cached_load`, and the key of what was loaded (None without a folder, or when the
    files changed while they were being loaded: then nothing is kept)."""
    return begin_keyed_load(root, folder)()


def begin_keyed_load(
    root: Path, folder: Path | None
) -> Callable[[], tuple[LoadResult, str | None]]:
    """`keyed_load` begun: a function that ends it. When nothing is kept, the load starts
    now in a child process, and the caller can go on with other work (a starting app
    imports its views) while the child loads on the other core; ending waits for it."""
    root = Path(root)
    if folder is None or not root.is_dir():
        result = load_content(root)
        return lambda: (result, None)
    key = content_key(root)
    path = Path(folder) / f"load-{key}.pickle"
    try:
        kept = _result(path)
        return lambda: (kept, key)
    except _UNREADABLE:
        pass
    keep = partial(_keep_load, root, path, key)
    child = _fork(keep)

    def end() -> tuple[LoadResult, str | None]:
        loaded = child()  # True: kept; False: a file changed meanwhile; None: failed
        if loaded is not False:
            try:
                return _result(path), key
            except _UNREADABLE:
                loaded = keep()  # the child could not keep it: load here
        if loaded is False:
            return load_content(root), None  # a file changed meanwhile: not that key's load
        try:
            return _result(path), key
        except _UNREADABLE:
            return loaded, key  # could not be written (or read back): the one loaded

    return end


def _keep_load(root: Path, path: Path, key: str) -> LoadResult | bool:
    """Load `root` and keep it at `path`; the load, or False when a file changed meanwhile
    (the load is not `key`'s: nothing is kept)."""
    loaded = load_content(root)
    if content_key(root) != key:
        return False
    state = _state(loaded)
    _write(path, state, [state[2].data])
    return loaded


def cached_index(catalog: Catalog, key: str | None, folder: Path | None) -> SearchIndex:
    """The search index of a catalog loaded under `key`: read from `folder` when it was
    built before (the first search of a new worker then costs a read, not a build)."""
    if folder is None or key is None:
        return SearchIndex.build(catalog)
    path = Path(folder) / f"index-{key}.pickle"
    for builder in (None, _forked, _in_process):  # read it; or build and keep it, then read it
        built = builder and builder(lambda: _keep_index(catalog, path))
        try:
            index, descriptor, blocks = _read(path, blocks=2)
            try:
                index.read_postings_from(descriptor, *blocks)  # it closes it from then on
            except BaseException:
                os.close(descriptor)
                raise
            index.attach(catalog)
            return index
        except (*_UNREADABLE, KeyError):
            if isinstance(built, SearchIndex):
                return built  # could not be written (or read back): use the one built
    raise AssertionError("unreachable: the index built in process is returned")


def _keep_index(catalog: Catalog, path: Path) -> SearchIndex:
    """Build the index of `catalog` and keep it at `path`."""
    built = SearchIndex.build(catalog)
    _write(path, built, built.arrays())
    return built


def _in_process(work: Callable[[], T]) -> T:
    return work()


def _forked(work: Callable[[], object]) -> bool | None:
    """Run `work` (a load or an index to keep on disk) in a child process, so that the
    memory it goes through (about 50 MB at 1,000 modules, most of it garbage once the result
    is written) is the child's and not held on to by this process's heap; then the caller
    reads the result back. True when the child succeeded, False when the work returned
    False, None when it failed or could not be forked (a process with threads is not
    forked: another thread may hold a lock the child would wait for)."""
    return _fork(work)()


def _fork(work: Callable[[], object]) -> Callable[[], bool | None]:
    """Start `_forked(work)`: a function that waits for the child and gives its outcome."""
    if not can_fork():
        return lambda: None
    try:
        child = os.fork()
    except OSError:
        return lambda: None
    if child == 0:  # the child: no cleanup of the parent's state, only the exit code
        code = 1
        try:
            code = 0 if work() is not False else 3
        finally:
            os._exit(code)

    def wait() -> bool | None:
        try:
            _, status = os.waitpid(child, 0)
        except ChildProcessError:  # children reaped by the system (SIGCHLD ignored): no code
            return None
        code = os.waitstatus_to_exitcode(status)
        return True if code == 0 else False if code == 3 else None

    return wait


def _read(path: Path, blocks: int = 0) -> tuple[object, int | None, list[tuple[int, int]]]:
    """Unpickle a file `_write` wrote; with `blocks`, also where the blocks written after
    the pickle are in it ((offset, size in bytes) each, in order) and the file descriptor,
    left open to read them (`_write` replaces a file, never changes it in place, so an open
    file reads the same bytes for as long as it is used, even once it is deleted)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        # no collections while its objects (170,000 at 1,000 modules) are made
        with open(descriptor, "rb", buffering=0, closefd=False) as cached, paused():
            value = pickle.load(cached)
            start = cached.tell()
        if not blocks:
            os.close(descriptor)
            return value, None, []
        size, found = os.fstat(descriptor).st_size, []
        for _ in range(blocks):
            start += -start % _ALIGN
            length = int.from_bytes(os.pread(descriptor, _ALIGN, start), "little")
            start += _ALIGN
            if start + length > size:
                raise ValueError(f"{path.name}: cut short")
            found.append((start, length))
            start += length
    except BaseException:
        os.close(descriptor)
        raise
    return value, descriptor, found


def _write(path: Path, value: object, blocks: Iterable[array] = ()) -> None:
    """Pickle atomically (a reader never sees half a file; streamed, not built in memory
    first), each of `blocks` after it (its size, then its bytes, aligned), then drop all
    but the newest few of its kind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            for block in blocks:
                data = memoryview(block).cast("B")
                out.write(bytes(-out.tell() % _ALIGN) + len(data).to_bytes(_ALIGN, "little"))
                out.write(data)
        os.replace(temporary, path)
        kind = path.name.split("-", 1)[0]  # "load" or "index"
        kept = sorted(path.parent.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in kept[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs a load next time
