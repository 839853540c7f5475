"""The yardstick for `make bench`: a bare Flask route rendering a small template.

Served by gunicorn with the app's settings (`gunicorn ... tests.bench.bare:app`), so the
ratio of a page's throughput to this one's says what the page costs beyond Flask, Jinja,
gunicorn and the machine, whatever else the machine is doing at the time.
"""

from pathlib import Path

from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))


@app.get("/")
def index():
    """Render one small template."""
    return render_template("bare.html", title="Bare route", items=range(10))
