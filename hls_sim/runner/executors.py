"""Where runs execute: in this process, on a local process pool, or on a Dask cluster.

Every executor takes the same batches and yields each batch's outputs as it finishes,
in whatever order they finish; results are identical whichever executor ran them,
because each run depends only on its parameters and seed.

* :class:`SerialExecutor`: one process (``--workers 1``); simplest to debug.
* :class:`ProcessExecutor`: a pool of worker processes on this machine (the default).
* :class:`DaskExecutor`: a Dask distributed cluster (``--dask ADDRESS``), or a
  LocalCluster it starts itself (``--dask local``). Workers must have hls_sim installed.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from typing import Any

from ..params import ParameterError
from .lifeline import bind_to_parent

WORKER_PRELOAD = ["hls_sim.runner.work", "hls_sim.model"]
"""What every worker process has imported before its first run: the model (Mesa,
pandas, scipy; about 1.7 s) is imported once, by this process or its fork server,
not by each worker after it starts (``import hls_sim`` itself no longer imports it)."""

Batch = tuple[Any, ...]  # positional arguments of the batch function


class ExecutorError(RuntimeError):
    """The executor itself failed (workers kept dying, a cluster went away)."""


class ClusterMismatchError(ParameterError):
    """A Dask cluster whose workers run other versions than this process: refused
    before anything runs (bad input: exit status 2)."""


class SerialExecutor:
    """Runs batches one after another in this process."""

    kind = "serial"

    def __init__(self) -> None:
        self.workers = 1

    def map_unordered(self, fn: Callable, batches: list[Batch]) -> Iterator[tuple[int, Any]]:
        for i, args in enumerate(batches):
            yield i, fn(*args)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": 1}

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class WorkerDied:
    """What an executor yields for a batch whose worker process died while running it
    (killed by the out-of-memory killer, ``kill -9``, a crash in C code): the batch's
    runs are recorded as failed with ``reason``, and the rest of the ensemble goes on."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"WorkerDied({self.reason!r})"


class _TaskError:
    """An exception raised by the batch function itself (not by a run: runs never
    raise), sent back from a worker so the command can stop with it."""

    def __init__(self, error: str, tb: str) -> None:
        self.error, self.traceback = error, tb


def _worker_main(conn: Connection) -> None:
    """A pool worker: bound to its parent's life, runs the batches it is sent."""
    bind_to_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's to handle
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        i, fn, args = msg
        try:
            result: Any = fn(*args)
        except Exception as exc:
            result = _TaskError(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        try:
            conn.send((i, result))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection):
        self.process, self.conn = process, conn
        self.batch: int | None = None


class ProcessExecutor(SerialExecutor):
    """A pool of worker processes on this machine.

    Where it is safe, workers are forked from this process, which imports the model
    first (:data:`WORKER_PRELOAD`: importing mesa, pandas and scipy takes about 1.7 s,
    a tenth of a 100-run ensemble of quick.yaml). Forking is safe only while this
    process has a single thread, so otherwise (e.g. after a Dask client ran here)
    workers start from a fork server that preloads the same modules instead. Workers are
    started at once, before any progress-bar or executor thread exists.

    Each worker gets one batch at a time over its own pipe, so the pool knows which
    batch every worker holds: if a worker dies (``kill -9``, the out-of-memory killer),
    its batch comes back as :class:`WorkerDied` with the reason, a new worker takes its
    place and the other batches go on. Workers exit within a second of this process's
    death, however it dies (:mod:`.lifeline`).
    """

    kind = "process"
    MAX_DEATHS_PER_WORKER = 3  # then the machine is the problem: stop (ExecutorError)

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods and threading.active_count() == 1:
            self.start_method = "fork"
        else:
            self.start_method = "forkserver" if "forkserver" in methods else "spawn"
        self._ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            self._ctx.set_forkserver_preload(WORKER_PRELOAD)
        else:
            for module in WORKER_PRELOAD:  # imported once here, shared by every fork
                importlib.import_module(module)
        self._pool: list[_Worker] = [self._start() for _ in range(self.workers)]
        self.deaths: list[str] = []

    def _start(self) -> _Worker:
        ours, theirs = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(theirs,), daemon=True,
                                    name="hls_sim-worker")
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def map_unordered(self, fn: Callable, batches: list[Batch]) -> Iterator[tuple[int, Any]]:
        todo = deque(enumerate(batches))
        while True:
            self._feed(fn, todo)
            busy = [w for w in self._pool if w.batch is not None]
            if not busy:
                return
            ready = set(mp_wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            for w in busy:
                if w.conn in ready:
                    try:
                        i, result = w.conn.recv()
                    except (EOFError, OSError):  # died while sending: its sentinel says
                        w.process.join(5)
                        yield self._died(w)
                        continue
                    w.batch = None
                    if isinstance(result, _TaskError):
                        raise ExecutorError(f"a worker failed: {result.error}")
                    # The worker's next batch goes out before this one is saved, so no
                    # worker waits while the command writes files.
                    self._feed(fn, todo)
                    yield i, result
                elif w.process.sentinel in ready:
                    yield self._died(w)

    def _feed(self, fn: Callable, todo: deque) -> None:
        """Send the next batches to idle workers."""
        for w in list(self._pool):
            if w.batch is None and todo:
                i, args = todo.popleft()
                try:
                    w.conn.send((i, fn, args))
                    w.batch = i
                except (BrokenPipeError, OSError):  # died while idle: replace it
                    todo.appendleft((i, args))
                    self._replace(w, "died while idle")

    def _died(self, w: _Worker) -> tuple[int, WorkerDied]:
        """Record a dead worker's batch as lost, and start a worker in its place."""
        w.process.join(5)
        code = w.process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            how = f"killed by {name}" + (" (out of memory, or killed by hand)"
                                         if name == "SIGKILL" else "")
        else:
            how = f"exited with status {code}"
        reason = f"WorkerDied: the worker process {w.process.pid} running this run was {how}"
        i = w.batch
        assert i is not None
        self._replace(w, how)
        return i, WorkerDied(reason)

    def _replace(self, w: _Worker, how: str) -> None:
        self.deaths.append(how)
        w.process.join(5)
        w.conn.close()
        self._pool.remove(w)
        if len(self.deaths) > self.MAX_DEATHS_PER_WORKER * self.workers:
            raise ExecutorError(f"{len(self.deaths)} worker processes died (the last "
                                f"{how}); stopping")
        self._pool.append(self._start())

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers, "start_method": self.start_method}

    def close(self) -> None:
        for w in self._pool:
            if w.batch is None:
                try:
                    w.conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
            else:  # interrupted mid-batch: its work is not wanted
                w.process.kill()
        for w in self._pool:
            w.process.join(10)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(5)
            w.conn.close()
        self._pool = []


class DaskExecutor(SerialExecutor):
    """A Dask distributed cluster: ``address`` of a scheduler, or ``"local"``.

    On connecting to a cluster, every worker's versions of hls_sim, Python and the
    packages that change results are compared with this process's: runs on a worker
    with other versions would not match runs here, so a difference is refused
    (:class:`ClusterMismatchError`, one line naming what differs) before anything runs.
    A worker that dies mid-batch (Dask retries a task a few times first) gives
    :class:`WorkerDied` for that batch; the others go on.
    """

    kind = "dask"

    def __init__(self, address: str = "local", workers: int | None = None) -> None:
        from distributed import Client, LocalCluster

        self.address = address
        self._cluster = None
        if address == "local":
            import dask

            # Worker processes start from a fork server that has imported hls_sim, as
            # the process pool's do, rather than from a fresh interpreter each, and
            # are bound to this process's life (the lifeline preload).
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() \
                else "spawn"
            if method == "forkserver":
                multiprocessing.get_context(method).set_forkserver_preload(WORKER_PRELOAD)
            # Dask's statistical profiler samples every worker thread's stack each 10 ms
            # for its dashboard's profile page (not served here), and takes the
            # interpreter from the model to do it. Likewise its event loops wake every
            # 20 ms to time themselves, each worker's memory is polled every 100 ms
            # and the system's every 500 ms: on a machine whose every core runs a
            # worker, these wake-ups are taken from the runs (a run was 8% slower inside
            # a Dask worker than inside a pool worker), so they are made rarer.
            with dask.config.set({"distributed.worker.multiprocessing-method": method,
                                  "distributed.worker.profile.enabled": False,
                                  "distributed.admin.tick.interval": "500ms",
                                  "distributed.worker.memory.monitor-interval": "1s",
                                  "distributed.admin.system-monitor.interval": "2s"}):
                self._cluster = LocalCluster(n_workers=workers or default_workers(),
                                             threads_per_worker=1, processes=True,
                                             dashboard_address=None,
                                             preload=["hls_sim.runner.lifeline"])
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(address, timeout="20s")
            except (OSError, ValueError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {address} "
                                    f"({exc})") from exc
            try:
                self._check_versions()
            except BaseException:
                self._client.close()
                raise
        self.workers = len(self._client.scheduler_info()["workers"]) or 1

    def _check_versions(self) -> None:
        """Refuse a cluster whose workers run other versions than this process."""
        from .versions import compare, versions

        here = versions()
        theirs = self._client.run(versions)
        if not theirs:
            raise ExecutorError(f"the Dask scheduler at {self.address} has no workers")
        problem = compare(here, theirs)
        if problem:
            raise ClusterMismatchError(f"the Dask workers at {self.address} differ from "
                                       f"this machine: {problem}; results would not match: "
                                       "install the same versions on every worker")

    def map_unordered(self, fn: Callable, batches: list[Batch]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        futures = [self._client.submit(fn, *args, pure=False) for args in batches]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                try:
                    yield index[fut.key], fut.result()
                except KilledWorker as exc:  # workers died running it, again and again
                    yield index[fut.key], WorkerDied(
                        f"WorkerDied: Dask workers running this run died ({exc})")
                except Exception as exc:  # lost connection, a cluster gone
                    raise ExecutorError(f"the Dask cluster failed a task "
                                        f"({type(exc).__name__}: {exc})") from exc
        finally:
            self._client.cancel([f for f in futures if not f.done()])

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers,
                "address": self.address if self._cluster is None else "local"}

    def close(self) -> None:
        if self._cluster is not None:
            self.stop_heartbeats()
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def stop_heartbeats(self) -> None:
        """Stop the heartbeats of our own LocalCluster's workers before it closes.

        A heartbeat in flight as the scheduler shuts down makes the worker log "Failed
        to communicate with scheduler during heartbeat" with a traceback on the
        command's stderr, after every run succeeded (a known Dask shutdown race; seen
        here once, under load, in ``hls-sim compare ... --dask local``). A closing
        cluster needs no heartbeats. Someone else's cluster is left alone."""
        with contextlib.suppress(Exception):  # a cluster already gone has none to stop
            self._client.run(_stop_heartbeat)


def _stop_heartbeat(dask_worker) -> None:
    """(In a Dask worker) send the scheduler no more heartbeats."""
    beat = dask_worker.periodic_callbacks.get("heartbeat")
    if beat is not None:
        beat.stop()


def default_workers() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def make_executor(workers: int | None = None, dask: str | None = None) -> SerialExecutor:
    """The executor the command line asked for (``--workers N``, ``--dask ADDRESS``)."""
    if dask:
        return DaskExecutor(dask, workers)
    workers = workers or default_workers()
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
