"""Models with known answers for the sensitivity tests: analytic test functions (the
``module:function`` route) and a small Mesa model that is not hls_sim (the Mesa-class
route)."""

from __future__ import annotations

import math
import time

import mesa
import numpy as np

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x1: float, x2: float, x3: float) -> dict[str, float]:
    """Ishigami & Homma (1990), a = 7, b = 0.1, inputs uniform on [-pi, pi]."""
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3 ** 4 * math.sin(x1)
    return {"y": y}


def ishigami_indices() -> dict[str, dict[str, float]]:
    """Published analytic indices of the Ishigami function (Saltelli et al. 2008, or
    SALib's test_functions docs): S1, ST and S13."""
    a, b, pi = ISHIGAMI_A, ISHIGAMI_B, math.pi
    v1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1": {"x1": v1 / v, "x2": v2 / v, "x3": 0.0},
            "ST": {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v},
            "S2": {("x1", "x3"): v13 / v}}


G_A = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0)


def sobol_g(x1: float, x2: float, x3: float, x4: float, x5: float,
            x6: float) -> dict[str, float]:
    """Sobol's G function with a = (0, 1, 4.5, 9, 99, 99), inputs uniform on [0, 1]."""
    y = 1.0
    for x, a in zip((x1, x2, x3, x4, x5, x6), G_A, strict=True):
        y *= (abs(4 * x - 2) + a) / (1 + a)
    return {"g": y}


def sobol_g_indices() -> dict[str, dict[str, float]]:
    """Analytic first- and total-order indices of the G function."""
    vi = [1 / (3 * (1 + a) ** 2) for a in G_A]
    v = math.prod(1 + x for x in vi) - 1
    names = [f"x{i + 1}" for i in range(len(G_A))]
    s1 = {n: x / v for n, x in zip(names, vi, strict=True)}
    st = {n: vi[i] * math.prod(1 + vi[j] for j in range(len(vi)) if j != i) / v
          for i, n in enumerate(names)}
    return {"S1": s1, "ST": st}


def noisy_ishigami(x1: float, x2: float, x3: float, seed: int) -> dict[str, float]:
    """Ishigami plus seeded noise, a little slow: a stochastic model to interrupt."""
    time.sleep(0.01)
    noise = np.random.default_rng(seed).normal(0.0, 1.0)
    return {"y": ishigami(x1, x2, x3)["y"] + noise}


def planted(a: float, b: float, c: float, seed: int) -> dict[str, float]:
    """An outcome that is high only inside a planted box (a in [0.2, 0.5], b >= 0.6),
    with seeded noise: scenario discovery should find that box."""
    inside = 0.2 <= a <= 0.5 and b >= 0.6
    noise = np.random.default_rng(seed).normal(0.0, 0.05)
    return {"gap": (1.0 if inside else 0.0) + 0.1 * c + noise}


def planted_both_sides(a: float, b: float, c: float, seed: int) -> dict[str, float]:
    """A gap that one side wins inside one planted box (a in [0.2, 0.5], b >= 0.6: +1)
    and the other side wins inside another (a >= 0.7, b <= 0.3: -1), near zero elsewhere,
    with seeded noise: two-sided discovery should find each box for its own question."""
    noise = np.random.default_rng(seed).normal(0.0, 0.05)
    if 0.2 <= a <= 0.5 and b >= 0.6:
        base = 1.0
    elif a >= 0.7 and b <= 0.3:
        base = -1.0
    else:
        base = 0.0
    return {"gap": base + 0.1 * (c - 0.5) + noise}


class WealthAgent(mesa.Agent):
    def __init__(self, model: WealthModel):
        super().__init__(model)
        self.wealth = 1.0

    def step(self) -> None:
        if self.wealth >= 1 and self.random.random() < self.model.give_prob:
            other = self.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1


class WealthModel(mesa.Model):
    """Boltzmann wealth exchange with a redistributive tax: each step every agent, with
    probability ``give_prob``, gives a unit to a random agent; then a share ``tax`` of
    each agent's wealth above the mean is shared out equally. ``unused`` does nothing
    (its elementary effects must be exactly zero with common seeds)."""

    def __init__(self, n: int = 40, give_prob: float = 0.5, tax: float = 0.0,
                 unused: float = 0.0, seed: int | None = None):
        super().__init__(seed=seed)
        self.give_prob = give_prob
        self.tax = tax
        self.unused = unused
        WealthAgent.create_agents(self, n)
        self.agent_list = list(self.agents)
        self.datacollector = mesa.DataCollector(model_reporters={
            "gini": gini, "top_share": top_share})

    def step(self) -> None:
        self.agents.shuffle_do("step")
        w = np.array([a.wealth for a in self.agent_list])
        taxed = self.tax * np.maximum(w - w.mean(), 0)
        w = w - taxed + taxed.sum() / len(w)
        for a, x in zip(self.agent_list, w, strict=True):
            a.wealth = float(x)
        self.datacollector.collect(self)


def gini(model: WealthModel) -> float:
    w = np.sort([a.wealth for a in model.agent_list])
    n = len(w)
    if w.sum() == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ w / (n * w.sum()))


def top_share(model: WealthModel) -> float:
    w = np.sort([a.wealth for a in model.agent_list])
    k = max(1, len(w) // 10)
    return float(w[-k:].sum() / max(w.sum(), 1e-12))


def noisy_linear(x1: float, x2: float, seed: int) -> dict[str, float]:
    """y = x1 + noise with the same variance as x1 (1/12 for x1 uniform on [0, 1]): half
    of a single run's variance is seed noise. x2 does nothing."""
    return {"y": x1 + np.random.default_rng(seed).normal(0.0, math.sqrt(1 / 12))}
