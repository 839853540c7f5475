"""A catalogue grown with generated modules, with loads and the search index kept on disk."""

import re

import pytest

from lms.catalog import current_catalog, store
from lms.content.search import SearchIndex
from tests.content_tree import add_generated_modules, copy_content

MODULES = 40


@pytest.fixture(scope="module")
def grown_tree(tmp_path_factory):
    return add_generated_modules(copy_content(tmp_path_factory.mktemp("grown")), MODULES)


@pytest.fixture
def app_config(grown_tree, tmp_path):
    return {"LMS_CONTENT_DIR": str(grown_tree), "LMS_MARKDOWN_CACHE": str(tmp_path / "cache")}


def test_a_document_lists_every_module_that_uses_it(app, client, login, make_user):
    login(make_user())
    catalog = current_catalog()
    doc_id = "production-operations-runbook"
    using = [m for m in catalog.modules.values() if doc_id in m.documents]
    assert len(using) > 7  # the generated copies cite it too
    html = client.get(f"/library/{doc_id}").get_data(as_text=True)
    used_by = re.search(r"<dt>Used by</dt><dd>(.*?)</dd>", html).group(1)
    links = re.findall(r'<a href="([^"]+)">Module (\d+)</a>', used_by)
    assert links == [(f"/modules/{m.id}", str(m.number)) for m in using]


def test_the_document_page_costs_the_same_queries_as_with_the_shipped_modules(
    app, client, login, make_user, count_queries
):
    login(make_user())
    with count_queries() as statements:
        assert client.get("/library/production-operations-runbook").status_code == 200
    assert len(statements) == 2  # the signed-in user and what they read: no module lookups


def test_search_index_is_kept_with_the_load_and_read_back(app, client, login, make_user):
    login(make_user())
    folder = store().cache
    assert len(list(folder.glob("load-*.pickle"))) == 1  # written when the app loaded
    page = client.get("/search?q=incident+latency").get_data(as_text=True)
    (kept,) = folder.glob("index-*.pickle")  # the first search built and kept the index
    assert kept.name.split("-", 1)[1] == next(folder.glob("load-*.pickle")).name.split("-", 1)[1]
    built = SearchIndex.build(current_catalog())
    store()._indexed = None  # as a new worker: it reads the index instead of building it
    read = store().search_index
    for question in ("incident latency", "latncy", "generated module rollback"):
        assert [(h.passage, h.score) for h in read.search(question).hits] == [
            (h.passage, h.score) for h in built.search(question).hits
        ]
    assert client.get("/search?q=incident+latency").get_data(as_text=True) == page


def test_content_check_reads_the_kept_load(app, runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0
    assert result.output.startswith(f"ok: 10 documents, {MODULES} modules, 13 labs")
