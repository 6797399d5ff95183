"""The switch between compiled kernels and plain numpy, and the compiler itself.

The weekly hot path of the model has two implementations that give bit-identical
results: plain numpy (vectorised, the reference) and kernels compiled with numba
(``hls_sim.kernels``), which fuse each mechanism's per-person work into one loop and
so avoid hundreds of small numpy calls a week. Compiled is the default when numba is
installed; set the environment variable ``HLS_SIM_JIT=0`` (before importing hls_sim)
to run plain numpy, or call :func:`set_enabled` (a model reads the switch once, when
it is built).

Compilation is cached on disk (numba's ``cache=True``, next to the package, or in
``NUMBA_CACHE_DIR``): the first run on a machine compiles (a few tens of seconds, see
``python -m hls_sim.kernels``, which ``make`` runs), and every later process, worker
processes included, loads the machine code from the cache instead of compiling again.
"""

from __future__ import annotations

import os

ENV = "HLS_SIM_JIT"

try:  # numba is a dependency, but the plain path must work without it
    import numba

    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None
    AVAILABLE = False


def _wanted() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off", "")


_enabled = AVAILABLE and _wanted()


def enabled() -> bool:
    """Whether new models use the compiled kernels."""
    return _enabled


def set_enabled(flag: bool) -> None:
    """Use the compiled kernels (True) or plain numpy (False) in models built from now
    on. True needs numba."""
    global _enabled
    if flag and not AVAILABLE:
        raise RuntimeError("compiled kernels need numba, which is not installed")
    _enabled = bool(flag)


def njit(fn):
    """Compile ``fn`` with numba, cached on disk; without numba, return it unchanged.

    No fast-math: floating-point operations are done exactly as written, in the order
    written, as numpy does them, so results match the plain path bit for bit.
    ``error_model="numpy"``: division by zero gives inf or nan as in numpy.
    """
    if not AVAILABLE:
        return fn
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)


def load_kernels():
    """The compiled kernels module if the switch is on (imported on first use, so that
    importing hls_sim does not import numba), else None."""
    if not _enabled:
        return None
    from . import kernels

    return kernels
