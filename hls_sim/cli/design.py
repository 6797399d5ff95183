"""Commands about experiment files (designs): sensitivity and discover."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from ..runner import (
    EnsembleError,
)
from ..runner.store import disk_usage, human_bytes


def cmd_design(args: argparse.Namespace) -> int:
    """``sensitivity`` and ``discover``: validate, run (or resume) the design on the
    runner, analyse, report."""
    import os

    from .. import design as experiments
    from ..analysis import discovery, sensitivity

    if os.getcwd() not in sys.path:  # module:function models in this folder, as python -m
        sys.path.insert(0, os.getcwd())
    discover = args.command == "discover"
    spec = experiments.load(args.experiment) if args.experiment else None
    if spec is not None:
        _check_design(spec, discover)
    progress = not args.quiet
    if args.resume is not None:
        if args.out is not None:
            raise EnsembleError("give either --out or --resume DIR, not both")
        if spec is None and (args.resume / "manifest.json").is_file():
            from ..runner import ResultsStore

            manifest = ResultsStore(args.resume).read_manifest()
            _check_design(experiments.DesignEnsemble.from_manifest(
                manifest, args.resume).spec, discover)
        outcome = experiments.resume_design(args.resume, workers=args.workers, dask=args.dask,
                                            progress=progress, spec=spec)
    else:
        if spec is None:
            raise EnsembleError(f"name an experiment file to {args.command} (e.g. "
                                  "experiments/morris_screening.yaml), or --resume DIR")
        X = experiments.prepare(spec)  # the sample, checked: nothing is written before this
        outcome = experiments.run_design(spec, X, args.out, workers=args.workers,
                                         dask=args.dask, progress=progress)
    status = 0
    if outcome.failures:
        status = 1
        print(f"hls-sim: {len(outcome.failures)} run(s) failed:", file=sys.stderr)
        for f in outcome.failures[:10]:
            print(f"  {f['scenario']} sample {f.get('sample')} replicate {f['replicate']} "
                  f"(seed {f['seed']}): {f['error']}", file=sys.stderr)
        print(f"  tracebacks are in {outcome.path / 'failures'}; rerun them with "
              f"--resume {outcome.path}", file=sys.stderr)
    try:
        if discover:
            res, _ = discovery.discover_folder(outcome.path)
            print(discovery_text(res))
        else:
            sres, _ = sensitivity.analyse_folder(outcome.path)
            print(sensitivity_text(sres))
    except EnsembleError as exc:  # the runs are saved, but cannot be analysed as asked
        print(f"hls-sim: error: no analysis: {exc} (the runs are saved in {outcome.path})",
              file=sys.stderr)
        return 1
    if not args.no_report:
        from ..report import write_report

        print(f"\nreport: {write_report(outcome.path)}")
    print(f"results: {outcome.path}  ({outcome.runs_finished}/{outcome.runs_planned} runs, "
          f"model time {outcome.model_seconds:.1f} s, wall time {outcome.wall_seconds:.1f} s, "
          f"{human_bytes(disk_usage(outcome.path))} on disk)")
    return status


def _check_design(spec, discover: bool) -> None:
    if discover and spec.discover is None:
        raise EnsembleError(f"{spec.where('discover')}: no discover: section (which output, "
                              "and above or below what threshold) for 'hls-sim discover'")
    if not discover and spec.method == "latin":
        raise EnsembleError(f"{spec.where('method')}: method latin computes no indices: use "
                              "'hls-sim discover', or method delta or pawn")


def sensitivity_text(res) -> str:
    """The leading factors of each output, seed noise, and the checks, for the terminal."""
    from ..analysis.sensitivity import MAIN_INDEX

    main = MAIN_INDEX[res.method]
    lines = [f"\n{res.method}: factors ranked by {main} (± interval half-width)"]
    for out in res.indices["output"].unique():
        lines.append(f"\n{out}")
        for _, r in res.main(out).head(8).iterrows():
            conf = "" if pd.isna(r["conf"]) else f" ± {r['conf']:.3g}"
            lines.append(f"  {r['factor']:<44} {r['value']:>9.4g}{conf}")
        n = res.noise[res.noise["output"] == out]
        if len(n) and not pd.isna(n["seed_variance"].iloc[0]):
            lines.append(f"  {'(seed noise: share of the analysed output)':<44} "
                         f"{n['seed_share_analysed'].iloc[0]:>9.1%}")
    for c in res.checks:
        lines.append(f"{c['level']}: {c['message']}")
    return "\n".join(lines)


def discovery_text(res) -> str:
    """PRIM boxes and the tree's rules, for the terminal."""
    sign = ">=" if res.direction == "above" else "<="
    lines = [f"\n{res.question}", f"{res.n_interest} of {res.n_points} sample points have "
             f"{res.output} {sign} {res.threshold:g}"]
    if not len(res.box_stats):
        lines.append("PRIM: no box denser than the data as a whole (the cases of interest are "
                     "spread out, or hold nearly everywhere)")
    for _, b in res.box_stats.iterrows():
        lines.append(f"PRIM box {int(b['box'])}: coverage {b['coverage']:.0%}, density "
                     f"{b['density']:.0%}, {int(b['n'])} points")
        for _, r in res.box_limits[res.box_limits["box"] == b["box"]].iterrows():
            rng = r["levels"] if isinstance(r["levels"], str) and r["levels"] else \
                f"{r['lower']:.4g} to {r['upper']:.4g}"
            lines.append(f"  {r['factor']:<44} {rng}   (quasi-p {r['qp']:.2g})")
    for _, t in res.tree.head(3).iterrows():
        lines.append(f"tree leaf: {t['rule']}  (coverage {t['coverage']:.0%}, density "
                     f"{t['density']:.0%})")
    return "\n".join(lines)


