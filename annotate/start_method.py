"""How ``annotate run`` starts its worker processes: the platform's way, or as asked.

Linux forks: workers inherit the compiled pack for free. macOS and Windows spawn: each
worker receives the pack pickled, its patterns as compiled programs
(:meth:`annotate.pack.CompiledPack.__reduce__`). Setting ``ANNOTATE_START_METHOD`` to
``spawn`` or ``forkserver`` runs that path on Linux too, to measure or test it, or
where forking a process with threads is unwelcome.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import BaseContext

from annotate.errors import AnnotateError

START_METHOD_ENV = "ANNOTATE_START_METHOD"


def pool_context() -> BaseContext | None:
    """The multiprocessing context ``$ANNOTATE_START_METHOD`` names; None (the platform default) when unset."""
    method = os.environ.get(START_METHOD_ENV, "").strip()
    if not method:
        return None
    valid = multiprocessing.get_all_start_methods()
    if method not in valid:
        raise AnnotateError(f"{START_METHOD_ENV}={method!r} is not a way this platform starts processes; "
                            f"expected one of {', '.join(valid)}, or unset it for the default")
    return multiprocessing.get_context(method)
