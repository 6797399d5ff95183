"""Commands about scenarios: run, compare, validate, list, report, demo."""

from __future__ import annotations

import argparse
import sys
import textwrap

import pandas as pd

from .. import __version__, scenarios
from ..params import ParameterError
from ..runner import (
    EnsembleError,
    load_results,
    resume_ensemble,
    run_ensemble,
)
from ..runner.store import disk_usage, human_bytes

DEMO_REPLICATES = 20
DEMO_DECOMPOSE_REPLICATES = 10
"""The demo's decomposition runs on the first 10 of its replicate seeds (the comparison's
own runs of the two options are reused): enough for intervals, at half the cost."""
DECOMPOSE_MODES = ("groups", "levers")


def cmd_run(args: argparse.Namespace) -> int:
    """``run`` and ``compare``: the options and the no-service arm on the same seeds, then
    any decomposition asked for; print what was found and write the report."""
    from ..analysis.arms import ComparisonEnsemble

    progress = not args.quiet
    by = getattr(args, "decompose", None)
    if args.resume is not None:
        if args.scenario or by or args.skip_no_service:
            raise EnsembleError("give either scenarios (and --decompose, --skip-no-service) "
                                "or --resume DIR, not both (a resumed experiment's scenarios, "
                                "arms and decomposition come from its manifest)")
        outcome = resume_ensemble(args.resume, workers=args.workers, dask=args.dask,
                                  progress=progress, factory=ComparisonEnsemble.from_manifest)
    else:
        refs = args.scenario if args.many else ([args.scenario] if args.scenario else [])
        if not refs:
            raise EnsembleError(f"name a scenario to {args.command} (see 'hls-sim list'), "
                                  "or --resume DIR")
        if args.many and len(refs) < 2:
            raise EnsembleError("compare needs two or more scenarios (use 'hls-sim run' "
                                  "for one)")
        loaded = [scenarios.load(r) for r in refs]  # all validated before anything is written
        exp = comparison(loaded, args)
        outcome = run_ensemble(exp, args.out, workers=args.workers, dask=args.dask,
                                 progress=progress)
    status = 0
    manifest = load_results(outcome.path).manifest
    if manifest.get("decompose"):
        status = run_decomposition(outcome.path, manifest, workers=args.workers,
                                   dask=args.dask, progress=progress)
    return max(status, finish(outcome, report=not args.no_report))


def comparison(loaded: list, args: argparse.Namespace):
    """The runner ensemble of a comparison: the options, the no-service arm (unless
    skipped), and the decomposition asked for, all checked before anything is written."""
    from ..analysis import decompose as dm
    from ..analysis.arms import ComparisonEnsemble, with_no_service

    if args.skip_no_service:
        arms, arm, note = loaded, None, "it was left out (--skip-no-service)"
    else:
        arms, arm, note = with_no_service(loaded)
    if arm is not None:
        own = [s for s in arms if s.name != arm]
        differ = [s.name for s in own if s.params.appraisal != own[0].params.appraisal]
        if differ:
            raise EnsembleError(
                f"the economic case needs one set of appraisal settings, and {differ[0]} "
                f"sets them differently from {own[0].name}; allowed: appraisal.* in a file "
                "every option extends (or --skip-no-service, which makes no economic case)")
    decompose = None
    by = getattr(args, "decompose", None)
    if by:
        options = [s for s in loaded if s.name != arm]
        if len(options) != 2:
            raise EnsembleError(f"--decompose splits the difference between two options; "
                                f"{len(options)} were given (allowed: compare A B --decompose "
                                f"{by})")
        a, b = options
        reps = getattr(args, "decompose_replicates", None) or args.replicates
        plan = dm.plan(a, b, by, replicates=reps, seed=args.seed)
        spec = plan.decomposition
        runs = len(plan.runs())
        reused = 2 * reps
        how = (f"every combination of their settings ({len(spec['coalitions'])})"
               if spec["method"] == "exact" else
               f"{spec['permutations']} sampled orderings ({len(spec['coalitions'])} "
               "combinations)")
        print(f"hls-sim: decomposition of {b.name} - {a.name} by {by}: "
              f"{len(spec['players'])} player(s) ({', '.join(p['name'] for p in spec['players'])}); "
              f"{how} x {reps} replicates = {runs} runs, of which {reused} are the "
              f"comparison's own runs of {a.name} and {b.name} (reused), so {runs - reused} "
              f"more runs after the comparison's {args.replicates * len(arms)}",
              file=sys.stderr)
        decompose = {"by": by, "a": a.name, "b": b.name, "replicates": reps, "runs": runs,
                     "new_runs": runs - reused}
    if note and not args.skip_no_service:  # said once everything has been checked
        print(f"hls-sim: no no-service arm: {note}", file=sys.stderr)
    return ComparisonEnsemble(arms, replicates=args.replicates, seed=args.seed,
                              name="-vs-".join(s.name for s in loaded),  # the options
                              question=getattr(args, "question", None),
                              kind="compare" if args.many else "run",
                              people_replicates=args.keep_people, no_service_arm=arm,
                              no_service_note=note, decompose=decompose)


def run_decomposition(path, manifest: dict, *, workers=None, dask=None,
                      progress: bool = True) -> int:
    """Run (or finish) the decomposition a comparison asked for, in ``path/decomposition``,
    reusing the comparison's runs of A and B; write its tables and waterfall figures.
    Returns 0, or 1 when it is incomplete (the runs are saved: --resume finishes them)."""
    from ..analysis import decompose as dm
    from ..report.decompose_figures import write_figures
    from ..report.findings import DECOMPOSITION, KEY_OUTCOMES
    from ..runner import ResultsStore
    from ..scenarios import Scenario

    spec = manifest["decompose"]
    folder = path / DECOMPOSITION
    try:
        if ResultsStore(folder).exists():
            dec = dm.resume_decomposition(folder, workers=workers, dask=dask,
                                          progress=progress)
        else:
            found = {s["name"]: Scenario.from_content(s["name"], s.get("description", ""),
                                                      s["content"])
                     for s in manifest["scenarios"]}
            exp = dm.plan(found[spec["a"]], found[spec["b"]], spec["by"],
                          replicates=spec.get("replicates", manifest["replicates"]),
                          seed=manifest["root_seed"],
                          reuse=path, name=f"decompose-{spec['a']}-vs-{spec['b']}")
            done = run_ensemble(exp, folder, workers=workers, dask=dask, progress=progress)
            dec = dm.analyse(done.path)
    except dm.IncompleteError as exc:
        print(f"hls-sim: the decomposition is incomplete: {exc}; finished runs are saved, "
              f"finish it with --resume {path}", file=sys.stderr)
        return 1
    write_figures(dec, outcomes=[o for o in KEY_OUTCOMES if o in dec.outcomes] or None)
    if dec.failures:
        print(f"hls-sim: the decomposition is incomplete: {len(dec.failures)} of its runs "
              f"failed (their replicates are left out; tracebacks in {folder / 'failures'}); "
              f"finish it with --resume {path}", file=sys.stderr)
        return 1
    return 0


def finish(outcome, report: bool = True) -> int:
    """Print what was found (in words first, then the tables), write the report, say
    where everything is."""
    results = load_results(outcome.path)
    if len(results.summary):
        from ..report.findings import findings

        found = findings(outcome.path)
        print(found_text(found))
        if report:
            from ..report import write_report

            path = write_report(outcome.path, found)
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


def found_text(found) -> str:
    """The terminal's account of a comparison: the words, then the tables."""
    from ..report.findings import KEY_OUTCOMES

    width = 100
    parts = ["", "In words:", ""]
    parts += [textwrap.fill(w, width, initial_indent="  ", subsequent_indent="  ")
              for w in found.words]
    parts += ["", summary_table(found)]
    va = found.value_added_table()
    if len(va):
        n = found.replicates
        parts += ["", f"Value added over no service ('{found.arm}': the same place, people and "
                  f"shocks, no commissioned support): the arm's median, and each option's mean "
                  f"paired difference from it [bootstrap 95% interval] over {n} replicates",
                  _frame(va)]
    if found.case is not None:
        parts += ["", found.case.table_text(), "",
                  textwrap.fill(found.counted_sentence(), width)]
    if found.decomposition is not None:
        dec = found.decomposition
        parts += ["", f"What made the difference ({dec.b} - {dec.a}, by {dec.by}; every "
                  f"outcome in {dec.folder / 'summary.md'}):"]
        for o in KEY_OUTCOMES:
            if o in dec.outcomes:
                parts.append(textwrap.fill(dec.sentence(o), width, initial_indent="  - ",
                                           subsequent_indent="    "))
    return "\n".join(parts)


def summary_table(found) -> str:
    """The headline outcomes of the options as a terminal table."""
    head = found.headline
    present = found.options
    baseline = found.baseline
    cols = ["outcome", *present]
    cols += [c for s in present if s != baseline
             for c in (f"{s} - {baseline}", f"verdict: {s}")]
    table = head[cols].rename(columns=lambda c: f"verdict ({c[9:]})"
                              if c.startswith("verdict: ") else c)
    n = found.replicates
    note = (f"Headline outcomes: median [10-90%] over {n} replicates; differences: mean "
            "paired difference [bootstrap 95% interval]")
    return f"{note}\n" + _frame(table)


def _frame(table: pd.DataFrame) -> str:
    with pd.option_context("display.width", 250, "display.max_colwidth", 60):
        return table.to_string(index=False)


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
    """The main job: competitive against collaborative at default size, against no
    service, with intervals, the economic case, and a decomposition of the difference
    into procurement and practice levers (on fewer replicates, to keep it short)."""
    ns = argparse.Namespace(
        replicates=args.replicates, seed=args.seed, skip_no_service=False, keep_people=None,
        question="In the same place, with the same people, what changes when services are "
                 "commissioned collaboratively, for the long term, instead of through short "
                 "competitive tenders, and what does each add over no service at all?",
        many=True, decompose="groups" if args.decompose_replicates else None,
        decompose_replicates=min(args.decompose_replicates, args.replicates))
    print(f"hls_sim {__version__}: comparing competitive and collaborative commissioning "
          f"and no service, {args.replicates} replicates each at default size (10,000 people "
          "over ten years)", file=sys.stderr)
    exp = comparison([scenarios.load("competitive"), scenarios.load("collaborative")], ns)
    exp.name = "demo"
    outcome = run_ensemble(exp, args.out, workers=args.workers)
    status = 0
    if exp.decompose:
        status = run_decomposition(outcome.path, load_results(outcome.path).manifest,
                                   workers=args.workers)
    return max(status, finish(outcome))
