"""Worker processes that die with the command that started them.

A ``kill -9`` of ``hls-sim run`` gives the command no chance to stop its workers: they
used to stay alive, asleep and re-parented to init, for as long as anyone watched. Every
worker process (the process pool's, and a Dask LocalCluster's) calls
:func:`bind_to_parent` first, which uses two mechanisms:

* on Linux, the kernel's parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``,
  called through ctypes): the worker is killed the moment its parent exits;
* everywhere, a watchdog thread that checks every half second whether the process has
  been re-parented (its parent died), and exits if so.

A worker started from a fork server is the fork server's child; the fork server exits
when the command that started it dies (its pipe from the command reaches end of file),
so the chain ends the same way. The module doubles as a Dask preload
(``--preload hls_sim.runner.lifeline``), so a LocalCluster's workers are bound too.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_SECONDS = 0.5

_bound = False


def bind_to_parent(watch_seconds: float = WATCH_SECONDS) -> None:
    """Make this process exit within about ``watch_seconds`` of its parent's death,
    however the parent dies. Safe to call more than once."""
    global _bound
    if _bound:
        return
    _bound = True
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watchdog still works
            pass
    if os.getppid() != parent or parent == 1:  # the parent died before prctl took hold
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(watch_seconds)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="hls_sim-lifeline", daemon=True).start()


def dask_setup(worker=None) -> None:  # noqa: ARG001 - Dask's preload hook
    """Dask preload hook: bind a Dask worker process to the process that started it."""
    bind_to_parent()
