"""The training and certification platform: the app factory."""

import logging
from pathlib import Path

from lms import collector

with collector.paused():  # start-up's objects live on: see lms.collector
    from flask import Flask, request
    from werkzeug.middleware.proxy_fix import ProxyFix

    from lms import config as lms_config
    from lms.extensions import bootstrap, csrf, db, limiter, login_manager

REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app; `test_config` overrides the environment."""
    with collector.paused():
        app = _build_app(test_config)
    if not app.testing:  # a process's app, kept until it exits (tests make many)
        collector.settle()
    return app


def _build_app(test_config: dict | None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    app.config.update(lms_config.BASE)
    app.config.update(lms_config.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    lms_config.upload_limits(app.config)
    lms_config.check_production(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_logging(app)

    from lms.core.urls import use_lazy_rules
    from lms.web import install_input_guards

    install_input_guards(app)  # before the blueprints, so their `<int:...>` rules use it
    use_lazy_rules(app)  # and their rules compile URL builders when first used
    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind N trusted proxies: request.remote_addr (and so every throttle key) becomes
        # the client's address from X-Forwarded-For, not the proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])

    from lms import catalog

    catalog.init_app(app)  # begins the load: a child process loads what was never kept
    db.init_app(app)
    from lms.core import migrations

    migrations.init_app(app, db)
    _configure_login(app)
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    _register_models()
    _register_blueprints(app)
    _register_security_headers(app)

    from lms import cli, listeners

    listeners.register()
    from lms import timefmt
    from lms.core import errors, nav, urls

    errors.register(app)
    nav.register(app)
    timefmt.register(app)
    cli.register(app)
    urls.register(app)
    catalog.content_loaded(app)
    return app


def _configure_logging(app: Flask) -> None:
    """Log the app's own messages (content reloads, failed sends) at INFO, to stderr."""
    logger = logging.getLogger("lms")
    logger.setLevel(app.config.get("LOG_LEVEL", logging.INFO))
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())


def _configure_login(app: Flask) -> None:
    """Flask-Login: where to send people who must sign in, and how to load them."""
    from lms.accounts.views import load_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


def _register_models() -> None:
    """Import every model module so the metadata (and Alembic) sees all tables."""
    import lms.accounts.models  # noqa: F401
    import lms.api.models  # noqa: F401
    import lms.assessment.models  # noqa: F401
    import lms.audit  # noqa: F401
    import lms.certification.models  # noqa: F401
    import lms.learning.models  # noqa: F401
    import lms.notifications.models  # noqa: F401
    import lms.onboarding.models  # noqa: F401
    import lms.practice.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from lms.accounts.views import admin_bp, auth_bp, people_bp
    from lms.api.pages import api_admin_bp, api_tokens_bp
    from lms.api.views import api_bp
    from lms.assessment.banks import banks_bp
    from lms.assessment.views import assessment_bp
    from lms.certification.views import certification_bp
    from lms.core.views import core_bp
    from lms.credentials.views import credentials_bp
    from lms.learning.views import learning_bp
    from lms.library.views import labs_bp, library_bp
    from lms.notifications.views import notifications_bp
    from lms.onboarding.views import onboarding_bp
    from lms.practice.views import practice_bp
    from lms.reports.views import reports_bp
    from lms.roster.views import roster_bp

    blueprints = (
        core_bp, auth_bp, admin_bp, roster_bp, people_bp, library_bp, labs_bp, learning_bp,
        onboarding_bp, assessment_bp, practice_bp, certification_bp, notifications_bp,
        banks_bp, credentials_bp, reports_bp, api_bp, api_tokens_bp,
        api_admin_bp,
    )  # fmt: skip
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
