"""The module-complete rule."""

import pytest

from lms.learning.rules import module_progress

SECTIONS = ["one", "two", "three"]


@pytest.mark.parametrize(
    "read, quiz, passed, complete",
    [
        (set(), "q", set(), False),
        ({"one", "two"}, "q", {"q"}, False),  # a section unread
        ({"one", "two", "three"}, "q", set(), False),  # quiz not passed
        ({"one", "two", "three"}, "q", {"q"}, True),
        ({"one", "two", "three"}, None, set(), True),  # a module without a quiz
        ({"one", "two", "three"}, "q", {"other"}, False),  # another quiz passed
        ({"one", "two", "gone"}, None, set(), False),  # a removed section does not count
    ],
)
def test_module_complete(read, quiz, passed, complete):
    assert module_progress(SECTIONS, read, quiz, passed).complete is complete


def test_progress_counts_only_current_sections():
    progress = module_progress(SECTIONS, {"one", "gone"}, "q", set())
    assert (progress.sections_read, progress.sections_total, progress.percent) == (1, 3, 33)
    assert progress.quiz_required and not progress.quiz_passed
