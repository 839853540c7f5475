"""Load the content tree, validate it and cross-check references into an immutable Catalog."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from lms.content import forked
from lms.content.glossary import GlossaryLint
from lms.content.markdown import find_link_targets, has_heading_anchor
from lms.content.schema import Curriculum, Document, GlossaryEntry, Lab, Module, Quiz, Sourced
from lms.content.schema.quizzes import SOURCE_RE

CURRICULUM = "curriculum.yml"
# kind -> (folder, file suffix, model, label used in messages)
KINDS: dict[str, tuple[str, str, type[Sourced], str]] = {
    "doc": ("docs", ".md", Document, "document"),
    "module": ("modules", ".md", Module, "module"),
    "lab": ("labs", ".md", Lab, "lab"),
    "quiz": ("quizzes", ".yml", Quiz, "quiz"),
}
CURRICULUM_LABELS = {
    "task": "library task",
    "symptom": "library symptom",
    "certification": "certification",
    "evidence": "evidence kind",
}
Loc = tuple[str | int, ...]
# content files from which the glossary lint runs in a child process: forking costs a few
# milliseconds, the lint about 0.4 ms a file
FORK_GLOSSARY_FROM = 200
# libyaml's parser when PyYAML was built with it (ten times faster); its nodes carry the same
# line marks, so problems keep their line numbers
YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# every line break of str.splitlines() but "\n"
_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass(frozen=True)
class Problem:
    """One content problem: file (relative to the root), 1-based line if known, field, message."""

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class Catalog:
    """All validated content, read-only: id -> item per kind, plus the curriculum."""

    documents: Mapping[str, Document]
    modules: Mapping[str, Module]
    labs: Mapping[str, Lab]
    quizzes: Mapping[str, Quiz]
    curriculum: Curriculum

    @cached_property
    def citing(self) -> Mapping[str, tuple[Module, ...]]:
        """Document id -> the modules that list it among their documents, in module order
        (worked out once per load: a document page shows them)."""
        found: dict[str, list[Module]] = {}
        for module in self.modules.values():
            for doc_id in dict.fromkeys(module.documents):
                found.setdefault(doc_id, []).append(module)
        return MappingProxyType({doc_id: tuple(found[doc_id]) for doc_id in found})

    def counts(self) -> dict[str, int]:
        """Number of items of each kind (and of quiz questions)."""
        return {
            "documents": len(self.documents),
            "modules": len(self.modules),
            "labs": len(self.labs),
            "quizzes": len(self.quizzes),
            "questions": sum(len(quiz.questions) for quiz in self.quizzes.values()),
            "certifications": len(self.curriculum.certifications),
            "tracks": len(self.curriculum.tracks),
        }


@dataclass(frozen=True)
class LoadResult:
    """The catalog (None when there are problems) and every problem found."""

    catalog: Catalog | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """True when the content loaded without problems."""
        return not self.problems


@dataclass
class _Source:
    """A parsed file: data, its YAML node tree and how YAML/body lines map to file lines."""

    path: str
    digest: str  # sha256 of the file's bytes (kept instead of the bytes)
    data: Any = None
    node: yaml.Node | None = None
    yaml_offset: int = 1  # file line = 0-based YAML line + yaml_offset
    body: str = ""
    body_offset: int = 0  # file line = 1-based body line + body_offset


def _content_files(root: Path) -> list[Path]:
    """Every content file under root, in a stable order."""
    curriculum = [root / CURRICULUM] if (root / CURRICULUM).is_file() else []
    return curriculum + _item_files(root)


def _item_files(root: Path) -> list[Path]:
    """The documents', modules', labs' and quizzes' files, in a stable order."""
    files: list[Path] = []
    for folder, suffix, _, _ in KINDS.values():
        files += sorted(path for path in (root / folder).glob(f"*{suffix}") if path.is_file())
    return files


def _front_matter(text: str) -> tuple[int | None, str, str] | None:
    """Split a Markdown file at its `---` lines: (0-based line of the closing `---` or None
    when there is none, the YAML between, the body after, its lines joined by "\n"); None
    when the first line is not `---`."""
    if any(brk in text for brk in _OTHER_BREAKS):  # rare: line by line, as str.splitlines()
        lines = text.splitlines()
        if not lines or lines[0].rstrip() != "---":
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
        if end is None:
            return None, "", ""
        return end, "\n".join(lines[1:end]), "\n".join(lines[end + 1 :])
    # lines break at "\n" only: find the closing line without splitting the whole file
    first = text.find("\n")
    if not text or (text if first < 0 else text[:first]).rstrip() != "---":
        return None
    position = first
    while position >= 0:  # each line that starts with `---`, until one is `---` alone
        position = text.find("\n---", position)
        if position < 0:
            break
        start, position = position + 1, text.find("\n", position + 1)
        line = text[start:] if position < 0 else text[start:position]
        if line.rstrip() == "---":
            body = "" if position < 0 else text[position + 1 :]
            body = body[:-1] if body.endswith("\n") else body
            return text.count("\n", 0, start), text[first + 1 : start - 1], body
    return None, "", ""


def fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """A cheap value that changes whenever a content file is added, removed or modified."""
    entries = []
    for path in _content_files(Path(root)):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        entries.append((path.relative_to(root).as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def _locate(node: yaml.Node | None, loc: Loc, tags: bool) -> tuple[str, int | None]:
    """Map a loc to a dotted field name and the 0-based YAML line of that node.

    With `tags`, the loc is pydantic's: it names a discriminated union's tag before its fields.
    """
    parts: list[str] = []
    line = node.start_mark.line if node is not None else None
    tagged = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            children = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            union_tags = [children[name][1].value for name in ("type", "kind") if name in children]
            if tags and key in union_tags and tagged is not node:
                tagged = node  # a discriminated union's tag comes first: it is not a field
                continue
            if str(key) in children:
                key_node, node = children[str(key)]
                line = key_node.start_mark.line
            else:
                node = None
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line
        else:
            node = None
        parts.append(str(key))
    return ".".join(parts), line


def _duplicate_keys(node: yaml.Node | None) -> Iterable[tuple[str, int]]:
    """Yield (key, 0-based line) for repeated keys in any mapping of the node tree."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    yield key.value, key.start_mark.line
                seen.add(key.value)
            yield from _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _duplicate_keys(child)


def _error_message(error: Any) -> tuple[Loc, str]:
    """Turn one pydantic error into (loc, readable message)."""
    loc, ctx, kind = tuple(error["loc"]), error.get("ctx") or {}, error["type"]
    if kind == "content" and "at" in ctx:
        loc += tuple(int(part) if part.isdigit() else part for part in ctx["at"].split("."))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        loc += (ctx["discriminator"].strip("'"),)
    if kind == "string_type" and isinstance(error.get("input"), dict):
        return loc, "expected text, got a YAML mapping: quote text that contains ': '"
    if kind == "union_tag_invalid":
        return loc, f"unknown {loc[-1]} {ctx['tag']!r}; expected one of {ctx['expected_tags']}"
    messages = {
        "missing": "required field is missing",
        "union_tag_not_found": "required field is missing",
        "extra_forbidden": "unknown field",
    }
    return loc, messages.get(kind, error["msg"])


class _Loader:
    """One load run: collects every problem instead of stopping at the first."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.known: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.items: dict[str, dict[str, tuple[Any, _Source]]] = {kind: {} for kind in KINDS}
        self.valid: dict[str, list[tuple[Any, _Source]]] = {kind: [] for kind in KINDS}

    def report(self, path: str, line: int | None, field_name: str, message: str) -> None:
        """Record a problem."""
        self.problems.append(Problem(path, line, field_name, message))

    def report_at(self, source: _Source, loc: Loc, message: str, tags: bool = False) -> None:
        """Record a problem about the YAML node at `loc` in `source` (see `_locate`)."""
        dotted, line = _locate(source.node, loc, tags)
        self.report(
            source.path, None if line is None else line + source.yaml_offset, dotted, message
        )

    def read(self, path: Path, front_matter: bool) -> _Source | None:
        """Read and parse one file; report and return None if it cannot be parsed."""
        rel = path.relative_to(self.root).as_posix()
        raw = path.read_bytes()
        source = _Source(rel, hashlib.sha256(raw).hexdigest())
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.report(rel, None, "file", f"not valid UTF-8: {exc}")
            return None
        del raw  # a thousand files' bytes need not stay in memory until the load ends
        if front_matter:
            split = _front_matter(text)
            if split is None:
                self.report(
                    rel, 1, "front matter", "missing: the file must start with a '---' line"
                )
                return None
            end, text, body = split
            if end is None:
                self.report(rel, 1, "front matter", "not closed by a second '---' line")
                return None
            source.yaml_offset, source.body_offset = 2, end + 1
            source.body = body
        loader = YamlLoader(text)
        try:
            source.node = loader.get_single_node()
            source.data = loader.construct_document(source.node) if source.node else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + source.yaml_offset if mark else None
            detail = " ".join(part for part in (exc.context, exc.problem) if part)
            self.report(rel, line, "yaml", f"syntax error: {detail}")
            return None
        except yaml.YAMLError as exc:
            self.report(rel, None, "yaml", f"syntax error: {exc}")
            return None
        finally:
            loader.dispose()
        for key, line in _duplicate_keys(source.node):
            self.report(rel, line + source.yaml_offset, key, "duplicate key")
        if not isinstance(source.data, dict):
            self.report(rel, source.yaml_offset - 1 or 1, "yaml", "must be a mapping of fields")
            return None
        return source

    def validate(self, model: type[Any], source: _Source) -> Any:
        """Validate a parsed file against its model; report errors and return None on failure."""
        try:
            if not issubclass(model, Sourced):
                return model.model_validate(source.data)
            return model.from_source(
                source.data,
                source_path=source.path,
                content_hash=source.digest,
                body=source.body,
            )
        except ValidationError as exc:
            for error in exc.errors():
                self.report_at(source, *_error_message(error), tags=True)
            return None

    def load_items(self, kind: str) -> None:
        """Load every file of one kind, checking ids against file names and for duplicates."""
        folder, suffix, model, label = KINDS[kind]
        by_id: dict[str, list[tuple[Any, _Source]]] = {}
        for path in sorted((self.root / folder).glob(f"*{suffix}")):
            self.known[kind].add(path.stem)
            source = self.read(path, front_matter=suffix == ".md")
            if source is None:
                continue
            declared = source.data.get("id")
            if isinstance(declared, str) and declared != path.stem:
                message = f"id {declared!r} does not match the file name {path.name}"
                self.report_at(source, ("id",), message)
            item = self.validate(model, source)
            if item is not None:
                self.valid[kind].append((item, source))
            if isinstance(declared, str):
                self.known[kind].add(declared)
                by_id.setdefault(declared, []).append((item, source))
        for item_id, entries in by_id.items():
            entries.sort(key=lambda entry: Path(entry[1].path).stem != item_id)
            if entries[0][0] is not None:
                self.items[kind][item_id] = entries[0]
            for _, source in entries[1:]:
                message = f"duplicate {label} id {item_id!r} (also {entries[0][1].path})"
                self.report_at(source, ("id",), message)

    def load_curriculum(self) -> tuple[Curriculum, _Source] | None:
        """Load curriculum.yml, which must exist."""
        path = self.root / CURRICULUM
        if not path.is_file():
            self.report(CURRICULUM, None, "file", "missing: curriculum.yml is required")
            return None
        source = self.read(path, front_matter=False)
        curriculum = self.validate(Curriculum, source) if source else None
        return (curriculum, source) if curriculum and source else None

    def ref(self, source: _Source, loc: Loc, kind: str, item_id: str | None) -> None:
        """Report `item_id` if it names nothing of `kind` (an item kind or a curriculum list)."""
        if item_id is None or item_id in self.known[kind]:
            return
        if kind in KINDS:
            folder, suffix, _, label = KINDS[kind]
            message = f"unknown {label} {item_id!r} (no {folder}/{item_id}{suffix})"
        else:
            message = f"unknown {CURRICULUM_LABELS[kind]} {item_id!r} (not in {CURRICULUM})"
        self.report_at(source, loc, message)

    def links(self, source: _Source, text: str | None, loc: Loc | None = None) -> None:
        """Report `kind:ID[#anchor]` Markdown links to ids or sections that do not exist."""
        for line, kind, item_id, anchor in find_link_targets(text or ""):
            if item_id in self.known[kind]:
                checked = anchor and kind in ("doc", "module")
                if not checked or self.has_anchor(kind, item_id, anchor) is not False:
                    continue
                message = f"link to unknown section {anchor!r} of {KINDS[kind][3]} {item_id!r}"
            else:
                message = f"link to unknown {KINDS[kind][3]} {item_id!r}"
            if loc is None:
                self.report(source.path, source.body_offset + line, "body", message)
            else:
                self.report_at(source, loc, message)

    def check_items(self) -> None:
        """Cross-check references, links and module sections of the loaded items."""
        for kind in KINDS:
            for _, source in self.valid[kind]:
                self.links(source, source.body)
        for module, source in self.valid["module"]:
            for index, doc in enumerate(module.documents):
                self.ref(source, ("documents", index), "doc", doc)
            for index, lab in enumerate(module.labs):
                self.ref(source, ("labs", index), "lab", lab)
            self.ref(source, ("quiz",), "quiz", module.quiz)
            self.check_sections(module, source)
        for lab, source in self.valid["lab"]:
            self.ref(source, ("module",), "module", lab.module)
            for number, line in enumerate(source.body.splitlines(), start=1):
                if line.strip().lower() in ("## hints", "## hint"):
                    self.report(
                        source.path, source.body_offset + number, "body",
                        "hints belong in the front matter's `hints:` list, shown one at a "
                        "time when the learner asks, not in the body where everyone sees them",
                    )  # fmt: skip
            for index, checkpoint in enumerate(lab.checkpoints):
                for name in ("prompt", "explanation"):
                    self.links(source, getattr(checkpoint, name), ("checkpoints", index, name))
        for quiz, source in self.valid["quiz"]:
            self.ref(source, ("module",), "module", quiz.module)
            for index, question in enumerate(quiz.questions):
                for name in ("prompt", "explanation"):
                    self.links(source, getattr(question, name), ("questions", index, name))
                if question.source:
                    self.check_source(source, ("questions", index, "source"), question.source)

    def has_anchor(self, kind: str, item_id: str, anchor: str) -> bool | None:
        """Whether a loaded document has a `##`/`###` heading, or a module a `##` section,
        with this anchor; None when there is no such item loaded."""
        entry = self.items[kind].get(item_id)
        if entry is None or entry[0] is None:
            return None
        if kind == "module":
            return any(section.slug == anchor for section in entry[0].sections)
        return has_heading_anchor(entry[0].body, anchor)

    def check_source(self, source: _Source, loc: Loc, value: str) -> None:
        """Report a question `source` whose document/module or section does not exist."""
        match = SOURCE_RE.match(value)
        if match is None:
            return  # the schema already reported the format
        kind, item_id, anchor = match["kind"], match["id"], match["anchor"]
        found = self.has_anchor(kind, item_id, anchor)
        if found is None and item_id in self.known[kind]:
            return  # the item exists but is invalid: its own problems are reported
        if found is None:
            folder, suffix, _, label = KINDS[kind]
            self.report_at(
                source, loc, f"unknown {label} {item_id!r} (no {folder}/{item_id}{suffix})"
            )
        elif not found:
            what = "`##` section" if kind == "module" else "`##`/`###` heading anchor"
            self.report_at(source, loc, f"no {what} #{anchor} in {kind}:{item_id}")

    def check_sections(self, module: Module, source: _Source) -> None:
        """A module body needs `##` sections with distinct, non-empty slugs."""
        if not module.sections:
            self.report(source.path, source.body_offset + 1, "body", "no '## ' sections")
        seen: set[str] = set()
        for section in module.sections:
            line = source.body_offset + section.line
            if not section.slug:
                self.report(source.path, line, "body", f"heading {section.title!r} has no slug")
            elif section.slug in seen:
                self.report(source.path, line, "body", f"duplicate section slug {section.slug!r}")
            seen.add(section.slug)

    def check_curriculum(self, curriculum: Curriculum, source: _Source) -> None:
        """Cross-check documents against the library and the curriculum against the items."""
        self.known["task"] = {task.id for task in curriculum.library.tasks}
        self.known["symptom"] = {symptom.id for symptom in curriculum.library.symptoms}
        self.known["certification"] = {item.id for item in curriculum.certifications}
        self.known["evidence"] = {item.id for item in curriculum.evidence_kinds}
        for index, symptom in enumerate(curriculum.library.symptoms):
            self.section_link(source, ("library", "symptoms", index, "see"), symptom)
        for doc, doc_source in self.valid["doc"]:
            for name, kind in (("tasks", "task"), ("symptoms", "symptom")):
                for index, value in enumerate(getattr(doc, name)):
                    self.ref(doc_source, (name, index), kind, value)
        for c_index, certification in enumerate(curriculum.certifications):
            self.ref(source, ("certifications", c_index, "exam"), "quiz", certification.exam)
            for part in ("requires", "renew"):
                for r_index, requirement in enumerate(getattr(certification, part) or []):
                    loc: Loc = ("certifications", c_index, part, r_index)
                    for kind in ("module", "quiz", "certification", "evidence"):
                        self.ref(source, (*loc, kind), kind, getattr(requirement, kind, None))
                    for index, lab in enumerate(getattr(requirement, "labs", None) or []):
                        self.ref(source, (*loc, "labs", index), "lab", lab)
                    if getattr(requirement, "certification", None) == certification.id:
                        self.report_at(source, (*loc, "certification"), "requires itself")
        for t_index, track in enumerate(curriculum.tracks):
            for group_name in ("weeks", "recurring"):
                for g_index, group in enumerate(getattr(track, group_name) or []):
                    for i_index, item in enumerate(group.items):
                        loc = ("tracks", t_index, group_name, g_index, "items", i_index)
                        for kind in ("doc", "module", "lab"):
                            self.ref(source, (*loc, kind), kind, getattr(item, kind))

    def begin_glossary(self, curriculum: Curriculum) -> Callable[[], None]:
        """Start the glossary lint of docs, modules, labs and quizzes (`_avoided_uses`): in a
        child process when there are enough files to be worth one, so that it runs on the
        other core while the files are loaded and checked here. The function returned waits
        for it and reports what it found, but on the lines of wrong answers."""
        if not curriculum.glossary:
            return lambda: None
        paths = _item_files(self.root)
        lint = partial(_avoided_uses, self.root, curriculum.glossary, paths)
        uses = forked.begin(lint) if len(paths) >= FORK_GLOSSARY_FROM else lint

        def end() -> None:
            exempt = self.wrong_answer_lines()
            self.problems += [p for p in uses() if p.line not in exempt.get(p.path, set())]

        return end

    def wrong_answer_lines(self) -> dict[str, set[int]]:
        """File lines of lab checkpoints' `reject` answers: wrong on purpose, so not linted."""
        lines: dict[str, set[int]] = {}
        for lab, source in self.valid["lab"]:
            for c_index, checkpoint in enumerate(lab.checkpoints):
                for r_index in range(len(getattr(checkpoint, "reject", []))):
                    loc = ("checkpoints", c_index, "reject", r_index)
                    _, line = _locate(source.node, loc, tags=False)
                    if line is not None:
                        lines.setdefault(source.path, set()).add(line + source.yaml_offset)
        return lines

    def section_link(self, source: _Source, loc: Loc, symptom: Any) -> None:
        """Report a symptom's `see` whose document or `##`/`###` heading does not exist."""
        doc_id, anchor = symptom.see_doc, symptom.see_anchor
        if doc_id is None:
            return
        if doc_id not in self.known["doc"]:
            self.report_at(source, loc, f"unknown document {doc_id!r} (no docs/{doc_id}.md)")
            return
        entry = self.items["doc"].get(doc_id)
        if entry is None or entry[0] is None:
            return  # the document itself is invalid and already reported
        if not has_heading_anchor(entry[0].body, anchor):
            message = f"document {doc_id!r} has no '##' or '###' heading with anchor {anchor!r}"
            self.report_at(source, loc, message)

    def check_module_numbers(self) -> None:
        """Module numbers are unique across modules."""
        first: dict[int, str] = {}
        for module, source in self.valid["module"]:
            if module.number in first:
                self.report_at(
                    source,
                    ("number",),
                    f"number {module.number} is also used by {first[module.number]}",
                )
            first.setdefault(module.number, source.path)


def _avoided_uses(root: Path, glossary: list[GlossaryEntry], paths: list[Path]) -> list[Problem]:
    """A problem for every use of a glossary variant to avoid in the files at `paths`."""
    lint, problems = GlossaryLint(glossary), []
    for path in paths:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        rel = path.relative_to(root).as_posix()
        for use in lint.find(text):
            message = f"{use.variant!r} is an avoided variant; write {use.term!r}"
            problems.append(Problem(rel, use.line, "glossary", message))
    return problems


def _by(items: dict[str, tuple[Any, _Source]], key: Any) -> Mapping[str, Any]:
    """A read-only id -> item mapping in the order given by `key`."""
    ordered = sorted((entry[0] for entry in items.values()), key=key)
    return MappingProxyType({item.id: item for item in ordered})


def load_content(root: Path) -> LoadResult:
    """Load and check all content under `root`, reporting every problem found in one run."""
    root = Path(root)
    loader = _Loader(root)
    if not root.is_dir():
        loader.report(".", None, "file", f"content folder {root} does not exist")
        return LoadResult(None, loader.problems)
    curriculum = loader.load_curriculum()  # first: the glossary lint starts from it
    glossary_checked = loader.begin_glossary(curriculum[0]) if curriculum else None
    for kind in KINDS:
        loader.load_items(kind)
    loader.check_items()
    if curriculum:
        loader.check_curriculum(*curriculum)
        glossary_checked()
    loader.check_module_numbers()
    problems = sorted(loader.problems, key=lambda problem: (problem.path, problem.line or 0))
    if problems or curriculum is None:
        return LoadResult(None, problems)
    catalog = Catalog(
        documents=_by(loader.items["doc"], lambda doc: (doc.order, doc.id)),
        modules=_by(loader.items["module"], lambda module: (module.number, module.id)),
        labs=_by(loader.items["lab"], lambda lab: lab.id),
        quizzes=_by(loader.items["quiz"], lambda quiz: quiz.id),
        curriculum=curriculum[0],
    )
    return LoadResult(catalog, [])
