"""A throw-away PostgreSQL cluster from the installed binaries, for the test run.

PostgreSQL refuses to run as root, so when we are root the server runs as the
`postgres` user (CI runs as root).
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager


def _bindir() -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not candidates:
        raise RuntimeError(
            "PostgreSQL is not installed: apt-get install postgresql (make test does)"
        )
    return candidates[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_postgres():
    """Start a cluster in a temporary folder, yield its URL, and remove it afterwards."""
    bindir = _bindir()
    folder = tempfile.mkdtemp(prefix="lms-pg-")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(folder, "postgres", "postgres")
    data = os.path.join(folder, "data")
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True)

    run(f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8")
    # no autovacuum: its ANALYZE writes statistics in transactions of its own, which would
    # change the database's stamp (lms.kept) at random between two requests of a test
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c autovacuum=off"
    run(f"{bindir}/pg_ctl", "-D", data, "-o", options, "-l", f"{folder}/log", "-w", "start")
    try:
        run(f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "lms_test")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/lms_test"
    finally:
        subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
