"""Worker processes: messages, exit codes, environment, the run directory, and
stopping on a signal with every process group a worker started."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest

from specdsl.workers import Interrupted, Job, popen_group, run_jobs


def count_to(n: int, code: int, send) -> None:
    for i in range(n):
        send(i)
    sys.exit(code)


def tell_tmpdir_and_variable(name: str, send) -> None:
    send((tempfile.gettempdir(), os.environ.get(name), os.getpid(), os.getpgid(0)))


def start_a_group_and_block(send) -> None:
    child = popen_group(["sleep", "600"])
    send((os.getpid(), child.pid))
    time.sleep(600)  # in C, as a solver call would be


def gone(pid: int) -> bool:
    """No such process, or a zombie nobody reaps."""
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


def test_messages_arrive_in_order_and_exit_codes_are_returned():
    got: list[tuple[int, object]] = []
    jobs = [Job(count_to, (3, 0)), Job(count_to, (2, 5))]
    codes = run_jobs(jobs, 2, lambda i, message: got.append((i, message)))
    assert codes == [0, 5]
    assert [m for i, m in got if i == 0] == [0, 1, 2] and [m for i, m in got if i == 1] == [0, 1]


def test_a_worker_runs_in_its_own_group_with_the_environment_of_the_call(monkeypatch, tmp_path):
    # The forkserver keeps the environment it was started with: a worker must not.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("SPECDSL_TEST_VARIABLE", str(tmp_path))
    got = []
    run_jobs([Job(tell_tmpdir_and_variable, ("SPECDSL_TEST_VARIABLE",))], 1, lambda i, m: got.append(m))
    [(tmpdir, variable, pid, group)] = got
    assert Path(tmpdir).parent == tmp_path and Path(tmpdir).name.startswith("specdsl-run-")
    assert variable == str(tmp_path) and pid == group != os.getpgid(0)
    assert list(tmp_path.iterdir()) == []  # the run directory is removed


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_kills_the_workers_and_the_process_groups_they_started(signum):
    started = []

    def receive(i: int, message: object) -> None:
        started.append(message)
        os.kill(os.getpid(), signum)

    with pytest.raises(Interrupted) as info:
        run_jobs([Job(start_a_group_and_block, ())], 1, receive)
    assert info.value.signum == signum
    [(worker, child)] = started
    assert gone(worker) and gone(child)
