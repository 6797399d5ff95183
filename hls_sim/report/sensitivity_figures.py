"""Seaborn figures for the sensitivity and scenario-discovery report.

Each function takes the analysis tables and returns a matplotlib Figure (or None when
there is nothing to draw); the report saves them with :func:`figures.save` (PNG and SVG)
and embeds the PNG.
"""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")  # files only: no screen needed

import matplotlib.patches as mpatches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ..analysis.sensitivity import MAIN_INDEX  # noqa: E402

COLOURS = dict(zip(("S1", "ST", "mu_star", "delta", "median", "noise"),
                   sns.color_palette("colorblind", 6), strict=True))
INDEX_LABEL = {"S1": "first order (S1)", "ST": "total order (ST)", "mu_star": "mu*",
               "delta": "delta", "median": "PAWN (median KS)"}


def _grid(n: int, ncol: int = 2, w: float = 6.0, h: float = 3.6):
    ncol = min(ncol, n)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(w * ncol, h * nrow), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def indices(idx: pd.DataFrame, noise: pd.DataFrame, method: str,
            outputs: list[str]) -> plt.Figure:
    """Each output's indices with their intervals, largest first; the seed-noise share of
    the analysed output beside them (variance-based methods)."""
    shown = {"sobol": ("S1", "ST"), "fast": ("S1", "ST"), "morris": ("mu_star",),
             "delta": ("S1", "delta"), "pawn": ("median",)}[method]
    main = MAIN_INDEX[method]
    factors = idx["factor"].nunique()
    fig, axes = _grid(len(outputs), h=1.2 + 0.42 * (factors + 1))
    for ax, out in zip(axes, outputs, strict=True):
        d = idx[idx["output"] == out]
        order = d[d["index"] == main].sort_values("value", ascending=False)["factor"].tolist()
        labels = order + (["seed noise"] if method in ("sobol", "fast") else [])
        ypos = {f: i for i, f in enumerate(labels)}
        for k, name in enumerate(shown):
            s = d[d["index"] == name].set_index("factor").reindex(order)
            off = (k - (len(shown) - 1) / 2) * 0.28
            y = np.array([ypos[f] for f in order]) + off
            if method == "pawn":
                lo = d[d["index"] == "minimum"].set_index("factor").reindex(order)["value"]
                hi = d[d["index"] == "maximum"].set_index("factor").reindex(order)["value"]
                err = np.vstack([s["value"] - lo, hi - s["value"]])
            else:
                err = s["conf"].to_numpy()
            ax.errorbar(s["value"], y, xerr=err, fmt="o", color=COLOURS[name], capsize=3,
                        label=INDEX_LABEL[name], markersize=5)
        if method in ("sobol", "fast") and len(noise):
            n = noise[noise["output"] == out]
            if len(n) and not math.isnan(n["seed_share_analysed"].iloc[0]):
                ax.barh(ypos["seed noise"], n["seed_share_analysed"].iloc[0],
                        color="0.6", height=0.5, label="seed noise share")
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="0.5", linewidth=0.8)
        ax.set_title(out, fontsize=10)
        ax.set_xlabel("index (with interval)" if method != "pawn" else
                      "KS statistic (median, min-max across slices)")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def _short_names(names: list[str]) -> dict[str, str]:
    """Dotted names without their group where that stays unambiguous (for labels)."""
    tails = [n.rsplit(".", 1)[-1] for n in names]
    return {n: (t if tails.count(t) == 1 else n) for n, t in zip(names, tails, strict=True)}


def second_order(s2: pd.DataFrame, outputs: list[str]) -> plt.Figure | None:
    """Sobol second-order indices: which pairs of factors interact."""
    if s2 is None or not len(s2):
        return None
    factors = list(dict.fromkeys(s2["factor_a"].tolist() + s2["factor_b"].tolist()))
    fig, axes = _grid(len(outputs), w=5.8, h=0.9 + 0.55 * len(factors))
    for ax, out in zip(axes, outputs, strict=True):
        d = s2[s2["output"] == out]
        m = pd.DataFrame(np.nan, index=factors, columns=factors)
        for _, r in d.iterrows():
            m.loc[r["factor_a"], r["factor_b"]] = r["value"]
        sns.heatmap(m, ax=ax, annot=len(factors) <= 10, fmt=".2f", cmap="rocket_r",
                    vmin=0, vmax=max(0.05, float(np.nanmax(m.to_numpy())) if m.notna().any().any()
                                     else 0.05),
                    cbar_kws={"label": "S2"}, annot_kws={"fontsize": 7})
        ax.set_title(f"{out}: second-order (pairwise interaction) indices", fontsize=9)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def morris(idx: pd.DataFrame, outputs: list[str]) -> plt.Figure:
    """Morris mu* against sigma: far right matters; high up means non-linear or
    interacting (lines at sigma/mu* = 0.1, 0.5 and 1)."""
    fig, axes = _grid(len(outputs), w=5.6, h=4.4)
    for ax, out in zip(axes, outputs, strict=True):
        d = idx[idx["output"] == out].pivot(index="factor", columns="index", values="value")
        sns.scatterplot(x=d["mu_star"], y=d["sigma"], ax=ax, color=COLOURS["mu_star"])
        top = float(max(d["mu_star"].max(), d["sigma"].max(), 1e-12)) * 1.1
        xs = np.linspace(0, top, 10)
        for r, style in ((0.1, ":"), (0.5, "--"), (1.0, "-")):
            ax.plot(xs, r * xs, color="0.6", linestyle=style, linewidth=0.8,
                    label=f"sigma/mu* = {r:g}")
        short = _short_names(list(d.index))
        for f, row in d.sort_values("mu_star", ascending=False).head(8).iterrows():
            ax.annotate(short[f], (row["mu_star"], row["sigma"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("mu* (mean absolute elementary effect)")
        ax.set_ylabel("sigma (spread of the effects)")
        ax.set_title(out, fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def convergence(conv: pd.DataFrame, method: str, outputs: list[str]) -> plt.Figure | None:
    """The ranking index at N/4, N/2 and N: flat lines have converged."""
    if conv is None or not len(conv) or conv["n"].nunique() < 2:
        return None
    main = MAIN_INDEX[method]
    fig, axes = _grid(len(outputs), w=5.8, h=3.8)
    for ax, out in zip(axes, outputs, strict=True):
        d = conv[(conv["output"] == out) & (conv["index"] == main)]
        final = d[d["n"] == d["n"].max()].sort_values("value", ascending=False)
        order = final["factor"].tolist()
        palette = dict(zip(order, sns.color_palette("husl", len(order)), strict=True))
        for f in order:
            s = d[d["factor"] == f].sort_values("n")
            ax.plot(s["n"], s["value"], marker="o", color=palette[f], label=f, linewidth=1.2)
            if s["conf"].notna().any():
                ax.fill_between(s["n"], s["low"], s["high"], color=palette[f], alpha=0.12,
                                linewidth=0)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(d["n"].unique()), [str(int(n)) for n in sorted(d["n"].unique())])
        ax.set_xlabel("N (sample size)")
        ax.set_ylabel(INDEX_LABEL[main])
        ax.set_title(out, fontsize=10)
        ax.legend(fontsize=6, ncol=2, loc="best")
    fig.tight_layout()
    return fig


def prim_tradeoff(traj: pd.DataFrame, density: float) -> plt.Figure | None:
    """PRIM's peeling trajectory: coverage against density; the chosen box is starred."""
    if traj is None or not len(traj):
        return None
    fig, ax = plt.subplots(figsize=(6.5, 4.4))
    sns.scatterplot(data=traj, x="coverage", y="density", hue="res_dim", style="box",
                    palette="viridis", ax=ax, s=28)
    sel = traj[traj["selected"].astype(bool)]
    ax.scatter(sel["coverage"], sel["density"], marker="*", s=260, color="#d62728",
               edgecolor="k", zorder=5, label="chosen box")
    for _, r in sel.iterrows():
        ax.annotate(f"box {int(r['box'])}", (r["coverage"], r["density"]), fontsize=8,
                    xytext=(6, -10), textcoords="offset points")
    ax.axhline(density, color="0.5", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title("PRIM trade-off: coverage against density (colour: factors restricted)",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def prim_boxes(limits: pd.DataFrame, stats: pd.DataFrame) -> plt.Figure | None:
    """Each chosen box: the range of every restricted factor within its full range."""
    if limits is None or not len(limits):
        return None
    boxes = sorted(limits["box"].unique())
    fig, axes = _grid(len(boxes), ncol=1, w=8.5,
                      h=1.2 + 0.5 * int(limits.groupby("box").size().max()))
    for ax, b in zip(axes, boxes, strict=True):
        d = limits[limits["box"] == b].reset_index(drop=True)
        st = stats[stats["box"] == b].iloc[0]
        for i, r in d.iterrows():
            ax.barh(i, 1, color="0.92", height=0.6)
            if isinstance(r.get("levels"), str) and r["levels"]:
                ax.barh(i, 1, color=COLOURS["ST"], height=0.6, alpha=0.5)
                ax.text(0.5, i, "only " + ", ".join(map(str, json.loads(r["levels"]))),
                        ha="center", va="center", fontsize=8)
                continue
            span = r["full_upper"] - r["full_lower"] or 1.0
            lo = (r["lower"] - r["full_lower"]) / span
            hi = (r["upper"] - r["full_lower"]) / span
            ax.barh(i, hi - lo, left=lo, color=COLOURS["ST"], height=0.6)
            ax.text(lo, i + 0.42, f"{r['lower']:.3g}", ha="center", fontsize=7)
            ax.text(hi, i + 0.42, f"{r['upper']:.3g}", ha="center", fontsize=7)
        ax.set_yticks(range(len(d)), d["factor"], fontsize=8)
        ax.set_xlim(-0.05, 1.05)
        ax.set_xticks([0, 1], ["lowest sampled", "highest sampled"], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(f"PRIM box {b}: coverage {st['coverage']:.0%}, density "
                     f"{st['density']:.0%}, {int(st['n'])} points", fontsize=9)
    fig.tight_layout()
    return fig


def prim_scatter(points: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame) -> plt.Figure | None:
    """The two factors the first box restricts most, every point coloured by whether it
    is a case of interest, with the box drawn on."""
    if limits is None or not len(limits):
        return None
    d = limits[(limits["box"] == limits["box"].min())].copy()
    d = d[d["levels"].isna() | (d["levels"] == "")] if "levels" in d else d
    if len(d) == 0:
        return None
    d["width"] = (d["upper"] - d["lower"]) / (d["full_upper"] - d["full_lower"])
    d = d.sort_values("width").head(2)
    fx = d["factor"].iloc[0]
    fig, ax = plt.subplots(figsize=(6.2, 4.6))
    if len(d) == 1:
        fy = None
        ax.scatter(points[fx], y + np.random.default_rng(0).uniform(-0.08, 0.08, len(y)),
                   c=np.where(y > 0, "#d62728", "0.6"), s=10)
        r = d.iloc[0]
        ax.axvspan(r["lower"], r["upper"], color=COLOURS["ST"], alpha=0.15)
        ax.set_ylabel("case of interest (1) or not (0)")
    else:
        fy = d["factor"].iloc[1]
        sns.scatterplot(x=points[fx], y=points[fy], hue=np.where(y > 0, "of interest",
                                                                 "not"),
                        palette={"of interest": "#d62728", "not": "0.65"}, s=14, ax=ax)
        rx, ry = d.iloc[0], d.iloc[1]
        ax.add_patch(mpatches.Rectangle((rx["lower"], ry["lower"]), rx["upper"] - rx["lower"],
                                        ry["upper"] - ry["lower"], fill=False,
                                        edgecolor="k", linewidth=1.5))
        ax.legend(fontsize=7)
    ax.set_xlabel(fx)
    if fy:
        ax.set_ylabel(fy)
    ax.set_title("Cases of interest and the first PRIM box (its two tightest factors)",
                 fontsize=9)
    fig.tight_layout()
    return fig
