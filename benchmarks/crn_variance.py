"""How noisy is a paired comparison? The spread across seeds of the paired
collaborative-minus-competitive difference in wellbeing, crises and turnover.

With common random numbers, replicate k of both regimes sees the same people and
shocks; the smaller the spread of the paired difference, the fewer replicates a
comparison needs for the same interval. Run before and after a change to the model's
random streams:

    python benchmarks/crn_variance.py --seeds 20            # default place
    python benchmarks/crn_variance.py --seeds 20 --size quick
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import Parser, machine_info, write_json  # noqa: E402

import hls_sim  # noqa: E402

METRICS = ("wellbeing_mean", "crises_per_1000", "practitioner_turnover_annual",
           "unmet_need", "waiting_weeks_mean")
SIZES = {
    "default": {},
    "quick": {"place.n_people": 2000, "place.n_weeks": 208, "place.n_organisations": 24,
              "place.n_practitioners": 80, "place.n_localities": 4,
              "money.budget_per_week": 58_000.0},
}


def one(args: tuple[str, str, int]) -> dict[str, float]:
    size, regime, seed = args
    s = hls_sim.run({"regime": regime, **SIZES[size]}, seed=seed).summary
    return {m: s[m] for m in METRICS}


def main(argv: list[str] | None = None) -> None:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--size", choices=sorted(SIZES), default="default")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("results/benchmarks/crn_variance.json"))
    a = ap.parse_args(argv)
    jobs = [(a.size, r, s) for s in range(a.seeds) for r in ("competitive", "collaborative")]
    with ProcessPoolExecutor(a.workers) as pool:
        rows = list(pool.map(one, jobs))
    comp, coll = rows[0::2], rows[1::2]
    figures = {}
    print(f"{a.seeds} seeds, {a.size} place: spread (SD across seeds) of each arm and of "
          "the paired difference collaborative - competitive")
    print(f"{'metric':32s} {'SD comp':>10s} {'SD coll':>10s} {'SD diff':>10s} {'mean diff':>10s}")
    for m in METRICS:
        x = np.array([r[m] for r in comp])
        y = np.array([r[m] for r in coll])
        d = y - x
        figures[m] = {"sd_competitive": float(x.std(ddof=1)),
                      "sd_collaborative": float(y.std(ddof=1)),
                      "sd_difference": float(d.std(ddof=1)), "mean_difference": float(d.mean())}
        f = figures[m]
        print(f"{m:32s} {f['sd_competitive']:10.5f} {f['sd_collaborative']:10.5f} "
              f"{f['sd_difference']:10.5f} {f['mean_difference']:+10.5f}")
    write_json(a.out, {"seeds": a.seeds, "size": a.size, "figures": figures,
                       "machine": machine_info()})


if __name__ == "__main__":
    main()
