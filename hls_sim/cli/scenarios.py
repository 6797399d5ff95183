"""Commands about scenarios: run, compare, validate, list, report, demo."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from .. import __version__, scenarios
from ..params import ParameterError
from ..runner import (
    Ensemble,
    EnsembleError,
    load_results,
    resume_ensemble,
    run_ensemble,
)
from ..runner.store import disk_usage, human_bytes

DEMO_REPLICATES = 20


def cmd_run(args: argparse.Namespace) -> int:
    progress = not args.quiet
    if args.resume is not None:
        if args.scenario:
            raise EnsembleError("give either scenarios or --resume DIR, not both (the "
                                  "scenarios of a resumed experiment come from its manifest)")
        outcome = resume_ensemble(args.resume, workers=args.workers, dask=args.dask,
                                    progress=progress)
    else:
        refs = args.scenario if args.many else ([args.scenario] if args.scenario else [])
        if not refs:
            raise EnsembleError(f"name a scenario to {args.command} (see 'hls-sim list'), "
                                  "or --resume DIR")
        if args.many and len(refs) < 2:
            raise EnsembleError("compare needs two or more scenarios (use 'hls-sim run' "
                                  "for one)")
        loaded = [scenarios.load(r) for r in refs]  # all validated before anything is written
        exp = Ensemble(loaded, replicates=args.replicates, seed=args.seed,
                         question=getattr(args, "question", None),
                         kind="compare" if args.many else "run",
                         people_replicates=args.keep_people)
        outcome = run_ensemble(exp, args.out, workers=args.workers, dask=args.dask,
                                 progress=progress)
    return finish(outcome, report=not args.no_report)


def finish(outcome, report: bool = True) -> int:
    """Print the summary table, write the report, say where everything is."""
    results = load_results(outcome.path)
    if len(results.summary):
        print(summary_table(results))
    if report and len(results.summary):
        from ..report import write_report

        path = write_report(outcome.path)
        print(f"\nreport: {path}")
    print(f"results: {outcome.path}  ({outcome.runs_finished}/{outcome.runs_planned} runs, "
          f"model time {outcome.model_seconds:.1f} s, {human_bytes(disk_usage(outcome.path))} "
          "on disk)")
    if outcome.failures:
        print(f"hls-sim: {len(outcome.failures)} run(s) failed:", file=sys.stderr)
        for f in outcome.failures:
            print(f"  {f['scenario']} replicate {f['replicate']} (seed {f['seed']}): "
                  f"{f['error']}", file=sys.stderr)
        print(f"  tracebacks are in {outcome.path / 'failures'}; rerun them with "
              f"--resume {outcome.path}", file=sys.stderr)
        return 1
    return 0


def summary_table(results) -> str:
    """The headline outcomes as a terminal table."""
    from ..analysis import headline_table

    present = [s for s in results.scenarios if s in set(results.summary["scenario"])]
    baseline = results.baseline if results.baseline in present else present[0]
    head = headline_table(results.summary, baseline)
    cols = ["outcome", *present]
    cols += [c for s in present if s != baseline
             for c in (f"{s} - {baseline}", f"verdict: {s}")]
    table = head[cols].rename(columns=lambda c: f"verdict ({c[9:]})"
                              if c.startswith("verdict: ") else c)
    n = results.manifest["replicates"]
    note = (f"median [10-90%] over {n} replicates; differences: mean paired difference "
            "[bootstrap 95% interval]")
    with pd.option_context("display.width", 250, "display.max_colwidth", 40):
        return f"\n{note}\n" + table.to_string(index=False)


def cmd_validate(args: argparse.Namespace) -> int:
    bad = 0
    for ref in args.scenario:
        try:
            s = scenarios.load(ref)
        except ParameterError as exc:
            print(f"hls-sim: error: {exc}", file=sys.stderr)
            bad += 1
            continue
        print(f"ok  {s.name}: {s.description or '(no description)'} [{s.hash[:12]}]")
    return 2 if bad else 0


def cmd_list(args: argparse.Namespace) -> int:
    names = scenarios.available()
    if not names:
        print("no scenarios found (looked in ./scenarios and beside the package)")
        return 0
    width = max(map(len, names))
    for name, path in names.items():
        try:
            desc = scenarios.load(path).description
        except ParameterError as exc:
            desc = f"(invalid: {exc})"
        print(f"{name:<{width}}  {desc}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import write_report

    print(write_report(args.results))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: competitive against collaborative, default size, with intervals."""
    exp = Ensemble([scenarios.load("competitive"), scenarios.load("collaborative")],
                     replicates=args.replicates, seed=args.seed, name="demo",
                     question="In the same place, with the same people, what changes when "
                              "services are commissioned collaboratively, for the long term, "
                              "instead of through short competitive tenders?")
    print(f"hls_sim {__version__}: comparing competitive and collaborative commissioning, "
          f"{args.replicates} replicates each at default size (10,000 people over ten years)",
          file=sys.stderr)
    outcome = run_ensemble(exp, args.out, workers=args.workers)
    return finish(outcome)


