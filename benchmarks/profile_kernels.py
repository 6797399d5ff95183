"""How much of a kernel's time in a run is waiting for memory: each per-person kernel
timed inside a default run, then replayed on the same state, with its data in cache
and with the cache cleared first.

What is measured
----------------
One competitive default run (10,000 people, or ``--people``; 520 weeks; no event log)
with every call into ``hls_sim.kernels`` timed. Around one week (``--week``, default 300, weeks
``week-5 .. week+5``) the mean time of each call of four per-person kernels is kept
("in the run"). At that week the run stops and each of those kernels is replayed on the
model's state as it stands (on copies of whatever it changes), many times in a row:

* warm: the call repeated back to back, its arrays in cache (what a kernel costs when
  nothing else ran in between);
* cold: the same call after sweeping a buffer larger than the second-level cache (what
  it costs when its arrays must come back from further away).

In the run, a week's twenty-odd mechanisms pass over many arrays between two calls of
the same kernel, so its arrays have usually left the nearest caches. If the time in the
run is near the cold replay and well above the warm one, the gap is memory traffic:
work that reading each person's state once a week (kernels fused into one pass) would
save, and that compiling the arithmetic better would not.

Run:  .venv/bin/python benchmarks/profile_kernels.py [--week 300] [--repeats 2000] [--people N]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time

import numpy as np
from _common import machine_info  # noqa: E402  (benchmarks/ is on sys.path)

from hls_sim import kernels
from hls_sim.events import NullLog
from hls_sim.mechanisms.demand import spill_weights
from hls_sim.model import HLSModel
from hls_sim.params import make_params

KERNELS = ("need_drift", "crises", "record_people", "route_table")
SWEEP_BYTES = 16 * 1024 * 1024  # larger than this machine's second-level cache


class TimedKernels:
    """``hls_sim.kernels`` with every call timed, per kernel, for the weeks asked."""

    def __init__(self, model: HLSModel, weeks: range) -> None:
        self.model, self.weeks = model, weeks
        self.seconds: dict[str, list[float]] = collections.defaultdict(list)

    def __getattr__(self, name: str):
        f = getattr(kernels, name)
        if not callable(f):
            return f

        def timed(*args, **kwargs):
            start = time.perf_counter()
            out = f(*args, **kwargs)
            if self.model.week in self.weeks:
                self.seconds[name].append(time.perf_counter() - start)
            return out
        return timed


def replays(m: HLSModel) -> dict[str, callable]:
    """Each kernel of KERNELS called as its mechanism calls it, on copies of the state
    it changes (so repeating it changes nothing that the next call reads)."""
    people, pp, t, n = m.people, m.params.people, m.week, m.n_arrived
    needs = people.needs.copy()
    crises_mech = next(x for x in m.plan if x.name == "crises")
    counts = [people.crises.copy(), people.crises_h52.copy(), people.crises_h104.copy(),
              people.engagement.copy(), np.zeros(6, np.int64)]
    weights = spill_weights(m)
    none, no_weights = np.zeros(0, np.int64), np.zeros((0, needs.shape[1]))
    return {
        "need_drift": lambda: kernels.need_drift(
            people.status, needs, n, float(pp.need_threshold), weights,
            float(pp.drift_per_week), float(pp.natural_recovery_per_week)),
        "crises": lambda: kernels.crises(
            people.status, people.needs, n, crises_mech.luck.week_base(t),
            float(pp.crisis_hazard), float(pp.crisis_exponent), t, people.arrival_week,
            *counts[:4], float(pp.dropout_engagement + pp.crisis_engagement_margin),
            counts[4]),
        "record_people": lambda: kernels.record_people(
            people.status, people.needs, n, float(pp.need_threshold), none, no_weights, t,
            people.wait_since, people.longest_run, people.support_weeks),
        "route_table": lambda: kernels.route_table(
            people.status, people.contract, n, m.posts.contract, m.posts.filled,
            m.caseload_cap, m.contracts.cover),
    }


def sweep(buffer: np.ndarray) -> None:
    buffer += 1.0  # writes every cache line of a buffer larger than the cache


def time_calls(call, repeats: int, cold: bool, buffer: np.ndarray) -> float:
    """Median microseconds of one call, after a sweep of the cache if ``cold``."""
    call()
    times = []
    for _ in range(repeats):
        if cold:
            sweep(buffer)
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--week", type=int, default=300, help="the week looked at (5-514)")
    parser.add_argument("--repeats", type=int, default=2000, help="replays per kernel")
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
    timed = TimedKernels(m, range(args.week - 5, args.week + 6))
    m.kernels = timed
    while m.week < args.week:
        m.step()
    while m.week <= args.week + 5:  # the weeks after, for the in-run figure
        m.step()
    # The state replayed is the week after those timed (close enough: a few dozen
    # arrivals in ten weeks, out of thousands in the place).
    m.kernels = kernels
    status = m.people.status[: m.n_arrived]
    print(f"week {m.week}: {m.n_arrived:,} arrived, "
          f"{int(kernels._PRESENT[status].sum()):,} present, "
          f"{int((status == kernels.IN_SUPPORT).sum()):,} in support")
    buffer = np.zeros(SWEEP_BYTES // 8)
    calls = replays(m)
    print(f"\n{'kernel':16s} {'in the run us':>14s} {'warm us':>9s} {'cold us':>9s} "
          f"{'run / warm':>11s}")
    total_run = total_warm = 0.0
    for name in KERNELS:
        in_run = statistics.mean(timed.seconds[name]) * 1e6
        warm = time_calls(calls[name], args.repeats, False, buffer)
        cold = time_calls(calls[name], max(args.repeats // 4, 10), True, buffer)
        total_run += in_run
        total_warm += warm
        print(f"{name:16s} {in_run:14.1f} {warm:9.1f} {cold:9.1f} {in_run / warm:11.2f}")
    print(f"{'together':16s} {total_run:14.1f} {total_warm:9.1f} {'':9s} "
          f"{total_run / total_warm:11.2f}")
    print("\nin the run: mean of the calls in weeks "
          f"{args.week - 5}-{args.week + 5} (the call's Python dispatch included, as in "
          "the replays); warm and cold: medians of replays at the end of those weeks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
