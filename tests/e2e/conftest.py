"""Browser tests: the real app served on a free port, driven by Playwright in Chromium.

The server gets its own SQLite database, built by the migrations and seeded with the
demo accounts, as `make run` does.
"""

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from lms import create_app
from lms.demo import seed_demo
from lms.extensions import db
from tests.conftest import base_config

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "demo-pass-2026"


class LiveClock:
    """The live app's clock (its LMS_NOW): real time plus an offset a test may advance."""

    def __init__(self):
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta) -> None:
        """Move the app's time forward, e.g. past a quiz cooldown: clock.advance(minutes=61)."""
        self.offset += timedelta(**delta)


LIVE_CLOCK = LiveClock()


@pytest.fixture
def clock():
    """The live app's clock; the time a test moved it on is taken back when the test ends."""
    yield LIVE_CLOCK
    LIVE_CLOCK.offset = timedelta(0)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on its own migrated, demo-seeded SQLite database.

    Its time is LIVE_CLOCK (config LMS_NOW): real time unless a test advances the `clock`.
    """
    folder = tmp_path_factory.mktemp("e2e")
    app = create_app(
        {
            **base_config(f"sqlite:///{folder}/e2e.sqlite"),
            "TESTING": False,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": True,
            "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
            "LMS_NOW": LIVE_CLOCK,
        }
    )
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def base_url(live_app):
    """Serve the app in a thread for the whole run."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["LMS_BASE_URL"] = url  # mail, calendar and certificate links point here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the run."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def sign_in(page):
    """Return a function that signs in through the real form."""

    def do(email: str, password: str = DEMO_PASSWORD):
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    return do


# The browser sometimes drops a connection while the test server (Werkzeug's, in a thread) is
# still sending a static file; that server then leaves the file for the garbage collector,
# and the ResourceWarning lands in whichever test runs next. It is the test server's, not the
# app's (gunicorn closes every response), so only that warning is ignored, for static files.
STATIC_FILE_LEFT_OPEN = (
    r"ignore:Exception ignored in. <_io\.(FileIO|BufferedReader) name='[^']*/static/"
    r":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.filterwarnings(STATIC_FILE_LEFT_OPEN))
