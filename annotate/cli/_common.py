"""What every command shares: turning library errors into one ``Error:`` line."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from annotate.errors import AnnotateError

F = TypeVar("F", bound=Callable[..., Any])

# --pack means the same in every command: a pack folder, or one YAML file of rules
PACK_HELP = "Rule pack: a folder of YAML files, or one file  [default: the bundled rules/]"


def user_errors(func: F) -> F:
    """Print an ``AnnotateError`` as ``Error: …`` and exit 1, instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AnnotateError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]
