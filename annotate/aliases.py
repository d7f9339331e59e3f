"""The user's alias file: canonical source names and the variants that mean them.

``--aliases aliases.yaml`` on ``annotate run`` and ``annotate report``; it wins over
every heuristic of :mod:`annotate.source_names` and :mod:`annotate.run_keys`::

    # canonical name: the variants that stand for it
    دونالد ترامب: [ترامب, ترمب, دونالد ترمب, الرئيس الأمريكي]
    الأمم المتحدة: [الامم المتحدة, المنظمة الدولية]
    وكالة الأنباء الفرنسية: أ ف ب          # one variant may be written without brackets

Variants are compared in their folded form (diacritics, hamza seats, ى/ي, ة/ه and
quotes do not matter). A variant listed under two names is an error, reported with
both names. The file is read with ``yaml.safe_load``: nothing in it is executed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from annotate.errors import InputError
from annotate.source_names import display_name, fold


class Aliases:
    """Folded variant → canonical name; a canonical name stands for itself."""

    def __init__(self, mapping: dict[str, str] | None = None, origin: str = "aliases") -> None:
        self.origin = origin
        self._by_fold: dict[str, str] = {}
        for variant, canonical in (mapping or {}).items():
            self._by_fold[fold(variant)] = canonical

    def __len__(self) -> int:
        return len(self._by_fold)

    def __bool__(self) -> bool:
        return bool(self._by_fold)

    def lookup(self, name: str | None) -> str | None:
        """The canonical name for ``name``, or None when the file does not mention it."""
        if not name:
            return None
        return self._by_fold.get(fold(name))

    @classmethod
    def from_data(cls, data: object, origin: str = "aliases") -> Aliases:
        """Check parsed YAML and build the table; every problem is reported at once."""
        if data is None:
            return cls({}, origin)
        if not isinstance(data, dict):
            raise InputError(f"{origin}: expected a mapping 'canonical name: [variants]', "
                             f"found {type(data).__name__}")
        problems: list[str] = []
        mapping: dict[str, str] = {}
        owner: dict[str, str] = {}
        for canonical, variants in data.items():
            if not isinstance(canonical, str) or not display_name(canonical):
                problems.append(f"the name {canonical!r} is not text")
                continue
            if isinstance(variants, str):
                variants = [variants]
            elif variants is None:
                variants = []
            if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
                problems.append(f"{canonical}: the variants must be a list of names, e.g. [ترامب, ترمب]")
                continue
            name = display_name(canonical)
            for variant in [canonical, *variants]:
                folded = fold(variant)
                if folded in owner and owner[folded] != name:
                    problems.append(f"'{variant}' is listed under both '{owner[folded]}' and '{name}'")
                    continue
                owner[folded] = name
                mapping[variant] = name
        if problems:
            raise InputError(f"{origin}: " + "; ".join(problems))
        return cls(mapping, origin)


def load_aliases(path: str | Path | None) -> Aliases:
    """Read an alias file (``None``: no aliases)."""
    if path is None:
        return Aliases()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the alias file ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from exc
    return Aliases.from_data(data, str(path))
