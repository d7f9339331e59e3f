"""Read a rule pack's YAML files into validated models, with every problem located.

The YAML node tree remembers where each key and item sits, which is what turns a
pydantic error path such as ``rules.3.examples.0.cue`` into
``rules/cues.yaml:42 [say.vso]: …``. PyYAML's C composer builds that tree (a pack of
a few thousand entries loads in milliseconds, where a pure-Python round-trip parser
takes seconds). Every file is read and every lexicon, macro and rule validated on its
own before anything is raised, so an author sees all their mistakes in one run.

The tree is also where YAML's silent behaviours are caught: a key written twice in a
mapping (PyYAML keeps the last), and anchors and aliases (a 704-byte alias bomb expands
to gigabytes), are refused before any value is built; files and lexicons are bounded.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from annotate.errors import RuleProblem
from annotate.rules.schema import (
    CredibilitySettings, FurnitureRule, Lexicon, Macro, PackMeta, Rule, SourceKindRule,
)


@dataclass(frozen=True)
class Located:
    """Where a named thing of the pack was written (and, for its examples, where each one is)."""

    file: str
    line: int | None
    example_lines: tuple[int | None, ...] = ()
    counterexample_lines: tuple[int | None, ...] = ()
    entry_lines: tuple[int | None, ...] = ()  # lexicons: the line of each entry

    def entry(self, index: int) -> int | None:
        """The line of entry ``index``, else the thing's own line."""
        return self.entry_lines[index] if index < len(self.entry_lines) else self.line

    def example(self, index: int) -> int | None:
        """The line of example ``index``, else the thing's own line."""
        return self.example_lines[index] if index < len(self.example_lines) else self.line

    def counterexample(self, index: int) -> int | None:
        """The line of counterexample ``index``, else the thing's own line."""
        return self.counterexample_lines[index] if index < len(self.counterexample_lines) else self.line


@dataclass
class PackSource:
    """A pack's files merged, each named thing with its location; not yet compiled."""

    root: Path
    meta: PackMeta | None = None
    credibility: CredibilitySettings | None = None
    lexicons: dict[str, tuple[Lexicon, Located]] = field(default_factory=dict)
    macros: dict[str, tuple[str, Located]] = field(default_factory=dict)
    rules: list[tuple[Rule, Located]] = field(default_factory=list)
    source_kinds: list[tuple[SourceKindRule, Located]] = field(default_factory=list)
    furniture: list[tuple[FurnitureRule, Located]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    # names written in the pack whose definition was refused (already reported): a
    # reference to one is not reported again as "unknown"
    broken: dict[str, set[str]] = field(default_factory=lambda: {"lexicons": set(), "macros": set()})
    # files that are not YAML at all: what they define is unknown, so nothing else is checked
    unreadable: list[str] = field(default_factory=list)

    def refused(self, section: str, name: str) -> bool:
        """Whether ``name`` was defined in ``section`` but its definition was refused."""
        return name in self.broken.get(section, set())


def pack_files(root: Path) -> list[Path]:
    """The YAML files of a pack folder, in a stable order (a single file is a pack too)."""
    if root.is_file():
        return [root]
    found = [Path(folder) / name for folder, _, names in os.walk(root, followlinks=True)
             for name in names if name.endswith(".yaml")]
    return sorted(found)


# Bounds that keep a hostile or broken pack from exhausting memory before it is refused.
MAX_FILE_BYTES = 4_000_000
MAX_LEXICON_ENTRIES = 20_000
MAX_ENTRY_CHARS = 200

_SECTIONS = ("pack", "credibility", "lexicons", "macros", "rules", "source_kinds", "furniture")
_SECTION_MODELS: dict[str, type[BaseModel]] = {"pack": PackMeta, "credibility": CredibilitySettings}
_ITEM_MODELS: dict[str, type[BaseModel]] = {"rules": Rule, "source_kinds": SourceKindRule, "furniture": FurnitureRule}


def read_pack(root: Path) -> tuple[PackSource, list[RuleProblem]]:
    """Read and merge every file of the pack; return the merge and all problems found.

    Each lexicon, macro and rule is validated on its own, so one broken rule does not
    hide the problems of the others; a name whose definition was refused is remembered
    so that uses of it are not reported a second time as unknown.
    """
    source = PackSource(root=root)
    problems: list[RuleProblem] = []
    files = pack_files(root)
    if not files:
        problems.append(RuleProblem(str(root), None, None, "no *.yaml rule files found here"))
    for path in files:
        shown = _shown(path, root)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            source.unreadable.append(shown)
            problems.append(RuleProblem(shown, None, None, f"{size:,} bytes is more than a rule file may hold "
                                        f"({MAX_FILE_BYTES:,}); split it into several files"))
            continue
        raw = path.read_bytes()
        source.files[shown] = raw
        parsed_yaml, file_problems = _parse(raw, shown)
        problems.extend(file_problems)
        if parsed_yaml is None:
            source.unreadable.append(shown)
            continue
        data, tree = parsed_yaml
        if data is None:
            continue
        if not isinstance(data, dict):
            source.unreadable.append(shown)
            problems.append(RuleProblem(shown, 1, None, "a rule file must be a mapping of sections "
                                        f"({', '.join(_SECTIONS)})"))
            continue
        problems.extend(_validate(source, data, tree, shown))
    return source, problems


def _validate(source: PackSource, data: dict[Any, Any], tree: Node | None, shown: str) -> list[RuleProblem]:
    """Validate each section and each item of one file on its own; merge what is valid."""
    problems: list[RuleProblem] = []
    parsed: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _SECTIONS:
            close = difflib.get_close_matches(str(key), _SECTIONS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"expected one of {', '.join(_SECTIONS)}"
            problems.append(RuleProblem(shown, line_of(tree, (key,)), None, f"unknown section '{key}'; {hint}"))
            if str(key) in ("lexicon", "macro"):
                source.unreadable.append(shown)  # its names are unknown: do not report their uses
            continue
        model = _SECTION_MODELS.get(key)
        if model is not None:
            parsed[key] = _one(model, value, (key,), data, tree, shown, problems)
        elif key in ("lexicons", "macros"):
            if value is None:
                continue
            if not isinstance(value, dict):
                problems.append(RuleProblem(shown, line_of(tree, (key,)), None,
                                            f"{key}: must be a mapping of names to definitions"))
                source.unreadable.append(shown)
                continue
            items = {}
            for name, body in value.items():
                if key == "lexicons":
                    item = _one(Lexicon, body, (key, name), data, tree, shown, problems)
                    if item is not None:
                        item = _bounded(item, name, tree, shown, problems)
                elif isinstance(body, str) and body:
                    item = body
                elif isinstance(body, dict):  # written out: pattern, description, not_before / not_after
                    macro = _one(Macro, body, (key, name), data, tree, shown, problems)
                    item = macro.full_pattern if macro is not None else None
                else:
                    item = None
                    problems.append(RuleProblem(shown, line_of(tree, (key, name)), str(name),
                                                f"macros.{name}: a macro is a pattern string, or a mapping with "
                                                "pattern, description, not_before, not_after"))
                if item is None:
                    source.broken[key].add(str(name))
                else:
                    items[str(name)] = item
            parsed[key] = items
        else:
            if value is None:
                continue
            if not isinstance(value, list):
                problems.append(RuleProblem(shown, line_of(tree, (key,)), None,
                                            f"{key}: must be a list of '- id: …' items"))
                continue
            parsed[key] = [(index, item) for index, body in enumerate(value)
                           if (item := _one(_ITEM_MODELS[key], body, (key, index), data, tree, shown, problems))]
    problems.extend(_merge(source, parsed, tree, shown))
    return problems


def _one(model: type[BaseModel], value: Any, path: tuple[Any, ...], data: Any, tree: Node | None, shown: str,
         problems: list[RuleProblem]) -> Any:
    """``value`` validated as ``model``, or None with its problems recorded at ``path``."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems.extend(_problems_from(exc, data, tree, shown, path))
        return None


def _bounded(lexicon: Lexicon, name: str, tree: Node | None, shown: str, problems: list[RuleProblem]) -> Lexicon | None:
    """The lexicon, or None when it is too large to compile in reasonable time and memory."""
    if len(lexicon.entries) > MAX_LEXICON_ENTRIES:
        problems.append(RuleProblem(shown, line_of(tree, ("lexicons", name)), name,
                                    f"{len(lexicon.entries):,} entries is more than a lexicon may hold "
                                    f"({MAX_LEXICON_ENTRIES:,}); split it by meaning into several lexicons"))
        return None
    for index, entry in enumerate(lexicon.entries):
        texts = [entry] if isinstance(entry, str) else [entry.text or "", entry.past or "", entry.present or "", *entry.add]
        if any(len(t) > MAX_ENTRY_CHARS for t in texts):
            problems.append(RuleProblem(shown, line_of(tree, ("lexicons", name, "entries", index)), name,
                                        f"entry {index + 1} is longer than {MAX_ENTRY_CHARS} characters; "
                                        "an entry is a word or a short phrase"))
            return None
    return lexicon


def _shown(path: Path, root: Path) -> str:
    base = root.parent if root.is_file() else root
    try:
        return str(Path(root.name if root.is_dir() else "") / path.relative_to(base))
    except ValueError:
        return str(path)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# what to do about PyYAML's most frequent complaints, in the author's terms
_YAML_HINTS = (
    ("mapping values are not allowed", "a value that holds ': ' must be quoted ('…'), or this line is "
                                       "indented deeper than the key above it"),
    ("found character '\\t'", "indent with spaces, never tabs"),
    ("found character '\t'", "indent with spaces, never tabs"),
    ("did not find expected key", "this line's indentation does not line up with the keys above it"),
    ("did not find expected '-'", "items of a list must all start with '- ' at the same indentation"),
    ("expected <block end>", "this line's indentation does not line up with the lines above it"),
    ("found unexpected end of stream", "a quote or bracket opened earlier is never closed"),
    ("found undefined alias", "'*' starts an alias, which rule files do not use: quote the value"),
    ("while scanning a quoted scalar", "a quote opened here is never closed; inside '…' write '' for a quote"),
    ("found unknown escape character", "inside \"…\" a backslash starts an escape: use '…' for patterns"),
    ("cannot start any token", "quote this value ('…'): it starts with a character YAML reserves"),
)


def _yaml_hint(problem: str) -> str:
    for needle, hint in _YAML_HINTS:
        if needle in problem:
            return hint
    return "check the indentation and the quoting at this place"


def _parse(raw: bytes, shown: str) -> tuple[tuple[Any, Node | None] | None, list[RuleProblem]]:
    """The file's data and its node tree (for line numbers), or why it cannot be read.

    The tree is checked before anything is built from it: a key written twice in one
    mapping is an error naming both lines (PyYAML would keep the last silently), and
    anchors and aliases are refused, since a few hundred bytes of nested aliases
    expand to gigabytes.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [RuleProblem(shown, None, None,
                                  f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        problems = _check_tree(node, shown)
        if any(p.message.startswith("YAML aliases") for p in problems):
            return None, problems
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = str(exc.problem or exc.context or "unreadable")
        return None, [RuleProblem(shown, line, None, f"not valid YAML: {problem}; {_yaml_hint(problem)}", column)]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML errors without a mark
        return None, [RuleProblem(shown, None, None, f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    return (data, node), problems


def _check_tree(tree: Node | None, shown: str) -> list[RuleProblem]:
    """Duplicate keys and aliases in a composed YAML tree (iteratively: trees may be deep)."""
    problems: list[RuleProblem] = []
    seen: set[int] = set()
    todo = [tree] if tree is not None else []
    while todo:
        node = todo.pop()
        if id(node) in seen:  # the composer hands an alias back as the very node it names
            line = node.start_mark.line + 1
            return [RuleProblem(shown, line, None, "YAML aliases (*name) and anchors (&name) are not allowed in "
                                "rule files: write the value out (a macro shares a pattern, a lexicon a list); "
                                "this value is reused")]
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if key.tag == "tag:yaml.org,2002:merge":
                    return [RuleProblem(shown, key.start_mark.line + 1, None, "YAML merge keys ('<<') are not "
                                        "allowed in rule files: write the keys out")]
                name = str(key.value) if not isinstance(key.value, list) else None
                line = key.start_mark.line + 1
                if name is not None and name in first:
                    problems.append(RuleProblem(shown, line, None, f"'{_short(name)}' is written twice in the same "
                                                f"mapping (lines {first[name]} and {line}); YAML would keep only the "
                                                "second: merge them or rename one"))
                elif name is not None:
                    first[name] = line
                todo.extend((key, value))
        elif isinstance(node, SequenceNode):
            todo.extend(node.value)
    return sorted(problems, key=lambda p: p.line or 0)


def _short(text: str, limit: int = 60) -> str:
    """``text`` cut for a message: an author's value is never shown at length."""
    return text if len(text) <= limit else text[:limit] + "…"


def line_of(tree: Node | None, path: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest node of ``path`` that exists in ``tree``."""
    line: int | None = None
    node = tree
    for key in path:
        if isinstance(node, MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if match is None:
                continue  # pydantic adds union branch names ("str", "LexiconEntry") to the path
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
    return line


def _rule_id_at(data: Any, path: tuple[Any, ...]) -> str | None:
    if len(path) >= 2 and path[0] in ("rules", "source_kinds", "furniture") and isinstance(path[1], int):
        try:
            item = data[path[0]][path[1]]
        except (KeyError, IndexError, TypeError):
            return None
        return str(item.get("id")) if isinstance(item, dict) and "id" in item else None
    if len(path) >= 2 and path[0] in ("lexicons", "macros"):
        return str(path[1])
    return None


def _problems_from(exc: ValidationError, data: Any, tree: Node | None, shown: str,
                   prefix: tuple[Any, ...] = ()) -> list[RuleProblem]:
    problems = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        # a failed union reports once per branch; one message per place is enough
        key = tuple(k for k in loc if not (isinstance(k, str) and k[:1].isupper() or k in ("str",)))
        if key in seen:
            continue
        seen.add(key)
        where = ".".join(str(k) for k in key)
        message = _explain(err)
        problems.append(RuleProblem(shown, line_of(tree, loc), _rule_id_at(data, loc), f"{where}: {message}"))
    return problems


def _shown_value(value: Any) -> str:
    """A value the author wrote, quoted and cut short: messages never carry a whole value."""
    return repr(_short(value)) if isinstance(value, str) else _short(type(value).__name__ + " value")


def _explain(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key; check its spelling against rules/README.md"
    if kind == "missing":
        return "required key is missing"
    if kind in ("enum", "literal_error"):
        expected = err.get("ctx", {}).get("expected", "")
        return f"{_shown_value(err['input'])} is not allowed; expected {expected}"
    if kind == "string_pattern_mismatch":
        return f"{_shown_value(err['input'])} does not match {err['ctx']['pattern']} (lower case, digits, . _ -)"
    if kind == "too_short":
        return "needs at least one item" if err.get("ctx", {}).get("min_length") == 1 else err["msg"]
    if kind in ("string_type", "dict_type", "list_type", "model_type", "int_type", "bool_type", "float_type",
                "int_parsing", "bool_parsing", "float_parsing"):
        wanted = {"string_type": "a text", "dict_type": "a mapping (key: value)", "list_type": "a list",
                  "model_type": "a mapping (key: value)", "int_type": "a whole number", "int_parsing": "a whole number",
                  "bool_type": "true or false", "bool_parsing": "true or false", "float_type": "a number",
                  "float_parsing": "a number"}[kind]
        return f"expected {wanted}, found {_shown_value(err['input'])}"
    return str(err["msg"])


_PATTERN_KEY = {"rules": "pattern", "source_kinds": "match", "furniture": "line"}


def _lines_of(tree: Node | None, path: tuple[Any, ...], key: str) -> tuple[int | None, ...]:
    """The line of each item of the list at ``path + (key,)``."""
    node = _node_at(tree, path + (key,))
    if not isinstance(node, SequenceNode):
        return ()
    return tuple(item.start_mark.line + 1 for item in node.value)


def _node_at(tree: Node | None, path: tuple[Any, ...]) -> Node | None:
    node = tree
    for key in path:
        if isinstance(node, MappingNode):
            node = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def _merge(source: PackSource, parsed: dict[str, Any], tree: Node | None, shown: str) -> list[RuleProblem]:
    problems: list[RuleProblem] = []

    def here(*path: Any, line_key: str | None = None) -> Located:
        return Located(shown, line_of(tree, path + ((line_key,) if line_key else ())),
                       _lines_of(tree, path, "examples"), _lines_of(tree, path, "counterexamples"),
                       _lines_of(tree, path, "entries"))

    def single(section: str, value: Any, current: Any) -> Any:
        if value is None:
            return current
        if current is not None:
            problems.append(RuleProblem(shown, line_of(tree, (section,)), None,
                                        f"a second '{section}' section; keep it in pack.yaml only"))
            return current
        return value

    source.meta = single("pack", parsed.get("pack"), source.meta)
    source.credibility = single("credibility", parsed.get("credibility"), source.credibility)
    for section in ("lexicons", "macros"):
        target = getattr(source, section)
        for name, value in parsed.get(section, {}).items():
            loc = here(section, name)
            if name in target:
                first = target[name][1]
                problems.append(RuleProblem(shown, loc.line, name, f"{section[:-1]} '{name}' is already "
                                            f"defined at {first.file}:{first.line}; rename one"))
                continue
            target[name] = (value, loc)
    ids = {item.id: loc for section in ("rules", "source_kinds", "furniture") for item, loc in getattr(source, section)}
    for section in ("rules", "source_kinds", "furniture"):
        for index, item in parsed.get(section, []):
            loc = here(section, index, line_key=_PATTERN_KEY[section])  # point at the pattern: most problems are there
            if item.id in ids:
                first = ids[item.id]
                problems.append(RuleProblem(shown, loc.line, item.id,
                                            f"id is already used at {first.file}:{first.line}; ids must be unique"))
                continue
            ids[item.id] = loc
            getattr(source, section).append((item, loc))
    return problems
