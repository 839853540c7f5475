"""`make bench`: pages served by gunicorn, against a bare Flask route (not part of the tests).

    .venv/bin/python -m tests.bench.pages [--learners 1000] [--seconds 3] [--rounds 3]
        [--modules 7] [--no-content-load]

1. Fills a scratch SQLite database (in a temporary folder) with `tests.bench.scale.fill`:
   learners on onboarding plans, reading marks, graded attempts, and a trainer.
2. In process, through the test client: the number of SQL queries of each page, the CPU
   time it takes (median of 20 requests, one process, so not disturbed by the neighbours
   as much as throughput is) and the quiz round trip (start, open, submit).
3. Starts two gunicorn servers the way `make serve` does (`-c python:lms.gunicorn_conf`,
   $WEB_CONCURRENCY workers, default 2, access log): the app in production mode on that
   database, and `tests.bench.bare`, a bare Flask route rendering a small template.
4. Drives both with wrk (Debian's `wrk`, 4 connections, one thread), interleaved: each round
   measures the bare route, every page, then the bare route again, for `--seconds` each.
   A page's ratio is its requests per second over the mean of its round's two bare figures;
   the table gives the median over the rounds. Ratios, not requests per second, compare
   across runs and machines: the two CPUs are shared with other work.
5. Prints the workers' resident memory after the rounds, and the content load times at 7,
   100 and 1,000 modules (`tests.bench.content_load`).
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path

from tests.content_tree import REPO_ROOT, add_generated_modules, copy_content

LEARNER = "learner0@example.com"
TRAINER = "trainer@example.com"
ROUND_TRIPS = 5
ROUND_TRIP_QUIZ = "security-quiz"

PAGES = [
    (LEARNER, "/home"),
    (LEARNER, "/modules/"),
    (LEARNER, "/modules/production-system-architecture"),
    (LEARNER, "/library"),
    (LEARNER, "/library/production-operations-runbook"),
    (LEARNER, "/search?q=incident+latency"),
    (LEARNER, "/quizzes"),
    (LEARNER, "/quizzes/architecture-quiz"),
    (LEARNER, "/onboarding/"),
    (TRAINER, "/onboarding/team"),
    (TRAINER, "/reviews"),
    (TRAINER, "/certifications/queue"),
    (TRAINER, "/reports"),
    (TRAINER, "/reports/onboarding"),
    (TRAINER, "/reports/certifications"),
    (TRAINER, "/reports/expirations"),
    (TRAINER, "/reports/quizzes"),
    (TRAINER, "/reports/quizzes/architecture-quiz"),
]

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


# --- the data and the in-process figures --------------------------------------------------------


def prepare(database_url: str, content_dir: str, learners: int, attempts: int) -> dict:
    """Migrate and fill the database; return the in-process figures of each page."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from lms import create_app
    from lms.accounts.models import User
    from lms.accounts.service import hash_password
    from lms.extensions import db
    from tests.bench.scale import NOW, PASSWORD, fill
    from tests.conftest import base_config

    config = {**base_config(database_url), "TESTING": False, "LMS_CONTENT_DIR": content_dir}
    app = create_app(config)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        fill(learners, attempts)
        hashed = hash_password(PASSWORD)
        db.session.execute(
            insert(User),
            [{"email": f"roundtrip{i}@example.com", "name": f"Round trip {i}",
              "password_hash": hashed, "role": "learner", "active": True, "created_at": NOW}
             for i in range(ROUND_TRIPS)],
        )  # fmt: skip
        db.session.commit()
        print(f"filled {learners} learners in {time.perf_counter() - started:.0f} s", flush=True)
        engine = db.engine
    figures = in_process(app, engine)
    figures["round trip"] = round_trip(app, engine)
    engine.dispose()
    return figures


class _Counter:
    """Count the SQL statements run on an engine while it is attached."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def _seen(self, *args) -> None:
        self.count += 1

    def __enter__(self) -> "_Counter":
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._seen)


def _client(app, email: str):
    """A test client signed in as `email`."""
    from tests.bench.scale import PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    return client


def in_process(app, engine, repeat: int = 20) -> dict:
    """Queries and median CPU milliseconds of each page, through the test client."""
    figures = {}
    clients = {who: _client(app, who) for who in {who for who, _ in PAGES}}
    for who, url in PAGES:
        client = clients[who]
        for _ in range(3):  # warm: first renders, caches, compiled templates
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        with _Counter(engine) as counter:
            client.get(url)
        cpu = []
        for _ in range(repeat):
            started = time.process_time()
            client.get(url)
            cpu.append(time.process_time() - started)
        figures[url] = {"queries": counter.count, "cpu_ms": statistics.median(cpu) * 1000}
    return figures


def round_trip(app, engine) -> dict:
    """Median milliseconds and queries to start an attempt, open it and submit it."""
    steps = {"start": [], "open": [], "submit": []}
    queries = {}
    for i in range(ROUND_TRIPS):
        client = _client(app, f"roundtrip{i}@example.com")
        with _Counter(engine) as counter:
            started = time.perf_counter()
            response = client.post(f"/quizzes/{ROUND_TRIP_QUIZ}/start")
            steps["start"].append(time.perf_counter() - started)
        queries["start"] = counter.count
        assert response.status_code == 302, response.status_code
        attempt_url = response.headers["Location"]
        with _Counter(engine) as counter:
            started = time.perf_counter()
            response = client.get(attempt_url)
            steps["open"].append(time.perf_counter() - started)
        queries["open"] = counter.count
        assert response.status_code == 200, response.status_code
        with _Counter(engine) as counter:
            started = time.perf_counter()
            response = client.post(attempt_url, data={"action": "submit", "confirm": "1"})
            steps["submit"].append(time.perf_counter() - started)
        queries["submit"] = counter.count
        assert response.status_code in (200, 302), response.status_code
    return {step: (statistics.median(times) * 1000, queries[step]) for step, times in steps.items()}


# --- the servers ---------------------------------------------------------------------------------


def gunicorn_command(app_spec: str, bind: str) -> list[str]:
    """The command `make serve` runs ($BENCH_GUNICORN is the Makefile's), on another address."""
    base = os.environ.get("BENCH_GUNICORN") or (
        f"{Path(sys.executable).parent / 'gunicorn'} -c python:lms.gunicorn_conf --access-logfile -"
    )
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    return [*base.split(), "--workers", workers, "--bind", bind, app_spec]


def start_server(app_spec: str, port: int, env: dict) -> subprocess.Popen:
    """Start gunicorn and wait until it answers."""
    server = subprocess.Popen(
        gunicorn_command(app_spec, f"127.0.0.1:{port}"),
        env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn for {app_spec} exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz" if app_spec.startswith("lms") else "/")
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn for {app_spec} did not answer in 120 s")


def stop_server(server: subprocess.Popen) -> None:
    """Stop a gunicorn master we started (its workers go with it)."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory (MB) of each worker of a gunicorn master."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == master_pid:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def sign_in(port: int, email: str) -> str:
    """Sign in through the login form; return the Cookie header for later requests."""
    from tests.bench.scale import PASSWORD

    cookies = SimpleCookie()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = f"email={email.replace('@', '%40')}&password={PASSWORD}&csrf_token={token}"
    cookie = "; ".join(f"{k}={v.value}" for k, v in cookies.items())
    connection.request(
        "POST", "/login", body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )  # fmt: skip
    response = connection.getresponse()
    response.read()
    assert response.status == 302, (email, response.status)
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    connection.close()
    return "; ".join(f"{k}={v.value}" for k, v in cookies.items())


def check_page(port: int, url: str, cookie: str) -> None:
    """The page must answer 200 to this cookie (wrk would count a redirect as a success)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", url, headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{url} answered {response.status} over HTTP")


def wrk(port: int, url: str, seconds: int, script: Path, cookie: str = "") -> dict:
    """Requests per second, p50 and p95 (ms) of `seconds` of load on one URL."""
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{url}"], capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    requests, duration_us, errors, p50, p95 = (int(x) for x in line.split()[1:])
    # errors: connection errors, timeouts (over 2 s) and answers other than 2xx/3xx
    return {
        "rps": requests / (duration_us / 1e6), "p50": p50 / 1000, "p95": p95 / 1000,
        "errors": errors,
    }  # fmt: skip


def drive(app_port: int, bare_port: int, cookies: dict, seconds: int, rounds: int, script):
    """Interleaved rounds; per page the median rps, ratio, p50 and p95 over the rounds."""
    results: dict[str, list[dict]] = {url: [] for _, url in PAGES}
    bare_runs = []
    for number in range(1, rounds + 1):
        before = wrk(bare_port, "/", seconds, script)
        runs = {url: wrk(app_port, url, seconds, script, cookies[who]) for who, url in PAGES}
        after = wrk(bare_port, "/", seconds, script)
        bare = (before["rps"] + after["rps"]) / 2
        bare_runs += [before, after]
        for url, run in runs.items():
            results[url].append({**run, "ratio": run["rps"] / bare})
        print(f"round {number}/{rounds}: bare route {bare:.0f} requests/s", flush=True)
    summary = {"bare": _medians([{**run, "ratio": 1.0} for run in bare_runs])}
    summary.update({url: _medians(runs) for url, runs in results.items()})
    return summary


def _medians(runs: list[dict]) -> dict:
    summary = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    summary["errors"] = sum(run["errors"] for run in runs)
    return summary


# --- the report ----------------------------------------------------------------------------------


def report(summary: dict, figures: dict, rss: dict) -> None:
    """Print the table (see the README's speed section for how to read it)."""
    print()
    print(f"{'page':42} {'who':8} {'req/s':>7} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'queries':>7} {'CPU ms':>7} {'errors':>6}")  # fmt: skip
    bare = summary["bare"]
    print(f"{'bare Flask route and template':42} {'':8} {bare['rps']:7.0f} {1:6.2f} "
          f"{bare['p50']:7.1f} {bare['p95']:7.1f} {'':>7} {'':>7}")  # fmt: skip
    for who, url in PAGES:
        run, fig = summary[url], figures[url]
        print(f"{url:42} {who.split('@')[0].rstrip('0'):8} {run['rps']:7.0f} "
              f"{run['ratio']:6.3f} {run['p50']:7.1f} {run['p95']:7.1f} {fig['queries']:7} "
              f"{fig['cpu_ms']:7.1f} {run['errors'] or '':>6}")  # fmt: skip
    print()
    print("quiz round trip (in process):", ", ".join(
        f"{step} {ms:.1f} ms / {queries} queries"
        for step, (ms, queries) in figures["round trip"].items()))  # fmt: skip
    for name, sizes in rss.items():
        print(f"worker RSS after the rounds, {name}: " + ", ".join(f"{mb:.0f} MB" for mb in sizes))


def main() -> None:
    """Fill, measure in process, serve, drive, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=int(os.environ.get("BENCH_SIZE", 1000)))
    parser.add_argument("--attempts-per-learner", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 3)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--modules", type=int, default=int(os.environ.get("BENCH_MODULES", 7)))
    parser.add_argument("--no-content-load", action="store_true",
                        default=os.environ.get("BENCH_CONTENT_LOAD", "1") == "0")  # fmt: skip
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs it (Debian's wrk package)")
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        content_dir = str(REPO_ROOT)
        if args.modules > 7:
            content_dir = str(add_generated_modules(copy_content(Path(scratch) / "content"),
                                                    args.modules))  # fmt: skip
        database_url = f"sqlite:///{scratch}/bench.sqlite"
        print(f"{args.learners} learners, {args.modules} modules, "
              f"{os.environ.get('WEB_CONCURRENCY', '2')} workers", flush=True)  # fmt: skip
        figures = prepare(database_url, content_dir, args.learners, args.attempts_per_learner)
        env = {**os.environ, "LMS_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
               "DATABASE_URL": database_url, "LMS_CONTENT_DIR": content_dir,
               "LMS_KEYS_DIR": f"{scratch}/keys", "UPLOAD_FOLDER": f"{scratch}/uploads",
               "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute"}  # fmt: skip
        script = Path(scratch) / "report.lua"
        script.write_text(WRK_SCRIPT)
        app_server = start_server("lms:create_app()", 8391, env)
        bare_server = start_server("tests.bench.bare:app", 8392, env)
        try:
            cookies = {who: sign_in(8391, who) for who in {who for who, _ in PAGES}}
            for who, url in PAGES:
                check_page(8391, url, cookies[who])
            summary = drive(8391, 8392, cookies, args.seconds, args.rounds, script)
            rss = {"app": worker_rss_mb(app_server.pid), "bare": worker_rss_mb(bare_server.pid)}
        finally:
            stop_server(app_server)
            stop_server(bare_server)
        report(summary, figures, rss)
    if not args.no_content_load:
        from tests.bench.content_load import measure

        print()
        print(f"{'modules':>8} {'start-up CPU s':>15} {'content check CPU s':>20}")
        for size, startup, checked in measure([7, 100, 1000], repeat=1):
            print(f"{size:>8} {startup:>15.2f} {checked:>20.2f}")


if __name__ == "__main__":
    main()
