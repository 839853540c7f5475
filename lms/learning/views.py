"""Modules: the list by certification level and the reader with its tracked sections."""

import itertools

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.catalog import current_catalog
from lms.core import notice
from lms.learning import service
from lms.learning.forms import MarkReadForm
from lms.web import commit_or_report, page_count, page_number

learning_bp = Blueprint("learning", __name__, url_prefix="/modules")

MODULES_PAGE_SIZE = 50  # the list shows a page of modules (in number order), not the catalogue
LEVELS = [("associate", "Associate"), ("professional", "Professional"), ("expert", "Expert")]


@learning_bp.route("/")
@login_required
def modules():
    """Every module by certification level, with the learner's progress."""
    catalog = current_catalog()
    total = len(catalog.modules)
    page = page_number()
    pages = page_count(total, MODULES_PAGE_SIZE, page)
    shown = list(itertools.islice(catalog.modules.values(), (page - 1) * MODULES_PAGE_SIZE,
                                  page * MODULES_PAGE_SIZE))  # fmt: skip
    progress = service.progress_for([current_user.id], catalog, [m.id for m in shown])
    progress = progress[current_user.id]
    by_level = [(label, [m for m in shown if m.level == level]) for level, label in LEVELS]
    done = len(progress.modules_complete)
    return render_template(
        "learning/modules.html", by_level=by_level, progress=progress, catalog=catalog,
        done=done, total=total, page=page, pages=pages,
    )  # fmt: skip


@learning_bp.route("/<module_id>")
@login_required
def module(module_id: str):
    """Read a module section by section and mark each one read."""
    catalog = current_catalog()
    item = catalog.modules.get(module_id) or abort(404)
    progress = service.progress_for([current_user.id], catalog, [module_id])[current_user.id]
    return render_template(
        "learning/module.html", module=item, catalog=catalog,
        read=progress.sections_read.get(module_id, set()),
        module_progress=progress.modules[module_id], notice=notice.take(current_user.id),
    )  # fmt: skip


@learning_bp.route("/<module_id>/sections/<slug>", methods=["POST"])
@login_required
def mark_section(module_id: str, slug: str):
    """Mark one section read or unread, then go back to it and say so beside the button."""
    catalog = current_catalog()
    if module_id not in catalog.modules:
        abort(404)
    form = MarkReadForm()
    if form.validate_on_submit():
        read = form.read.data == "1"
        ok, _ = commit_or_report(
            None,
            lambda: service.set_section_read(current_user, catalog, module_id, slug, read),
        )
        if ok:
            progress = service.progress_for([current_user.id], catalog, [module_id])
            progress = progress[current_user.id]
            message = "Marked read." if read else "Marked unread."
            if read and progress.modules[module_id].complete:
                message += " Module complete."
            notice.remember(slug, message, offer_next=read)
    else:
        flash("That did not work. Reload the page and try again.", "danger")
    return redirect(url_for("learning.module", module_id=module_id, _anchor=f"mark-{slug}"))
