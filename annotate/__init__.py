"""annotate: find who said what in Arabic news.

The public API, in the order a user meets it::

    from annotate import load_pack, annotate_text
    pack = load_pack()                       # the bundled rules/, compiled once
    result = annotate_text(text, pack, doc_id="a1")
    for a in result.attributions:
        print(a.cue_text, a.source_text, a.source_type, a.source_kind, a.credibility_grade)
    result.to_polars()                       # the attributions as a DataFrame; in Jupyter, `result` shows highlighted
    run = read_run("exports/")               # a run folder: run.attributions, run.documents, run.errors

Everything else (readers, Parquet export, Label Studio, evaluation) is reached from the
``annotate`` command or its own module.
"""

from annotate.engine import annotate_text
from annotate.errors import (
    AnnotateError, ExportError, InputError, LabelStudioError, RulePackError, RuleProblem, RuleTimeoutError,
)
from annotate.pack import CompiledPack, load_pack
from annotate.runs import Run, read_run
from annotate.records import (
    Attribution, Credibility, DocumentProfile, DocumentResult, LostCandidate, ReadError, SourceKind, SourceType, Span,
)

__all__ = [
    "AnnotateError", "Attribution", "CompiledPack", "Credibility", "DocumentProfile", "DocumentResult",
    "ExportError", "InputError", "LabelStudioError", "LostCandidate", "ReadError", "RulePackError",
    "RuleProblem", "RuleTimeoutError", "Run", "SourceKind", "SourceType", "Span", "annotate_text", "load_pack",
    "read_run",
]
