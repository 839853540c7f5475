"""Unit tests for lms.content.markdown: rendering, sanitising, links, slugs and sections."""

from __future__ import annotations

import hashlib
import html as htmllib
import re

import pytest

from lms.content import render_markdown, slugify
from lms.content.markdown import COLOURED_TOKENS, find_links, split_sections
from tests.content_tree import REPO_ROOT


def resolve(kind: str, item_id: str) -> str | None:
    """A resolver that knows one document and one module."""
    known = {("doc", "runbook"): "/docs/runbook", ("module", "basics"): "/modules/basics"}
    return known.get((kind, item_id))


XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    '<img src="data:image/png;base64,AAAA">',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name=q></form>',
    "<style>body { display: none }</style>",
    '<div onmouseover="alert(1)" style="position:fixed">x</div>',
    "<p>ok</p><!-- <script>alert(1)</script> -->",
]


@pytest.mark.parametrize("payload", XSS)
def test_dangerous_markup_does_not_survive(payload: str) -> None:
    html = render_markdown(f"Text before.\n\n{payload}\n\nText after.\n", resolve).html.lower()
    for needle in ("<script", "javascript:", "data:", "<iframe", "<svg", "<math", "<object",
                   "<embed", "<form", "<input", "<style", "onerror", "onload", "onclick",
                   "onmouseover", "alert(1)", "position:fixed"):  # fmt: skip
        assert needle not in html, html
    assert "text before." in html and "text after." in html


def test_links_carry_rel_noopener() -> None:
    html = render_markdown("[site](https://example.com) [mail](mailto:a@example.com)").html
    assert '<a href="https://example.com" rel="noopener noreferrer">site</a>' in html
    assert 'href="mailto:a@example.com"' in html


def test_images_keep_only_http_or_relative_sources() -> None:
    html = render_markdown('![a](https://example.com/a.png) ![b](img/b.png "t")').html
    assert '<img alt="a" src="https://example.com/a.png">' in html
    assert '<img alt="b" src="img/b.png">' in html


def test_tables_survive() -> None:
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n").html
    assert "<table>" in html and "<th" in html and "<td" in html
    # inline styles would break the CSP (style-src 'self'), so alignment is dropped
    assert "style=" not in html


def test_wide_tables_and_code_scroll_in_a_box_the_keyboard_reaches() -> None:
    html = render_markdown("| a | b |\n|--|--|\n| 1 | 2 |\n\n```\nlong line\n```\n").html
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Table"><table>' in html
    assert "</table></div>" in html
    assert '<pre tabindex="0" role="region" aria-label="Code">' in html
    # content cannot set these itself: the sanitiser drops them from raw HTML
    raw = render_markdown('<pre tabindex="5" onclick="x()">x</pre>').html
    assert 'tabindex="5"' not in raw and "onclick" not in raw


def test_checklists_show_boxes() -> None:
    html = render_markdown("- [ ] to do\n- [x] done\n- plain\n").html
    assert '<li class="task-item">\u2610 to do</li>' in html
    assert '<li class="task-item">\u2611 done</li>' in html
    assert "<li>plain</li>" in html


def test_fenced_code_is_highlighted_with_classes() -> None:
    html = render_markdown("```python\ndef f():\n    return 1\n```\n").html
    assert '<div class="highlight"><pre tabindex="0" role="region" aria-label="Code">' in html
    assert '<span class="k">def</span>' in html
    assert "style=" not in html


def test_code_keeps_a_span_only_where_the_stylesheet_colours_the_token() -> None:
    source = 'kind: Pod\nspec:\n  replicas: 3  # three\n  name: "api"\n'
    html = render_markdown(f"```yaml\n{source}```\n").html
    code = html[html.index("<pre") : html.index("</pre>")]
    classes = set(re.findall(r'<span class="([^"]+)">', code))
    assert classes and classes <= COLOURED_TOKENS  # the comment, the string, the number
    assert '<span class="w">' not in code and "p-Indicator" not in code
    text = re.sub(r"<[^>]+>", "", code[code.index(">") + 1 :])
    assert htmllib.unescape(text) == source  # every character still there


def test_the_stylesheet_colours_exactly_the_tokens_kept_in_spans() -> None:
    css = (REPO_ROOT / "static/css/app.css").read_text(encoding="utf-8")
    assert set(re.findall(r"\.highlight \.([a-z0-9]+)", css)) == COLOURED_TOKENS


def test_headings_get_ids_and_toc() -> None:
    rendered = render_markdown("# Title\n\n## First & `second` step\n\n### Détails\n")
    assert '<h2 id="first-second-step">' in rendered.html
    assert 'class="headerlink" href="#first-second-step"' in rendered.html
    assert rendered.toc == [
        (1, "title", "Title"),
        (2, "first-second-step", "First & second step"),
        (3, "details", "Détails"),
    ]


def test_admonitions_survive() -> None:
    html = render_markdown('!!! warning "Mind the gap"\n    Careful **now**.\n').html
    assert '<div class="admonition warning">' in html
    assert '<p class="admonition-title">Mind the gap</p>' in html
    assert "<strong>now</strong>" in html


def test_unknown_div_classes_are_dropped() -> None:
    html = render_markdown('<div class="admonition fixed-top">x</div>').html
    assert '<div class="admonition">' in html


def test_item_links_resolve_and_unknown_ones_are_plain_text() -> None:
    text = "[Runbook](doc:runbook#start), [Basics](module:basics) and [Gone](doc:missing)."
    html = render_markdown(text, resolve).html
    assert '<a href="/docs/runbook#start" rel="noopener noreferrer">Runbook</a>' in html
    assert '<a href="/modules/basics" rel="noopener noreferrer">Basics</a>' in html
    assert "Gone" in html and "missing" not in html
    unresolved = render_markdown(text).html
    assert "<a " not in unresolved and "Runbook" in unresolved


def test_cache_does_not_mix_resolvers() -> None:
    text = "[Runbook](doc:runbook)"
    assert "/docs/runbook" in render_markdown(text, resolve).html
    assert "/elsewhere" in render_markdown(text, lambda kind, item_id: "/elsewhere").html
    assert "<a " not in render_markdown(text).html


def test_resolver_cannot_inject_script_urls() -> None:
    html = render_markdown("[x](doc:runbook)", lambda kind, item_id: "javascript:alert(1)").html
    assert "javascript" not in html and "<a " not in html


def test_slugify() -> None:
    assert slugify("First & `second` step") == "first-second-step"
    assert slugify("  Déjà vu -- again ") == "deja-vu-again"
    assert slugify("!!!") == ""


def test_find_links_skips_code() -> None:
    text = (
        "See [a](doc:runbook) and [b](quiz:basics-quiz#q1).\n"
        "`[c](lab:in-code-span)`\n"
        "```\n[d](module:in-fence)\n```\n"
        "[ref]: module:basics\n"
    )
    assert [(kind, item_id) for _, kind, item_id in find_links(text)] == [
        ("doc", "runbook"),
        ("quiz", "basics-quiz"),
        ("module", "basics"),
    ]


def test_split_sections() -> None:
    text = "Intro.\n\n## One\nA\n```\n## not\n```\n## Two [x](doc:y)\nB\n"
    intro, sections = split_sections(text)
    assert intro == "Intro."
    assert [(s.slug, s.title, s.line) for s in sections] == [
        ("one", "One", 3),
        ("two-x", "Two x", 8),
    ]
    assert sections[0].body == "A\n```\n## not\n```"


def test_a_render_is_kept_on_disk_by_source_hash_for_the_next_process(tmp_path):
    from lms.content import markdown

    source = "# Kept\n\nRendered once, read after.\n"
    markdown.use_disk_cache(tmp_path)
    try:
        markdown._render_unresolved.cache_clear()
        first = render_markdown(source)
        (cached,) = tmp_path.glob("*.json")
        assert cached.name.startswith(hashlib.sha256(source.encode()).hexdigest())
        # a new process has an empty memory cache: it reads the file instead of rendering
        markdown._render_unresolved.cache_clear()
        cached.write_text(cached.read_text().replace("Rendered once", "Read from disk"))
        assert "Read from disk" in render_markdown(source).html
        assert render_markdown(source).toc == first.toc
    finally:
        markdown.use_disk_cache(None)
        markdown._render_unresolved.cache_clear()


def _prose_lines(text: str):
    """(1-based number, line) of the lines outside fenced code, stepping line by line."""
    from lms.content.markdown import _FENCE

    fence = ""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
            continue
        if match:
            fence = match.group(1)
            continue
        yield number, line


def _split_line_by_line(text: str):
    """split_sections as it was written before it searched instead of stepping line by line:
    the reference the faster one must agree with."""
    from lms.content.markdown import _H2, _heading_text

    lines = text.splitlines()
    starts = [(n, m.group(1)) for n, line in _prose_lines(text) if (m := _H2.match(line))]
    intro_end = starts[0][0] - 1 if starts else len(lines)
    sections = []
    for index, (number, raw) in enumerate(starts):
        end = starts[index + 1][0] - 1 if index + 1 < len(starts) else len(lines)
        title = _heading_text(raw)
        body = "\n".join(lines[number:end]).strip("\n")
        sections.append((slugify(title), title, body, number))
    return "\n".join(lines[:intro_end]).strip("\n"), sections


def _links_line_by_line(text: str):
    """find_link_targets as it was written before it searched for the links' lines."""
    from lms.content.markdown import _CODE_SPAN, _INLINE_LINK, _REF_DEFINITION

    found = []
    for number, line in _prose_lines(text):
        line = _CODE_SPAN.sub("", line)
        for match in (*_INLINE_LINK.finditer(line), *_REF_DEFINITION.finditer(line)):
            found.append((number, match.group(1), match.group(2), match.group(3) or ""))
    return found


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "## A",
        "## A\n",
        "\n\n## T\n\n\nbody\n\n\n## U\n\n",
        "```\n## no\n```\n## yes\n~~~~\n## no\n~~~\n## still no\n~~~~\n## yes 2\n",
        "  ```py\n[x](doc:a)\n```\n[y](doc:b) `[z](doc:c)` [w](  <lab:q#r>)\n[r]: quiz:f#b\n",
        "intro\r\n## Windows\r\nline\r\n## Form\x0cfeed\n## Last\u2028para\n",
        "##\tTab\n## \n##x\n### h3\n## After [a](module:m)\ntext\n",
        "[a](doc:x)\r\n```\r\n[b](doc:y)\r\n```\u2028[c](quiz:z#q) and [d](lab:w)\n[e]: module:m\n",
    ],
)
def test_sections_and_links_agree_with_reading_line_by_line(text: str) -> None:
    from lms.content.markdown import find_link_targets

    intro, sections = split_sections(text)
    assert (intro, [(s.slug, s.title, s.body, s.line) for s in sections]) == (
        _split_line_by_line(text)
    )
    assert find_link_targets(text) == _links_line_by_line(text)


def test_a_section_is_a_slice_of_the_body_not_a_copy() -> None:
    text = "Intro.\n\n## One\n\nA long section.\n\n## Two\nB\n"
    _, (one, two) = split_sections(text)
    assert one.source is text and two.source is text
    assert (one.body, two.body) == ("A long section.", "B")


def _rendered_anchors(text: str, levels: tuple[int, ...]) -> set[str]:
    return {slug for level, slug, _ in render_markdown(text).toc if level in levels}


@pytest.mark.parametrize("folder", ["docs", "modules", "labs"])
def test_anchors_read_from_the_source_are_those_of_the_shipped_pages(folder: str) -> None:
    from lms.content.loader import _front_matter
    from lms.content.markdown import source_anchors
    from tests.content_tree import REPO_ROOT

    for path in sorted((REPO_ROOT / folder).glob("*.md")):
        body = _front_matter(path.read_text(encoding="utf-8"))[2]
        for levels in ((2,), (3,), (2, 3)):
            assert source_anchors(body, levels) == _rendered_anchors(body, levels), path.name


def test_source_anchors_follow_the_renderer_on_repeats_code_and_markup() -> None:
    from lms.content.markdown import source_anchors

    body = (
        "# Guide\n\n## Set up\n\n```bash\n## not a heading\n```\n\n## Set up\n\n"
        "### The **first** `step` [link](doc:x) ###\n\n~~~\n# also code\n~~~\n\n## Set up_1\n"
    )
    expected = {"set-up", "set-up_1", "the-first-step-link", "set-up_2"}
    assert _rendered_anchors(body, (2, 3)) == expected
    assert source_anchors(body, (2, 3)) == expected


def test_an_anchor_only_the_renderer_finds_is_found() -> None:
    from lms.content.markdown import has_heading_anchor, source_anchors

    body = "## Outside\n\n!!! note\n    ## Inside a note\n\n    Text.\n"
    assert "inside-a-note" not in source_anchors(body)
    assert has_heading_anchor(body, "inside-a-note")
    assert has_heading_anchor(body, "outside")
    assert not has_heading_anchor(body, "nowhere")
