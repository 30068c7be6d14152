"""Allocation by shares: a unit's previous-round figure where a split or a partial transfer
between the rounds moved a share of another unit's responses to it (docs/reform.md).

A share link (``unit_link`` with share < 1: a split's successors, a transfer's receiver) dated
after the previous round's hierarchy day and up to this report's says that from that date
``share`` of what ``from_unit`` covered belongs to ``to_unit``. What is shared is the source's
*own* data: the responses collected at the source itself and at the units merged into it
(recursively). Its children are units of their own: a split or transfer maps them to a
successor, and they move whole with it (``lineage_ids``).

For a unit X of this report, each response of the previous round counts with a weight
multiplier α (the unit's previous figure is the weighted ratio Σ α·w·y / Σ α·w·x):

- α = 1 for the responses in X's lineage (its subtree now, with what it absorbed and its
  predecessors through merges: the pooled allocation);
- for the own data of each share source P: α = Σ of the shares of P's receivers in X's
  subtree, plus, when P itself is in X's subtree, what P kept (1 − Σ of all P's shares; 0
  for a split).

A successor of a split alone thus has its predecessor's figure (a constant α changes no
ratio); a receiver of a transfer pools its own responses with the share of the source's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import UnitEvent, UnitLink
from app.units.lineage import Predecessors, lineage_ids
from app.units.service import UnitTree

Allocation = dict[int, float]  # unit id -> the multiplier of its responses' weights


@dataclass(frozen=True)
class ShareLink:
    source: int
    receiver: int
    share: float

    @property
    def pair(self) -> tuple[int, int]:
        return self.source, self.receiver


async def share_links(session: AsyncSession, after: date, until: date) -> list[ShareLink]:
    """Share links (split, partial transfer) of events not reverted, dated after ``after``
    up to ``until``."""
    rows = await session.execute(
        select(UnitLink.from_unit_id, UnitLink.to_unit_id, UnitLink.share)
        .join(UnitEvent, UnitEvent.id == UnitLink.event_id)
        .where(
            UnitEvent.reverted_at.is_(None),
            UnitEvent.effective > after,
            UnitEvent.effective <= until,
            UnitLink.share < 1,
        )
        .order_by(UnitLink.event_id, UnitLink.to_unit_id)
    )
    return [ShareLink(int(a), int(b), float(s)) for a, b, s in rows]


def own_ids(predecessors: Predecessors, unit_id: int) -> set[int]:
    """The unit and the units merged into it (recursively): the data a share divides."""
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(predecessors.get(current, ()))
    return found


def _by_source(links: Iterable[ShareLink]) -> dict[int, list[ShareLink]]:
    found: dict[int, list[ShareLink]] = defaultdict(list)
    for link in links:
        found[link.source].append(link)
    return found


def allocation(
    tree: UnitTree, predecessors: Predecessors, links: Sequence[ShareLink], unit_id: int
) -> Allocation:
    """The unit's previous-round multipliers (module docstring); units with 0 left out."""
    found: Allocation = dict.fromkeys(lineage_ids(tree, predecessors, unit_id), 1.0)
    inside = tree.subtree_ids(unit_id)
    for source, outgoing in _by_source(links).items():
        alpha = sum(link.share for link in outgoing if link.receiver in inside)
        if source in inside:
            alpha += max(0.0, 1.0 - sum(link.share for link in outgoing))
        for unit in own_ids(predecessors, source):
            found[unit] = alpha
    return {unit: alpha for unit, alpha in found.items() if alpha > 1e-12}


def is_whole(found: Allocation) -> bool:
    return all(abs(alpha - 1.0) <= 1e-12 for alpha in found.values())


def share_domains(predecessors: Predecessors, links: Sequence[ShareLink]) -> list[set[int]]:
    """Sets to plan in an engine's domains so that each group of cells carries one share:
    the own data of every share source."""
    return [own_ids(predecessors, source) for source in _by_source(links)]
