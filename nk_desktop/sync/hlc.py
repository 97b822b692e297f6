"""Hybrid logical clock (Kulkarni et al. 2014), packed in one 64-bit integer.

The high 48 bits are milliseconds since the Unix epoch, the low 16 bits a
counter.  Values are strictly increasing on one database even when the wall
clock goes backwards, and ``receive`` keeps causality with remote values
(used by the sync importer).
"""

from __future__ import annotations

import time

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1


def pack(millis: int, counter: int) -> int:
    return (millis << COUNTER_BITS) | counter


def unpack(value: int) -> tuple[int, int]:
    return value >> COUNTER_BITS, value & COUNTER_MASK


def wall_millis() -> int:
    return time.time_ns() // 1_000_000


def tick(last: int, now_millis: int | None = None) -> int:
    """The next local clock value after *last*."""
    now = wall_millis() if now_millis is None else now_millis
    last_millis, last_counter = unpack(last)
    if now > last_millis:
        return pack(now, 0)
    if last_counter == COUNTER_MASK:  # counter exhausted: borrow the next millisecond
        return pack(last_millis + 1, 0)
    return pack(last_millis, last_counter + 1)


def receive(last: int, remote: int, now_millis: int | None = None) -> int:
    """The local clock after seeing a remote value (never behind either)."""
    now = wall_millis() if now_millis is None else now_millis
    candidate = max(last, remote)
    cand_millis, cand_counter = unpack(candidate)
    if now > cand_millis:
        return pack(now, 0)
    if cand_counter == COUNTER_MASK:
        return pack(cand_millis + 1, 0)
    return pack(cand_millis, cand_counter + 1)
