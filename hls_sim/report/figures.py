"""Seaborn figures for the scenario report, saved as PNG and SVG.

Each function takes the experiment's tables and returns a matplotlib Figure; the report
saves them with :func:`save` and embeds the PNG in the HTML so the file stands alone.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no screen needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .. import sizes  # noqa: E402
from ..analysis.compare import BAND_HIGH, BAND_LOW  # noqa: E402
from ..atomic import write_atomic  # noqa: E402

TIMESERIES_PANELS = (
    ("wellbeing_mean", "Wellbeing (mean, 0-1)"),
    ("unmet_need", "Unmet need (share of needs)"),
    ("waiting_weeks_mean", "Time on waiting list (weeks)"),
    ("crises_per_1000", "Crises per 1,000 per week"),
    ("continuity_index", "Continuity of relationship"),
    ("practitioner_turnover_annual", "Practitioner turnover (per year)"),
    ("practitioner_stress_mean", "Practitioner stress (0-1)"),
    ("system_learning", "System learning (0-1)"),
    ("verified_success_rate", "Closures that truly met the measure (13-week window)"),
)
DISTRIBUTION_METRICS = (
    ("wellbeing_mean", "Wellbeing"),
    ("unmet_need", "Unmet need"),
    ("rereferral_12m_rate", "Re-referral in 12 months"),
    ("practitioner_turnover_annual", "Practitioner turnover"),
    ("continuity_index", "Continuity"),
    ("gaming_gap", "Reported minus true success"),
)
SPEND = (("direct", "Direct support"), ("assessment", "Assessment"), ("admin", "Admin and "
         "reporting"), ("learning", "Learning"), ("overhead", "Overheads"),
         ("bidding", "Bidding"))


def palette(scenarios: list[str]) -> dict[str, tuple]:
    return dict(zip(scenarios, sns.color_palette("colorblind", len(scenarios)), strict=True))


def timeseries_bands(ts: pd.DataFrame, scenarios: list[str],
                     switch_weeks: dict[str, int] | None = None) -> plt.Figure:
    """Weekly outcomes: median across replicates with a 10-90% band, per scenario."""
    panels = [(m, label) for m, label in TIMESERIES_PANELS if m in ts.columns]
    g = ts.groupby(["scenario", "week"], sort=False)
    colours = palette(scenarios)
    ncol = 3
    nrow = -(-len(panels) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(13, 3.1 * nrow), sharex=True)
    for ax, (metric, label) in zip(np.ravel(axes), panels, strict=False):
        q = g[metric].quantile([BAND_LOW, 0.5, BAND_HIGH]).unstack()
        for s in scenarios:
            if s not in q.index.get_level_values(0):
                continue
            d = q.loc[s]
            ax.fill_between(d.index, d[BAND_LOW], d[BAND_HIGH], color=colours[s], alpha=0.2,
                            linewidth=0)
            ax.plot(d.index, d[0.5], color=colours[s], label=s, linewidth=1.4)
        for s, w in (switch_weeks or {}).items():
            ax.axvline(w, color=colours.get(s, "grey"), linestyle=":", linewidth=1)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("week")
    for ax in np.ravel(axes)[len(panels):]:
        ax.set_visible(False)
    handles, labels = np.ravel(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(scenarios), frameon=False)
    one_run = "replicate" in ts.columns and ts["replicate"].nunique() == 1
    fig.suptitle("One replicate: a single run, no band" if one_run else
                 "Median across replicates, with the 10-90% band", y=0.995, fontsize=9,
                 x=0.99, ha="right")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def distributions(summary: pd.DataFrame, scenarios: list[str]) -> plt.Figure:
    """Whole-run outcomes of every replicate, per scenario."""
    metrics = [(m, label) for m, label in DISTRIBUTION_METRICS if m in summary.columns]
    long = summary.melt(id_vars=["scenario"], value_vars=[m for m, _ in metrics],
                        var_name="metric")
    long["metric"] = long["metric"].map(dict(metrics))
    # A box needs a few points to mean anything: with fewer than three replicates the
    # points are shown alone, larger, each labelled with its value.
    few = summary.groupby("scenario")["replicate"].nunique().max() < 3
    if few:
        g = sns.catplot(data=long, x="scenario", y="value", col="metric", col_wrap=3,
                        kind="strip", hue="scenario", palette=palette(scenarios),
                        order=scenarios, sharey=False, height=2.8, aspect=1.3, size=8,
                        jitter=False, legend=False)
        for ax in g.axes.flat:
            for coll in ax.collections:
                for x, y in coll.get_offsets():
                    ax.annotate(f"{y:.3g}", (x, y), xytext=(8, 0), textcoords="offset points",
                                va="center", fontsize=8)
    else:
        with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib's deprecated `vert`
            warnings.simplefilter("ignore", DeprecationWarning)
            g = sns.catplot(data=long, x="scenario", y="value", col="metric", col_wrap=3,
                            kind="box", hue="scenario", palette=palette(scenarios),
                            order=scenarios, sharey=False, height=2.8, aspect=1.3,
                            fliersize=0, legend=False)
        g.map_dataframe(sns.stripplot, x="scenario", y="value", order=scenarios,
                        color="0.2", size=3, alpha=0.6)
    g.set_titles("{col_name}")
    g.set_axis_labels("", "")
    for ax in g.axes.flat:
        ax.tick_params(axis="x", labelrotation=15)
    g.figure.suptitle("One point per replicate (whole run after the warm-up)", fontsize=9)
    g.figure.tight_layout()
    return g.figure


def outcomes_by_complexity(people: pd.DataFrame, scenarios: list[str]) -> plt.Figure:
    """Wellbeing gain by how many significant needs a person had on arrival."""
    df = people.assign(gain=people["wellbeing_end"] - people["wellbeing_start"],
                       needs=people["complexity"].clip(upper=5))
    per_run = df.groupby(["scenario", "replicate", "needs"], observed=True)["gain"].mean()
    per_run = per_run.reset_index()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    # Dodging spreads the scenarios' points apart; with one scenario there is nothing to
    # spread (and seaborn 0.13 divides by the number of hues less one).
    sns.pointplot(data=per_run, x="needs", y="gain", hue="scenario", hue_order=scenarios,
                  palette=palette(scenarios), estimator="median", errorbar=("pi", 80),
                  dodge=0.3 if len(scenarios) > 1 else False, ax=ax)
    ax.axhline(0, color="0.5", linewidth=0.8)
    ax.set_xlabel("significant needs at arrival (5 = five or more)")
    ax.set_ylabel("wellbeing gain per person")
    many = per_run["replicate"].nunique() > 1
    ax.set_title("Who gains: outcomes by complexity of need"
                 + (" (median, 10-90% across runs)" if many else " (one run)"), fontsize=10)
    fig.tight_layout()
    return fig


def spend_by_category(summary: pd.DataFrame, scenarios: list[str]) -> plt.Figure:
    """Where the money went: median whole-run spend by category, £m."""
    cols = [(f"spend_{k}_total", label) for k, label in SPEND
            if f"spend_{k}_total" in summary.columns]
    med = summary.groupby("scenario")[[c for c, _ in cols]].median().reindex(scenarios) / 1e6
    med.columns = [label for _, label in cols]
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.7 * len(scenarios)))
    left = np.zeros(len(med))
    colours = sns.color_palette("Set2", len(med.columns))
    for colour, col in zip(colours, med.columns, strict=True):
        ax.barh(med.index, med[col], left=left, color=colour, label=col)
        left += med[col].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("£m over the run" + (" (median across replicates)"
                                       if summary["replicate"].nunique() > 1 else ""))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=3, frameon=False,
              fontsize=8)
    ax.set_title("Spend by category", fontsize=10)
    fig.tight_layout()
    return fig


def save(fig: plt.Figure, folder: Path, stem: str) -> bytes:
    """Save as PNG and SVG (each whole or not at all); return the PNG bytes (for
    embedding). At ``HLS_SIM_SIZE=small`` (trying a command, not for conclusions) the
    SVG copy is not written: it takes as long as the PNG, and nobody puts a shrunk run
    in a committee paper."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    png = buf.getvalue()
    write_atomic(folder / f"{stem}.png", png)
    if not sizes.small():
        svg = io.BytesIO()
        fig.savefig(svg, format="svg", bbox_inches="tight")
        write_atomic(folder / f"{stem}.svg", svg.getvalue())
    plt.close(fig)
    return png
