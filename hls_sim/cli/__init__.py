"""The ``hls-sim`` command: run, compare, validate and list scenarios; report; dashboard;
sensitivity analysis and scenario discovery.

One module per family of commands: :mod:`.scenarios` (run, compare, validate, list,
report, demo), :mod:`.design` (sensitivity, discover), :mod:`.dashboard`; the parser
and the exit statuses are here, the examples every ``--help`` shows in :mod:`.examples`.

Exit status: 0 success; 1 some runs failed (the rest are saved); 2 bad input (nothing
is written); 130 interrupted (resume with ``--resume DIR``).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from .. import __version__
from ..params import ParameterError
from ..runner import ExecutorError
from .dashboard import cmd_dashboard
from .design import cmd_design
from .examples import EXAMPLES
from .options import _non_negative, _Parser, _positive
from .scenarios import DEMO_REPLICATES, cmd_demo, cmd_list, cmd_report, cmd_run, cmd_validate


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


__all__ = ["main", "build_parser", "EXAMPLES", "DEMO_REPLICATES"]
