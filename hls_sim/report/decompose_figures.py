"""Waterfall figures of a decomposition: from A to B through each player's Shapley value.

One figure per outcome (``waterfall``), and every outcome on one page (``waterfall_grid``);
:func:`write_figures` saves them (PNG and SVG) in ``<results>/shapley/figures/``.

A and B are drawn as levels (the mean over replicates, B with the 95% interval of the
paired difference); each player is a floating bar from where the previous one ended,
with its 95% bootstrap interval over replicates as a whisker at the bar's end (with
sampled orderings, their own sampling error is in the tables and sentences, not in the
whiskers). Bars are coloured by
whether the step is better or worse on that outcome (grey where neither is better).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no screen needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ..analysis.decompose import Decomposition, share_is_clear  # noqa: E402
from .figures import save  # noqa: E402

_COLOURS = sns.color_palette("colorblind")
BETTER, WORSE, NEUTRAL, LEVEL = _COLOURS[2], _COLOURS[3], _COLOURS[7], (0.15, 0.15, 0.15)


def waterfall(dec: Decomposition, outcome: str, ax: plt.Axes | None = None) -> plt.Figure:
    """The waterfall of one outcome (drawn on ``ax`` if given)."""
    t = dec.totals.set_index("outcome").loc[outcome]
    rows = dec.values[dec.values["outcome"] == outcome].sort_values("order")
    labels = {p.name: p.label for p in dec.players}
    scale = float(t["scale"])
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.6 + 1.1 * (len(rows) + 2), 3.8))
    else:
        fig = ax.figure
    start = float(t["a_mean"]) * scale
    end = float(t["b_mean"]) * scale
    x = np.arange(len(rows) + 2)
    # A and B as levels: a short thick line each, not bars from zero (the steps would vanish).
    ax.hlines([start, end], [x[0] - 0.35, x[-1] - 0.35], [x[0] + 0.35, x[-1] + 0.35],
              colors=LEVEL, linewidth=3)
    lo, hi = float(t["total_ci_low"]), float(t["total_ci_high"])
    if np.isfinite(lo) and np.isfinite(hi):
        ax.errorbar(x[-1], end, yerr=[[end - (t["a_mean"] + lo) * scale],
                                      [(t["a_mean"] + hi) * scale - end]],
                    color=LEVEL, capsize=4, linewidth=1)
    level = start
    for xi, (_, r) in zip(x[1:-1], rows.iterrows(), strict=True):
        step = float(r["mean"]) * scale
        ax.bar(xi, step, bottom=level, width=0.7, color=_colour(step, t["better"]),
               edgecolor="white", label=r["player"])
        if np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"]):
            ax.errorbar(xi, level + step, yerr=[[step - r["ci_low"] * scale],
                                                [r["ci_high"] * scale - step]],
                        color=LEVEL, capsize=3, linewidth=1)
        ax.plot([xi - 1 + 0.35, xi - 0.35], [level, level], color="grey", linestyle=":",
                linewidth=1)
        level += step
    ax.plot([x[-1] - 1 + 0.35, x[-1] - 0.35], [level, level], color="grey", linestyle=":",
            linewidth=1)
    fmt = _format(t["fmt"])
    names = ([f"{dec.a}\n{fmt(start)}"]
             + [f"{_wrap(labels[p])}\n{fmt(v * scale, signed=True)}"
                for p, v in zip(rows["player"], rows["mean"], strict=True)]
             + [f"{dec.b}\n{fmt(end)}"])
    ax.set_xticks(x, names, fontsize=8)
    ax.set_title(t["label"], fontsize=10)
    ax.set_xlabel(_caption(dec, t), fontsize=7.5, color="dimgrey")
    ax.use_sticky_edges = False  # room below the lowest level, not a bar glued to the axis
    ax.margins(x=0.04, y=0.15)
    sns.despine(ax=ax)
    return fig


def waterfall_grid(dec: Decomposition, outcomes: list[str] | None = None,
                   ncol: int = 3) -> plt.Figure:
    """Every outcome's waterfall on one page (small multiples)."""
    outcomes = outcomes or dec.outcomes
    nrow = -(-len(outcomes) // ncol)
    width = max(4.2, 1.2 + 0.8 * (len(dec.players) + 2))
    fig, axes = plt.subplots(nrow, ncol, figsize=(width * ncol, 3.4 * nrow), squeeze=False)
    for ax, outcome in zip(axes.ravel(), outcomes, strict=False):
        waterfall(dec, outcome, ax)
    for ax in axes.ravel()[len(outcomes):]:
        ax.set_visible(False)
    fig.suptitle(f"Decomposition of {dec.b} - {dec.a} by {dec.by}: mean over replicates, "
                 "whiskers are 95% bootstrap intervals", fontsize=10)
    # Fixed spacing: tight_layout measures every label of every panel (seconds for 25).
    fig.subplots_adjust(left=0.05, right=0.98, top=1 - 0.5 / fig.get_figheight(),
                        bottom=1.0 / fig.get_figheight(), hspace=0.95, wspace=0.25)
    return fig


def write_figures(dec: Decomposition, folder: Path | None = None,
                  outcomes: list[str] | None = None) -> dict[str, Path]:
    """Save each outcome's waterfall (PNG and SVG) and the grid of them all (PNG); return
    the PNG paths by outcome (``"all"`` for the grid). Default: every outcome, in
    ``<results>/shapley/figures/``."""
    folder = Path(folder) if folder is not None else dec.folder / "figures"
    outcomes = outcomes or dec.outcomes
    paths: dict[str, Path] = {}
    for outcome in outcomes:
        stem = f"waterfall-{_safe(outcome)}"
        save(waterfall(dec, outcome), folder, stem)
        paths[outcome] = folder / f"{stem}.png"
    grid = waterfall_grid(dec, outcomes)  # PNG only: the per-outcome figures have their SVGs
    folder.mkdir(parents=True, exist_ok=True)
    grid.savefig(folder / "waterfalls.png", dpi=90)
    plt.close(grid)
    paths["all"] = folder / "waterfalls.png"
    return paths


def _colour(step: float, better: str) -> tuple:
    if better not in ("higher", "lower") or step == 0:
        return NEUTRAL
    return BETTER if (step > 0) == (better == "higher") else WORSE


def _format(fmt: str):
    def f(v: float, signed: bool = False) -> str:
        spec = fmt.replace("{:", "{:+", 1) if signed and not fmt.startswith("{:+") else fmt
        return spec.format(v)
    return f


def _caption(dec: Decomposition, t: pd.Series) -> str:
    n = int(t["replicates"])
    if len(dec.players) == 1:
        inter = "one player: no interaction"
    elif share_is_clear(t):
        inter = f"interaction {t['interaction_share']:.0%} of the change"
        if np.isfinite(t["interaction_share_ci_low"]):
            inter += (f" ({t['interaction_share_ci_low']:.0%} to "
                      f"{t['interaction_share_ci_high']:.0%})")
    else:
        inter = "interaction: no share quoted (the change itself is not clear)"
    how = "exact" if dec.method == "exact" else f"{dec.permutations} sampled orderings"
    return f"{inter}; {n} replicates; {how}"


def _wrap(label: str, width: int = 14) -> str:
    words, lines, line = label.replace("_", " ").split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
