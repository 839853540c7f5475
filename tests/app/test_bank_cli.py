"""`flask quiz import-moodle-xml`, `export-moodle-xml` and `import-aiken`, and bad files."""

import shutil
from pathlib import Path

import pytest
import yaml

from lms.content.aiken import parse_aiken
from lms.content.check import check
from lms.content.moodle_xml import parse_moodle_xml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
BANK = FIXTURES / "moodle" / "bank.xml"


@pytest.fixture
def content_copy(tmp_path):
    """A copy of the repository's content tree to import into."""
    for name in ("docs", "modules", "labs", "quizzes"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "curriculum.yml", tmp_path / "curriculum.yml")
    return tmp_path


def invoke(runner, *args):
    return runner.invoke(args=["quiz", *map(str, args)])


def test_import_moodle_xml_writes_the_quiz_and_its_images(runner, content_copy):
    out = content_copy / "quizzes" / "ops-bank.yml"
    result = invoke(runner, "import-moodle-xml", BANK, "--id", "ops-bank", "--out", out)
    assert result.exit_code == 0, result.output
    assert f'{BANK}: "Outage story": skipped: type essay (graded by hand)' in result.stderr
    assert f'{BANK}: "MTU": note: only the base unit is kept' in result.stderr
    assert "Wrote 10 question(s)" in result.stderr and "1 image(s)" in result.stderr
    document = yaml.safe_load(out.read_text())
    assert (
        document["questions"]
        == parse_moodle_xml(BANK.read_bytes(), image_dir="ops-bank-images").questions
    )
    image = content_copy / "quizzes" / "ops-bank-images" / "default-gateway-network-map.png"
    assert image.read_bytes().startswith(b"\x89PNG")
    code, lines = check(content_copy)
    assert code == 0, lines


def test_import_moodle_xml_to_standard_output_reports_images_skipped(runner):
    result = invoke(runner, "import-moodle-xml", BANK, "--id", "ops-bank")
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["id"] == "ops-bank"
    assert "image 'network map.png' skipped" in result.stderr


def test_moodle_xml_import_export_import_gives_the_same_questions(runner, content_copy, app):
    out = content_copy / "quizzes" / "roundtrip.yml"
    assert (
        invoke(runner, "import-moodle-xml", BANK, "--id", "roundtrip", "--out", out).exit_code == 0
    )
    from lms import catalog

    catalog.store().root = content_copy
    assert catalog.store().load() == []
    exported = invoke(runner, "export-moodle-xml", "roundtrip")
    assert exported.exit_code == 0 and exported.stderr == ""
    again = parse_moodle_xml(exported.stdout.encode(), image_dir="roundtrip-images")
    assert again.questions == yaml.safe_load(out.read_text())["questions"]


def test_export_moodle_xml_of_a_shipped_quiz_and_an_unknown_one(runner):
    from lms.catalog import current_catalog

    exported = invoke(runner, "export-moodle-xml", "architecture-quiz")
    assert exported.exit_code == 0
    quiz = current_catalog().quizzes["architecture-quiz"]
    parsed = parse_moodle_xml(exported.stdout.encode())
    patterned = [q.id for q in quiz.questions if getattr(q, "pattern", None)]
    assert patterned  # a regular expression has no Moodle form: listed, not written
    assert [q["id"] for q in parsed.questions] == [
        q.id for q in quiz.questions if q.id not in patterned
    ]
    assert exported.stderr.splitlines() == [
        f"skipped {qid}: Moodle XML cannot hold its answer pattern" for qid in patterned
    ]
    missing = invoke(runner, "export-moodle-xml", "nope")
    assert missing.exit_code == 1 and "no quiz 'nope'" in missing.stderr


def test_import_aiken(runner, content_copy):
    source = FIXTURES / "aiken" / "bank.txt"
    out = content_copy / "quizzes" / "aiken-bank.yml"
    result = invoke(runner, "import-aiken", source, "--id", "aiken-bank", "--out", out)
    assert result.exit_code == 0, result.output
    for line, reason in parse_aiken(source.read_text()).skipped:
        assert f"{source}:{line}: skipped: {reason}" in result.stderr
    assert len(yaml.safe_load(out.read_text())["questions"]) == 4
    assert check(content_copy)[0] == 0


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]><quiz><question><name><text>&i;</text></name></question></quiz>"
).encode()


@pytest.mark.parametrize(
    ("command", "content", "message"),
    [
        ("import-moodle-xml", BILLION_LAUGHS, "refused unread"),
        (
            "import-moodle-xml",
            b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<quiz>&x;</quiz>",
            "refused unread",
        ),
        ("import-moodle-xml", b"<quiz><question>", "not well-formed XML"),
        ("import-moodle-xml", b"", "the file is empty"),
        ("import-gift", "Caf\xe9?{T}".encode("latin-1"), "iconv -f ISO-8859-1 -t UTF-8"),
        ("import-gift", "\u201cQuote\u201d?{T}".encode("cp1252"), "iconv -f WINDOWS-1252"),
        ("import-aiken", b"PK\x03\x04" + bytes(200), "a zip archive"),
        ("import-aiken", b"\n\n", "the file is empty"),
        ("import-gift", b"\x1f\x8b\x08\x00" + bytes(64), "gzip archive"),
    ],
)
def test_bad_files_get_a_clear_message_and_exit_1(runner, tmp_path, command, content, message):
    bad = tmp_path / "bank.bin"
    bad.write_bytes(content)
    result = invoke(runner, command, bad, "--id", "bad")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert f"Error: {bad}: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.output


def test_a_file_over_the_size_limit_is_refused_unread(runner, tmp_path):
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    result = invoke(runner, "import-moodle-xml", big, "--id", "big")
    assert result.exit_code == 1 and "over the limit of 16 MiB" in result.stderr


def test_utf16_gift_with_a_byte_order_mark_is_read(runner, tmp_path):
    source = tmp_path / "bank.gift"
    source.write_bytes("::Q::Café?{T}\n".encode("utf-16"))
    result = invoke(runner, "import-gift", source, "--id", "utf16")
    assert result.exit_code == 0 and "Café?" in result.stdout
