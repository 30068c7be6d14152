"""Named PostgreSQL advisory locks (instead of bare numbers scattered in the code).

A lock is a (class, key) pair: the class names what is locked, the key which one (a round id).
Background work tries the lock and moves on when another process holds it, rather than
queueing behind it (polar's kit/db/locking.py). SQLite has one writer: BEGIN IMMEDIATE.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lock:
    name: str
    key: int  # the advisory lock's first key (its "class")


TALLY_FOLD = Lock("tally-fold", 4242)  # second key: the round id
INTEGRITY_REPORT = Lock("integrity-report", 4243)  # second key: the round id
DOSSIER_VOLUMES = Lock("dossier-volumes", 4244)  # second key: the round id
DOSSIER_FOLD = Lock("dossier-fold", 4260)  # second key: 0 (one counter of the feed at a time)
IMPROVEMENT_FIGURES = Lock("improvement-figures", 4245)  # second key: the round id
DOSSIER_RATINGS = Lock("dossier-ratings", 4261)  # second key: the round id
RANKINGS = Lock("rankings", 4262)  # second key: the round id
UNIT_TREES = Lock("unit-trees", 4263)  # second key: 0 (the stored dated trees)
