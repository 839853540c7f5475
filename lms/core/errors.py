"""Error pages: a page a person can act on, never a stack trace."""

from flask import Flask, current_app, json, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from lms.extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your account is not allowed to see this page."),
    404: ("Not found", "There is no page at this address, or it is not yours to see."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    413: ("Too large", ""),  # the text names the configured limits (see _too_large)
    429: (
        "Too many attempts",
        "Too many attempts in a short time. Wait a minute, then try again.",
    ),
    500: ("Something went wrong", "The error has been logged. Try again in a moment."),
}


def _too_large() -> str:
    config = current_app.config
    return (
        f"The upload is too large: files may add up to {config['UPLOAD_MAX_SUBMISSION_MB']:g} MB "
        f"per form, at most {config['UPLOAD_MAX_FILE_MB']:g} MB each. Nothing was saved; go "
        "back and send smaller files."
    )


def _render(status: int, message: str | None = None):
    title, text = MESSAGES[status]
    if status == 413:
        text = _too_large()
    if request.path.startswith("/api/"):
        # RFC 9457 problem details, as every other API answer gives (lms.api.problems).
        body = {"type": "about:blank", "title": title, "status": status, "errors": []}
        body["detail"] = message or text
        return current_app.response_class(
            json.dumps(body), status, mimetype="application/problem+json"
        )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=message or text), status
    return render_template(
        "errors/error.html", status=status, title=title, text=message or text
    ), status


def _own_description(exc) -> str | None:
    """The message a view gave abort(), if it gave one (Werkzeug's generic texts are not)."""
    description = getattr(exc, "description", None)
    default = getattr(type(exc), "description", None)
    return description if description and description != default else None


def register(app: Flask) -> None:
    """Install the handlers for the statuses people can meet."""
    for status in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(
            status, lambda exc, status=status: _render(status, _own_description(exc))
        )

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _render(
            400, "The form expired or was sent from elsewhere. Reload the page and try again."
        )

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _render(500)
