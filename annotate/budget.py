"""Stop a rule that runs away, without paying for a timer on every pattern call.

A pattern that backtracks catastrophically (``(?:ا|اا)+ب`` on a long run of ``ا``) can
take minutes on one sentence. The engine calls patterns hundreds of thousands of times
a minute, so it cannot afford a timer per call. Instead, one ``Budget`` watches a whole
document:

- the engine names the step it is in (``budget.step("say.vso")``: two assignments, no
  clock read) before each rule runs on a sentence, each furniture line and each
  source-kind rule;
- a signal timer armed once per document ticks every half ``timeout`` of the
  process's CPU time; a tick that finds the same step running as two ticks before
  raises ``RuleTimeout`` inside it, which the engine turns into a warning naming the
  rule (``re`` checks for signals while it matches, so even one endless call is
  stopped);
- between sentences the engine compares the CPU time used with the document's
  deadline, the only protection where signals cannot be used (outside the main thread).

Budgets count CPU time, not the clock: on a machine busy with other work a rule is not
stopped, nor a document cut short, because the process was waiting for a core.

The timeout's advice is written so that following it cannot make things worse.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterable
from types import FrameType
from typing import Any

MAX_TIMEOUT_MS = 10_000  # a pack's timeout_ms may not be larger: a runaway must stop within seconds

ADVICE = ("its pattern backtracks catastrophically: make the branches of a repetition unable to match the "
          "same text (write a+, not (?:a|aa)+), and make a repetition that must not give text back "
          "atomic: (?>…)")


_STOPPED = re.compile(r"^(?:rule|furniture rule|source-kind rule) '([^']+)'.* was stopped after ")


def stopped_rules(warnings: Iterable[str]) -> list[str]:
    """The ids of the rules a document's warnings say were stopped, for run summaries."""
    return [m.group(1) for m in map(_STOPPED.match, warnings) if m is not None]


class RuleTimeout(Exception):
    """Raised inside a step that ran past its time budget; carries the step's name."""

    def __init__(self, label: str):
        super().__init__(label)
        self.label = label


_current: Budget | None = None
_LOOKS = 10  # CPU clock reads per timeout of wall time, at most (Budget.over)
_foreign: Any = None  # the SIGPROF handler found before ours, called when no budget is running


def _listen() -> None:
    """Install the SIGPROF handler, once per process (installing one costs more than annotating a
    short article); it stays, and passes a tick to the running budget, or to the handler it replaced."""
    global _foreign
    handler = signal.getsignal(signal.SIGPROF)
    if handler is not _dispatch:
        _foreign = handler
        signal.signal(signal.SIGPROF, _dispatch)


def _dispatch(signum: int, frame: FrameType | None) -> None:
    budget = _current
    if budget is not None:
        budget._tick(signum, frame)
    elif callable(_foreign):
        _foreign(signum, frame)


def current() -> Budget | None:
    """The budget of the document being annotated in this thread, if any."""
    return _current


class Budget:
    """Time budget of one document: ``timeout`` per step, ``deadline`` for the whole."""

    def __init__(self, timeout: float, steps_allowed: int = 1):
        self.timeout = timeout
        self.deadline = time.process_time() + timeout * max(1, steps_allowed)
        self._look_at = time.perf_counter() + timeout / _LOOKS  # when over() next reads the CPU clock
        self.calls = 0
        self.busy: str | None = None
        self.warnings: list[str] = []
        self.slow: list[str] = []  # the labels stopped, in order
        self._seen = -1
        self._strikes = 0
        self._armed = False
        self._outer: Budget | None = None

    def step(self, label: str) -> None:
        """Name the step about to run; the watchdog measures it from now on."""
        self.calls += 1
        self.busy = label

    def idle(self) -> None:
        self.busy = None

    def over(self) -> bool:
        """Whether the document has used up its whole budget (checked between sentences).

        The CPU clock is a system call on some machines (1–2 µs, more than matching a
        short sentence), so it is read at most ``_LOOKS`` times per ``timeout`` of wall
        time: the deadline is seen at most a tenth of a timeout (of wall time) late.
        """
        now = time.perf_counter()
        if now < self._look_at:
            return False
        self._look_at = now + self.timeout / _LOOKS
        return time.process_time() > self.deadline

    def stopped(self, label: str, what: str) -> None:
        """Record that ``label`` was stopped, with a message for the person reading the warnings."""
        self.slow.append(label)
        self.deadline += self.timeout * 1.5  # the stopped step's time is not held against the rest
        self.warnings.append(f"{what} was stopped after {self.timeout * 1000:g} ms; {ADVICE}")

    def __enter__(self) -> Budget:
        global _current
        self._outer, _current = _current, self
        if self._outer is None and threading.current_thread() is threading.main_thread() \
                and hasattr(signal, "setitimer"):
            try:
                if signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0):  # nobody else's timer
                    _listen()
                    interval = max(self.timeout / 2, 0.001)
                    signal.setitimer(signal.ITIMER_PROF, interval, interval)
                    self._armed = True
            except (ValueError, OSError):
                self._armed = False
        return self

    def __exit__(self, *exc: object) -> None:
        global _current
        self.busy = None
        if self._armed:
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            self._armed = False
        _current = self._outer

    def _tick(self, signum: int, frame: FrameType | None) -> None:
        label = self.busy
        if label is None:
            self._strikes = 0
            return
        if self.calls != self._seen:
            self._seen, self._strikes = self.calls, 1
            return
        self._strikes += 1
        if self._strikes >= 3:  # seen running at three ticks half a timeout apart: at least a timeout
            self._strikes = 0
            self.busy = None
            raise RuleTimeout(label)


class GuardedPattern:
    """A compiled pattern whose calls are steps of the current document's budget.

    Source-kind rules are called from deep inside the engine; wrapped, a runaway one
    is stopped, reported by id and treated as not matching, and the article goes on.
    """

    __slots__ = ("compiled", "label", "what")

    def __init__(self, compiled: Any, label: str, what: str):
        self.compiled = compiled
        self.label = label
        self.what = what

    def __getattr__(self, name: str) -> Any:  # .pattern text, .groupindex … of the wrapped pattern
        if name == "compiled":
            raise AttributeError(name)
        return getattr(self.compiled, name)

    def __reduce__(self) -> tuple[Any, ...]:  # for the Spark and spawn paths, which pickle the pack
        return GuardedPattern, (self.compiled, self.label, self.what)

    def search(self, text: str, *args: Any) -> Any:
        budget = _current
        if budget is None:
            return self.compiled.search(text, *args)
        outer = budget.busy
        try:
            budget.step(self.label)
            return self.compiled.search(text, *args)
        except RuleTimeout:
            budget.stopped(self.label, f"{self.what} {self.label!r}")
            return None
        finally:
            budget.busy = outer
