"""A tiny, fast, deterministic PRNG (splitmix64-seeded LCG) for per-record generation.

``random.Random(seed)`` costs several microseconds to seed; the simulator derives one generator per record
(``Rng.for_record(seed, entity_code, index)``), so seeding must be nearly free. Not for cryptography.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(value: int) -> int:
    """The splitmix64 finaliser: a good 64-bit hash of an integer."""
    z = (value + GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def derive(*parts: int) -> int:
    """A 64-bit seed derived from a tuple of integers (stable across processes, unlike ``hash``)."""
    state = 0x5EED
    for part in parts:
        state = mix64(state ^ (part & MASK))
    return state


class Rng:
    """splitmix64 stream with the handful of helpers the record builders need."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    @classmethod
    def for_record(cls, seed: int, entity_code: int, index: int, salt: int = 0) -> Rng:
        """The stream of one record (a single mix of the four parts: this is a hot path)."""
        return cls(
            mix64(seed * 0x2545F4914F6CDD1D + entity_code * 0x9E3779B1 + index * 0xD6E8FEB86659FD93 + salt)
        )

    def next(self) -> int:
        """53 random bits: a 64-bit LCG step from a splitmix-mixed seed (cheap; plenty for fake data)."""
        self.state = s = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return s >> 11

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return self.next() % n

    def between(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi] inclusive."""
        return lo + self.next() % (hi - lo + 1)

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.next() < p * 9007199254740992.0

    def choice(self, seq: Sequence[T]) -> T:
        return seq[self.next() % len(seq)]

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * (self.next() / 9007199254740992.0)
