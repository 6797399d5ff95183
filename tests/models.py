"""Models for the runner's ``module:function`` route, used by the tests."""

from __future__ import annotations

import hls_sim

FAILING_SEED_REMAINDER = 0


def fragile_hls(seed: int, **params) -> dict[str, float]:
    """hls_sim, except that runs whose seed is even raise (to test failure handling)."""
    if seed % 2 == FAILING_SEED_REMAINDER:
        raise RuntimeError(f"deliberate failure for seed {seed}")
    return hls_sim.run(params, seed=seed).summary
