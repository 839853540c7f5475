"""Reading progress costs what the page shows, not what the catalogue holds."""

import pytest
from sqlalchemy import event

from lms.catalog import ContentStore, current_catalog
from lms.extensions import db
from lms.learning.models import SectionRead
from lms.learning.service import progress_for
from tests.content_tree import add_generated_modules, copy_content


@pytest.fixture(scope="module")
def grown_catalog(tmp_path_factory):
    store = ContentStore(
        add_generated_modules(copy_content(tmp_path_factory.mktemp("big")), 60), False
    )
    assert not store.load()
    return store.catalog


def progress_and_parameters(user_id: int, catalog) -> tuple[object, list[int]]:
    """One learner's progress and the number of bound parameters of each statement run."""
    counts: list[int] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        counts.append(len(parameters or ()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        return progress_for([user_id], catalog)[user_id], counts
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_statements_do_not_grow_with_the_catalogue(app, make_user, grown_catalog):
    learner = make_user()
    module = grown_catalog.modules["generated-00001"]
    rows = [SectionRead(user_id=learner.id, module_id=module.id, section_slug=s.slug)
            for s in module.sections]  # fmt: skip
    rows.append(SectionRead(user_id=learner.id, module_id=module.id, section_slug="gone"))
    db.session.add_all(rows)
    db.session.commit()
    _, shipped = progress_and_parameters(learner.id, current_catalog())
    progress, grown = progress_and_parameters(learner.id, grown_catalog)
    assert len(current_catalog().modules) == 7 and len(grown_catalog.modules) == 60
    assert grown == shipped  # same statements, same parameters, 7 or 60 modules
    # only the sections the module has now count: the stale "gone" mark does not
    assert progress.modules[module.id].sections_read == len(module.sections)
    assert progress.modules["generated-00002"].sections_read == 0


def test_complete_modules_are_counted_across_the_catalogue_whatever_the_page_shows(
    app, make_user, grown_catalog
):
    learner = make_user()
    module = grown_catalog.modules["generated-00001"]  # a copy without a quiz
    db.session.add_all(
        SectionRead(user_id=learner.id, module_id=module.id, section_slug=s.slug)
        for s in module.sections
    )
    db.session.commit()
    everything = progress_for([learner.id], grown_catalog)[learner.id]
    one_page = progress_for([learner.id], grown_catalog, ["generated-00002"])[learner.id]
    assert set(one_page.modules) == {"generated-00002"}  # progress only for what is shown
    assert module.id in everything.modules_complete
    assert (
        one_page.modules_complete
        == everything.modules_complete
        == {m for m, p in everything.modules.items() if p.complete}
    )
