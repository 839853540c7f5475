"""RFC 9457 problem details: every API error, with the fields at fault."""

from http import HTTPStatus

from flask import Response, json

from lms.api.schemas import FieldProblem

PROBLEM_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """Stop the request and answer problem details (`errors` name the fields at fault)."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[FieldProblem] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}


def problem_body(status: int, detail: str | None, errors=(), extra: dict | None = None) -> dict:
    """The problem document for a status, a detail and the fields at fault."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["errors"] = [
        error.model_dump() if isinstance(error, FieldProblem) else error for error in errors
    ]
    return body | (extra or {})


def problem_response(
    status: int, detail: str | None, errors=(), extra: dict | None = None
) -> Response:
    """A problem details response (with the challenge a 401 owes the client)."""
    response = Response(
        json.dumps(problem_body(status, detail, errors, extra)), status, mimetype=PROBLEM_TYPE
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
