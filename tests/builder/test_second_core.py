"""Work on two cores: the same result as one process, whatever happens to the forked half."""

from __future__ import annotations

import os
import threading
import time

import pytest

from timeline.builder import second_core


def pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value


@pytest.mark.skipif(not second_core.available(), reason="no fork on this system")
def test_the_other_half_runs_in_another_process_and_comes_back() -> None:
    here, there = second_core.both(lambda: pid_and(1), lambda: pid_and(2))
    assert here == (os.getpid(), 1)
    assert there[1] == 2 and there[0] != os.getpid()


def test_without_fork_both_halves_run_here() -> None:
    here, there = second_core.both(lambda: pid_and(1), lambda: pid_and(2), fork=False)
    assert here == (os.getpid(), 1) and there == (os.getpid(), 2)


def test_never_forked_while_another_thread_runs() -> None:
    # A fork would copy no other thread, and a lock one held would stay held in the child.
    seen: list[bool] = []
    started, stop = threading.Event(), threading.Event()

    def wait() -> None:
        started.set()
        stop.wait()

    other = threading.Thread(target=wait)
    other.start()
    try:
        started.wait()
        seen.append(second_core.available())
        assert second_core.both(os.getpid, os.getpid) == (os.getpid(), os.getpid())  # both here
    finally:
        stop.set()
        other.join()
    assert seen == [False]


def test_turned_off_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_WORKERS", "1")
    assert not second_core.available()
    assert second_core.both(lambda: pid_and(1), lambda: pid_and(2))[1] == (os.getpid(), 2)


def test_a_failure_over_there_is_raised_here_as_one_process_would() -> None:
    def broken() -> int:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        second_core.both(lambda: 1, broken)


def test_a_result_that_cannot_be_sent_back_is_computed_here() -> None:
    _, there = second_core.both(lambda: 1, lambda: (os.getpid(), lambda: None))
    assert there[0] == os.getpid()  # a lambda does not pickle: made again in this process


def test_a_failure_here_stops_the_other_half() -> None:
    def broken() -> int:
        raise RuntimeError("here")

    with pytest.raises(RuntimeError, match="here"):
        second_core.both(broken, lambda: 2)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind


@pytest.mark.skipif(not second_core.available(), reason="no fork on this system")
def test_the_other_half_waits_at_the_gate_until_this_half_opens_it() -> None:
    gate = second_core.Gate()

    def here() -> float:
        time.sleep(0.3)
        opened = time.monotonic()
        gate.open()
        return opened

    def there() -> float:
        gate.wait()
        return time.monotonic()

    opened, passed = second_core.both(here, there)
    assert passed >= opened


@pytest.mark.skipif(not second_core.available(), reason="no fork on this system")
def test_a_gate_closed_without_opening_fails_the_other_half_which_is_then_done_here() -> None:
    gate = second_core.Gate()
    ran_here: list[int] = []

    def here() -> None:
        gate.close()

    def there() -> int:
        gate.wait()  # raises over there; here, after the step, it returns at once
        ran_here.append(os.getpid())
        return 2

    assert second_core.both(here, there) == (None, 2)
    assert ran_here == [os.getpid()]


@pytest.mark.skipif(not second_core.available(), reason="no fork on this system")
@pytest.mark.parametrize("count", [0, 1, 250, 40_000])
def test_shared_work_is_taken_once_each_by_whichever_half_is_free(count: int) -> None:
    shares = second_core.Shares(count)
    try:
        mine, theirs = second_core.both(lambda: list(shares.take()), lambda: list(shares.take()))
    finally:
        shares.close()
    assert sorted(mine + theirs) == list(range(count))
