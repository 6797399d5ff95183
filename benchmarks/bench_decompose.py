"""Benchmark a decomposition of the default comparison (competitive against collaborative).

What is measured
----------------
:func:`hls_sim.analysis.decompose.decompose` of collaborative - competitive, by
``--by`` (``groups``: procurement and practice, 2^2 = 4 coalitions; ``levers``: every
differing lever, sampled orderings), at ``--size`` ``quick`` (quick.yaml's place, and the
same place commissioned collaboratively) or ``default`` (competitive.yaml and
collaborative.yaml), ``--replicates`` replicates on ``--workers`` workers (a process
pool). Printed: coalitions, runs, wall time of the runs and of the analysis, the model's
own time per run (median over runs), and the waterfall figures' time.

With ``--compare`` the plain comparison of the same two scenarios (what ``hls-sim
compare`` runs today: A and B, with timeseries, people and a few event logs) is timed in
the same session first, so the ratio of the decomposition to the comparison is measured
under the same machine load. (Two of the decomposition's coalitions are A and B
themselves, run again with summaries only.)

The yardstick of the other benchmarks, the Mesa Boltzmann wealth model, is not needed
here: the figures are ratios of hls_sim runs measured in the same session, and the
model's own speed is bench_model.py's business.

With ``--reuse`` (and ``--compare``) the decomposition copies the comparison's runs of A
and B instead of running them again, as ``hls-sim compare A B --decompose`` will.

Run:  .venv/bin/python benchmarks/bench_decompose.py [--size quick|default]
          [--by groups|levers] [--replicates N] [--workers N] [--compare [--reuse]]
          [--json PATH]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from _common import Parser, machine_info, write_json  # noqa: E402  (benchmarks/ is on sys.path)

import hls_sim
from hls_sim import scenarios
from hls_sim.analysis import decompose as dm
from hls_sim.report.decompose_figures import write_figures
from hls_sim.runner import Ensemble, load_results, run_ensemble


def pair(size: str) -> tuple[scenarios.Scenario, scenarios.Scenario]:
    if size == "default":
        return scenarios.load("competitive"), scenarios.load("collaborative")
    a = scenarios.load("quick")
    place = {k: v for k, v in dm.flat_content(a).items()
             if not k.startswith(("procurement.", "practice.")) and k != "name"}
    return a, scenarios.from_overrides("quick_collaborative", {**place,
                                                               "regime": "collaborative"})


def main() -> int:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=("quick", "default"), default="quick")
    ap.add_argument("--by", choices=dm.MODES, default="groups")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="with --compare: reuse its runs of A and B (as compare --decompose)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    if args.reuse and not args.compare:
        ap.error("--reuse needs --compare")
    a, b = pair(args.size)
    exp = dm.plan(a, b, args.by, replicates=args.replicates)
    k = len(exp.decomposition["players"])
    print(f"hls_sim {hls_sim.__version__}: decomposition by {args.by} of {b.name} - "
          f"{a.name}: {k} players, {len(exp.scenarios)} coalitions x {args.replicates} "
          f"replicates = {len(exp.runs())} runs on {args.workers} workers", file=sys.stderr)
    figures: dict[str, float | int | str] = {
        "size": args.size, "by": args.by, "players": k, "coalitions": len(exp.scenarios),
        "replicates": args.replicates, "workers": args.workers, "runs": len(exp.runs()),
        "method": exp.decomposition["method"]}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.compare:
            t0 = time.perf_counter()
            run_ensemble(Ensemble([a, b], replicates=args.replicates),
                           root / "compare", workers=args.workers, progress=False)
            figures["compare_wall_seconds"] = time.perf_counter() - t0
            runs = load_results(root / "compare").runs
            figures["compare_run_seconds_median"] = float(runs["run_seconds"].median())
            print(f"  comparison: {figures['compare_wall_seconds']:.1f} s", file=sys.stderr)
        if args.reuse:
            exp = dm.plan(a, b, args.by, replicates=args.replicates, reuse=root / "compare")
        figures["runs_run"] = len(exp.runs()) - (2 * args.replicates if args.reuse else 0)
        t0 = time.perf_counter()
        done = run_ensemble(exp, root / "decompose", workers=args.workers, progress=False)
        figures["runs_wall_seconds"] = time.perf_counter() - t0
        assert done.ok, done.failures
        t0 = time.perf_counter()
        dec = dm.analyse(done.path)
        figures["analysis_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_figures(dec)
        figures["figures_seconds"] = time.perf_counter() - t0
        runs = load_results(done.path).runs
        figures["run_seconds_median"] = float(runs["run_seconds"].median())
        figures["model_seconds_total"] = float(runs["run_seconds"].sum())
        figures["wellbeing_sentence"] = dec.sentence("wellbeing_mean")
    total = figures["runs_wall_seconds"] + figures["analysis_seconds"]
    print(f"\nruns: {figures['runs_wall_seconds']:.1f} s wall for {figures['runs_run']} runs "
          f"(median run {figures['run_seconds_median']:.2f} s inside a worker; model time "
          f"{figures['model_seconds_total']:.0f} s)")
    print(f"analysis (Shapley values, bootstrap intervals, tables): "
          f"{figures['analysis_seconds']:.1f} s; waterfall figures: "
          f"{figures['figures_seconds']:.1f} s")
    print(f"decomposition without figures: {total:.1f} s")
    if args.compare:
        print(f"the comparison alone: {figures['compare_wall_seconds']:.1f} s (median run "
              f"{figures['compare_run_seconds_median']:.2f} s); decomposition / comparison = "
              f"{total / figures['compare_wall_seconds']:.2f}")
    print(f"\n{figures['wellbeing_sentence']}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    if args.json:
        write_json(args.json, {"machine": machine_info(), "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
