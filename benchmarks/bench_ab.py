"""Time this checkout against another one, in alternating processes: is a change faster?

Why
---
The other benchmarks judge a target by the ratio to a yardstick (Mesa's Boltzmann model)
timed in the same process. That ratio follows the machine's load, but not its speed: on
2 December 2026 this machine ran twice as fast in the evening as in the morning, and the
pure-Python yardstick gained more than the model, so the same code's ratio fell by a
fifth (benchmarks/README.md). A before/after claim is sound only when both codes are
timed at the same time. This script does that: each round starts a fresh process for
each checkout, one after the other (which goes first alternates), and each process
times the same runs. The figure is the median over rounds of the ratio this / baseline
(below 1: this checkout is faster), with the rounds' range.

What is timed: summary-only runs, as a sensitivity worker runs them (the runner's own
``HLSSimModel.simulate`` keeping only the summary: parameters checked, no event log,
the summary row), after one untimed run that loads (or compiles) the kernels, of
``quick.yaml`` (``--scenario quick``, the default) or the default place under the
competitive preset (``--scenario default``); each process reports the median of its
``--runs`` runs (seeds 0, 1, ...).

Make the baseline with git, e.g. ``git worktree add ../hls_sim-base <commit>``; its
first process compiles the kernels into its own cache (untimed).

Run:  .venv/bin/python benchmarks/bench_ab.py --baseline ../hls_sim-base [--rounds 6]
      [--runs 20] [--scenario quick|default] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import Parser, write_json  # noqa: E402  (benchmarks/ is on sys.path)

HERE = Path(__file__).resolve().parent
THIS_CHECKOUT = HERE.parent
RESULT_PREFIX = "BENCH_AB_RESULT "


def child(checkout: Path, scenario: str, runs: int) -> int:
    """In a fresh process: import hls_sim from ``checkout`` and time its runs."""
    sys.path.insert(0, str(checkout))
    import hls_sim

    if Path(hls_sim.__file__).resolve().parent.parent != checkout:
        raise SystemExit(f"imported hls_sim from {hls_sim.__file__}, not from {checkout}")
    from hls_sim import scenarios
    from hls_sim.runner.models import HLSSimModel
    from hls_sim.runner.work import RunSpec

    content = scenarios.load(checkout / "scenarios" / "quick.yaml").content \
        if scenario == "quick" else {"regime": "competitive"}
    worker = HLSSimModel("hls_sim")

    def one(seed: int) -> float:
        # Exactly what a sensitivity worker does for a run: the runner's summary-only
        # path (parameters checked, no event log, the summary row).
        start = time.perf_counter()
        worker.simulate(content, RunSpec(scenario, 0, seed, keep=()))
        return time.perf_counter() - start

    one(10**6)  # untimed: loads (or compiles) the kernels
    print(RESULT_PREFIX + json.dumps(statistics.median(one(s) for s in range(runs))),
          flush=True)
    return 0


def time_checkout(checkout: Path, scenario: str, runs: int) -> float:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(checkout),
           "--scenario", scenario, "--runs", str(runs)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"timing {checkout} failed (exit code {proc.returncode})")
    return float(json.loads(lines[-1][len(RESULT_PREFIX):]))


def checkout_path(text: str) -> Path:
    path = Path(text).resolve()
    if not (path / "hls_sim" / "__init__.py").is_file():
        raise argparse.ArgumentTypeError(f"{text} is not an hls_sim checkout (no "
                                         "hls_sim/__init__.py in it)")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=checkout_path, required=False,
                        help="the checkout to compare with (a folder holding hls_sim/)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds (default 6)")
    parser.add_argument("--runs", type=int, default=20,
                        help="timed runs per process (default 20)")
    parser.add_argument("--scenario", choices=("quick", "default"), default="quick")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--child", type=checkout_path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return child(args.child, args.scenario, args.runs)
    if args.baseline is None:
        parser.error("--baseline is required: the checkout to compare with")
    if args.rounds < 1 or args.runs < 1:
        parser.error("--rounds and --runs must be at least 1")

    print(f"hls_sim A/B: this checkout {THIS_CHECKOUT} against {args.baseline}; "
          f"{args.scenario}, {args.runs} summary-only runs per process, {args.rounds} "
          "rounds, the two processes of a round one after the other (order alternating)")
    print(f"{'round':>5}  {'baseline s':>10}  {'this s':>8}  {'this / baseline':>15}")
    rows = []
    for r in range(args.rounds):
        order = ("baseline", "this") if r % 2 == 0 else ("this", "baseline")
        times = {}
        for which in order:
            path = args.baseline if which == "baseline" else THIS_CHECKOUT
            times[which] = time_checkout(path, args.scenario, args.runs)
        ratio = times["this"] / times["baseline"]
        rows.append({"round": r + 1, **times, "ratio": ratio})
        print(f"{r + 1:>5}  {times['baseline']:>10.4f}  {times['this']:>8.4f}  {ratio:>15.3f}",
              flush=True)
    ratios = [row["ratio"] for row in rows]
    figures = {
        "baseline": str(args.baseline), "this": str(THIS_CHECKOUT),
        "scenario": args.scenario, "runs": args.runs, "rounds": rows,
        "baseline_median_seconds": statistics.median(row["baseline"] for row in rows),
        "this_median_seconds": statistics.median(row["this"] for row in rows),
        "ratio_median": statistics.median(ratios),
        "ratio_range": [min(ratios), max(ratios)],
    }
    print(f"median seconds a run: baseline {figures['baseline_median_seconds']:.4f}, "
          f"this {figures['this_median_seconds']:.4f}")
    print(f"this / baseline: median {figures['ratio_median']:.3f} over {args.rounds} "
          f"round(s), range {min(ratios):.3f}-{max(ratios):.3f} (below 1: this is faster)")
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
