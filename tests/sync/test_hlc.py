"""Hybrid logical clock: monotonic locally, causal across PCs, guarded against a far-ahead remote clock."""

from nk_desktop.sync import hlc


def test_pack_and_unpack():
    assert hlc.unpack(hlc.pack(1_700_000_000_000, 7)) == (1_700_000_000_000, 7)


def test_tick_follows_the_wall_clock():
    assert hlc.tick(hlc.pack(1000, 5), 2000) == hlc.pack(2000, 0)


def test_tick_stays_monotonic_when_the_wall_clock_goes_backwards():
    last = hlc.pack(5000, 3)
    values = [last]
    for now in (4000, 100, 4999, 5000):
        values.append(hlc.tick(values[-1], now))
    assert values == sorted(values) and len(set(values)) == len(values)
    assert hlc.unpack(values[-1])[0] == 5000


def test_counter_overflow_borrows_the_next_millisecond():
    assert hlc.tick(hlc.pack(5000, hlc.COUNTER_MASK), 10) == hlc.pack(5001, 0)


def test_receive_is_ahead_of_both_local_and_remote():
    local, remote = hlc.pack(1000, 2), hlc.pack(3000, 9)
    after = hlc.receive(local, remote, 2000)
    assert after > local and after > remote
    assert hlc.receive(local, hlc.pack(500, 0), 2000) == hlc.pack(2000, 0)


def test_receive_with_the_same_millisecond_bumps_the_counter():
    assert hlc.receive(hlc.pack(3000, 1), hlc.pack(3000, 4), 3000) == hlc.pack(3000, 5)


def test_a_remote_clock_far_ahead_does_not_drag_this_clock():
    now = 1_700_000_000_000
    far = hlc.pack(now + hlc.MAX_AHEAD_MS + 1, 0)
    after = hlc.receive(hlc.pack(now - 5, 0), far, now)
    assert hlc.unpack(after)[0] == now
    near = hlc.pack(now + hlc.MAX_AHEAD_MS - 1, 0)
    assert hlc.receive(hlc.pack(now - 5, 0), near, now) > near
