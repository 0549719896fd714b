"""Jobs in worker processes, and stopping them all at once on SIGINT or SIGTERM.

Each job runs in a worker process of its own, at most N at a time, started by
multiprocessing's forkserver (cheap to start, safe with threads; a job's
function and arguments are pickled, so they must be defined at module level).
A worker runs in a process group of its own: the terminal's Ctrl-C reaches the
main process alone, which decides.  A process that a worker starts in a session
of its own (TLC, whose timeout kills its whole group) is started with
`popen_group`, so that a stopped worker kills it first.  Every worker's
temporary files go into one run-level directory that the main process removes,
whatever happens.

Why a worker is told to stop rather than killed outright: killing its group
would leave TLC's groups running.  A thread of the worker waits for the request
(or for the main process to end) and is not held up by a solver call in the
worker's main thread, since Z3 releases the GIL.  The main process gives the
workers `GRACE` seconds, then kills their groups anyway.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

GRACE = 1.0  # seconds a stopped worker has to kill its process groups and exit
STOPPED = 143  # a stopped worker's exit code

Send = Callable[[object], None]


class Interrupted(Exception):
    """The main process received SIGINT or SIGTERM; every worker has been stopped."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class Job:
    """`function(*args, send)` in a worker; `send` hands a picklable message to the main process."""

    function: Callable[..., None]
    args: tuple[Any, ...]


def run_jobs(
    jobs: Sequence[Job],
    workers: int,
    receive: Callable[[int, object], None],
    preload: Sequence[str] = (),
) -> list[int | None]:
    """Run the jobs in this order, at most `workers` at a time; `receive(i, message)`
    for each message of job i, in the order sent.  Returns each worker's exit code.
    Raises Interrupted on SIGINT or SIGTERM (when called from the main thread) after
    stopping every worker; `preload`: modules the workers import anyway."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    codes: list[int | None] = [None] * len(jobs)
    pending = deque(range(len(jobs)))
    live: dict[int, _Worker] = {}
    tmp = tempfile.mkdtemp(prefix="specdsl-run-")
    with _interruptible():
        try:
            while pending or live:
                while pending and len(live) < workers:
                    i = pending.popleft()
                    live[i] = _Worker.start(ctx, jobs[i], tmp)
                for i in _serve(live, receive):
                    codes[i] = live.pop(i).close()
        except BaseException:
            _stop(list(live.values()))
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return codes


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise Interrupted, once: a second signal does not cut the cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def interrupt(signum: int, _frame: object) -> None:
        if not caught:
            caught.append(signum)
            raise Interrupted(signum)

    old = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    messages: Connection  # from the worker
    stop: Connection  # to the worker
    open: bool = True  # messages not yet at their end

    @staticmethod
    def start(ctx: Any, job: Job, tmp: str) -> _Worker:
        messages, child_messages = ctx.Pipe(duplex=False)
        child_stop, stop = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_worker_main, args=(job, child_messages, child_stop, dict(os.environ), tmp), daemon=True
        )
        process.start()
        child_messages.close()  # so that the worker's end alone keeps the pipe open
        child_stop.close()
        return _Worker(process, messages, stop)

    def close(self) -> int | None:
        self.process.join()
        self.messages.close()
        self.stop.close()
        return self.process.exitcode


def _serve(live: dict[int, _Worker], receive: Callable[[int, object], None]) -> list[int]:
    """Hand on the messages that have arrived; the jobs whose workers have exited
    (after their last message)."""
    by_conn = {w.messages: i for i, w in live.items() if w.open}
    by_sentinel = {w.process.sentinel: i for i, w in live.items()}
    ready = wait([*by_conn, *by_sentinel])
    for conn in ready:
        if conn in by_conn:
            _drain(by_conn[conn], live[by_conn[conn]], receive)
    exited = [by_sentinel[s] for s in ready if s in by_sentinel]
    for i in exited:  # its last messages may have arrived with its exit
        _drain(i, live[i], receive)
    return exited


def _drain(i: int, worker: _Worker, receive: Callable[[int, object], None]) -> None:
    while worker.open and worker.messages.poll():
        try:
            message = worker.messages.recv()
        except EOFError:
            worker.open = False
            return
        receive(i, message)


def _stop(workers: list[_Worker]) -> None:
    """Ask every worker to stop, wait `GRACE` at most, then kill their groups."""
    for w in workers:
        with contextlib.suppress(OSError):
            w.stop.send(None)
    deadline = time.monotonic() + GRACE
    for w in workers:
        w.process.join(max(0.0, deadline - time.monotonic()))
    for w in workers:
        pid = w.process.pid
        if pid is not None and w.process.exitcode is None:
            for kill in (os.killpg, os.kill):  # the group, or the worker if it has none yet
                with contextlib.suppress(OSError):
                    kill(pid, signal.SIGKILL)
        w.close()


# ---------------------------------------------------------------------------
# In the worker


def _worker_main(job: Job, messages: Connection, stop: Connection, environ: dict[str, str], tmp: str) -> None:
    os.setpgid(0, 0)
    # The forkserver was started with the main process's environment of that time.
    os.environ.clear()
    os.environ.update(environ, TMPDIR=tmp)
    tempfile.tempdir = tmp
    threading.Thread(target=_stop_when_asked, args=(stop,), daemon=True).start()
    job.function(*job.args, messages.send)
    messages.close()


def _stop_when_asked(stop: Connection) -> None:
    parent = multiprocessing.parent_process()
    wait([stop] + ([parent.sentinel] if parent is not None else []))  # a request, or the main process ended
    _groups_lock.acquire()  # held until the exit: no group starts any more
    for proc in _groups:
        if proc.returncode is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
    os._exit(STOPPED)


_groups: list[subprocess.Popen[str]] = []
_groups_lock = threading.Lock()


def popen_group(cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen[str]:
    """`subprocess.Popen(cmd, **kwargs)` in a session of its own (its group can be
    killed as one), which a stopped worker kills; `forget_group` once it is reaped."""
    with _groups_lock:
        proc: subprocess.Popen[str] = subprocess.Popen(cmd, start_new_session=True, **kwargs)
        _groups.append(proc)
    return proc


def forget_group(proc: subprocess.Popen[str]) -> None:
    with _groups_lock:
        _groups.remove(proc)
