"""Print the competitive preset's calibration figures against the published targets.

Runs the default place under the competitive preset for seeds 0..N-1 (default 10) and
prints, for each row of calibration_targets.csv that names a metric, the mean over
seeds, the seed range and the target range. The collaborative preset's values are
printed beside them for information: it is not tuned to any target.

    python benchmarks/calibration_report.py [--seeds 10] [--workers 2]
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from _common import Parser  # noqa: E402  (benchmarks/ is on sys.path)

import hls_sim

TARGETS = Path(hls_sim.__file__).parent / "data" / "calibration_targets.csv"


def _summary(args: tuple[str, int]) -> dict[str, float]:
    regime, seed = args
    return hls_sim.run(regime, seed=seed).summary


def main() -> None:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    t = pd.read_csv(TARGETS)
    t = t[t["metric"].notna()]
    with ProcessPoolExecutor(args.workers) as pool:
        runs = {r: list(pool.map(_summary, [(r, s) for s in range(args.seeds)]))
                for r in ("competitive", "collaborative")}
    print(f"| metric | target (regime) | range | competitive mean (min-max), {args.seeds} "
          "seeds | within | collaborative mean (not tuned) |")
    print("|---|---|---|---|---|---|")
    for row in t.itertuples(index=False):
        comp = np.array([r[row.metric] for r in runs["competitive"]])
        coll = np.array([r[row.metric] for r in runs["collaborative"]])
        ok = row.low <= comp.mean() <= row.high if row.regime == "competitive" else "-"
        ok = {True: "yes", False: "NO"}.get(ok, ok)
        print(f"| {row.metric} | {row.target} ({row.regime}) | {row.low}-{row.high} | "
              f"{comp.mean():.3f} ({comp.min():.3f}-{comp.max():.3f}) | {ok} | "
              f"{coll.mean():.3f} |")


if __name__ == "__main__":
    main()
