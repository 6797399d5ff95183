"""The ``hls-sim`` command: run, compare, validate and list scenarios; report; dashboard.

Exit status: 0 success; 1 some runs failed (the rest are saved); 2 bad input (nothing
is written); 130 interrupted (resume with ``--resume DIR``).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import pandas as pd

from . import __version__, scenarios
from .params import ParameterError
from .runner import (
    Ensemble,
    EnsembleError,
    ExecutorError,
    load_results,
    resume_ensemble,
    run_ensemble,
)
from .runner.store import disk_usage, human_bytes

EXAMPLES = {
    "run": """\
        examples:
          hls-sim run quick                                  # 10 replicates of quick.yaml
          hls-sim run scenarios/people_in_mind.yaml --replicates 20 --out results/pim
          hls-sim run collaborative --workers 2 --seed 7
          hls-sim run competitive --replicates 40 --keep-people 5   # less disk
          hls-sim run --resume results/pim                   # finish an interrupted run""",
    "compare": """\
        examples:
          hls-sim compare competitive collaborative          # the first is the baseline
          hls-sim compare competitive switch_to_collaborative --replicates 20
          hls-sim compare quick my_place.yaml --dask local   # on a local Dask cluster
          hls-sim compare competitive collaborative --dask tcp://10.0.0.5:8786
          hls-sim compare --resume results/competitive-vs-collaborative-20261121-101500""",
    "validate": """\
        examples:
          hls-sim validate scenarios/*.yaml
          hls-sim validate my_place.yaml""",
    "list": """\
        example:
          hls-sim list""",
    "report": """\
        example:
          hls-sim report results/competitive-vs-collaborative-20261121-101500""",
    "demo": """\
        example:
          hls-sim demo                  # about a minute on two cores; prints the report's path""",
    "dashboard": """\
        examples:
          hls-sim dashboard                         # then open http://127.0.0.1:8765
          hls-sim dashboard --host 0.0.0.0 --port 9000""",
    "sensitivity": """\
        examples:
          hls-sim sensitivity experiments/morris_screening.yaml      # screen every lever
          hls-sim sensitivity sobol_regime_gap --workers 2           # a shipped experiment
          hls-sim sensitivity my_study.yaml --dask local             # a local Dask cluster
          hls-sim sensitivity my_study.yaml --dask tcp://10.0.0.5:8786
          hls-sim sensitivity --resume results/sobol_regime_gap-20261121-101500""",
    "discover": """\
        examples:
          hls-sim discover experiments/when_collaboration_wins.yaml
          hls-sim discover when_collaboration_wins --workers 2 --out results/wins
          hls-sim discover --resume results/wins             # finish, then find the boxes""",
}
DEMO_REPLICATES = 20


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ParameterError as exc:  # ScenarioError, EnsembleError: bad input
        print(f"hls-sim: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"hls-sim: error: {exc}", file=sys.stderr)
        return 2
    except ExecutorError as exc:
        print(f"hls-sim: {exc}; finished runs are saved, finish the rest with --resume",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nhls-sim: interrupted; finished runs are saved, finish the rest with "
              "--resume DIR", file=sys.stderr)
        return 130


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (what was wrong, where to look)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hls-sim",
        description="Simulate how services for people with multiple and complex needs are "
                    "commissioned: competitive, short-term funding against collaborative, "
                    "long-term Human Learning Systems commissioning.",
        epilog="Run 'hls-sim COMMAND --help' for a command's options and examples.")
    parser.add_argument("--version", action="version", version=f"hls_sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_: str, parents=()) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_, description=help_ + ".",
                              epilog=textwrap.dedent(EXAMPLES[name]), parents=list(parents),
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    execution = _Parser(add_help=False)
    g = execution.add_argument_group("running")
    g.add_argument("--replicates", "-n", type=_positive, default=10, metavar="N",
                   help="runs per scenario (default 10)")
    g.add_argument("--seed", type=_non_negative, default=0, metavar="S",
                   help="root seed; replicate seeds are spawned from it (default 0)")
    g.add_argument("--out", type=Path, metavar="DIR",
                   help="results folder (default results/<name>-<timestamp>)")
    g.add_argument("--workers", type=_positive, metavar="N",
                   help="worker processes (default: this machine's cores)")
    g.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask cluster: a scheduler address, or 'local'")
    g.add_argument("--resume", type=Path, metavar="DIR",
                   help="finish an interrupted run in DIR (runs only what is missing)")
    g.add_argument("--keep-people", type=_non_negative, metavar="K",
                   help="keep the people table (one row per person, the largest table) for "
                        "the first K replicates of each scenario only (default: all)")
    g.add_argument("--no-report", action="store_true", help="skip the HTML report")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    p = command("run", "Run one scenario many times and report on it", [execution])
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="a scenario name (see 'hls-sim list') or a YAML file")
    p.set_defaults(handler=cmd_run, many=False)

    p = command("compare", "Compare scenarios on the same seeds, with paired differences",
                [execution])
    p.add_argument("scenario", nargs="*", metavar="SCENARIO",
                   help="two or more scenarios; the first is the baseline")
    p.add_argument("--question", help="the question the comparison answers (for the report)")
    p.set_defaults(handler=cmd_run, many=True)

    p = command("validate", "Check scenario files without running them")
    p.add_argument("scenario", nargs="+", metavar="SCENARIO")
    p.set_defaults(handler=cmd_validate)

    p = command("list", "List the shipped scenarios with their descriptions")
    p.set_defaults(handler=cmd_list)

    p = command("report", "Write (again) the HTML report of a results folder")
    p.add_argument("results", type=Path, metavar="DIR")
    p.set_defaults(handler=cmd_report)

    p = command("demo", "Compare competitive and collaborative commissioning at default size")
    p.add_argument("--replicates", "-n", type=_positive, default=DEMO_REPLICATES, metavar="N")
    p.add_argument("--seed", type=_non_negative, default=0, metavar="S")
    p.add_argument("--workers", type=_positive, metavar="N")
    p.add_argument("--out", type=Path, metavar="DIR")
    p.set_defaults(handler=cmd_demo)

    design = _Parser(add_help=False)
    g = design.add_argument_group("running")
    g.add_argument("--workers", type=_positive, metavar="N",
                   help="worker processes (default: this machine's cores)")
    g.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask cluster: a scheduler address, or 'local'")
    g.add_argument("--out", type=Path, metavar="DIR",
                   help="results folder (default results/<experiment>-<timestamp>)")
    g.add_argument("--resume", type=Path, metavar="DIR",
                   help="finish an interrupted analysis in DIR (runs only what is missing)")
    g.add_argument("--no-report", action="store_true", help="skip the HTML report")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    p = command("sensitivity", "Global sensitivity analysis of an experiment file (SALib: "
                "Sobol, Morris, eFAST, PAWN, delta)", [design])
    p.add_argument("experiment", nargs="?", metavar="EXPERIMENT",
                   help="an experiment YAML file (or a name in experiments/)")
    p.set_defaults(handler=cmd_design)

    p = command("discover", "Scenario discovery: PRIM boxes and a decision tree for when an "
                "outcome holds", [design])
    p.add_argument("experiment", nargs="?", metavar="EXPERIMENT",
                   help="an experiment YAML file with a discover: section")
    p.set_defaults(handler=cmd_design)

    p = command("dashboard", "Start the twin-world dashboard in a browser")
    p.add_argument("--host", default="127.0.0.1", help="interface to serve on "
                   "(default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_positive, default=8765, help="port (default 8765)")
    p.set_defaults(handler=cmd_dashboard)
    return parser


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
        from .report import write_report

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
    from .analysis import headline_table

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
    from .report import write_report

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


def cmd_design(args: argparse.Namespace) -> int:
    """``sensitivity`` and ``discover``: validate, run (or resume) the design on the
    runner, analyse, report."""
    import os

    from . import design as experiments
    from .analysis import discovery, sensitivity

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
            from .runner import ResultsStore

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
        from .report import write_report

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
    from .analysis.sensitivity import MAIN_INDEX

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


def cmd_dashboard(args: argparse.Namespace) -> int:
    from .dashboard import serve

    return serve(host=args.host, port=args.port)


def _whole_number(minimum: int):
    """An argparse type: a whole number >= ``minimum``, with a one-line error."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid value {text!r}: allowed a whole "
                                             f"number >= {minimum}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"invalid value {value}: allowed a whole "
                                             f"number >= {minimum}")
        return value
    return parse


_positive = _whole_number(1)
_non_negative = _whole_number(0)
