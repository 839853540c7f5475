"""When a module counts as complete: one pure rule."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModuleProgress:
    """How far a learner is through one module."""

    sections_read: int
    sections_total: int
    quiz_required: bool
    quiz_passed: bool
    complete: bool

    @property
    def steps_total(self) -> int:
        """What completing the module takes: each section, and the quiz when it has one."""
        return self.sections_total + (1 if self.quiz_required else 0)

    @property
    def steps_done(self) -> int:
        """Sections read, plus one when the quiz is passed."""
        return self.sections_read + (1 if self.quiz_passed else 0)

    @property
    def percent(self) -> int:
        """Share of the steps done (sections and quiz), rounded down."""
        if not self.steps_total:
            return 100
        return self.steps_done * 100 // self.steps_total


def module_progress(
    sections_total: int, sections_read: int, quiz_id: str | None, passed_quizzes: set[str]
) -> ModuleProgress:
    """A module is complete when every current section is read and its quiz (if any) passed.

    `sections_read` counts only sections the module has now: reading marks left behind
    by a section that was renamed or removed must not be counted by the caller.
    """
    read = min(sections_read, sections_total)
    quiz_passed = quiz_id is not None and quiz_id in passed_quizzes
    complete = read == sections_total and (quiz_id is None or quiz_passed)
    return ModuleProgress(read, sections_total, quiz_id is not None, quiz_passed, complete)
