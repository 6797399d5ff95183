"""Where a run's time goes outside the compiled kernels: each mechanism's Python, numba's
dispatch, the commissioner's market events, the contract book's views, the event log.

What is measured
----------------
``--runs`` runs of the default place (``--preset``, seeds 1..N; ``--people`` and
``--weeks`` to shrink it) after one untimed run that loads the kernels:

* plain: each run timed as it is, with and without its event log (``NullLog``, as a
  sensitivity worker runs), and ``Result.from_model`` (the tables ``hls_sim.run``
  builds after the run);
* split: the same runs again, with every mechanism's ``step``, the Recorder and every
  call into ``hls_sim.kernels`` timed. A mechanism's Python is its time less its
  kernels' time. The timers add about half a microsecond a call, so this pass runs
  slower than the plain one; its shares are what it is for;
* dispatch: the arguments of each kernel's first call are kept, and a compiled stub of
  the same arity (it returns 0 at once) is called with them: what numba's dispatcher
  costs each call (type checks, unboxing each array), before the kernel does anything;
  times the calls a run makes;
* the market's rare events (tenders, organisations closing, lots moving) and the
  contract book's array views made on a read after a change (``contracts._View``:
  built from every contract, or since 5883596 mostly patched; the label keeps the
  name "contract views rebuilt" so figures compare across commits), timed the same way.

Run:  .venv/bin/python benchmarks/profile_glue.py [--preset competitive] [--runs 3]
          [--people N] [--weeks N] [--json PATH]
"""

from __future__ import annotations

import collections
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np
from _common import Parser, machine_info, write_json  # noqa: E402  (benchmarks/ is on sys.path)

from hls_sim import contracts, kernels, operations
from hls_sim.events import NullLog
from hls_sim.mechanisms import commissioning
from hls_sim.model import HLSModel
from hls_sim.params import make_params
from hls_sim.result import Result

# The market's rare events: (owner, attribute, label). Timed where they are looked up
# at call time (module functions through the module, methods through the class).
RARE = ((commissioning.Commissioning, "tender", "tender"),
        (operations, "close_organisation", "organisation closes"),
        (operations, "move_lot", "lot moves or is re-let"),
        (operations, "practitioner_leaves", "practitioners leave"))


class Timers:
    """Seconds and calls per label."""

    def __init__(self) -> None:
        self.seconds: collections.Counter = collections.Counter()
        self.calls: collections.Counter = collections.Counter()

    def wrap(self, fn, label: str):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.calls[label] += 1
        return timed


def timed_kernels(timers: Timers, first_args: dict[str, tuple]) -> types.ModuleType:
    """``hls_sim.kernels`` with every compiled function timed (and its first call's
    arguments kept in ``first_args``)."""
    module = types.ModuleType("timed_kernels")
    for name in dir(kernels):
        fn = getattr(kernels, name)
        if hasattr(fn, "py_func"):
            def call(*args, _fn=fn, _name=name):
                first_args.setdefault(_name, args)
                start = time.perf_counter()
                out = _fn(*args)
                timers.seconds[_name] += time.perf_counter() - start
                timers.calls[_name] += 1
                return out
            setattr(module, name, call)
        else:
            setattr(module, name, fn)
    return module


def dispatch_seconds(args: tuple, repeats: int) -> float:
    """Median seconds of a call of a compiled stub of the same arity with ``args``."""
    import numba

    names = ", ".join(f"a{i}" for i in range(len(args)))
    scope: dict = {}
    exec(f"def stub({names}):\n    return 0", scope)  # noqa: S102 (a stub of known text)
    stub = numba.njit(cache=False)(scope["stub"])
    stub(*args)  # compiles
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            stub(*args)
        times.append((time.perf_counter() - start) / repeats)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=("competitive", "collaborative"), default="competitive")
    ap.add_argument("--runs", type=int, default=3, help="timed runs (default 3)")
    ap.add_argument("--people", type=int, default=None,
                    help="people over the run (default: the preset's 10,000)")
    ap.add_argument("--weeks", type=int, default=None,
                    help="weeks (default: the preset's 520)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error(f"--runs must be at least 1, got {args.runs}")
    if args.people is not None and args.people < 100:
        ap.error(f"--people must be at least 100, got {args.people}")
    if args.weeks is not None and args.weeks < 10:
        ap.error(f"--weeks must be at least 10, got {args.weeks}")
    if not kernels.numba:
        print("error: numba is not installed: no compiled kernels to time", file=sys.stderr)
        return 2
    overrides = {}
    if args.people is not None:
        overrides["place__n_people"] = args.people
    if args.weeks is not None:
        overrides["place__n_weeks"] = args.weeks
    params = make_params(args.preset, **overrides)
    weeks = params.place.n_weeks
    seeds = range(1, args.runs + 1)
    info = machine_info()
    print(f"hls_sim: where a run's time goes outside the kernels ({args.preset}, "
          f"{params.place.n_people:,} people, {weeks} weeks, {args.runs} run(s))")
    print(f"machine: Python {info['python']}, numpy {info['numpy']}, CPUs {info['cpu_count']} "
          f"({info['cpus_usable']} usable), {info['platform']}")
    HLSModel(params, seed=0).run()  # loads (or compiles) the kernels

    # Plain runs: as they are, without the event log, and the tables after.
    with_log, without_log, tables = [], [], []
    for seed in seeds:
        start = time.perf_counter()
        model = HLSModel(params, seed=seed).run()
        with_log.append(time.perf_counter() - start)
        start = time.perf_counter()
        Result.from_model(model, 0.0)
        tables.append(time.perf_counter() - start)
        model = HLSModel(params, seed=seed)
        model.log = NullLog()
        start = time.perf_counter()
        model.run()
        without_log.append(time.perf_counter() - start)
    run_s = statistics.median(with_log)

    # Split runs: mechanisms, the Recorder, kernels, rare events and views timed.
    mech, kern, rare = Timers(), Timers(), Timers()
    first_args: dict[str, tuple] = {}
    view_get = contracts._View.__get__

    def timed_view(view, book, owner=None):
        if book is None:
            return view
        start = time.perf_counter()
        try:
            return view_get(view, book, owner)
        finally:
            rare.seconds["contract views rebuilt"] += time.perf_counter() - start
            rare.calls["contract views rebuilt"] += 1

    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in RARE]
    split = []
    try:
        for owner, name, label in RARE:
            setattr(owner, name, rare.wrap(getattr(owner, name), label))
        contracts._View.__get__ = timed_view
        for seed in seeds:
            model = HLSModel(params, seed=seed)
            model.kernels = timed_kernels(kern, first_args)
            for m in model.plan:
                m.step = mech.wrap(m.step, m.name)
            model.recorder.record = mech.wrap(model.recorder.record, "(recorder)")
            start = time.perf_counter()
            model.run()
            split.append(time.perf_counter() - start)
    finally:
        contracts._View.__get__ = view_get
        for owner, name, fn in originals:
            setattr(owner, name, fn)

    per_run = 1.0 / args.runs
    kernel_s = sum(kern.seconds.values()) * per_run
    mech_s = sum(mech.seconds.values()) * per_run
    split_s = statistics.median(split)

    # Dispatch: a stub of each kernel's arity, given its first call's arguments.
    dispatch = {}
    for name, call_args in first_args.items():
        per_call = dispatch_seconds(call_args, 2000)
        dispatch[name] = {"seconds_per_call": per_call,
                          "calls_per_run": kern.calls[name] * per_run,
                          "arrays": sum(isinstance(a, np.ndarray) for a in call_args),
                          "arguments": len(call_args)}
    dispatch_s = sum(d["seconds_per_call"] * d["calls_per_run"] for d in dispatch.values())

    ms = 1e3
    print(f"\nplain runs (medians): {run_s * ms:.1f} ms a run with its event log, "
          f"{statistics.median(without_log) * ms:.1f} ms without (the log costs "
          f"{(run_s - statistics.median(without_log)) * ms:.1f} ms); the tables after "
          f"(Result.from_model) {statistics.median(tables) * ms:.1f} ms")
    print(f"split runs (every call timed): {split_s * ms:.1f} ms a run; the mechanisms' "
          f"steps and the Recorder {mech_s * ms:.1f} ms, of which kernels "
          f"{kernel_s * ms:.1f} ms (numba's dispatch included) and Python "
          f"{(mech_s - kernel_s) * ms:.1f} ms; the week loop and timers "
          f"{(split_s - mech_s) * ms:.1f} ms")
    print(f"numba's dispatch (stubs of each kernel's arity, given its arguments): "
          f"{dispatch_s * ms:.1f} ms a run, {dispatch_s / run_s:.1%} of a plain run")

    print(f"\n{'mechanism':22s} {'ms a run':>9s} {'calls':>7s}")
    for name, s in mech.seconds.most_common():
        print(f"{name:22s} {s * per_run * ms:9.2f} {mech.calls[name] * per_run:7.0f}")
    print(f"\n{'kernel':24s} {'ms a run':>9s} {'calls':>7s} {'dispatch us':>12s} "
          f"{'arrays':>7s}")
    for name, s in kern.seconds.most_common():
        d = dispatch.get(name, {})
        print(f"{name:24s} {s * per_run * ms:9.2f} {kern.calls[name] * per_run:7.0f} "
              f"{d.get('seconds_per_call', float('nan')) * 1e6:12.2f} {d.get('arrays', 0):7d}")
    print(f"\n{'market event / view':24s} {'ms a run':>9s} {'calls':>7s} {'us a call':>10s}")
    for label, s in rare.seconds.most_common():
        n = rare.calls[label]
        print(f"{label:24s} {s * per_run * ms:9.2f} {n * per_run:7.0f} {s / n * 1e6:10.1f}")
    print("\n(rare events nest: a tender moves a lot, a lot moving lets practitioners go; "
          "their times overlap. A mechanism's time includes its kernels'.)")

    if args.json:
        write_json(args.json, {
            "machine": info, "preset": args.preset, "people": params.place.n_people,
            "weeks": weeks, "runs": args.runs,
            "plain": {"run_seconds": with_log, "no_log_seconds": without_log,
                      "tables_seconds": tables},
            "split": {"run_seconds": split,
                      "mechanisms": {k: v * per_run for k, v in mech.seconds.items()},
                      "kernels": {k: v * per_run for k, v in kern.seconds.items()},
                      "rare": {k: v * per_run for k, v in rare.seconds.items()}},
            "dispatch": dispatch, "dispatch_seconds_per_run": dispatch_s})
    return 0


if __name__ == "__main__":
    sys.exit(main())
