"""Shared fixtures: small places that run in well under a second."""

from __future__ import annotations

import pytest

import hls_sim

SMALL = {
    "place.n_people": 600,
    "place.n_weeks": 120,
    "place.n_organisations": 12,
    "place.n_practitioners": 40,
    "place.n_localities": 2,
    "place.burn_in_weeks": 10,
    "money.budget_per_week": 29_000.0,
}


def small(regime: str = "competitive", **extra) -> dict:
    return {"regime": regime, **SMALL, **extra}


@pytest.fixture(scope="session")
def small_results() -> dict[str, hls_sim.Result]:
    return {r: hls_sim.run(small(r), seed=3) for r in ("competitive", "collaborative")}
