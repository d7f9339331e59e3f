"""One exception tree for the whole toolkit.

    AnnotateError                 every error a user can meet; the CLI prints it as one line
    ├── RulePackError             a rule pack that cannot be used (holds every problem found)
    │   └── (RuleProblem items)   one located problem: file, line, rule id, message
    ├── RuleTimeoutError          a rule's regex ran past its time budget on one text
    ├── InputError                an input file that cannot be opened at all
    ├── ExportError               a table that could not be written
    └── LabelStudioError          the Label Studio server refused or could not be reached

Messages are written for the person at the keyboard: what went wrong, where, and what
to do. Row-level input problems are not exceptions: they become ``ReadError`` records so
that one broken article never stops a run.
"""

from __future__ import annotations

from dataclasses import dataclass


class AnnotateError(Exception):
    """Base of every error the toolkit raises on purpose."""


@dataclass(frozen=True)
class RuleProblem:
    """One mistake in a rule pack, located as precisely as the YAML allows."""

    file: str
    line: int | None
    rule_id: str | None
    message: str
    column: int | None = None  # 1-based, when the YAML parser or the pattern compiler knows it

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        rule = f" [{self.rule_id}]" if self.rule_id else ""
        return f"{where}{rule}: {self.message}"


class RulePackError(AnnotateError):
    """A rule pack with one or more problems; all of them are reported at once."""

    def __init__(self, problems: list[RuleProblem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"rule pack has {len(problems)} {noun}:\n{lines}")


class RuleTimeoutError(AnnotateError):
    """A rule's pattern was stopped because it ran too long (catastrophic backtracking)."""

    def __init__(self, rule_id: str, seconds: float, where: str = ""):
        self.rule_id = rule_id
        self.seconds = seconds
        at = f" on {where}" if where else ""
        from annotate.budget import ADVICE  # one wording, safe to follow, for every timeout message

        super().__init__(f"rule {rule_id!r} was stopped after {seconds:g} s{at}; {ADVICE}")


class InputError(AnnotateError):
    """An input that cannot be opened or recognised as a whole."""


class ExportError(AnnotateError):
    """An output table that could not be written."""


class LabelStudioError(AnnotateError):
    """Label Studio could not be reached, refused a call, or holds unexpected data."""
