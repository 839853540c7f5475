"""Credentials: the public verification page, the issuer's Profile and keys, and the
certificate downloads (PDF and Open Badges credential).

Route table (blueprint `credentials`):

    GET /verify/<code>                              verify        public: valid, expired, revoked
    GET /verify                                     (see below)   public: type a code
    GET /issuer                                     issuer        the issuer Profile (JSON)
    GET /issuer/jwks.json                           jwks          the public signing keys
    GET /issuer/achievements/<cert_id>              achievement   what a certification means
    GET /certificates/<certificate_id>/certificate.pdf   pdf      holder, their supervisors, staff
    GET /certificates/<certificate_id>/credential.json   badge    the signed Open Badge

`/verify` is also the mentors' evidence queue (the practice area's page, for people
signed in). The code form is served there to visitors who are not signed in, and a
`?code=` on it, from anyone, goes to that code's page: see `_code_form_at_verify`.
"""

import logging
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from lms.catalog import current_catalog
from lms.credentials import badges, keys, pdf, service
from lms.errors import ServiceError
from lms.extensions import limiter
from lms.permissions import require_learner_access

credentials_bp = Blueprint("credentials", __name__)
log = logging.getLogger("lms")


@credentials_bp.record_once
def _warn_without_a_key(state) -> None:
    """Say at start-up, not at the first download, that production cannot sign yet."""
    app = state.app
    if app.config.get("ENV_NAME") == "production":
        folder = Path(app.config["LMS_KEYS_DIR"])
        if keys.signing_key(folder) is None:
            log.warning(
                "No credential signing key in %s: Open Badges downloads are refused until "
                "you run `%s`.", folder, keys.KEYGEN_COMMAND,
            )  # fmt: skip


def _root() -> str:
    return service.base_url(request.url_root)


def _public(response: Response, max_age: int) -> Response:
    """Let browsers and proxies keep a public answer briefly; keep search engines out."""
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@credentials_bp.route("/verify")
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify")
def verify_form():
    """The form to type a code; `/verify?code=X` goes to X's page (an unknown one says so)."""
    if "code" in request.args:
        code = request.args.get("code", "")[:100]
        canonical = service.normalize_code(code)
        if canonical is None:
            return _verify_page(None, code.strip())
        return redirect(url_for("credentials.verify", code=canonical))
    response = Response(render_template("credentials/verify.html", record=None, asked=None))
    return _public(response, current_app.config["VERIFY_MAX_AGE"])


def _verify_page(record, asked: str):
    """The verification page: the record, or the same page saying the code is unknown."""
    status = 200 if record is not None else 404
    if request.accept_mimetypes.best == "application/json":
        body = jsonify(_record_json(record) if record else {"error": "unknown code"})
        response = Response(body.get_data(), status=status, mimetype="application/json")
    else:
        html = render_template("credentials/verify.html", record=record, asked=asked)
        response = Response(html, status=status)
    response.vary.add("Accept")  # HTML or JSON from one URL: caches must keep both apart
    return _public(response, current_app.config["VERIFY_MAX_AGE"])


def _record_json(record: service.PublicRecord) -> dict:
    return {
        "code": record.code,
        "state": record.state,
        "holder": record.holder_name,
        "certification": record.title,
        "level": record.level,
        "issuer": record.issuer,
        "issued_on": record.issued_on.isoformat(),
        "expires_on": record.expires_on.isoformat(),
        "revoked_on": record.revoked_on.isoformat() if record.revoked_on else None,
    }


@credentials_bp.route("/verify/<code>")
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify")
def verify(code: str):
    """Anyone checks a certificate by its code: valid, expired or revoked (404 if unknown)."""
    return _verify_page(service.public_record(code[:100]), code[:100])


@credentials_bp.route("/issuer")
def issuer():
    """The issuer Profile the credentials point at."""
    profile = badges.issuer_profile(service.issuer(_root()))
    return _public(jsonify(profile), 3600)


@credentials_bp.route("/issuer/jwks.json")
def jwks():
    """The issuer's public keys: the current signing key and every key not yet retired."""
    return _public(jsonify(keys.jwks(service.keys_folder())), 300)


@credentials_bp.route("/issuer/achievements/<cert_id>")
def achievement(cert_id: str):
    """What a certification stands for: the Achievement the credentials name."""
    try:
        body = service.achievement(current_catalog(), cert_id, _root())
    except ServiceError:
        abort(404)
    return _public(jsonify(body), 3600)


def _own_certificate_or_404(certificate_id: int):
    """The certificate, if the viewer may see its holder; revoked ones are not offered."""
    certificate = service.certificate_by_id(certificate_id)
    if certificate is None:
        abort(404)
    require_learner_access(current_user, service.holder_of(certificate))
    if certificate.revoked_on is not None:
        abort(404)
    return certificate


def _filename(certificate, extension: str) -> str:
    return f"{certificate.certification_id}-{certificate.cycle}-{certificate.code[:5]}.{extension}"


@credentials_bp.route("/certificates/<int:certificate_id>/certificate.pdf")
@login_required
def certificate_pdf(certificate_id: int):
    """The printable certificate (landscape, A4 or Letter by configuration)."""
    certificate = _own_certificate_or_404(certificate_id)
    document = service.certificate_document(certificate, _root())
    body = pdf.render(document, current_app.config["LMS_CERTIFICATE_PAPER"])
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(certificate, "pdf")}"'
    )
    return response


@credentials_bp.route("/certificates/<int:certificate_id>/credential.json")
@login_required
def badge(certificate_id: int):
    """The signed Open Badges 3.0 credential: the VC-JWT and the credential it carries."""
    certificate = _own_certificate_or_404(certificate_id)
    try:
        document = service.signed_credential(certificate, current_catalog(), _root())
    except service.NoSigningKey as exc:
        return render_template(
            "errors/error.html", status=503, title="Not available yet", text=exc.message
        ), 503
    response = jsonify(document)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(certificate, "json")}"'
    )
    return response


@credentials_bp.app_template_global()
def certificate_links(certificate) -> dict:
    """The URLs a certificate's row offers: verify, PDF, credential, LinkedIn."""
    root = _root()
    return {
        "verify": service.verify_url(certificate.code, root),
        "pdf": url_for("credentials.certificate_pdf", certificate_id=certificate.id),
        "badge": url_for("credentials.badge", certificate_id=certificate.id),
        "linkedin": service.linkedin_url(certificate, root),
    }
