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
``python -m hls_sim.warm``, which ``make`` runs), and every later process, worker
processes included, loads the machine code from the cache instead of compiling again.

Layers (import-linter, pyproject.toml): this switch sits just below the model, which
reads it; the kernels sit below the mechanisms and import nothing above ``state``;
warming the cache runs a model, so it lives at the top (``hls_sim.warm``).
"""

from __future__ import annotations

import importlib.util
import os

ENV = "HLS_SIM_JIT"

# numba is a dependency, but the plain path must work without it. Looked up, not
# imported: importing hls_sim with the switch off does not import numba.
AVAILABLE = importlib.util.find_spec("numba") is not None


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


def load_kernels():
    """The compiled kernels module if the switch is on (imported on first use, so that
    importing hls_sim does not import numba), else None."""
    if not _enabled:
        return None
    from . import kernels

    return kernels


def cache_stats() -> dict[str, int]:
    """How this process got its compiled kernels so far: ``cache_hits`` (loaded from the
    on-disk cache) and ``cache_misses`` (compiled here), summed over every kernel; both
    0 if no model with kernels has been built in this process. A worker process of a
    pool or Dask cluster should show hits and no misses (compiled once per machine)."""
    import sys

    kernels = sys.modules.get(f"{__package__}.kernels")
    hits = misses = 0
    if kernels is not None:
        for name in dir(kernels):
            stats = getattr(getattr(kernels, name), "stats", None)
            if stats is not None:
                hits += sum(stats.cache_hits.values())
                misses += sum(stats.cache_misses.values())
    return {"cache_hits": hits, "cache_misses": misses}
