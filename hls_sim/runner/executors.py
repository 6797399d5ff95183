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

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

Batch = tuple[Any, ...]  # positional arguments of the batch function


class ExecutorError(RuntimeError):
    """The executor itself failed (a worker process died, a cluster went away)."""


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


class ProcessExecutor(SerialExecutor):
    """A pool of worker processes on this machine.

    Where it is safe, workers are forked from this process, which has already imported
    hls_sim (importing mesa, pandas and scipy takes about 1.5 s, a tenth of a
    100-run experiment of quick.yaml). Forking is safe only while this process has a
    single thread, so otherwise (e.g. after a Dask client ran here) workers start from
    a fork server that preloads hls_sim instead. Workers are started at once, before
    any progress-bar or executor thread exists.
    """

    kind = "process"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods and threading.active_count() == 1:
            self.start_method = "fork"
        else:
            self.start_method = "forkserver" if "forkserver" in methods else "spawn"
        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            ctx.set_forkserver_preload(["hls_sim.runner.work"])
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        self._pool.submit(os.getpid).result()  # start every worker now

    def map_unordered(self, fn: Callable, batches: list[Batch]) -> Iterator[tuple[int, Any]]:
        # Keep a bounded number of batches in flight: results stream back in completion
        # order and an interrupt leaves little queued work behind.
        pending: dict[Future, int] = {}
        todo = iter(enumerate(batches))
        limit = 2 * self.workers
        while True:
            while len(pending) < limit:
                nxt = next(todo, None)
                if nxt is None:
                    break
                pending[self._pool.submit(fn, *nxt[1])] = nxt[0]
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                try:
                    yield i, fut.result()
                except Exception as exc:  # BrokenProcessPool: a worker died
                    raise ExecutorError(f"a worker process failed ({type(exc).__name__}: "
                                        f"{exc})") from exc

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers, "start_method": self.start_method}

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(SerialExecutor):
    """A Dask distributed cluster: ``address`` of a scheduler, or ``"local"``."""

    kind = "dask"

    def __init__(self, address: str = "local", workers: int | None = None) -> None:
        from distributed import Client, LocalCluster

        self.address = address
        self._cluster = None
        if address == "local":
            import dask

            # Worker processes start from a fork server that has imported hls_sim, as
            # the process pool's do, rather than from a fresh interpreter each.
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() \
                else "spawn"
            if method == "forkserver":
                multiprocessing.get_context(method).set_forkserver_preload(
                    ["hls_sim.runner.work"])
            with dask.config.set({"distributed.worker.multiprocessing-method": method}):
                self._cluster = LocalCluster(n_workers=workers or default_workers(),
                                             threads_per_worker=1, processes=True,
                                             dashboard_address=None)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(address, timeout="20s")
            except OSError as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {address} "
                                    f"({exc})") from exc
        self.workers = len(self._client.scheduler_info()["workers"]) or 1

    def map_unordered(self, fn: Callable, batches: list[Batch]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        futures = [self._client.submit(fn, *args, pure=False) for args in batches]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                try:
                    yield index[fut.key], fut.result()
                except Exception as exc:  # KilledWorker, lost connection
                    raise ExecutorError(f"the Dask cluster failed a task "
                                        f"({type(exc).__name__}: {exc})") from exc
        finally:
            self._client.cancel([f for f in futures if not f.done()])

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers,
                "address": self.address if self._cluster is None else "local"}

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


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
