"""Generate the pack's derived patterns from its lexicons, so that they can never go stale.

Some patterns cannot use a lexicon directly: breadcrumbs are scraped run together
(``العالم العربيفلسطينمصر``), so the furniture rule needs the section, country and
capital names *without* word boundaries, as one compact trie. Such a macro is marked
in its YAML file by the comment line just above it::

    # generated: trie of site_sections countries capitals
    site_section: '(?:…)'

``annotate rules generate`` rewrites every marked macro from the lexicons it names
(the rest of the file is left byte for byte), and ``stale_macros`` tells a test or
``rules check`` which ones no longer match their lexicons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from annotate.errors import RulePackError, RuleProblem
from annotate.normalise import normalise_term
from annotate.rules.compiler import trie_pattern
from annotate.rules.inflect import EntryError, expand
from annotate.rules.loader import PackSource, pack_files, read_pack

_MARKER = re.compile(r"^(?P<indent>\s*)# generated: trie of (?P<names>[a-z0-9_ ]+?)\s*$")
_MACRO = re.compile(r"^(?P<indent>\s*)(?P<name>[a-z][a-z0-9_]*): '(?P<body>.*)'\s*$")


@dataclass(frozen=True)
class Generated:
    """One generated macro: where it is written, from which lexicons, and its current and fresh text."""

    file: Path
    line: int  # 1-based line of the macro
    name: str
    lexicons: tuple[str, ...]
    written: str
    fresh: str

    @property
    def stale(self) -> bool:
        return self.written != self.fresh


def trie(words: list[str]) -> str:
    """An alternation of ``words`` as a trie (the compiler's own), a space matching any run of white space.

    Branches are sorted, so the same words always give the same text (the staleness
    test compares texts).
    """
    return trie_pattern(sorted(set(words))).replace("\\ ", "\\s+")


def _forms(source: PackSource, name: str) -> list[str]:
    if name not in source.lexicons:
        raise RulePackError([RuleProblem(str(source.root), None, None, f"a generated macro names lexicon '{name}', "
                                         "which the pack does not define")])
    lexicon, where = source.lexicons[name]
    try:
        return [form.text for form in expand(lexicon)]
    except EntryError as exc:
        raise RulePackError([RuleProblem(where.file, where.line, name, str(exc))]) from None


def generated_macros(root: Path) -> list[Generated]:
    """Every marked macro of the pack at ``root``, with the text its lexicons give now."""
    source, problems = read_pack(root)
    if problems:
        raise RulePackError(problems)
    found = []
    for path in pack_files(root):
        lines = path.read_text(encoding="utf-8").split("\n")
        for index, line in enumerate(lines[:-1]):
            marker = _MARKER.match(line)
            macro = _MACRO.match(lines[index + 1]) if marker else None
            if marker is None:
                continue
            if macro is None:
                raise RulePackError([RuleProblem(str(path), index + 1, None, "a '# generated:' comment must stand "
                                                 "right above a one-line macro: name: '…'")])
            names = tuple(marker.group("names").split())
            words = [normalise_term(w) for name in names for w in _forms(source, name)]
            found.append(Generated(path, index + 2, macro.group("name"), names,
                                   macro.group("body"), trie(words).replace("'", "''")))
    return found


def regenerate(root: Path) -> list[Generated]:
    """Rewrite every stale generated macro of the pack in place; return those rewritten."""
    changed = [g for g in generated_macros(root) if g.stale]
    for item in changed:
        lines = item.file.read_text(encoding="utf-8").split("\n")
        macro = _MACRO.match(lines[item.line - 1])
        assert macro is not None
        lines[item.line - 1] = f"{macro.group('indent')}{item.name}: '{item.fresh}'"
        item.file.write_text("\n".join(lines), encoding="utf-8")
    return changed
