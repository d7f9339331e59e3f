"""annotate: find who said what in Arabic news.

The public API, in the order a user meets it::

    from annotate import load_pack, annotate_text
    pack = load_pack()                       # the bundled rules/, compiled once
    result = annotate_text(text, pack, doc_id="a1")
    for a in result.attributions:
        print(a.cue_text, a.source_text, a.source_type, a.source_kind, a.credibility_grade)

Everything else (readers, Parquet export, Label Studio, evaluation) is reached from the
``annotate`` command or its own module. The names below are imported on first use, so
that ``import annotate.cli`` (and ``annotate --help``) costs no more than click.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "annotate_text": "annotate.engine",
    "CompiledPack": "annotate.pack", "load_pack": "annotate.pack",
    **{name: "annotate.errors" for name in (
        "AnnotateError", "ExportError", "InputError", "LabelStudioError", "RulePackError", "RuleProblem",
        "RuleTimeoutError")},
    **{name: "annotate.records" for name in (
        "Attribution", "Credibility", "DocumentProfile", "DocumentResult", "LostCandidate", "ReadError",
        "SourceKind", "SourceType", "Span")},
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'annotate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
