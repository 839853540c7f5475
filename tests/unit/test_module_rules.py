"""The module-complete rule."""

import pytest

from lms.learning.rules import module_progress


@pytest.mark.parametrize(
    "read, quiz, passed, complete",
    [
        (0, "q", set(), False),
        (2, "q", {"q"}, False),  # a section unread
        (3, "q", set(), False),  # quiz not passed
        (3, "q", {"q"}, True),
        (3, None, set(), True),  # a module without a quiz
        (3, "q", {"other"}, False),  # another quiz passed
    ],
)
def test_module_complete(read, quiz, passed, complete):
    assert module_progress(3, read, quiz, passed).complete is complete


def test_progress_figures():
    progress = module_progress(3, 1, "q", set())
    assert (progress.sections_read, progress.sections_total) == (1, 3)
    assert (progress.steps_done, progress.steps_total, progress.percent) == (1, 4, 25)
    assert progress.quiz_required and not progress.quiz_passed
    assert module_progress(0, 0, None, set()).percent == 100


def test_the_quiz_counts_as_a_step_of_progress():
    assert module_progress(3, 3, "q", set()).percent == 75
    assert module_progress(3, 3, "q", {"q"}).percent == 100
    assert module_progress(8, 1, None, set()).percent == 12  # 1 of 8 is not nothing
