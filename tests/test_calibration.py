"""The competitive preset at default size reproduces the published calibration targets
(averaged over 10 seeds). The collaborative preset is not tuned to anything."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hls_sim

DATA = Path(hls_sim.__file__).parent / "data" / "calibration_targets.csv"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "evidence" / "calibration_targets.csv"
SEEDS = range(10)


def _summary(seed: int) -> dict[str, float]:
    return hls_sim.run("competitive", seed=seed).summary


@pytest.fixture(scope="module")
def competitive_means() -> dict[str, float]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(_summary, SEEDS))
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def targets() -> pd.DataFrame:
    t = pd.read_csv(DATA)
    return t[(t["regime"] == "competitive") & t["metric"].notna()]


def test_packaged_targets_match_the_shared_evidence():
    if not SHARED.exists():
        pytest.skip("shared/evidence not beside this checkout")
    assert DATA.read_text() == SHARED.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("row", list(targets().itertuples(index=False)),
                         ids=lambda r: r.target)
def test_competitive_preset_within_target_range(row, competitive_means):
    value = competitive_means[row.metric]
    assert row.low <= value <= row.high, (
        f"{row.metric} = {value:.3f}, target {row.low}-{row.high} ({row.source})")
