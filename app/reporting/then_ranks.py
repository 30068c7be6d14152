"""The previous round's own ranking: ranks "of N" over the units that existed in that round.

A unit's previous rank is its rank in the ranking that round would have had in its own
hierarchy (``then``, the hierarchy as of its day): the same parent's children then (a
report), or the units of the ranked level under the parent then (``/ranking``), each over
its subtree as then, under that round's design; N (``rank_of``) counts those ranked. So
"18/63" last year beside "5/34" this year, not a rank among today's 34 units' earlier
figures. A unit whose boundary changed since (merged, split, moved: ``boundary`` not
``same``) was not a unit of that ranking: its previous rank is null, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.statistics.inference import Engine
from app.statistics.overalls import overall_points
from app.statistics.ranks import competition_ranks
from app.units.service import UnitTree


def existed(then: UnitTree, unit_id: int) -> bool:
    node = then.by_id.get(unit_id)
    return node is not None and then.by_code.get(node.code) is node


def then_peers(then: UnitTree, unit_id: int, level: str | None) -> list[int]:
    """The peers of the previous round's ranking in its own hierarchy: the unit's children
    then (``level`` None), or the units of ``level`` strictly under it then; [] if the unit
    did not exist then."""
    if not existed(then, unit_id):
        return []
    if level is None:
        return [c.id for c in then.children.get(unit_id, ())]
    under = then.subtree_ids(unit_id) - {unit_id}
    found = [then.by_id[u] for u in under if existed(then, u) and then.by_id[u].level == level]
    return [n.id for n in sorted(found, key=lambda n: n.code)]


@dataclass(frozen=True)
class ThenRanking:
    ranks: dict[int, int | None]  # peer id (then) -> its rank then (None: no data)
    ranked: int  # N: the peers ranked then

    @property
    def ranked_ids(self) -> set[int]:
        return {u for u, r in self.ranks.items() if r is not None}


def then_ranking(engine: Engine, then: UnitTree, peers: Sequence[int]) -> ThenRanking:
    """Competition ranks of the peers' overall indices then (over their subtrees as then)."""
    indices = overall_points(engine, [then.subtree_ids(p) for p in peers])
    ranks = competition_ranks(indices)
    return ThenRanking(dict(zip(peers, ranks, strict=True)), sum(r is not None for r in ranks))
