"""What a kernel's surroundings in a run cost it: the per-person kernels timed inside a
default run, then the same calls replayed, back to back and after clearing the cache.

What is measured
----------------
One competitive default run (10,000 people, or ``--people``; 520 weeks; no event log)
with every call into ``hls_sim.kernels`` timed. Around one week (``--week``, default
300: weeks ``week-5 .. week+5``) the mean time of each call of the kernels below is kept
("in the run"), and the arguments of each one's call in the last of those weeks are
copied. Each call is then replayed with those arguments (a fresh copy for every replay,
made outside the timing, since most kernels change what they are given):

* warm: replayed back to back, its arrays in cache and the processor trained on it;
* cold: the same after sweeping a buffer larger than the second-level cache;
* in sequence: the calls of that week replayed once each in the week's order, back to
  back, after a sweep, sharing their arrays as the run does (an array first given to a
  kernel in the week is copied as it was then, and the later calls given it use that
  copy): what the kernels would take in one compiled pass over the week, with no
  Python between them (the fused pass the next factor of speed would need).

In the run, twenty-odd mechanisms run between two calls of the same kernel. The gap
between the run and the warm replay is what that costs the kernel: its arrays evicted
(the cold replay shows how much that alone can cost) and the processor's branch
predictor, which a replay of the same call trains on the same data. A loop that
branches on whose status is what, person by person, runs much faster replayed than in
a run; that is how the branch-free selection of people (``kernels.who_with``) was found.

Run:  .venv/bin/python benchmarks/profile_kernels.py [--week 300] [--repeats 500] [--people N]
"""

from __future__ import annotations

import collections
import statistics
import sys
import time

import numpy as np
from _common import Parser, machine_info  # noqa: E402  (benchmarks/ is on sys.path)

from hls_sim import kernels
from hls_sim.events import NullLog
from hls_sim.model import HLSModel
from hls_sim.params import make_params

KERNELS = ("need_drift", "crises_week", "access_week", "support", "closure_week", "record_week",
           "time_budget")
SWEEP_BYTES = 16 * 1024 * 1024  # larger than this machine's second-level cache


def copied(args: tuple) -> tuple:
    """A call's arguments with every array copied."""
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


class TimedKernels:
    """``hls_sim.kernels`` with every call timed, per kernel, for the weeks asked; the
    arguments of each call of KERNELS in week ``keep`` are kept (copied before the call)."""

    def __init__(self, model: HLSModel, weeks: range, keep: int) -> None:
        self.model, self.weeks, self.keep = model, weeks, keep
        self.seconds: dict[str, list[float]] = collections.defaultdict(list)
        self.calls: dict[str, tuple] = {}
        # Week ``keep``'s calls of KERNELS in order: (name, copied arguments, the
        # arguments themselves, kept so that no array's id is reused within the week).
        self.sequence: list[tuple[str, tuple, tuple]] = []

    def __getattr__(self, name: str):
        f = getattr(kernels, name)
        if not callable(f):
            return f

        def timed(*args):
            if name in KERNELS and self.model.week == self.keep:
                self.calls[name] = copied(args)
                self.sequence.append((name, self.calls[name], args))
            start = time.perf_counter()
            out = f(*args)
            if self.model.week in self.weeks:
                self.seconds[name].append(time.perf_counter() - start)
            return out
        return timed


def sweep(buffer: np.ndarray) -> None:
    buffer += 1.0  # writes every cache line of a buffer larger than the cache


def time_calls(name: str, args: tuple, repeats: int, cold: bool,
               buffer: np.ndarray) -> float:
    """Median microseconds of kernel ``name`` called with a fresh copy of ``args``,
    after a sweep of the cache if ``cold``."""
    f = getattr(kernels, name)
    f(*copied(args))
    times = []
    for _ in range(repeats):
        fresh = copied(args)
        if cold:
            sweep(buffer)
        start = time.perf_counter()
        f(*fresh)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def time_sequence(sequence: list[tuple[str, tuple, tuple]], repeats: int,
                  buffer: np.ndarray) -> float:
    """Median microseconds of ``sequence``'s calls made back to back after a sweep of
    the cache, each array shared between the calls that were given the same array in
    the run (copied as it was when first given; a fresh copy for every replay)."""
    first: dict[int, np.ndarray] = {}  # id of the run's array -> its first copy
    for _, copies, originals in sequence:
        for c, a in zip(copies, originals, strict=True):
            if isinstance(a, np.ndarray):
                first.setdefault(id(a), c)
    times = []
    for _ in range(repeats + 1):  # the first loads every kernel's code: not counted
        fresh = {k: v.copy() for k, v in first.items()}
        calls = [(getattr(kernels, name),
                  tuple(fresh[id(a)] if isinstance(a, np.ndarray) else c
                        for c, a in zip(copies, originals, strict=True)))
                 for name, copies, originals in sequence]
        sweep(buffer)
        start = time.perf_counter()
        for f, args in calls:
            f(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--week", type=int, default=300, help="the week looked at (5-514)")
    parser.add_argument("--repeats", type=int, default=500, help="replays per kernel")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--people", type=int, default=10_000,
                        help="people over the run (the default place's 10,000; fewer "
                             "shows whether the gap depends on the data fitting in cache)")
    args = parser.parse_args(argv)
    if not 5 <= args.week <= 514:
        print(f"error: --week must be 5-514, got {args.week}", file=sys.stderr)
        return 2
    if args.repeats < 10:
        print(f"error: --repeats must be at least 10, got {args.repeats}", file=sys.stderr)
        return 2
    if args.seed < 0:
        print(f"error: --seed must be 0 or more, got {args.seed}", file=sys.stderr)
        return 2
    if args.people < 500:
        print(f"error: --people must be at least 500, got {args.people}", file=sys.stderr)
        return 2
    if not kernels.numba:
        print("error: numba is not installed: no compiled kernels to time", file=sys.stderr)
        return 2
    print("hls_sim: per-person kernels in a run against the same calls replayed")
    info = machine_info()
    print(f"machine: Python {info['python']}, numpy {info['numpy']}, CPUs {info['cpu_count']} "
          f"({info['cpus_usable']} usable), {info['platform']}")
    params = make_params("competitive", place__n_people=args.people)
    HLSModel(params, seed=99).run()  # loads the compiled kernels
    m = HLSModel(params, seed=args.seed)
    m.log = NullLog()
    timed = TimedKernels(m, range(args.week - 5, args.week + 6), keep=args.week + 5)
    m.kernels = timed
    while m.week <= args.week + 5:
        m.step()
    m.kernels = kernels
    status = m.people.status[: m.n_arrived]
    print(f"week {m.week - 1}: {m.n_arrived:,} arrived, "
          f"{int(kernels._PRESENT[status].sum()):,} present, "
          f"{int((status == kernels.IN_SUPPORT).sum()):,} in support")
    buffer = np.zeros(SWEEP_BYTES // 8)
    print(f"\n{'kernel':16s} {'in the run us':>14s} {'warm us':>9s} {'cold us':>9s} "
          f"{'run / warm':>11s}")
    total_run = total_warm = 0.0
    for name in KERNELS:
        if name not in timed.calls:  # not called in that week (nothing to replay)
            print(f"{name:16s} {'not called in week ' + str(args.week + 5):>45s}")
            continue
        in_run = statistics.mean(timed.seconds[name]) * 1e6
        warm = time_calls(name, timed.calls[name], args.repeats, False, buffer)
        cold = time_calls(name, timed.calls[name], max(args.repeats // 4, 10), True, buffer)
        total_run += in_run
        total_warm += warm
        print(f"{name:16s} {in_run:14.1f} {warm:9.1f} {cold:9.1f} {in_run / warm:11.2f}")
    if total_warm:
        print(f"{'together':16s} {total_run:14.1f} {total_warm:9.1f} {'':9s} "
              f"{total_run / total_warm:11.2f}")
    if timed.sequence:
        replayed = [name for name, _, _ in timed.sequence]
        in_run = sum(statistics.mean(timed.seconds[name]) for name in replayed) * 1e6
        together = time_sequence(timed.sequence, max(args.repeats // 4, 10), buffer)
        print(f"\nin sequence: week {args.week + 5}'s {len(replayed)} calls of these kernels "
              f"in the week's order, back to back after a sweep, sharing arrays as in the "
              f"run: {together:.1f} us (their means in the run add to {in_run:.1f} us; "
              f"run / sequence {in_run / together:.2f})")
    print("\nin the run: mean of the calls in weeks "
          f"{args.week - 5}-{args.week + 5} (numba's dispatch included, as in the "
          f"replays); warm and cold: medians of replays of the call in week {args.week + 5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
