"""Benchmark one default-size hls_sim run, with a plain Mesa model as a yardstick.

What is measured
----------------
* hls_sim: wall-clock seconds of ``hls_sim.run(preset, seed=s)`` on the default place
  (10,000 people over the run, 60 organisations, 400 practitioner posts, 520 weeks), for
  both presets, "competitive" and "collaborative", with seeds 0, 1, ..., repeats-1. The
  time covers building the model, running it and assembling the Result (everything a
  user waits for), not importing the package. Throughput is person-weeks per second:
  the sum over weeks of ``people_in_place`` divided by the run's seconds.
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

The target is that one default run takes at most 1.5 s (median wall time).

Run:  .venv/bin/python benchmarks/bench_model.py [--repeats N] [--json PATH]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import mesa
from _common import machine_info, write_json  # noqa: E402  (benchmarks/ is on sys.path)

import hls_sim

PRESETS = ("competitive", "collaborative")
TARGET_SECONDS = 1.5
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


def time_hls(preset: str, seed: int) -> dict[str, float]:
    start = time.perf_counter()
    res = hls_sim.run(preset, seed=seed)
    wall = time.perf_counter() - start
    person_weeks = float(res.timeseries["people_in_place"].sum())
    return {
        "seed": seed,
        "wall_seconds": wall,
        "model_run_seconds": float(res.run_seconds),
        "person_weeks": person_weeks,
        "person_weeks_per_second": person_weeks / wall,
        "weeks": int(len(res.timeseries)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time one default-size hls_sim run per preset (median and min of "
        "several repetitions) against Mesa's Boltzmann wealth model as a yardstick.",
    )
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed repetitions per preset and for the yardstick (default 5)")
    parser.add_argument("--json", type=Path, metavar="PATH",
                        help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    info = machine_info()
    print("hls_sim benchmark: one default run (10,000 people, 60 organisations, "
          "400 posts, 520 weeks)")
    print(f"machine: Python {info['python']} ({info['implementation']}), mesa {info['mesa']}, "
          f"numpy {info['numpy']}, pandas {info['pandas']}, CPUs {info['cpu_count']} "
          f"({info['cpus_usable']} usable), {info['platform']}")
    print(f"repeats: {args.repeats} per preset (seeds 0..{args.repeats - 1}) and for the "
          "yardstick, interleaved, after one untimed warm-up run per preset")
    print()

    # Warm-up: imports, first-call costs, allocator. Small, so it costs little.
    for preset in PRESETS:
        hls_sim.run(preset, seed=0, place__n_people=300, place__n_weeks=20)

    # Interleave the presets and the yardstick, one repetition of each in turn, so that a
    # burst of load on a shared machine slows all of them rather than one.
    steps = calibrate_boltzmann_steps(BOLTZMANN_AGENTS, BOLTZMANN_SECONDS)
    hls_runs: dict[str, list[dict[str, float]]] = {preset: [] for preset in PRESETS}
    b_seconds: list[float] = []
    for seed in range(args.repeats):
        for preset in PRESETS:
            hls_runs[preset].append(time_hls(preset, seed))
        b_seconds.append(time_boltzmann(BOLTZMANN_AGENTS, steps, seed=seed))

    hls_results: dict[str, dict[str, object]] = {}
    for preset, runs in hls_runs.items():
        walls = [r["wall_seconds"] for r in runs]
        rates = [r["person_weeks_per_second"] for r in runs]
        hls_results[preset] = {
            "runs": runs,
            "median_seconds": statistics.median(walls),
            "min_seconds": min(walls),
            "max_seconds": max(walls),
            "median_person_weeks": statistics.median(r["person_weeks"] for r in runs),
            "median_person_weeks_per_second": statistics.median(rates),
        }

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

    header = (f"{'preset':<14}{'median s':>10}{'min s':>9}{'max s':>9}"
              f"{'person-weeks':>14}{'person-weeks/s':>16}{'ratio':>8}  target")
    print(header)
    print("-" * len(header))
    for preset, r in hls_results.items():
        ratio = r["median_person_weeks_per_second"] / b_rate
        meets = r["median_seconds"] <= TARGET_SECONDS
        r["ratio_to_boltzmann"] = ratio
        r["meets_target"] = meets
        print(f"{preset:<14}{r['median_seconds']:>10.3f}{r['min_seconds']:>9.3f}"
              f"{r['max_seconds']:>9.3f}{r['median_person_weeks']:>14,.0f}"
              f"{r['median_person_weeks_per_second']:>16,.0f}{ratio:>8.3f}  "
              f"{'MET' if meets else 'NOT MET'}")
    print()
    print(f"yardstick: Mesa Boltzmann wealth model, {BOLTZMANN_AGENTS:,} agents x {steps} steps, "
          f"median {boltzmann['median_seconds']:.3f} s (min {boltzmann['min_seconds']:.3f} s), "
          f"median {b_rate:,.0f} agent-steps/s")
    print("ratio = hls_sim person-weeks/s / Boltzmann agent-steps/s (same process, same "
          "machine; above 1 means one person-week costs less than one Mesa agent step)")
    print(f"target: one default run in at most {TARGET_SECONDS} s (median wall time): "
          + ", ".join(f"{p} {'MET' if r['meets_target'] else 'NOT MET'} "
                      f"({r['median_seconds']:.3f} s)" for p, r in hls_results.items()))

    if args.json:
        payload = {
            "benchmark": "bench_model",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": info,
            "repeats": args.repeats,
            "target_seconds": TARGET_SECONDS,
            "hls_sim": hls_results,
            "boltzmann": boltzmann,
        }
        write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
