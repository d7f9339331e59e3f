"""Read a rule pack's YAML files into validated models, with every problem located.

The YAML node tree remembers where each key and item sits, which is what turns a
pydantic error path such as ``rules.3.examples.0.cue`` into
``rules/cues.yaml:42 [say.vso]: …``. PyYAML's C composer builds that tree (a pack of
a few thousand entries loads in milliseconds, where a pure-Python round-trip parser
takes seconds). Every file is read and validated before anything is raised, so an
author sees all their mistakes in one run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from annotate.errors import RuleProblem
from annotate.rules.schema import (
    CredibilitySettings, FurnitureRule, Lexicon, PackFile, PackMeta, Rule, SourceKindRule,
)


@dataclass(frozen=True)
class Located:
    """Where a named thing of the pack was written."""

    file: str
    line: int | None


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


def pack_files(root: Path) -> list[Path]:
    """The YAML files of a pack folder, in a stable order (a single file is a pack too)."""
    if root.is_file():
        return [root]
    found = [Path(folder) / name for folder, _, names in os.walk(root, followlinks=True)
             for name in names if name.endswith(".yaml")]
    return sorted(found)


def read_pack(root: Path) -> tuple[PackSource, list[RuleProblem]]:
    """Read and merge every file of the pack; return the merge and all problems found."""
    source = PackSource(root=root)
    problems: list[RuleProblem] = []
    files = pack_files(root)
    if not files:
        problems.append(RuleProblem(str(root), None, None, "no *.yaml rule files found here"))
    for path in files:
        shown = _shown(path, root)
        raw = path.read_bytes()
        source.files[shown] = raw
        parsed_yaml, problem = _parse(raw, shown)
        if problem:
            problems.append(problem)
            continue
        data, tree = parsed_yaml
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(RuleProblem(shown, 1, None, "a rule file must be a mapping of sections "
                                        "(pack, lexicons, macros, rules, source_kinds, furniture, credibility)"))
            continue
        try:
            parsed = PackFile.model_validate(data)
        except ValidationError as exc:
            problems.extend(_problems_from(exc, data, tree, shown))
            continue
        problems.extend(_merge(source, parsed, tree, shown))
    return source, problems


def _shown(path: Path, root: Path) -> str:
    base = root.parent if root.is_file() else root
    try:
        return str(Path(root.name if root.is_dir() else "") / path.relative_to(base))
    except ValueError:
        return str(path)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(raw: bytes, shown: str) -> tuple[tuple[Any, Node | None], RuleProblem | None]:
    """The file's data and its node tree (for line numbers), or the located syntax error."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (None, None), RuleProblem(shown, None, None,
                                         f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return (None, None), RuleProblem(shown, line, None, f"not valid YAML: {exc.problem}")
    finally:
        loader.dispose()
    return (data, node), None


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


def _problems_from(exc: ValidationError, data: Any, tree: Node | None, shown: str) -> list[RuleProblem]:
    problems = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        # a failed union reports once per branch; one message per place is enough
        key = tuple(k for k in loc if not (isinstance(k, str) and k[:1].isupper() or k in ("str",)))
        if key in seen:
            continue
        seen.add(key)
        where = ".".join(str(k) for k in key)
        message = _explain(err)
        problems.append(RuleProblem(shown, line_of(tree, loc), _rule_id_at(data, loc), f"{where}: {message}"))
    return problems


def _explain(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key; check its spelling against rules/README.md"
    if kind == "missing":
        return "required key is missing"
    if kind in ("enum", "literal_error"):
        expected = err.get("ctx", {}).get("expected", "")
        return f"{err['input']!r} is not allowed; expected {expected}"
    if kind == "string_pattern_mismatch":
        return f"{err['input']!r} does not match {err['ctx']['pattern']} (lower case, digits, . _ -)"
    if kind == "too_short":
        return "needs at least one item" if err.get("ctx", {}).get("min_length") == 1 else err["msg"]
    return str(err["msg"])


_PATTERN_KEY = {"rules": "pattern", "source_kinds": "match", "furniture": "line"}


def _merge(source: PackSource, parsed: PackFile, tree: Node | None, shown: str) -> list[RuleProblem]:
    problems: list[RuleProblem] = []

    def here(*path: Any) -> Located:
        return Located(shown, line_of(tree, path))

    def single(section: str, value: Any, current: Any) -> Any:
        if value is None:
            return current
        if current is not None:
            problems.append(RuleProblem(shown, line_of(tree, (section,)), None,
                                        f"a second '{section}' section; keep it in pack.yaml only"))
            return current
        return value

    source.meta = single("pack", parsed.pack, source.meta)
    source.credibility = single("credibility", parsed.credibility, source.credibility)
    for section in ("lexicons", "macros"):
        target = getattr(source, section)
        for name, value in getattr(parsed, section).items():
            loc = here(section, name)
            if name in target:
                first = target[name][1]
                problems.append(RuleProblem(shown, loc.line, name, f"{section[:-1]} '{name}' is already "
                                            f"defined at {first.file}:{first.line}; rename one"))
                continue
            target[name] = (value, loc)
    ids = {item.id: loc for section in ("rules", "source_kinds", "furniture") for item, loc in getattr(source, section)}
    for section in ("rules", "source_kinds", "furniture"):
        for index, item in enumerate(getattr(parsed, section)):
            loc = here(section, index, _PATTERN_KEY[section])  # point at the pattern: most problems are there
            if item.id in ids:
                first = ids[item.id]
                problems.append(RuleProblem(shown, loc.line, item.id,
                                            f"id is already used at {first.file}:{first.line}; ids must be unique"))
                continue
            ids[item.id] = loc
            getattr(source, section).append((item, loc))
    return problems
