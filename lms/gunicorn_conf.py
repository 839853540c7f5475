"""gunicorn settings for `make serve` (`gunicorn -c python:lms.gunicorn_conf ...`).

Workers build the app, and a worker that cannot start is replaced by another that cannot
either. The master checks the configuration first, with the function create_app uses, and
exits with the reason.
"""

# Every top-level name here is read as a gunicorn setting: import nothing under a setting's
# name (gunicorn has one called `config`).
from lms.config import check_environment


def on_starting(server) -> None:
    """Refuse to start the master on a configuration the app would refuse (exits 1)."""
    check_environment()
