"""The library: documents by audience, task and symptom; one document; search; labs."""

from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from lms.catalog import current_catalog, render, store
from lms.core import notice
from lms.learning import service as learning
from lms.learning.forms import MarkReadForm
from lms.practice import checkpoints as checkpoint_kinds
from lms.practice import service as practice
from lms.practice.forms import ActionForm
from lms.web import commit_or_report

library_bp = Blueprint("library", __name__)
labs_bp = Blueprint("labs", __name__, url_prefix="/labs")

AUDIENCES = [
    ("sre", "SRE teams"),
    ("engineering", "Engineering teams"),
    ("managers", "Engineering managers"),
    ("new-hires", "New hires"),
]
CLASSIFICATIONS = {
    "production-critical": "Production critical",
    "internal": "Internal use",
    "internal-training": "Internal training use",
}
SEARCH_MAX = 200
SEARCH_LIMIT = 20


@library_bp.app_template_filter("classification")
def classification_label(value: str) -> str:
    """A document classification in words."""
    return CLASSIFICATIONS.get(value, value)


@library_bp.route("/library")
@login_required
def index():
    """The documents arranged the way the documentation index arranges them."""
    catalog = current_catalog()
    documents = list(catalog.documents.values())
    by_audience = [
        (
            label,
            [d for d in documents if audience in d.primary_for],
            [d for d in documents if audience in d.audience and audience not in d.primary_for],
        )
        for audience, label in AUDIENCES
    ]
    library = catalog.curriculum.library
    by_task = [(task, [d for d in documents if task.id in d.tasks]) for task in library.tasks]
    by_symptom = [
        (s, _start_here(catalog, s), [d for d in documents if s.id in d.symptoms])
        for s in library.symptoms
    ]
    return render_template(
        "library/index.html", documents=documents, by_audience=by_audience, by_task=by_task,
        by_symptom=by_symptom, read=learning.documents_read(current_user.id),
    )  # fmt: skip


def _start_here(catalog, symptom) -> dict | None:
    """The section that answers a symptom: its URL, heading and document title, or None."""
    doc = catalog.documents.get(symptom.see_doc or "")
    if doc is None:
        return None
    toc = render(doc.body).toc
    section = next((title for _, slug, title in toc if slug == symptom.see_anchor), doc.title)
    url = url_for("library.document", doc_id=doc.id, _anchor=symptom.see_anchor)
    return {"url": url, "section": section, "document": doc.title}


@library_bp.route("/library/<doc_id>")
@login_required
def document(doc_id: str):
    """One reference document with its table of contents and a mark-as-read button."""
    catalog = current_catalog()
    doc = catalog.documents.get(doc_id) or abort(404)
    rendered = render(_without_title(doc.body, doc.title))
    body = _with_contents_links(rendered.html) if rendered.toc else rendered.html
    library = catalog.curriculum.library
    return render_template(
        "library/document.html", doc=doc, body=Markup(body),
        toc=[entry for entry in rendered.toc if entry[0] in (2, 3)],
        used_by=_used_by(doc_id, store().generation, request.script_root),
        tasks=[t for t in library.tasks if t.id in doc.tasks],
        symptoms=[s for s in library.symptoms if s.id in doc.symptoms],
        is_read=doc_id in learning.documents_read(current_user.id),
        notice=notice.take(current_user.id),
    )  # fmt: skip


@lru_cache(maxsize=64)
def _used_by(doc_id: str, generation: int, script_root: str) -> Markup:
    """The links to the modules that use a document ("Module 3, Module 5"), once per content
    load and mount point: a document many modules cite would build a URL per module."""
    del generation, script_root  # the cache key: which load, where the app is mounted
    before, after = url_for("learning.module", module_id="module-id").rsplit("module-id", 1)
    return Markup(", ").join(
        Markup('<a href="{}">Module {}</a>').format(before + module.id + after, module.number)
        for module in current_catalog().citing.get(doc_id, ())
    )


BACK_TO_CONTENTS = (
    '<p class="back-to-contents d-lg-none small"><a href="#contents">Back to contents</a></p>'
)


def _with_contents_links(html: str) -> str:
    """Put a "Back to contents" link (shown on narrow screens) before each `##` section
    but the first, and at the end: on a phone the contents list is far above."""
    first = html.find("<h2")
    if first < 0:
        return html
    rest = html[first + 3 :].replace("<h2", BACK_TO_CONTENTS + "<h2")
    return html[: first + 3] + rest + BACK_TO_CONTENTS


def _without_title(body: str, title: str) -> str:
    """Drop a first `# Title` line that repeats the page heading."""
    first, _, rest = body.lstrip().partition("\n")
    return rest if first.startswith("# ") and first[2:].strip() == title else body


@library_bp.route("/library/<doc_id>/read", methods=["POST"])
@login_required
def mark_document(doc_id: str):
    """Mark a document read (or unread again)."""
    catalog = current_catalog()
    if doc_id not in catalog.documents:
        abort(404)
    form = MarkReadForm()
    if form.validate_on_submit():
        read = form.read.data == "1"
        ok, _ = commit_or_report(
            None, lambda: learning.set_document_read(current_user, catalog, doc_id, read)
        )
        if ok:
            message = "Marked read." if read else "Marked unread."
            notice.remember("document", message, offer_next=read)
    else:
        flash("That did not work. Reload the page and try again.", "danger")
    return redirect(url_for("library.document", doc_id=doc_id, _anchor="mark-read"))


@library_bp.route("/search")
@login_required
def search():
    """Ranked full-text search over documents and modules, with highlighted snippets."""
    query = request.args.get("q", "").strip()[:SEARCH_MAX]
    results = store().search_index.search(query, limit=SEARCH_LIMIT) if query else None
    catalog = current_catalog()
    symptoms = [
        (s, [d for d in catalog.documents.values() if s.id in d.symptoms])
        for s in catalog.curriculum.library.symptoms
    ]
    return render_template("library/search.html", query=query, results=results, symptoms=symptoms)


@labs_bp.route("/")
@login_required
def labs():
    """The hands-on labs and each module's exercises."""
    catalog = current_catalog()
    labs = list(catalog.labs.values())
    hands_on = sorted((lab for lab in labs if lab.kind == "hands-on"), key=lambda lab: lab.number)
    by_module = [
        (m, [lab for lab in labs if lab.module == m.id and lab.kind == "exercise"])
        for m in catalog.modules.values()
    ]
    return render_template("labs/index.html", hands_on=hands_on, by_module=by_module)


@labs_bp.route("/<lab_id>")
@login_required
def lab(lab_id: str):
    """A lab's scenario, steps, pass criteria and checkpoints (never their answers)."""
    catalog = current_catalog()
    item = catalog.labs.get(lab_id) or abort(404)
    module = catalog.modules.get(item.module) if item.module else None
    summary = practice.lab_summaries([current_user.id])[current_user.id].get(lab_id)
    used = practice.hints_used(current_user.id, lab_id)
    return render_template(
        "labs/lab.html", lab=item, module=module, summary=summary, action_form=ActionForm(),
        checkpoints=[checkpoint_kinds.kind_of(c).public(c) for c in item.checkpoints],
        hints=[item.hints[n - 1] for n in used if n <= len(item.hints)],
        hints_left=len(item.hints) - len(used),
    )  # fmt: skip


@library_bp.app_template_filter("marked_snippet")
def marked_snippet(snippet: str) -> Markup:
    """A search snippet: escaped text whose matches the index wrapped in <mark>."""
    return Markup(snippet)
