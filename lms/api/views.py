"""The JSON API, /api/v1: bearer tokens, typed bodies, problem details for every error.

Route table (blueprint `api`, all JSON; every route but the two descriptions needs a token):

    GET  /api/v1/                               reference      the API reference page (HTML)
    GET  /api/v1/openapi.json                   openapi        the OpenAPI 3.1 description
    GET  /api/v1/people                         people         list, filtered, cursor paged
    GET  /api/v1/people/<id>                    person         one person
    PUT  /api/v1/people/<email>                 put_person     create or update (the roster)
    POST /api/v1/people/bulk                    bulk_people    many at once, per-item answer
    POST /api/v1/people/<email>/deactivate      deactivate     stop someone signing in
    GET  /api/v1/people/<id>/plans              plans          onboarding plan progress
    GET  /api/v1/people/<id>/modules            modules        module progress
    GET  /api/v1/people/<id>/attempts           attempts       quiz attempts (scores only)
    GET  /api/v1/people/<id>/labs               labs           labs started
    GET  /api/v1/people/<id>/evidence           evidence       practical evidence
    GET  /api/v1/people/<id>/certifications     certifications checklist per certification
    GET  /api/v1/people/<id>/record             record         the whole training record
    GET  /api/v1/certificates                   certificates   certificates across the org
    GET  /api/v1/verify/<code>                  verify         verify a certificate code

The HTML session never authenticates here: a cookie alone answers 401. Scopes and the
token's person's own permissions both apply; a person one may not see answers 404.
"""

import copy
import re
from contextlib import contextmanager

from flask import Blueprint, current_app, g, render_template, request
from flask_limiter.util import get_remote_address
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import aliased
from werkzeug.exceptions import HTTPException

from lms.accounts import service as accounts
from lms.accounts.models import User
from lms.api import schemas, tokens
from lms.api.problems import ApiProblem, problem_response
from lms.api.spec import DeferredSpec
from lms.assessment.models import QuizAttempt
from lms.catalog import current_catalog, weekly_track_ids
from lms.certification import service as certification
from lms.certification.models import Certificate
from lms.credentials import service as credentials
from lms.errors import ServiceError
from lms.extensions import csrf, db, limiter
from lms.learning import service as learning
from lms.onboarding import service as onboarding
from lms.permissions import allowed
from lms.practice import service as practice
from lms.reports import service as reports
from lms.roster import service as roster
from lms.timeutil import today
from lms.transaction import unit_of_work
from lms.web import ID_MAX

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # no cookies are read here, so there is nothing for CSRF to forge

PUBLIC_ENDPOINTS = {"api.reference", "api.openapi"}
SCOPE_OF: dict[str, str | None] = {}  # endpoint -> scope it needs (None: any valid token)
BODY_REQUIRED = {"api.put_person", "api.bulk_people"}  # these take a JSON body, always


def _problem_on_invalid(req, resp, req_validation_error, instance, model_adapter=None):
    """Spectree's hook: a body or query that breaks its model becomes problem details."""
    if req_validation_error is None:
        return
    errors = [
        schemas.FieldProblem(
            field=".".join(str(part) for part in error["loc"]) or None, message=error["msg"]
        )
        for error in req_validation_error.errors()
    ]
    raise ApiProblem(422, "The request has invalid fields; nothing was changed.", errors)


spec = DeferredSpec(
    title="DWCP Training API",
    version="1",
    description="The roster, progress, training records and certificates, as JSON. "
    "Send `Authorization: Bearer <token>`; errors are RFC 9457 problem details.",
    mode="strict",
    annotations=False,
    before=_problem_on_invalid,
    validation_error_status=422,
    validation_error_model=schemas.Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda parent, child: child,
    security_schemes=[
        {
            "name": "bearer",
            "data": {
                "type": "http",
                "scheme": "bearer",
                "description": "a personal or service token",
            },
        }
    ],
    security={"bearer": []},
)

PROBLEMS = {
    f"HTTP_{status}": schemas.Problem for status in (400, 401, 403, 404, 405, 415, 422, 429)
}


def answers(**models) -> dict:
    """The responses of an operation (spectree's `Response`, made with the spectree): its
    own, plus the problems any operation may answer."""
    return {**PROBLEMS, **models}


def needs(scope: str | None):
    """Mark a view as needing a token with this scope (None: any valid token)."""

    def mark(view):
        SCOPE_OF[f"api.{view.__name__}"] = scope
        return view

    return mark


# --- authentication, throttle, errors -------------------------------------------------------


def _throttle_key() -> str:
    """Count requests per token (by its hash), or per address when none is sent."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and header[7:].strip():
        return "api-token:" + tokens.hash_secret(header[7:].strip())[:32]
    return "api-address:" + (get_remote_address() or "")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_throttle_key)(api_bp)


@api_bp.before_request
def authenticate():
    """Find the caller from the bearer token; refuse everything else before any work."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(401, "Send an access token: `Authorization: Bearer <token>`.")
    caller = tokens.authenticate(secret.strip())
    if caller is None:
        raise ApiProblem(401, "The token is unknown, expired or revoked.")
    if db.session.dirty:  # its last-used time moved: keep it, whatever the request does next
        db.session.commit()
    g.api_caller = caller
    if request.endpoint not in SCOPE_OF:  # fail closed: an operation must declare its scope
        raise ApiProblem(403, "This operation is not open to tokens.")
    scope = SCOPE_OF[request.endpoint]
    if scope is not None and not caller.may(scope):
        raise ApiProblem(403, f"This token does not have the scope {scope}.")
    if request.endpoint in BODY_REQUIRED or (
        request.method in ("POST", "PUT", "PATCH") and request.get_data(cache=True)
    ):
        _require_json_body()


def _require_json_body() -> None:
    if request.mimetype != "application/json":
        raise ApiProblem(415, "Send the body as JSON (Content-Type: application/json).")
    if request.get_json(silent=True) is None:
        raise ApiProblem(400, "The body is not valid JSON.")


@api_bp.errorhandler(ApiProblem)
def _api_problem(exc: ApiProblem):
    return problem_response(exc.status, exc.detail, exc.errors, exc.extra)


@api_bp.errorhandler(ServiceError)
def _service_problem(exc: ServiceError):
    """A rule a service enforces at write time (one's own admin role, a race on an email):
    the unit of work rolled everything back; say which field."""
    return problem_response(
        422, exc.message, [schemas.FieldProblem(field=exc.field, message=exc.message)]
    )


@api_bp.errorhandler(HTTPException)
def _http_problem(exc: HTTPException):
    detail = exc.description if exc.description != type(exc).description else None
    return problem_response(exc.code or 500, detail)


def caller() -> tokens.Caller:
    """The caller of this request (set by `authenticate`)."""
    return g.api_caller


# --- the description ------------------------------------------------------------------------


def openapi_document() -> dict:
    """The OpenAPI 3.1 description, with problem bodies typed application/problem+json."""
    document = copy.deepcopy(spec.spec)
    problem_refs = {"#/components/schemas/Problem", "#/components/schemas/RosterProblem"}
    for operations in document["paths"].values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                body = content.get("application/json")
                if body and body.get("schema", {}).get("$ref") in problem_refs:
                    content["application/problem+json"] = content.pop("application/json")
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint in SCOPE_OF:
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                operation = document["paths"].get(path, {}).get(method.lower())
                if operation is not None:
                    operation["x-scope"] = SCOPE_OF[rule.endpoint]
                    _state_id_bounds(operation)
    return document


def _state_id_bounds(operation: dict) -> None:
    """Ids in paths are 1..ID_MAX (the app's one id converter answers 404 beyond); text in
    paths is one segment without NUL (the app's input guard answers 400 to a NUL)."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        if parameter["schema"].get("type") == "integer":
            parameter["schema"].update(minimum=1, maximum=ID_MAX)
        elif parameter["schema"].get("type") == "string":
            parameter["schema"].update(pattern=r"^[^\x00/]+$")


@api_bp.route("/openapi.json")
def openapi():
    """The OpenAPI description of this API (no token needed)."""
    return openapi_document()


@api_bp.route("/")
def reference():
    """A readable reference built from the OpenAPI description (no script, no CDN)."""
    document = openapi_document()
    operations = [
        {"method": method.upper(), "path": path, **operation}
        for path, by_method in sorted(document["paths"].items())
        for method, operation in by_method.items()
    ]
    return render_template(
        "api/reference.html", document=document, operations=operations, scope_help=tokens.SCOPES
    )


# --- people ---------------------------------------------------------------------------------


def _person_query():
    manager, mentor = aliased(User), aliased(User)
    return (
        select(User, manager.email, mentor.email)
        .outerjoin(manager, manager.id == User.manager_id)
        .outerjoin(mentor, mentor.id == User.mentor_id)
    )


def _person(user: User, manager_email: str | None, mentor_email: str | None) -> schemas.Person:
    return schemas.Person(
        id=user.id, email=user.email, name=user.name, role=user.role.value, team=user.team,
        manager_email=manager_email, mentor_email=mentor_email, start_date=user.start_date,
        active=user.active,
    )  # fmt: skip


def _visible(viewer: User):
    """SQL condition: the people the viewer may see (as `view_learner` decides)."""
    if viewer.is_staff:
        return True
    return or_(User.id == viewer.id, User.mentor_id == viewer.id, User.manager_id == viewer.id)


def _after_cursor(cursor: str | None) -> int:
    """The id a cursor stands for (0: from the start); the query model checked its form.

    Ids never exceed ID_MAX, so a larger cursor means "after every row" (and PostgreSQL
    would refuse it as an INTEGER)."""
    return min(int(cursor), ID_MAX) if cursor else 0


def _cursor_after(last_id: int) -> str:
    return str(last_id)


def _learner_or_404(user_id: int) -> User:
    """The person with this id if the caller may see them; 404 otherwise (ids leak nothing)."""
    learner = db.session.get(User, user_id)
    if learner is None or not allowed(caller().user, "view_learner", learner):
        raise ApiProblem(404, "No person with this id that this token may see.")
    return learner


@api_bp.route("/people")
@needs("people:read")
@spec.validate(
    query=schemas.PeopleQuery, resp=answers(HTTP_200=schemas.PersonPage), tags=["people"]
)
def people():
    """List people (those the token's person may see), filtered, in pages by cursor."""
    query: schemas.PeopleQuery = request.context.query
    statement = _person_query().where(
        _visible(caller().user), User.id > _after_cursor(query.cursor)
    )
    if query.role:
        statement = statement.where(User.role == query.role)
    if query.team:
        statement = statement.where(User.team == query.team.strip())
    if query.active is not None:
        statement = statement.where(User.active.is_(query.active))
    if query.q:
        like = "%" + query.q.strip().lower().replace("%", "").replace("_", "") + "%"
        statement = statement.where(
            or_(func.lower(User.email).like(like), func.lower(User.name).like(like))
        )
    rows = db.session.execute(statement.order_by(User.id).limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return schemas.PersonPage(
        items=[_person(*row) for row in rows],
        next_cursor=_cursor_after(rows[-1][0].id) if more and rows else None,
    )


@api_bp.route("/people/<int:user_id>")
@needs("people:read")
@spec.validate(resp=answers(HTTP_200=schemas.Person), tags=["people"])
def person(user_id: int):
    """One person."""
    learner = _learner_or_404(user_id)
    row = db.session.execute(_person_query().where(User.id == learner.id)).one()
    return _person(*row)


@contextmanager
def all_or_nothing():
    """A unit of work whose writes all roll back if any fails, on SQLite too.

    Python's sqlite3 module opens its transaction only before a write statement, so when
    a service's first write is inside a savepoint (accounts takes one per new email), that
    savepoint is the outermost and releasing it commits: a later failure could not undo it.
    A write statement that changes nothing opens the transaction first.
    """
    with unit_of_work():
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text('UPDATE "user" SET id = id WHERE 0 = 1'))
        yield


def _require_roster_rights() -> User:
    user = caller().user
    if not allowed(user, "manage_users"):
        raise ApiProblem(403, "Only an admin's token may change the roster.")
    return user


def _cells(email: str, fields: schemas.PersonFields) -> dict[str, str]:
    """A person's fields as roster cells (text), so the roster's one rule set checks them."""
    return {
        "email": email,
        "name": fields.name,
        "role": fields.role,
        "team": fields.team or "",
        "manager_email": fields.manager_email or "",
        "mentor_email": fields.mentor_email or "",
        "start_date": fields.start_date.isoformat() if fields.start_date else "",
        "track": fields.track or "",
    }


def _row_problems(row: roster.RosterRow) -> list[schemas.FieldProblem]:
    return [
        schemas.FieldProblem(field=roster.error_field(message), message=message)
        for message in row.errors
    ]


@api_bp.route("/people/<email>", methods=["PUT"])
@needs("people:write")
@spec.validate(
    json=schemas.PersonFields,
    query=schemas.DryRunQuery,
    resp=answers(HTTP_200=schemas.PersonWritten, HTTP_201=schemas.PersonWritten),
    tags=["roster"],
)
def put_person(email: str):
    """Create or update the person with this email (idempotent: a replay changes nothing)."""
    actor = _require_roster_rights()
    fields: schemas.PersonFields = request.context.json
    dry_run = request.context.query.dry_run
    preview = roster.preview_people([_cells(email, fields)], track_ids=weekly_track_ids())
    [row] = preview.rows
    if not preview.ok:
        raise ApiProblem(
            422, "The person has invalid fields; nothing was changed.", _row_problems(row)
        )
    if not dry_run:
        with all_or_nothing():
            roster.apply_roster(preview, current_catalog(), actor=actor, source="api")
    stored = db.session.execute(
        _person_query().where(func.lower(User.email) == row.email)
    ).one_or_none()
    body = schemas.PersonWritten(
        action=row.action, dry_run=dry_run, person=_person(*stored) if stored else None
    )
    return body, 201 if row.action == "create" and not dry_run else 200


@api_bp.route("/people/bulk", methods=["POST"])
@needs("people:write")
@spec.validate(
    json=schemas.RosterBatch,
    resp=answers(HTTP_200=schemas.RosterResult),
    tags=["roster"],
)
def bulk_people():
    """Create or update many people; each is answered, and nothing is written if any is bad."""
    actor = _require_roster_rights()
    batch: schemas.RosterBatch = request.context.json
    cells = [_cells(item.email, item) for item in batch.people]
    preview = roster.preview_people(cells, track_ids=weekly_track_ids())
    items = [
        schemas.RosterItemResult(
            index=row.number - 1,
            email=row.email or cells[row.number - 1]["email"],
            action="invalid" if row.errors else row.action,
            errors=_row_problems(row),
        )  # fmt: skip
        for row in preview.rows
    ]
    if not preview.ok:
        bad = sum(1 for item in items if item.errors)
        raise ApiProblem(
            422,
            f"{bad} of {len(items)} people have invalid fields; nothing was changed.",
            [],
            {"items": [item.model_dump(mode="json") for item in items]},
        )
    if not batch.dry_run:
        with all_or_nothing():
            roster.apply_roster(preview, current_catalog(), actor=actor, source="api")
    return schemas.RosterResult(
        written=not batch.dry_run, created=preview.count("create"),
        updated=preview.count("update"), unchanged=preview.count("unchanged"), items=items,
    )  # fmt: skip


@api_bp.route("/people/<email>/deactivate", methods=["POST"])
@needs("people:write")
@spec.validate(resp=answers(HTTP_200=schemas.Person), tags=["roster"])
def deactivate(email: str):
    """Stop the person with this email signing in (doing it again changes nothing)."""
    actor = _require_roster_rights()
    user = accounts.get_by_email(email)
    if user is None:
        raise ApiProblem(404, "No person with this email.")
    try:
        with unit_of_work():
            accounts.set_active(user, False, actor=actor)
    except ServiceError as exc:
        raise ApiProblem(
            422, exc.message, [schemas.FieldProblem(field="email", message=exc.message)]
        ) from None
    row = db.session.execute(_person_query().where(User.id == user.id)).one()
    return _person(*row)


# --- one person's progress and records ------------------------------------------------------


@api_bp.route("/people/<int:user_id>/plans")
@needs("people:read")
@spec.validate(resp=answers(HTTP_200=schemas.PlanList), tags=["progress"])
def plans(user_id: int):
    """The person's onboarding plans as of today: every item, its due date and state."""
    learner = _learner_or_404(user_id)
    found = onboarding.plans_for(current_catalog(), today(), [learner.id])
    return schemas.PlanList(items=[_plan_progress(plan) for plan in found])


def _plan_progress(plan: onboarding.Plan) -> schemas.PlanProgress:
    week_plan = plan.week_plan
    return schemas.PlanProgress(
        track_id=plan.track.id, track_title=plan.track.title,
        start_date=plan.assignment.start_date, current_week=week_plan.current_week,
        week_count=week_plan.week_count, done=week_plan.done, total=week_plan.total,
        percent=week_plan.percent,
        items=[
            schemas.PlanItemState(
                key=state.item.key, title=state.item.title, week=state.item.week,
                due=state.due, state=state.state,
            )
            for state in week_plan.items
        ],
    )  # fmt: skip


@api_bp.route("/people/<int:user_id>/modules")
@needs("people:read")
@spec.validate(resp=answers(HTTP_200=schemas.ModuleList), tags=["progress"])
def modules(user_id: int):
    """The person's progress through every module."""
    learner = _learner_or_404(user_id)
    catalog = current_catalog()
    progress = learning.progress_for([learner.id], catalog)[learner.id]
    return schemas.ModuleList(
        items=[
            schemas.ModuleState(
                module_id=module.id,
                title=module.title,
                sections_read=progress.modules[module.id].sections_read,
                sections_total=progress.modules[module.id].sections_total,
                quiz_required=progress.modules[module.id].quiz_required,
                quiz_passed=progress.modules[module.id].quiz_passed,
                complete=progress.modules[module.id].complete,
            )  # fmt: skip
            for module in catalog.modules.values()
        ]
    )


@api_bp.route("/people/<int:user_id>/attempts")
@needs("records:read")
@spec.validate(resp=answers(HTTP_200=schemas.AttemptList), tags=["records"])
def attempts(user_id: int):
    """The person's quiz attempts, newest first: scores and outcomes, never answer keys."""
    learner = _learner_or_404(user_id)
    rows = db.session.execute(
        select(
            QuizAttempt.id, QuizAttempt.quiz_id, QuizAttempt.quiz_title, QuizAttempt.number,
            QuizAttempt.status, QuizAttempt.started_at, QuizAttempt.submitted_at,
            QuizAttempt.percent, QuizAttempt.pass_score, QuizAttempt.passed,
        )
        .where(QuizAttempt.user_id == learner.id)
        .order_by(QuizAttempt.id.desc())
    ).all()  # fmt: skip
    return schemas.AttemptList(items=[_attempt(row) for row in rows])


def _attempt(r) -> schemas.Attempt:
    """An attempt's outcome (from a row or a QuizAttempt): never its questions or answers."""
    return schemas.Attempt(
        id=r.id, quiz_id=r.quiz_id, quiz_title=r.quiz_title, number=r.number,
        status=r.status.value, started_at=r.started_at, submitted_at=r.submitted_at,
        percent=r.percent, pass_score=r.pass_score, passed=r.passed,
    )  # fmt: skip


@api_bp.route("/people/<int:user_id>/labs")
@needs("records:read")
@spec.validate(resp=answers(HTTP_200=schemas.LabList), tags=["records"])
def labs(user_id: int):
    """The labs the person has started, with their standing."""
    learner = _learner_or_404(user_id)
    catalog = current_catalog()
    summaries = practice.lab_summaries([learner.id])[learner.id]
    return schemas.LabList(
        items=[
            schemas.LabState(
                lab_id=lab_id,
                title=catalog.labs[lab_id].title if lab_id in catalog.labs else lab_id,
                state=summary.state,
                submissions=summary.submissions,
                passed=summary.passed_id is not None,
            )
            for lab_id, summary in sorted(summaries.items())
        ]
    )


@api_bp.route("/people/<int:user_id>/evidence")
@needs("records:read")
@spec.validate(resp=answers(HTTP_200=schemas.EvidenceList), tags=["records"])
def evidence(user_id: int):
    """The person's practical evidence and whether it was verified."""
    learner = _learner_or_404(user_id)
    return schemas.EvidenceList(
        items=[
            schemas.EvidenceItem(
                id=e.id,
                kind=e.kind,
                title=e.title,
                reference=e.reference,
                happened_on=e.happened_on,
                status=e.status.value,
                decided_at=e.decided_at,
            )  # fmt: skip
            for e in practice.evidence_of(learner.id)
        ]
    )


@api_bp.route("/people/<int:user_id>/certifications")
@needs("records:read")
@spec.validate(resp=answers(HTTP_200=schemas.CertificationList), tags=["records"])
def certifications(user_id: int):
    """The person on every certification: state, checklist and current certificate."""
    learner = _learner_or_404(user_id)
    catalog = current_catalog()
    by_cert = certification.statuses([learner], catalog, today())[learner.id]
    items = []
    for definition in catalog.curriculum.certifications:
        status = by_cert[definition.id]
        items.append(
            schemas.CertificationState(
                certification_id=definition.id,
                title=definition.title,
                state=status.state,
                met=status.met,
                total=len(status.requirements),
                requirements=[
                    schemas.Requirement(
                        kind=r.kind, label=r.label, met=r.met, done=r.done, needed=r.needed
                    )
                    for r in status.requirements
                ],
                certificate_code=status.current.code or None if status.current else None,
                expires_on=status.current.expires_on if status.current else None,
            )  # fmt: skip
        )
    return schemas.CertificationList(items=items)


@api_bp.route("/people/<int:user_id>/record")
@needs("records:read")
@spec.validate(resp=answers(HTTP_200=schemas.TrainingRecord), tags=["records"])
def record(user_id: int):
    """The person's whole training record: plans, modules, attempts, labs, evidence and
    certifications with every certificate (what the printable record shows)."""
    learner = _learner_or_404(user_id)
    day = today()
    found = reports.training_record(learner, current_catalog(), day)
    row = db.session.execute(_person_query().where(User.id == learner.id)).one()
    return schemas.TrainingRecord(
        person=_person(*row),
        plans=[_plan_progress(plan) for plan in found.plans],
        modules=[
            schemas.RecordModule(
                module_id=m.module.id,
                title=m.module.title,
                sections_read=m.sections_read,
                sections_total=m.sections_total,
                best_percent=m.best_percent,
                passed=m.passed,
                complete=m.complete,
            )  # fmt: skip
            for m in found.modules
        ],
        attempts=[_attempt(attempt) for attempt in found.attempts],
        labs=[
            schemas.RecordLab(
                lab_id=lab.lab_id,
                title=lab.title,
                state=lab.state,
                submissions=lab.submissions,
                reviewer=lab.reviewer,
                decided_at=lab.decided_at,
            )  # fmt: skip
            for lab in found.labs
        ],
        evidence=[
            schemas.RecordEvidence(
                id=line.evidence.id,
                kind=line.evidence.kind,
                title=line.evidence.title,
                reference=line.evidence.reference,
                happened_on=line.evidence.happened_on,
                status=line.evidence.status.value,
                decided_at=line.evidence.decided_at,
                kind_label=line.kind,
                verifier=line.verifier,
            )  # fmt: skip
            for line in found.evidence
        ],
        certifications=[
            schemas.RecordCertification(
                certification_id=c.certification_id,
                title=c.title,
                state=c.state,
                met=c.met,
                total=c.total,
                renewing=c.renewing,
                expires_on=c.expires_on,
                certificates=[
                    schemas.HeldCertificate(
                        code=held.code,
                        issued_on=held.issued_on,
                        expires_on=held.expires_on,
                        state=credentials.state_of(held, day),
                        revoked_on=held.revoked_on,
                    )
                    for held in c.history
                ],
            )  # fmt: skip
            for c in found.certifications
        ],
    )


# --- certificates ---------------------------------------------------------------------------


@api_bp.route("/certificates")
@needs("records:read")
@spec.validate(
    query=schemas.CertificatesQuery,
    resp=answers(HTTP_200=schemas.CertificatePage),
    tags=["certificates"],
)
def certificates():
    """Certificates held across the organisation (of the people the token may see)."""
    query: schemas.CertificatesQuery = request.context.query
    day = today()
    statement = (
        select(Certificate, User.email)
        .join(User, User.id == Certificate.user_id)
        .where(_visible(caller().user), Certificate.id > _after_cursor(query.cursor))
    )
    not_revoked = or_(Certificate.revoked_on.is_(None), Certificate.revoked_on > day)
    if query.state == "revoked":
        statement = statement.where(~not_revoked)
    elif query.state == "expired":
        statement = statement.where(not_revoked, Certificate.expires_on <= day)
    elif query.state == "valid":
        statement = statement.where(and_(not_revoked, Certificate.expires_on > day))
    if query.expiring_before:
        statement = statement.where(Certificate.expires_on < query.expiring_before)
    if query.certification_id:
        statement = statement.where(Certificate.certification_id == query.certification_id)
    rows = db.session.execute(statement.order_by(Certificate.id).limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return schemas.CertificatePage(
        items=[
            schemas.Certificate(
                code=c.code,
                certification_id=c.certification_id,
                title=c.title,
                person_id=c.user_id,
                person_email=email,
                issued_on=c.issued_on,
                expires_on=c.expires_on,
                state=credentials.state_of(c, day),
                revoked_on=c.revoked_on,
            )  # fmt: skip
            for c, email in rows
        ],
        next_cursor=_cursor_after(rows[-1][0].id) if more and rows else None,
    )


@api_bp.route("/verify/<code>")
@needs(None)
@spec.validate(resp=answers(HTTP_200=schemas.Verification), tags=["certificates"])
def verify(code: str):
    """Verify a certificate code: what its public verification page shows, as JSON."""
    record = credentials.public_record(code, today())
    if record is None:
        raise ApiProblem(404, "No certificate has this code.")
    return schemas.Verification(
        code=record.code, holder_name=record.holder_name, title=record.title,
        issuer=record.issuer, issued_on=record.issued_on, expires_on=record.expires_on,
        state=record.state, revoked_on=record.revoked_on,
    )  # fmt: skip
