"""Ralph, a real xAPI Learning Record Store, on a free local port with its file backend.

Ralph runs from its own venv, `.venv-ralph` at the repository root, built from
requirements-ralph.txt (its dependencies do not fit the app's pins). `make test` builds
it; when it is missing the fixture builds it once (under a lock, for parallel runs).
`ralph_python` runs code inside that venv, so the statements are checked by Ralph's own
xAPI models.
"""

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.pgserver import _free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
RALPH_VENV = REPO_ROOT / ".venv-ralph"
RALPH_PYTHON = RALPH_VENV / "bin" / "python"
REQUIREMENTS = REPO_ROOT / "requirements-ralph.txt"
USERNAME, PASSWORD = "lms", "lrs-test-password"


# Ralph 5.1.0's file-system LRS writes every POST to its one file with the CREATE
# operation, which refuses a file that exists: only the first POST would ever be stored.
# The launcher makes that backend append instead (what an LRS does), then serves the
# unmodified Ralph API with uvicorn.
LAUNCH = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def ensure_ralph_venv() -> Path:
    """Build .venv-ralph from requirements-ralph.txt unless it is there and current."""
    stamp = RALPH_VENV / ".installed"
    with open(tempfile.gettempdir() + "/lms-ralph-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text()
        if not current:
            if not RALPH_PYTHON.exists():
                subprocess.run([sys.executable, "-m", "venv", str(RALPH_VENV)], check=True)
            subprocess.run(
                [str(RALPH_PYTHON), "-m", "pip", "install", "--quiet",
                 "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
                check=True,
            )  # fmt: skip
            stamp.write_text(REQUIREMENTS.read_text())
    return RALPH_PYTHON


def ralph_python(code: str, stdin: str = "") -> str:
    """Run Python code in Ralph's venv; return its standard output (fail on any error)."""
    done = subprocess.run(
        [str(ensure_ralph_venv()), "-c", code], input=stdin, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise AssertionError(f"Ralph's python failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _auth_file(folder: Path) -> Path:
    hashed = ralph_python(
        "import bcrypt, sys; "
        "print(bcrypt.hashpw(sys.stdin.read().encode(), bcrypt.gensalt(4)).decode())",
        PASSWORD,
    ).strip()
    path = folder / "auth.json"
    users = [{"username": USERNAME, "hash": hashed, "scopes": ["all"],
              "agent": {"mbox": "mailto:lms-lrs@example.com"}}]  # fmt: skip
    path.write_text(json.dumps(users))
    return path


@contextmanager
def ralph_lrs():
    """Start Ralph; yield its xAPI URL (`http://127.0.0.1:PORT/xAPI`); stop it afterwards."""
    python = ensure_ralph_venv()
    folder = Path(tempfile.mkdtemp(prefix="lms-ralph-"))
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RALPH_")},
        "RALPH_APP_DIR": str(folder),
        "RALPH_AUTH_FILE": str(_auth_file(folder)),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder),
        "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
    }
    log = open(folder / "ralph.log", "w")  # noqa: SIM115 - closed below, after the server
    server = subprocess.Popen(
        [str(python), "-c", LAUNCH, str(port)],
        env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/__lbheartbeat__", server, folder)
        yield f"http://127.0.0.1:{port}/xAPI"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_until_up(url: str, server: subprocess.Popen, folder: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("Ralph exited:\n" + (folder / "ralph.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("Ralph did not start within 60 s")


def read_statements(url: str) -> list[dict]:
    """Every statement the LRS holds, through its xAPI GET endpoint (following `more`)."""
    import base64

    auth = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    found: list[dict] = []
    next_url = url + "/statements?limit=500"
    root = url.rsplit("/xAPI", 1)[0]
    while next_url:
        request = urllib.request.Request(
            next_url,
            headers={"Authorization": f"Basic {auth}", "X-Experience-API-Version": "1.0.3"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            page = json.load(answer)
        found += page["statements"]
        more = page.get("more")
        next_url = root + more if more else None
    return found
