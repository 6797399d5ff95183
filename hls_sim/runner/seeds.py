"""Every run's seed, from one root seed: the one place seeds are spawned.

Seeds come from numpy's ``SeedSequence``, so replicate seeds are independent streams
whatever the root. Replicate k of every scenario (and, in a design with common seeds, of
every sample point) gets the same seed: the same people, needs and shocks, so
differences are paired (common random numbers).
"""

from __future__ import annotations

from functools import cache

import numpy as np


def replicate_seeds(root: int, n: int) -> list[int]:
    """The model seeds of replicates 0..n-1 spawned from ``root`` (a prefix of a longer
    list: replicate k's seed does not depend on how many replicates there are)."""
    return list(_spawned(root, n))


@cache
def _spawned(root: int, n: int) -> tuple[int, ...]:
    return tuple(int(c.generate_state(1, dtype=np.uint32)[0])
                 for c in np.random.SeedSequence(root).spawn(n))


def point_seed(root: int, point: int, replicate: int) -> int:
    """A seed of its own for one replicate at one sample point of a design (designs
    with ``seeds: independent``)."""
    ss = np.random.SeedSequence(root, spawn_key=(point, replicate))
    return int(ss.generate_state(1, dtype=np.uint32)[0])
