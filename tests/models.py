"""Models for the runner's ``module:function`` route, used by the tests."""

from __future__ import annotations

import hls_sim

FAILING_SEED_REMAINDER = 0


def fragile_hls(seed: int, **params) -> dict[str, float]:
    """hls_sim, except that runs whose seed is even raise (to test failure handling)."""
    if seed % 2 == FAILING_SEED_REMAINDER:
        raise RuntimeError(f"deliberate failure for seed {seed}")
    return hls_sim.run(params, seed=seed).summary


# A game whose Shapley values are known in closed form, for the decomposition's tests: a
# polynomial in seven levers (both groups) (scaled to be of order 1), with linear,
# pairwise and three-way terms. Each replicate's seed scales the whole polynomial and
# adds an offset, so replicates differ but each one's Shapley values stay known.
GAME_LEVERS = ("contract_length_weeks", "discretion", "reflective_hours", "reporting_burden",
               "results_share", "learning_meeting_weeks", "budget_flexibility")
GAME_SCALE = (1 / 52, 1.0, 1.0, 1.0, 1.0, 1 / 8, 10.0)
GAME_LINEAR = (0.30, 1.20, -0.50, -0.80, 0.40, 0.25, 0.60)
GAME_PAIRWISE = {(0, 1): 0.70, (1, 2): -0.40, (0, 3): 0.25, (4, 5): 1.10, (2, 6): -0.60,
                 (3, 5): 0.35}
GAME_TRIPLE = {(0, 1, 2): 0.50, (3, 4, 6): -0.80, (1, 5, 6): 0.45}


def game_x(levers: dict) -> list[float]:
    """The game's inputs from a scenario's levers (both groups together)."""
    return [float(levers[lever]) * s for lever, s in zip(GAME_LEVERS, GAME_SCALE,
                                                                   strict=True)]


def game_noise(seed: int) -> tuple[float, float]:
    """The replicate's scale and offset (a function of the seed alone)."""
    return 1.0 + (seed % 1009) / 1009, float((seed * 7919) % 1000) / 100 - 5.0


def game(seed: int, procurement: dict, practice: dict, **_params) -> dict[str, float]:
    """``quadratic``: linear and pairwise terms; ``cubic``: the three-way terms too."""
    x = game_x({**procurement, **practice})
    scale, offset = game_noise(seed)
    quad = sum(a * xi for a, xi in zip(GAME_LINEAR, x, strict=True))
    quad += sum(c * x[i] * x[j] for (i, j), c in GAME_PAIRWISE.items())
    cubic = quad + sum(d * x[i] * x[j] * x[m] for (i, j, m), d in GAME_TRIPLE.items())
    return {"quadratic": scale * quad + offset, "cubic": scale * cubic + offset}


def game_shapley(xa: list[float], xb: list[float], seed: int, cubic: bool) -> list[float]:
    """Closed-form Shapley values of each lever, moving from xa to xb.

    For a term c x_i: c d_i (d = xb - xa). For c x_i x_j, player i gets
    c d_i (xa_j + xb_j) / 2 (j joins before i in half the orderings). For d x_i x_j x_m,
    player i gets d d_i [(xa_j xa_m + xb_j xb_m) / 3 + (xa_j xb_m + xb_j xa_m) / 6]
    (i first or last in a third of the orderings each, in the middle in the other third).
    """
    scale, _ = game_noise(seed)
    d = [b - a for a, b in zip(xa, xb, strict=True)]
    phi = [a * di for a, di in zip(GAME_LINEAR, d, strict=True)]
    for (i, j), c in GAME_PAIRWISE.items():
        phi[i] += c * d[i] * (xa[j] + xb[j]) / 2
        phi[j] += c * d[j] * (xa[i] + xb[i]) / 2
    if cubic:
        for trio, c in GAME_TRIPLE.items():
            for i in trio:
                j, m = (t for t in trio if t != i)
                phi[i] += c * d[i] * ((xa[j] * xa[m] + xb[j] * xb[m]) / 3
                                      + (xa[j] * xb[m] + xb[j] * xa[m]) / 6)
    return [scale * p for p in phi]


def fragile_game(seed: int, procurement: dict, practice: dict, **params) -> dict[str, float]:
    """:func:`game`, except that runs whose seed is even raise (failure handling)."""
    if seed % 2 == FAILING_SEED_REMAINDER:
        raise RuntimeError(f"deliberate failure for seed {seed}")
    return game(seed, procurement, practice, **params)
