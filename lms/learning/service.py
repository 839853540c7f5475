"""Reading progress: sections and documents marked read, and module progress for many people.

Every function here runs a fixed number of queries whatever the number of people,
modules or sections, so pages that show many learners stay bounded.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, String, bindparam, func, literal, select, union_all

from lms import events
from lms.accounts.models import User
from lms.assessment.attempts import passers, passes
from lms.assessment.models import QuizAttempt
from lms.content import Catalog
from lms.errors import ServiceError
from lms.extensions import PeopleStatement, db, set_row
from lms.learning.models import DocumentRead, SectionRead
from lms.learning.rules import ModuleProgress, module_progress
from lms.timeutil import utcnow

# Statements pages run on every visit are built once (building one costs more than running it).
_IDS = bindparam("ids", expanding=True)
_NO_SLUG = literal("", String)
# What people have read and passed, in one round trip: (kind, user, item, section slug).
_PROGRESS_OF = PeopleStatement(
    lambda who: union_all(
        select(literal("doc", String), DocumentRead.user_id, DocumentRead.doc_id, _NO_SLUG)
        .where(who(DocumentRead.user_id)),
        select(
            literal("section", String), SectionRead.user_id, SectionRead.module_id,
            SectionRead.section_slug,
        ).where(who(SectionRead.user_id)),
        passes(literal("quiz", String), QuizAttempt.user_id, QuizAttempt.quiz_id, _NO_SLUG)
        .where(who(QuizAttempt.user_id))
        .distinct(),
    )
)  # fmt: skip
_DOCUMENTS_READ = select(DocumentRead.doc_id).where(DocumentRead.user_id == bindparam("user_id"))


@dataclass
class LearnerProgress:
    """What one learner has read and completed."""

    documents_read: set[str] = field(default_factory=set)
    quizzes_passed: set[str] = field(default_factory=set)
    modules: dict[str, ModuleProgress] = field(default_factory=dict)
    complete: set[str] = field(default_factory=set)
    # the current sections read of each module asked for (`module_ids`), by slug
    sections_read: dict[str, set[str]] = field(default_factory=dict)

    @property
    def modules_complete(self) -> set[str]:
        """Ids of the modules complete, across the whole catalogue (whatever `modules` holds)."""
        return self.complete


_sections_of: tuple[Catalog | None, dict[str, frozenset[str]], frozenset[str]] = (
    None,
    {},
    frozenset(),
)


def _current_sections(catalog: Catalog) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Each module's current section slugs, and the modules with none; once per catalog."""
    global _sections_of
    if _sections_of[0] is not catalog:
        slugs = {module.id: module.section_slugs for module in catalog.modules.values()}
        _sections_of = (catalog, slugs, frozenset(m for m, s in slugs.items() if not s))
    return _sections_of[1], _sections_of[2]


def progress_for(
    user_ids: Iterable[int], catalog: Catalog, module_ids: Iterable[str] | None = None
) -> dict[int, LearnerProgress]:
    """Reading and module progress for each user, in one query whatever their number.

    Only sections the modules have now count. `module_ids` limits the module progress to
    those modules (a plan's, one module page's), so that the work follows what the page
    shows rather than the size of the catalogue; by default every module.
    """
    ids = sorted(set(user_ids))
    result = {user_id: LearnerProgress() for user_id in ids}
    if not ids:
        return result
    if module_ids is None:
        modules = list(catalog.modules.values())
    else:
        modules = [catalog.modules[m] for m in dict.fromkeys(module_ids) if m in catalog.modules]
    shown = {module.id for module in modules}
    current, without_sections = _current_sections(catalog)
    read_counts: dict[tuple[int, str], int] = {}
    # Filtered by user only, so the statement does not grow with the catalogue (an IN list of
    # every current section passed PostgreSQL's parameter limit near 4,000 modules); the marks
    # are few (what these people have read) and are counted here against the current sections.
    for kind, user_id, item, slug in _PROGRESS_OF.rows(ids):
        progress = result[user_id]
        if kind == "doc":
            progress.documents_read.add(item)
        elif kind == "quiz":
            progress.quizzes_passed.add(item)
        elif slug in current.get(item, ()):
            key = (user_id, item)
            read_counts[key] = read_counts.get(key, 0) + 1
            if item in shown:
                progress.sections_read.setdefault(item, set()).add(slug)
    for user_id, progress in result.items():
        for module in modules:
            progress.modules[module.id] = module_progress(
                len(module.sections),
                read_counts.get((user_id, module.id), 0),
                module.quiz,
                progress.quizzes_passed,
            )
    # Complete modules across the catalogue, from what was read rather than by visiting every
    # module: only a module with every section read (or none to read) can be complete.
    fully_read: dict[int, set[str]] = {user_id: set(without_sections) for user_id in ids}
    for (user_id, module_id), count in read_counts.items():
        if count >= len(current[module_id]):
            fully_read[user_id].add(module_id)
    for user_id, progress in result.items():
        progress.complete = {
            module_id
            for module_id in fully_read[user_id]
            if (quiz := catalog.modules[module_id].quiz) is None or quiz in progress.quizzes_passed
        }
    return result


def finished_keys(catalog: Catalog, module_ids: Iterable[str], people: Select) -> Select:
    """(user_id, key) of what people have finished, as one statement for reports to count
    in SQL: `doc:ID` for every document read and `module:ID` for each of `module_ids`
    complete (every current section read and its quiz passed, as `module_progress` says),
    for the people whose ids `people` selects.

    Its size grows with the modules asked for (a track's), not with the catalogue.
    """
    doc_key = (literal("doc:") + DocumentRead.doc_id).label("key")
    parts = [select(DocumentRead.user_id, doc_key).where(DocumentRead.user_id.in_(people))]
    for module_id in sorted(set(module_ids)):
        module = catalog.modules[module_id]
        key = literal(f"module:{module_id}").label("key")
        if module.section_slugs:
            part = (
                select(SectionRead.user_id, key)
                .where(
                    SectionRead.user_id.in_(people),
                    SectionRead.module_id == module_id,
                    SectionRead.section_slug.in_(sorted(module.section_slugs)),
                )
                .group_by(SectionRead.user_id)
                .having(func.count() == len(module.section_slugs))
            )
            if module.quiz:
                part = part.where(SectionRead.user_id.in_(passers(module.quiz)))
        elif module.quiz:
            part = passers(module.quiz).add_columns(key).where(QuizAttempt.user_id.in_(people))
        else:
            part = select(User.id, key).where(User.id.in_(people))  # nothing to do: complete
        parts.append(part)
    return union_all(*parts)


def documents_read(user_id: int) -> set[str]:
    """Ids of the documents one user has marked read."""
    return set(db.session.scalars(_DOCUMENTS_READ, {"user_id": user_id}))


def set_section_read(user, catalog: Catalog, module_id: str, slug: str, read: bool) -> bool:
    """Mark a module section read or unread (idempotent); return whether the module is complete.

    Reading the last section of a module whose quiz is passed announces `module_completed`.
    """
    module = catalog.modules.get(module_id)
    if module is None or slug not in {section.slug for section in module.sections}:
        raise ServiceError("That section does not exist.")
    key = {"user_id": user.id, "module_id": module_id, "section_slug": slug}
    set_row(SectionRead, read, key, read_at=utcnow())
    if read:
        events.section_read.send(user_id=user.id, module_id=module_id, slug=slug)
    else:
        events.section_unread.send(user_id=user.id, module_id=module_id, slug=slug)
    return bool(read and announce_completed_modules(user.id, catalog, [module_id]))


def announce_completed_modules(user_id: int, catalog: Catalog, module_ids: list[str]) -> list[str]:
    """Announce `module_completed` for each of these modules the learner has now completed."""
    progress = progress_for([user_id], catalog, module_ids)[user_id]
    done = [module_id for module_id in module_ids if progress.modules[module_id].complete]
    for module_id in done:
        events.module_completed.send(user_id=user_id, module_id=module_id)
    return done


def modules_assessed_by(catalog: Catalog, quiz_id: str) -> list[str]:
    """Ids of the modules whose quiz is this one."""
    return [module.id for module in catalog.modules.values() if module.quiz == quiz_id]


def set_document_read(user, catalog: Catalog, doc_id: str, read: bool) -> None:
    """Mark a reference document read or unread (idempotent)."""
    if doc_id not in catalog.documents:
        raise ServiceError("That document does not exist.")
    set_row(DocumentRead, read, {"user_id": user.id, "doc_id": doc_id}, read_at=utcnow())
    events.document_marked.send(user_id=user.id, doc_id=doc_id, read=read)
