"""The retrying pool: how its processes start, and that they never outlive the parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from pool_workers import Doubler, lost

from saferkit.core.pool import RetryingPool, start_method


def test_workers_fork_without_threads_and_spawn_beside_one():
    assert start_method() == "fork"
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        assert start_method() == "spawn"  # a fork beside a running thread could copy a lock it holds
    finally:
        stop.set()
        helper.join()
    assert start_method() == "fork"


@pytest.mark.parametrize("with_thread", [False, True])
def test_every_batch_is_answered_by_the_pool_processes(with_thread):
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    if with_thread:
        helper.start()
    try:
        pool: RetryingPool[int, tuple[int, int]] = RetryingPool(Doubler, 2, give_up=lost)
        pool.prestart()
        results = dict(pool.run(range(20)))
    finally:
        stop.set()
        if with_thread:
            helper.join()
    assert {batch: doubled for batch, (doubled, _) in results.items()} == {n: 2 * n for n in range(20)}
    assert os.getpid() not in {pid for _, pid in results.values()}


PARENT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {support!r})
    from pool_workers import Doubler, lost
    from saferkit.core.pool import RetryingPool

    pool = RetryingPool(Doubler, 2, give_up=lost)
    pool.prestart()
    print(" ".join(str(slot.process.pid) for slot in pool._early), flush=True)
    time.sleep(60)
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_forked_workers_end_when_their_parent_is_killed():
    """Each worker must see end-of-file on its pipe when the parent dies: no sibling may hold the parent's end."""
    support = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support")
    parent = subprocess.Popen([sys.executable, "-c", PARENT.format(support=support)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        time.sleep(0.5)  # both are waiting for a batch
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)
