"""Benchmark one default-size hls_sim run, with a plain Mesa model as a yardstick.

What is measured
----------------
* hls_sim: wall-clock seconds of ``hls_sim.run(preset, seed=s)`` on the default place
  (10,000 people over the run, 60 organisations, 400 practitioner posts, 520 weeks), for
  both presets, "competitive" and "collaborative", with seeds 0, 1, ..., repeats-1. The
  time covers building the model, running it and assembling the Result (everything a
  user waits for), not importing the package. Throughput is person-weeks per second:
  the sum over weeks of ``people_in_place`` divided by the run's seconds. Each
  repetition also times the same run as a sensitivity worker makes it (no event log, the
  summary row only), which is what each run of a design at the default place costs;
  printed for information (the target is judged on ``hls_sim.run``).
* Yardstick: the Boltzmann wealth model, the conventional first Mesa model, written
  here in the Mesa 3 style (one Python ``step`` per agent per tick, activated with
  ``AgentSet.shuffle_do``) with 10,000 agents. Its throughput is agent-steps per second.
  The ratio of the two throughputs, both measured in the same process a few seconds
  apart, says how hls_sim compares with a per-agent Mesa model on *this* machine; it is
  much less sensitive to machine speed than seconds are, so it is the figure to compare
  between machines.

Why medians
-----------
Benchmarks run on shared, noisy machines (other jobs, CPU frequency changes, a
concurrent test suite). Noise only ever adds time, so the median of several repetitions
is a robust central figure and the minimum shows what the code can do when the machine
is quiet. One untimed small warm-up run per preset comes first, so lazy imports and
first-call costs are not charged to the first timed repetition, and the repetitions of
the two presets and the yardstick are interleaved, so that a burst of load slows all
three rather than skewing the ratio.

Targets (issue 14): the default place's person-weeks per second at least 5 times the
yardstick's agent-steps per second (median ratio), about a third of a second a run on a
quiet core; and one run of ``scenarios/quick.yaml`` in at most 0.06 s (median, warm
process), timed both as ``hls_sim.run`` (every table) and as a sensitivity worker runs
it (no event log, summary only: ``hls_sim.runner.work.simulate``'s path).

Compiled and plain paths: by default the model runs its compiled kernels
(``hls_sim.kernels``); ``--plain`` also times the plain numpy path (``HLS_SIM_JIT=0``) in
the same process, interleaved, so the two can be compared under the same load. Run the
script against another checkout (``PYTHONPATH=/path/to/checkout``) to time older code: a
checkout without kernels is timed as it is.

Run:  .venv/bin/python benchmarks/bench_model.py [--repeats N] [--plain] [--json PATH]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import mesa
from _common import Parser, machine_info, write_json  # noqa: E402  (benchmarks/ is on sys.path)

import hls_sim

PRESETS = ("competitive", "collaborative")
TARGET_SECONDS = 1.5  # the earlier target (issue 2), still printed
TARGET_RATIO = 5.0  # issue 14: person-weeks/s at least 5x the yardstick's agent-steps/s
TARGET_QUICK_SECONDS = 0.06  # issue 14: one quick.yaml run in a warm worker
TINY = {"place__n_people": 100, "place__n_weeks": 520, "place__n_organisations": 6,
        "place__n_practitioners": 8, "place__n_localities": 1}  # fixed per-week cost
QUICK = Path(hls_sim.__file__).resolve().parent.parent / "scenarios" / "quick.yaml"
BOLTZMANN_AGENTS = 10_000
BOLTZMANN_SECONDS = 1.5  # aim for roughly this much time per yardstick repetition


# --- Yardstick: Mesa's Boltzmann wealth model, Mesa 3 style -------------------------------
#
# Modelled on mesa/examples/basic/boltzmann_wealth_model (Mesa 3.3), which cannot be
# imported here: mesa.examples/__init__.py imports every example, and some need packages
# that are not installed (networkx). The example also puts agents on a grid and collects
# a Gini coefficient every step; this is the grid-free version of the Mesa tutorial,
# so that it measures per-agent stepping and nothing else.
#
# The partner is drawn from a plain list of agents held by the model: in Mesa 3.3
# ``AgentSet.__getitem__`` copies the whole set into a list, so the tutorial's
# ``self.random.choice(self.model.agents)`` costs O(n) per call and O(n^2) per step,
# which would make the yardstick measure that copy rather than agent stepping.


class MoneyAgent(mesa.Agent):
    """An agent that starts with one unit of wealth."""

    def __init__(self, model: BoltzmannWealth) -> None:
        super().__init__(model)
        self.wealth = 1

    def exchange(self) -> None:
        """Give one unit of wealth to a random other agent, if this agent has any."""
        if self.wealth > 0:
            other = self.random.choice(self.model.agent_list)
            while other is self:
                other = self.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1

    def step(self) -> None:
        self.exchange()


class BoltzmannWealth(mesa.Model):
    """n agents who hand one unit of wealth to a random other agent every step."""

    def __init__(self, n: int = 100, seed: int | None = None) -> None:
        super().__init__(rng=seed)
        self.num_agents = n
        MoneyAgent.create_agents(self, n)
        self.agent_list = list(self.agents)

    def step(self) -> None:
        self.agents.shuffle_do("step")


PEOPLE_COLUMN = "people_in_place"  # people in the place each week (older code: people_present)

def time_boltzmann(n_agents: int, n_steps: int, seed: int) -> float:
    """Wall seconds for n_steps steps of a fresh model (model building not timed)."""
    model = BoltzmannWealth(n_agents, seed=seed)
    start = time.perf_counter()
    for _ in range(n_steps):
        model.step()
    elapsed = time.perf_counter() - start
    total = sum(a.wealth for a in model.agent_list)
    if total != n_agents:  # wealth is conserved; a cheap check that the model ran
        raise RuntimeError(f"Boltzmann model lost wealth: {total} != {n_agents}")
    return elapsed


def calibrate_boltzmann_steps(n_agents: int, target_seconds: float) -> int:
    """Number of steps that takes about target_seconds (also warms the model up)."""
    steps = 5
    while True:
        seconds = time_boltzmann(n_agents, steps, seed=12345)
        if seconds >= 0.5:
            return max(1, round(steps * target_seconds / seconds))
        steps *= 4


# --- hls_sim --------------------------------------------------------------------------------


def set_compiled(flag: bool | None) -> None:
    """Switch the model's kernels on or off (no-op for code without them)."""
    if flag is None:
        return
    own_jit().set_enabled(flag)


def own_jit():
    """hls_sim.jit of the checkout being timed, or None for code without kernels (an
    editable install elsewhere can otherwise lend another checkout's module)."""
    try:
        from hls_sim import jit
    except ImportError:
        return None
    same = Path(jit.__file__).resolve().parent == Path(hls_sim.__file__).resolve().parent
    return jit if same else None


def modes(plain: bool) -> list[bool | None]:
    jit = own_jit()
    if jit is None:  # code from before the compiled kernels
        return [None]
    return [True, False] if plain and jit.AVAILABLE else [jit.enabled()]


def mode_name(flag: bool | None) -> str:
    return {None: "as is", True: "compiled", False: "plain"}[flag]


def quick_params():
    from hls_sim import scenarios
    from hls_sim.params import make_params

    return make_params(scenarios.load(QUICK).content)


def time_quick(params, seed: int) -> dict[str, float]:
    """One quick.yaml run two ways: ``hls_sim.run`` (every table) and as a sensitivity
    worker runs it (the runner's own summary-only path: the scenario's content checked
    into parameters, no event log, the summary row)."""
    start = time.perf_counter()
    hls_sim.run(params, seed=seed)
    full = time.perf_counter() - start
    start = time.perf_counter()
    summary_only_run(seed)
    summary_only = time.perf_counter() - start
    return {"seed": seed, "run_seconds": full, "summary_only_seconds": summary_only}


def summary_only_run(seed: int) -> None:
    """A quick.yaml run exactly as a sensitivity worker makes it (:func:`worker_run`)."""
    from hls_sim import scenarios

    content = scenarios.load(QUICK).content if not _QUICK_CONTENT else _QUICK_CONTENT[0]
    _QUICK_CONTENT[:] = [content]
    worker_run(content, "quick", seed)


def worker_run(content: dict, name: str, seed: int) -> None:
    """One run of a scenario's ``content`` as a sensitivity worker makes it: the runner's
    ``HLSSimModel.simulate`` keeping no table but the summary (older code without that
    path: its own steps, as the worker of then took them)."""
    try:
        from hls_sim.runner.models import HLSSimModel
        from hls_sim.runner.work import RunSpec
    except ImportError:
        from hls_sim import events, metrics
        from hls_sim.model import HLSModel
        from hls_sim.params import make_params
        from hls_sim.result import people_frame

        model = HLSModel(make_params(content), seed=seed)
        model.log = getattr(events, "NullLog", _NullLog)()
        model.run()
        metrics.summary(model, metrics.timeseries(model), people_frame(model))
        return
    HLSSimModel("hls_sim").simulate(content, RunSpec(name, 0, seed, keep=()))


_QUICK_CONTENT: list = []  # quick.yaml's content, read once


class _NullLog:
    """An event log that keeps nothing, as a sensitivity worker's (runner.work)."""

    def people_event(self, *args, **kwargs) -> None:
        pass

    def org_event(self, *args, **kwargs) -> None:
        pass

    def mark(self) -> int:
        return 0

    def entries_since(self, mark: int) -> list:
        return []

    def to_frame(self):
        raise RuntimeError("summary-only run: no event log kept")


def time_hls(preset: str, seed: int) -> dict[str, float]:
    """One default run of ``preset`` two ways: ``hls_sim.run`` (every table, the target's
    measure) and as a sensitivity worker makes it (no event log, the summary row: what
    each run of a design at the default place costs). The same seed gives the same
    people, so the person-weeks are the full run's."""
    start = time.perf_counter()
    res = hls_sim.run(preset, seed=seed)
    wall = time.perf_counter() - start
    person_weeks = float(res.timeseries[PEOPLE_COLUMN if PEOPLE_COLUMN in res.timeseries
                                        else "people_present"].sum())  # older code
    start = time.perf_counter()
    summary_only_default(preset, seed)
    summary_only = time.perf_counter() - start
    return {
        "seed": seed,
        "wall_seconds": wall,
        "model_run_seconds": float(res.run_seconds),
        "person_weeks": person_weeks,
        "person_weeks_per_second": person_weeks / wall,
        "weeks": int(len(res.timeseries)),
        "summary_only_seconds": summary_only,
        "summary_only_person_weeks_per_second": person_weeks / summary_only,
    }


def summary_only_default(preset: str, seed: int) -> None:
    """A default run of ``preset`` as a sensitivity worker makes it."""
    worker_run({"regime": preset}, preset, seed)


def main(argv: list[str] | None = None) -> int:
    parser = Parser(
        description="Time one default-size hls_sim run per preset and quick.yaml runs "
        "(medians of several repetitions) against Mesa's Boltzmann wealth model as a "
        "yardstick.",
    )
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed repetitions per preset and for the yardstick (default 5)")
    parser.add_argument("--quick-runs", type=int, default=10,
                        help="quick.yaml runs per repetition (default 10)")
    parser.add_argument("--plain", action="store_true",
                        help="also time the plain numpy path (HLS_SIM_JIT=0), interleaved")
    parser.add_argument("--json", type=Path, metavar="PATH",
                        help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.quick_runs < 1:
        parser.error("--repeats and --quick-runs must be at least 1")

    info = machine_info()
    paths = modes(args.plain)
    print("hls_sim benchmark: one default run (10,000 people, 60 organisations, "
          "400 posts, 520 weeks) and quick.yaml runs")
    print(f"code: {Path(hls_sim.__file__).resolve().parent} ("
          + ", ".join(mode_name(m) for m in paths) + ")")
    print(f"machine: Python {info['python']} ({info['implementation']}), mesa {info['mesa']}, "
          f"numpy {info['numpy']}, pandas {info['pandas']}, CPUs {info['cpu_count']} "
          f"({info['cpus_usable']} usable), {info['platform']}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"(the machine has {info['cpu_count']} CPUs)")
    print(f"repeats: {args.repeats} per preset (seeds 0..{args.repeats - 1}) and for the "
          f"yardstick, {args.quick_runs} quick.yaml runs per repeat, interleaved, after "
          "untimed warm-up runs (which also load or compile the kernels)")
    print()

    # Warm-up: imports, kernels (compiled or loaded from the cache), allocator.
    quick = quick_params()
    for m in paths:
        set_compiled(m)
        for preset in PRESETS:
            hls_sim.run(preset, seed=0, place__n_people=300, place__n_weeks=20)
        time_quick(quick, seed=0)

    # Interleave everything, one repetition of each in turn, so that a burst of load on a
    # shared machine slows all of them rather than one.
    steps = calibrate_boltzmann_steps(BOLTZMANN_AGENTS, BOLTZMANN_SECONDS)
    hls_runs: dict[str, list[dict[str, float]]] = {}
    quick_runs: dict[str, list[dict[str, float]]] = {}
    tiny_runs: dict[str, list[float]] = {}
    b_seconds: list[float] = []
    for seed in range(args.repeats):
        for m in paths:
            set_compiled(m)
            for preset in PRESETS:
                hls_runs.setdefault(f"{preset} ({mode_name(m)})", []).append(
                    time_hls(preset, seed))
            for q in range(args.quick_runs):
                quick_runs.setdefault(mode_name(m), []).append(
                    time_quick(quick, seed * args.quick_runs + q))
            start = time.perf_counter()
            hls_sim.run("competitive", seed=seed, **TINY)
            tiny_runs.setdefault(mode_name(m), []).append(
                (time.perf_counter() - start) / TINY["place__n_weeks"])
        b_seconds.append(time_boltzmann(BOLTZMANN_AGENTS, steps, seed=seed))
    set_compiled(paths[0])

    b_rates = [BOLTZMANN_AGENTS * steps / s for s in b_seconds]
    boltzmann = {
        "agents": BOLTZMANN_AGENTS,
        "steps": steps,
        "seconds": b_seconds,
        "median_seconds": statistics.median(b_seconds),
        "min_seconds": min(b_seconds),
        "median_agent_steps_per_second": statistics.median(b_rates),
    }
    b_rate = boltzmann["median_agent_steps_per_second"]

    hls_results: dict[str, dict[str, object]] = {}
    for name, runs in hls_runs.items():
        walls = [r["wall_seconds"] for r in runs]
        rates = [r["person_weeks_per_second"] for r in runs]
        ratio = statistics.median(rates) / b_rate
        summ = [r["summary_only_seconds"] for r in runs]
        summ_rates = [r["summary_only_person_weeks_per_second"] for r in runs]
        hls_results[name] = {
            "runs": runs,
            "median_seconds": statistics.median(walls),
            "min_seconds": min(walls),
            "max_seconds": max(walls),
            "median_person_weeks": statistics.median(r["person_weeks"] for r in runs),
            "median_person_weeks_per_second": statistics.median(rates),
            "ratio_to_boltzmann": ratio,
            "meets_ratio_target": ratio >= TARGET_RATIO,
            "meets_target": statistics.median(walls) <= TARGET_SECONDS,
            "median_summary_only_seconds": statistics.median(summ),
            "summary_only_ratio_to_boltzmann": statistics.median(summ_rates) / b_rate,
        }

    header = (f"{'default place':<28}{'median s':>10}{'min s':>9}{'max s':>9}"
              f"{'person-weeks/s':>16}{'ratio':>8}  target ratio >= {TARGET_RATIO:g}")
    print(header)
    print("-" * len(header))
    for name, r in hls_results.items():
        print(f"{name:<28}{r['median_seconds']:>10.3f}{r['min_seconds']:>9.3f}"
              f"{r['max_seconds']:>9.3f}{r['median_person_weeks_per_second']:>16,.0f}"
              f"{r['ratio_to_boltzmann']:>8.3f}  "
              f"{'MET' if r['meets_ratio_target'] else 'NOT MET'}")
    print("  summary-only, as a sensitivity worker runs a design at the default place (no "
          "event log; not the target's measure): " + "; ".join(
              f"{name} {r['median_summary_only_seconds']:.3f} s, ratio "
              f"{r['summary_only_ratio_to_boltzmann']:.3f}" for name, r in hls_results.items()))
    print()
    quick_results: dict[str, dict[str, object]] = {}
    header = (f"{'quick.yaml (one run)':<28}{'median s':>10}{'min s':>9}"
              f"{'summary-only median s':>24}  target <= {TARGET_QUICK_SECONDS} s")
    print(header)
    print("-" * len(header))
    for name, runs in quick_runs.items():
        full = [r["run_seconds"] for r in runs]
        summ = [r["summary_only_seconds"] for r in runs]
        res = {"runs": runs, "median_seconds": statistics.median(full),
               "min_seconds": min(full), "median_summary_only_seconds": statistics.median(summ),
               "min_summary_only_seconds": min(summ)}
        res["meets_target"] = res["median_summary_only_seconds"] <= TARGET_QUICK_SECONDS
        quick_results[name] = res
        print(f"{name:<28}{res['median_seconds']:>10.3f}{res['min_seconds']:>9.3f}"
              f"{res['median_summary_only_seconds']:>24.3f}  "
              f"{'MET' if res['meets_target'] else 'NOT MET'}")
    print()
    print("fixed cost per week (a place of 100 people, 6 organisations, 8 posts, 520 weeks; "
          "median seconds per week): " + ", ".join(
              f"{name} {statistics.median(v) * 1e3:.3f} ms" for name, v in tiny_runs.items()))
    print()
    print(f"yardstick: Mesa Boltzmann wealth model, {BOLTZMANN_AGENTS:,} agents x {steps} steps, "
          f"median {boltzmann['median_seconds']:.3f} s (min {boltzmann['min_seconds']:.3f} s), "
          f"median {b_rate:,.0f} agent-steps/s")
    print("ratio = hls_sim person-weeks/s / Boltzmann agent-steps/s (same process, same "
          "machine; above 1 means one person-week costs less than one Mesa agent step)")
    print("quick.yaml: the summary-only time is what a sensitivity worker spends on a run "
          "(judged against the target); in yardstick agent-steps (load-independent): "
          + ", ".join(f"{name} {r['median_summary_only_seconds'] * b_rate:,.0f}"
                      for name, r in quick_results.items()))

    if args.json:
        payload = {
            "benchmark": "bench_model",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": info,
            "load_average_start": load,
            "code": str(Path(hls_sim.__file__).resolve().parent),
            "repeats": args.repeats,
            "target_seconds": TARGET_SECONDS,
            "target_ratio": TARGET_RATIO,
            "target_quick_seconds": TARGET_QUICK_SECONDS,
            "hls_sim": hls_results,
            "quick": quick_results,
            "fixed_cost_per_week_seconds": {k: statistics.median(v)
                                            for k, v in tiny_runs.items()},
            "boltzmann": boltzmann,
        }
        write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
