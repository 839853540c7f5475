"""Work done in a forked child process, on the other core, while this process goes on."""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """A process with threads is not forked: another thread may hold a lock that the child
    would wait for."""
    return hasattr(os, "fork") and threading.active_count() == 1


def begin(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work` in a child process: a function that waits for the child and returns
    what `work` returned (sent back pickled). Where no child can be forked, or the child
    sends nothing whole, the function does the work itself (and raises what it raises)."""
    if not can_fork():
        return work
    reading, writing = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        return work
    if child == 0:  # the child: no cleanup of the parent's state, only the result
        try:
            os.close(reading)
            with open(writing, "wb") as out:
                pickle.dump(work(), out, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(writing)

    def end() -> T:
        with open(reading, "rb") as result:
            data = result.read()  # to the end: the child has exited or closed its end
        with contextlib.suppress(ChildProcessError):  # reaped by the system: the data tells
            os.waitpid(child, 0)
        try:
            return pickle.loads(data)
        except (pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
            return work()  # the child failed before it sent all of it

    return end
