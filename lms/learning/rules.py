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
    def percent(self) -> int:
        """Share of sections read, rounded down."""
        if not self.sections_total:
            return 100
        return self.sections_read * 100 // self.sections_total


def module_progress(
    section_slugs: list[str], read_slugs: set[str], quiz_id: str | None, passed_quizzes: set[str]
) -> ModuleProgress:
    """A module is complete when every current section is read and its quiz (if any) passed.

    Sections read that no longer exist in the module (content changed) do not count.
    """
    read = sum(1 for slug in section_slugs if slug in read_slugs)
    quiz_passed = quiz_id is not None and quiz_id in passed_quizzes
    complete = read == len(section_slugs) and (quiz_id is None or quiz_passed)
    return ModuleProgress(read, len(section_slugs), quiz_id is not None, quiz_passed, complete)
