"""The garbage collector of a long-running process: a web worker or the timer worker.

What a process builds at its start (modules, the app, its SQLAlchemy mappers and statements
built once, the agreements) lives as long as the process. CPython's cycle collector would
still walk all of it on each full collection, and a command allocates enough objects
(SpiffWorkflow rebuilds a case's task tree on each load) to trigger the young collections
several times per request. ``settle`` moves what start-up built out of the collector's
sight (``gc.freeze``) and lets more allocations pass between collections: garbage cycles are
still found, only in fewer, larger rounds. Measured on an API completion on PostgreSQL
(bench/README.md): the collector's share fell from 0.86 to 0.07 ms of about 10 ms.
"""
from __future__ import annotations

import gc

# Allocations between young collections, and how many of those per older one (CPython's
# defaults: 700, 10, 10). A request's garbage is gone by the next young collection after it.
THRESHOLDS = (20_000, 50, 100)


def settle() -> None:
    """Call once the process has started up, before it serves: collect what start-up left,
    keep the rest out of later collections, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
