"""Moodle XML import and export (lms.content.moodle_xml)."""

import base64
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml

from lms.assessment.questions import grade
from lms.assessment.rules import option_weights
from lms.content.bank_files import BankFileError
from lms.content.gift import parse_gift, to_quiz_yaml
from lms.content.moodle_xml import MoodleXmlError, dump_moodle_xml, parse_moodle_xml
from lms.content.schema import Quiz

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BANK = (FIXTURES / "moodle" / "bank.xml").read_bytes()
EXPECTED = yaml.safe_load((FIXTURES / "moodle" / "bank.yml").read_text(encoding="utf-8"))


def wrap(*questions: str, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return (declaration + "<quiz>" + "".join(questions) + "</quiz>").encode()


def truefalse(name: str = "Q", text: str = "<p>Is it?</p>", idnumber: str = "") -> str:
    return (
        f'<question type="truefalse"><name><text>{name}</text></name>'
        f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>'
        f"<idnumber>{idnumber}</idnumber>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )


def test_a_bank_of_every_type_imports_as_expected():
    result = parse_moodle_xml(BANK, image_dir="bank-images")
    assert result.questions == EXPECTED["questions"]
    assert [list(s) for s in result.skipped] == EXPECTED["skipped"]
    assert [list(n) for n in result.notes] == EXPECTED["notes"]
    Quiz.model_validate(yaml.safe_load(to_quiz_yaml("bank", "Bank", result.questions)))


def test_unsupported_types_are_listed_by_name_and_the_rest_still_imports():
    result = parse_moodle_xml(BANK)
    assert [name for name, _ in result.skipped] == [
        "Outage story",
        "Cloze ports",
        "Bandwidth sum",
        "Section intro",
        "Random (Networking)",
    ]
    assert len(result.questions) == 10
    unknown = parse_moodle_xml(wrap('<question type="ddwtos"><name><text>Drag</text></name>'
                                    "</question>", truefalse()))  # fmt: skip
    assert unknown.skipped == [("Drag", "type ddwtos cannot be represented")]
    assert [q["id"] for q in unknown.questions] == ["q"]


def test_embedded_images_are_returned_to_store_beside_the_quiz():
    result = parse_moodle_xml(BANK, image_dir="bank-images")
    file = re.search(rb'encoding="base64">([^<]+)<', BANK).group(1)
    assert result.images == {"bank-images/default-gateway-network-map.png": base64.b64decode(file)}
    assert (
        "![A small network](bank-images/default-gateway-network-map.png)"
        in (result.questions[0]["prompt"])
    )


def test_images_are_reported_as_skipped_without_a_place_to_store_them():
    result = parse_moodle_xml(BANK, image_dir=None)
    assert result.images == {}
    assert ("Default gateway", "image 'network map.png' skipped (images are stored only when "
            "writing to a file)") in result.notes  # fmt: skip
    assert result.questions[0]["prompt"].endswith("[image: A small network]")


def test_html_is_sanitized_into_markdown():
    text = (
        '<p onclick="steal()">Read <a href="javascript:alert(1)">this</a> and '
        '<a href="https://example.org/doc">that</a>.</p><script>alert(2)</script>'
        "<ul><li>one</li><li>two</li></ul>"
    )
    prompt = parse_moodle_xml(wrap(truefalse(text=text))).questions[0]["prompt"]
    assert prompt == "Read this and [that](https://example.org/doc).\n\n- one\n- two"


@pytest.mark.parametrize(
    ("idnumber", "names", "ids"),
    [
        ("net-01", ["A name"], ["net-01"]),
        ("Not A Slug", ["Gateway question"], ["gateway-question"]),
        ("", ["Same", "Same"], ["same", "same-2"]),
        ("", ["!!!"], ["q-1"]),
    ],
)
def test_question_ids(idnumber, names, ids):
    xml = wrap(*(truefalse(name, idnumber=idnumber) for name in names))
    assert [q["id"] for q in parse_moodle_xml(xml).questions] == ids


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<quiz><question type="truefalse"><name><text>&lol3;</text></name></question></quiz>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>&secret;</text></name></question></quiz>"""
DTD_ONLY = b'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "http://example.org/q.dtd"><quiz/>'


@pytest.mark.parametrize("raw", [BILLION_LAUGHS, EXTERNAL_ENTITY, DTD_ONLY])
def test_hostile_xml_is_refused_with_a_clear_error(raw):
    with pytest.raises(MoodleXmlError, match="refused unread"):
        parse_moodle_xml(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<quiz><question>", "not well-formed XML"),
        (b"<html><body/></html>", "not <quiz>"),
        (b"PK\x03\x04" + b"\x00" * 100, "zip archive"),
        (b"\x1f\x8b\x08" + b"\x00" * 100, "gzip archive"),
        ("<quiz><q>caf\xe9 \u2019</q></quiz>".encode("cp1252"), "iconv -f WINDOWS-1252"),
        ("<quiz><q>caf\xe9</q></quiz>".encode("latin-1"), "ISO-8859-1"),
        (b'<?xml version="1.0" encoding="klingon"?><quiz/>', "unknown encoding 'klingon'"),
        (b"<quiz>" + b" " * (16 * 1024 * 1024) + b"</quiz>", "over the limit of 16 MiB"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(raw, message):
    with pytest.raises(BankFileError, match=re.escape(message)):
        parse_moodle_xml(raw)


def test_a_declared_legacy_encoding_is_honoured():
    xml = wrap(truefalse(text="<p>Caf\xe9 costs 3 \u20ac?</p>"), declaration="")
    declared = b'<?xml version="1.0" encoding="windows-1252"?>' + xml.decode().encode("cp1252")
    assert parse_moodle_xml(declared).questions[0]["prompt"] == "Café costs 3 €?"
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + xml.decode()).encode("utf-16")
    assert parse_moodle_xml(utf16).questions[0]["prompt"] == "Café costs 3 €?"


def test_import_export_import_gives_the_same_questions():
    first = parse_moodle_xml(BANK, image_dir="bank-images")
    text, skipped = dump_moodle_xml(first.questions)
    assert skipped == []
    again = parse_moodle_xml(text.encode("utf-8"), image_dir="bank-images")
    assert again.skipped == [] and again.notes == []
    assert again.questions == first.questions


def as_moodle_holds_it(question: dict) -> dict:
    """The question as Moodle keeps it: a multiple-answer question's implicit weights spelled
    out, a numeric range as its midpoint with a tolerance."""
    if question["type"] == "numeric" and question.get("range"):
        low, high = question.pop("range")
        return question | {"answer": (low + high) / 2, "tolerance": (high - low) / 2}
    if question["type"] != "multiple":
        return question
    weights = option_weights(question)
    options = [o | {"weight": round(weights[o["id"]], 5)} for o in question["options"]]
    return question | {"options": options}


def test_the_gift_corpus_round_trips_through_moodle_xml():
    for path in sorted((FIXTURES / "gift").glob("*.gift")):
        questions = parse_gift(path.read_text(encoding="utf-8")).questions
        text, skipped = dump_moodle_xml(questions)
        assert skipped == [], path.name
        back = parse_moodle_xml(text.encode()).questions
        assert back == [as_moodle_holds_it(dict(q)) for q in questions], path.name


# What Moodle's XML importer reads, per question type: the elements it needs.
COMMON = ["name/text", "questiontext/text", "generalfeedback/text", "defaultgrade", "idnumber"]
NEEDED = {
    "multichoice": ["single", "shuffleanswers", "answernumbering", "answer/text"],
    "truefalse": ["answer/text", "answer/feedback"],
    "shortanswer": ["usecase", "answer/text"],
    "numerical": ["answer/text", "answer/tolerance", "unitgradingtype", "showunits"],
    "matching": ["shuffleanswers", "subquestion/text", "subquestion/answer/text"],
    "ordering": ["layouttype", "selecttype", "selectcount", "gradingtype", "answer/text"],
}
FORMATS = {"html", "moodle_auto_format", "plain_text", "markdown"}


def test_export_has_the_element_structure_moodle_reads():
    questions = parse_moodle_xml(BANK).questions
    root = ElementTree.fromstring(dump_moodle_xml(questions)[0].encode())
    assert root.tag == "quiz"
    kinds = set()
    for question in root.findall("question"):
        kind = question.get("type")
        if kind == "category":
            assert question.findtext("category/text").startswith("$course$/top/")
            continue
        kinds.add(kind)
        for path in COMMON + NEEDED[kind]:
            assert question.find(path) is not None, (kind, path)
        for element in question.iter():
            if "format" in element.attrib:
                assert element.get("format") in FORMATS
        for answer in question.findall("answer"):
            float(answer.get("fraction"))
        if kind == "multichoice" and question.findtext("single") == "true":
            assert sum(float(a.get("fraction")) == 100 for a in question.findall("answer")) == 1
    assert kinds == set(NEEDED)


def test_export_lists_what_it_cannot_write():
    pattern = {"id": "p", "type": "short", "topic": "t", "prompt": "x", "explanation": "e",
               "pattern": r"^sev-?\s*2$"}  # fmt: skip
    assert dump_moodle_xml([pattern])[1] == ["p"]


def test_a_single_choice_with_several_full_credit_answers_keeps_its_grading():
    xml = wrap(
        '<question type="multichoice"><name><text>Two right</text></name>'
        '<questiontext format="html"><text>Pick</text></questiontext><single>true</single>'
        '<answer fraction="100"><text>a</text></answer>'
        '<answer fraction="100"><text>b</text></answer>'
        '<answer fraction="0"><text>c</text></answer></question>'
    )
    result = parse_moodle_xml(xml)
    question = result.questions[0]
    assert question["type"] == "multiple"
    assert [o["weight"] for o in question["options"]] == [100, 100, 0]
    assert "multiple-answer question" in result.notes[0][1]
    assert "partial" in to_quiz_yaml("q", "Q", result.questions)
    assert grade(question, ["a"], "partial").score == 1.0
