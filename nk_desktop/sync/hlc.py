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
MAX_AHEAD_MS = 10 * 60 * 1000  # a remote clock may not drag ours more than 10 minutes ahead (sync-design §4.9)


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


def receive(last: int, remote: int, now_millis: int | None = None, *,
            max_ahead_ms: int | None = MAX_AHEAD_MS) -> int:
    """The local clock after seeing a remote value: ahead of both *last* and *remote*.

    Except: a remote value more than *max_ahead_ms* beyond *now* (a PC whose clock runs far
    ahead) does not drag this clock forward: the op is still applied, only its time
    is not adopted (clocks order last-writer-wins fields, they never decide conflicts).
    """
    now = wall_millis() if now_millis is None else now_millis
    if max_ahead_ms is not None and unpack(remote)[0] > now + max_ahead_ms:
        return tick(last, now)
    candidate = max(last, remote)
    cand_millis, cand_counter = unpack(candidate)
    if now > cand_millis:
        return pack(now, 0)
    if cand_counter == COUNTER_MASK:
        return pack(cand_millis + 1, 0)
    return pack(cand_millis, cand_counter + 1)
