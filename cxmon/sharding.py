"""Sharding: split the expanded journeys among N runners, each running a share of them.

``--shard I/N`` (1-based, as Playwright's ``--shard``) picks runner I of N. A journey goes to the
shard with the highest score ``hash(journey, shard number)`` (rendezvous, or highest-random-weight,
hashing), so:

- the N shards partition the journeys: every journey runs on exactly one runner;
- a journey's shard depends on that journey and N only: adding or removing a scenario moves no
  other journey;
- going from N to N+1 runners moves only the journeys the new shard wins, about 1/(N+1) of them.

The hash covers the scenario, payment method, device and market, not the location: the runners of
every location agree on the split, so each location runs its shard I of the same journeys. The hash is
``hashlib.blake2b``, stable across processes, machines and Python versions (Python's ``hash`` of a
string is salted per process).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from cxmon.model import DEFAULT_LABEL, JourneyKey

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Runner ``index`` of ``total`` (1-based)."""

    index: int
    total: int

    def __post_init__(self) -> None:
        if self.total < 1:
            raise ValueError(f"the number of shards must be at least 1, got {self.total}")
        if not 1 <= self.index <= self.total:
            raise ValueError(f"the shard index must be between 1 and {self.total}, got {self.index}")

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def holds(self, key: JourneyKey) -> bool:
        """Whether this shard runs the journey ``key``."""
        return shard_of(key, self.total) == self.index


def parse_shard(value: str) -> Shard:
    """``"2/5"`` → ``Shard(2, 5)``; raises ``ValueError`` saying what was expected."""
    m = _SHARD.match(value)
    if m is None:
        raise ValueError(f"expected INDEX/TOTAL with whole numbers, e.g. 2/5 (runner 2 of 5), got {value!r}")
    index, total = int(m.group(1)), int(m.group(2))
    if total < 1:
        raise ValueError(f"the number of shards must be at least 1, got {value!r}")
    if not 1 <= index <= total:
        raise ValueError(f"the shard index is 1-based and at most the number of shards, got {value!r}")
    return Shard(index, total)


def _score(journey: str, shard: int) -> int:
    digest = hashlib.blake2b(f"{journey}\x00{shard}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def journey_identity(key: JourneyKey) -> str:
    """What the hash sees of a journey: its labels without the location, unambiguously joined."""
    parts = (key.scenario, key.payment_method, key.device)
    # A scenario without markets hashes as it did before markets existed: its shards stay put.
    return "\x1f".join(parts if key.market == DEFAULT_LABEL else (*parts, key.market))


def shard_of(key: JourneyKey, total: int) -> int:
    """The shard (1-based) that runs journey ``key`` when there are ``total`` shards."""
    if total < 1:
        raise ValueError(f"the number of shards must be at least 1, got {total}")
    identity = journey_identity(key)
    # max() keeps the first of equal scores: ties (2**-64 apart) go to the lower shard number.
    return max(range(1, total + 1), key=lambda shard: _score(identity, shard))


class _Keyed(Protocol):
    @property
    def key(self) -> JourneyKey: ...


J = TypeVar("J", bound=_Keyed)


def select(journeys: Iterable[J], shard: Shard | None) -> list[J]:
    """The journeys of ``shard``, in their given order (all of them when ``shard`` is ``None``)."""
    if shard is None:
        return list(journeys)
    return [j for j in journeys if shard.holds(j.key)]
