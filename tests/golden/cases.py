"""The golden cases: a few (scenario, seed) pairs whose every output is pinned.

Each case runs a small place (fast) long enough for two or more tender cycles. The
pinned files in this folder are written by ``python -m tests.golden.regenerate`` and
compared by ``tests/test_golden.py``: a change that moves any number fails the test.
A commit that changes numbers on purpose regenerates them in a commit of its own that
says why.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

import hls_sim

PLACE = {
    "place.n_people": 800,
    "place.n_weeks": 260,
    "place.n_organisations": 12,
    "place.n_practitioners": 48,
    "place.n_localities": 2,
    "place.burn_in_weeks": 26,
    "money.budget_per_week": 34_800.0,
}

CASES: dict[str, dict] = {
    "competitive_s0": {"scenario": {"regime": "competitive", **PLACE}, "seed": 0},
    "collaborative_s1": {"scenario": {"regime": "collaborative", **PLACE}, "seed": 1},
    "switch_s2": {"scenario": {"regime": "competitive", "switch_week": 104,
                               "switch_to": "collaborative", **PLACE}, "seed": 2},
    "competitive_tight_s3": {"scenario": {"regime": "competitive", **PLACE,
                                          "commissioning.contract_length_weeks": 52,
                                          "commissioning.activity_share": 0.2,
                                          "money.budget_per_week": 26_000.0}, "seed": 3},
}
TABLES = ("timeseries", "people", "events")
DIGITS = 10  # floats are rounded before hashing, so a last-bit change of summation order
# in a library does not fail the test while any change of substance does


def run_case(name: str) -> hls_sim.Result:
    case = CASES[name]
    return hls_sim.run(case["scenario"], seed=case["seed"])


def canonical(df: pd.DataFrame) -> bytes:
    """Bytes of a table that do not depend on how pandas prints floats."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = np.round(out[col].to_numpy(), DIGITS)
        elif isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(str)
    return out.to_csv(index=False, float_format=f"%.{DIGITS}g", na_rep="nan").encode()


def fingerprint(result: hls_sim.Result) -> dict:
    """Summary values (rounded) and a hash of every table."""
    summary = {k: (None if v != v else round(float(v), DIGITS))
               for k, v in result.summary.items()}
    hashes = {t: hashlib.sha256(canonical(getattr(result, t))).hexdigest() for t in TABLES}
    return {"summary": summary, "hashes": hashes}
