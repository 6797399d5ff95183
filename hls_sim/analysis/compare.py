"""Comparing scenarios across replicates: what a policy team quotes, with its uncertainty.

* :func:`bands`: per scenario, week and metric, the median with a 10-90% band across
  replicates (the spread of outcomes the same place could see).
* :func:`scenario_table`: per scenario and summary metric, the median and 10-90% range
  across replicates.
* :func:`paired_differences`: per summary metric, each scenario minus the baseline,
  paired by replicate (the same seed, so the same people and shocks: common random
  numbers), as a mean difference with a bootstrap 95% interval.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

BAND_LOW, BAND_HIGH = 0.10, 0.90
BOOTSTRAP_RESAMPLES = 4999
BOOTSTRAP_SEED = 20261121  # fixed: the same results always give the same interval


@dataclass(frozen=True)
class Outcome:
    """A headline outcome: its domain, column, words, format, and which way is better."""

    domain: str
    metric: str
    label: str
    fmt: str
    better: str  # "higher", "lower" or "" (neither: context)
    scale: float = 1.0  # shown value = stored value * scale (e.g. pounds to £m)


HEADLINE: tuple[Outcome, ...] = (
    # Per person, at fixed horizons from arrival, everyone counted (served or not).
    Outcome("People", "wellbeing_change_52", "Wellbeing change after a year (0-1)", "{:+.3f}",
            "higher"),
    Outcome("People", "wellbeing_change_104", "Wellbeing change after two years (0-1)",
            "{:+.3f}", "higher"),
    Outcome("People", "improved_share_52", "Meaningfully better after a year (share)",
            "{:.2f}", "higher"),
    Outcome("People", "crisis_free_weeks_52", "Crisis-free weeks in the first year", "{:.2f}",
            "higher"),
    Outcome("People", "weeks_to_first_help", "Weeks to first help (capped at 52)", "{:.1f}",
            "lower"),
    Outcome("People", "wellbeing_mean", "Wellbeing of everyone in the place (mean, 0-1)",
            "{:.3f}", "higher"),
    Outcome("People", "unmet_need", "Unmet need (share of needs)", "{:.2f}", "lower"),
    Outcome("People", "waiting_weeks_mean", "Time on waiting list (weeks)", "{:.1f}", "lower"),
    Outcome("People", "crises_per_1000", "Crises per 1,000 per week", "{:.2f}", "lower"),
    Outcome("People", "disengaged_share", "Disengaged share", "{:.2f}", "lower"),
    Outcome("People", "referrals_per_person", "Referrals per person", "{:.2f}", "lower"),
    Outcome("People", "rereferral_12m_rate", "Re-referral within 12 months", "{:.2f}",
            "lower"),
    Outcome("People", "continuity_index", "Continuity of relationship", "{:.2f}", "higher"),
    Outcome("Equity", "wellbeing_change_52_high_complexity",
            "Wellbeing change after a year, 4+ needs", "{:+.3f}", "higher"),
    Outcome("Equity", "wellbeing_change_52_low_complexity",
            "Wellbeing change after a year, 1-3 needs", "{:+.3f}", "higher"),
    Outcome("Equity", "helped_within_52_share", "Helped within a year (share)", "{:.2f}",
            "higher"),
    Outcome("Workforce", "practitioner_turnover_annual", "Practitioner turnover (per year)",
            "{:.2f}", "lower"),
    Outcome("Workforce", "practitioner_stress_mean", "Practitioner stress (0-1)", "{:.2f}",
            "lower"),
    Outcome("Workforce", "admin_time_share", "Admin share of practitioner time", "{:.2f}",
            "lower"),
    Outcome("Providers", "organisations_active_end", "Organisations active at end", "{:.0f}",
            "higher"),
    Outcome("Providers", "organisations_closed", "Organisations insolvent", "{:.1f}", "lower"),
    Outcome("Learning", "trust_mean", "Trust between organisations (0-1)", "{:.2f}",
            "higher"),
    Outcome("Learning", "system_learning", "System learning (0-1)", "{:.2f}", "higher"),
    Outcome("Money", "commissioner_costs_total",
            "Commissioner costs: contracts, commissioning, backbone (£m)", "{:.2f}", "",
            1e-6),
    Outcome("Money", "spend_total", "Spending by providers, all income (£m)", "{:.1f}", "",
            1e-6),
    Outcome("Money", "reporting_cost_share", "Reporting cost / contract value", "{:.3f}",
            "lower"),
    Outcome("Money", "bidding_cost_share", "Bidding cost / value tendered", "{:.3f}", "lower"),
    Outcome("Honesty of measurement", "reported_success_rate",
            "Closures reported as meeting the measure", "{:.2f}", ""),
    Outcome("Honesty of measurement", "verified_success_rate",
            "Closures that truly met the measure", "{:.2f}", ""),
    # Honest measurement is a gap near zero, so the gap itself is better lower.
    Outcome("Honesty of measurement", "gaming_gap", "Closures misreported as met (share)",
            "{:+.2f}", "lower"),
)
"""The outcomes a comparison leads with, grouped by who or what they are about."""


VALUE_ADDED: tuple[Outcome, ...] = (
    *(o for o in HEADLINE if o.metric in (
        "wellbeing_change_52", "wellbeing_change_104", "improved_share_52",
        "crisis_free_weeks_52", "weeks_to_first_help", "helped_within_52_share",
        "wellbeing_mean")),
    Outcome("People", "crises_total", "Crises over the whole run", "{:,.0f}", "lower"),
    *(o for o in HEADLINE if o.metric == "commissioner_costs_total"),
)
"""What each option adds over no service: per-person outcomes at fixed horizons from
first contact (everyone counted, served or not), crises, and what the commissioner
spends."""


def value_added(summary: pd.DataFrame, no_service: str, options: list[str] | None = None,
                outcomes: tuple[Outcome, ...] = VALUE_ADDED) -> pd.DataFrame:
    """Each option's value added over the no-service arm: the paired difference (option
    minus no service, replicate by replicate on the same seeds) with its bootstrap 95%
    interval, per outcome (long form).

    Columns: option, metric, label, no_service (median of the arm), option_median,
    diff_mean, ci_low, ci_high, pairs, share_higher, verdict, and the formatted
    ``level`` and ``added`` strings.
    """
    present = list(summary["scenario"].drop_duplicates())
    options = [o for o in (options or present) if o in present and o != no_service]
    outs = [o for o in outcomes if o.metric in summary.columns]
    if no_service not in present or not options or not outs:
        return pd.DataFrame(columns=["option", "metric", "label", "no_service",
                                     "option_median", "diff_mean", "ci_low", "ci_high",
                                     "pairs", "share_higher", "verdict", "level", "added"])
    sub = summary[summary["scenario"].isin([no_service, *options])]
    # An outcome the runs could not measure (a two-year horizon in a two-year run) is
    # left out rather than shown as a row of n/a.
    outs = [o for o in outs if np.isfinite(sub[o.metric].to_numpy(float)).any()]
    metrics = [o.metric for o in outs]
    diffs = paired_differences(sub, no_service, metrics).set_index(["scenario", "metric"])
    med = sub.groupby("scenario")[metrics].median()
    rows = []
    for option in options:
        for o in outs:
            d = diffs.loc[(option, o.metric)]
            added = (f"{_fmt(o, d['diff_mean'], signed=True)} "
                     f"[{_fmt(o, d['ci_low'], signed=True)}, {_fmt(o, d['ci_high'], signed=True)}]"
                     if np.isfinite(d["ci_low"]) else _fmt(o, d["diff_mean"], signed=True))
            rows.append({"option": option, "metric": o.metric, "label": o.label,
                         "no_service": float(med.loc[no_service, o.metric]),
                         "option_median": float(med.loc[option, o.metric]),
                         "diff_mean": d["diff_mean"], "ci_low": d["ci_low"],
                         "ci_high": d["ci_high"], "pairs": d["pairs"],
                         "share_higher": d["share_higher"], "verdict": verdict(o, d),
                         "level": _fmt(o, float(med.loc[no_service, o.metric])),
                         "added": added})
    return pd.DataFrame(rows)


def value_added_table(va: pd.DataFrame, no_service: str = "no_service") -> pd.DataFrame:
    """:func:`value_added` for reading: one row per outcome, the no-service level, then
    each option's value added [95% interval] and its verdict."""
    if va.empty:
        return pd.DataFrame()
    rows = []
    for _, g in va.groupby("metric", sort=False):
        row = {"outcome": g["label"].iloc[0], f"{no_service} (median)": g["level"].iloc[0]}
        for r in g.itertuples(index=False):
            row[f"{r.option} - {no_service}"] = r.added
            row[f"verdict ({r.option})"] = r.verdict
        rows.append(row)
    return pd.DataFrame(rows)


def bands(timeseries: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """Median and 10-90% band across replicates, per scenario, week and metric (long form).

    Columns: scenario, week, metric, median, low, high, replicates.
    """
    ids = {"scenario", "replicate", "seed", "sample", "week"}
    metrics = metrics or [c for c in timeseries.columns
                          if c not in ids and timeseries[c].dtype.kind in "fiu"]
    long = timeseries.melt(id_vars=["scenario", "week"], value_vars=metrics,
                           var_name="metric", value_name="value")
    g = long.groupby(["scenario", "week", "metric"], sort=False, observed=True)["value"]
    out = pd.DataFrame({
        "median": g.median(),
        "low": g.quantile(BAND_LOW),
        "high": g.quantile(BAND_HIGH),
        "replicates": g.count(),
    }).reset_index()
    return out


def scenario_table(summary: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """Per scenario and summary metric: median and 10-90% range across replicates.

    Columns: scenario, metric, median, low, high, mean, replicates.
    """
    metrics = metrics or _metric_columns(summary)
    long = summary.melt(id_vars=["scenario"], value_vars=metrics, var_name="metric")
    g = long.groupby(["scenario", "metric"], sort=False)["value"]
    return pd.DataFrame({
        "median": g.median(), "low": g.quantile(BAND_LOW), "high": g.quantile(BAND_HIGH),
        "mean": g.mean(), "replicates": g.count(),
    }).reset_index()


def paired_differences(summary: pd.DataFrame, baseline: str,
                       metrics: list[str] | None = None,
                       confidence: float = 0.95) -> pd.DataFrame:
    """Each scenario minus the baseline, paired by replicate, with a bootstrap interval.

    Replicate k of every scenario ran with the same seed, so the difference within a
    pair removes the noise the two share (common random numbers). The interval is a
    BCa bootstrap of the mean paired difference (scipy.stats.bootstrap), falling back
    to the percentile method when BCa is undefined (e.g. all differences equal).

    Columns: scenario, baseline, metric, diff_mean, ci_low, ci_high, pairs,
    share_higher (share of pairs where the scenario's value is higher).
    """
    metrics = metrics or _metric_columns(summary)
    base = summary[summary["scenario"] == baseline].set_index("replicate")
    rows = []
    for scen in summary["scenario"].drop_duplicates():
        if scen == baseline:
            continue
        other = summary[summary["scenario"] == scen].set_index("replicate")
        common = base.index.intersection(other.index)
        for m in metrics:
            d = (other.loc[common, m] - base.loc[common, m]).to_numpy(float)
            d = d[np.isfinite(d)]
            lo, hi = _interval(d, confidence)
            rows.append({"scenario": scen, "baseline": baseline, "metric": m,
                         "diff_mean": float(d.mean()) if d.size else np.nan,
                         "ci_low": lo, "ci_high": hi, "pairs": int(d.size),
                         "share_higher": float((d > 0).mean()) if d.size else np.nan})
    return pd.DataFrame(rows, columns=["scenario", "baseline", "metric", "diff_mean",
                                       "ci_low", "ci_high", "pairs", "share_higher"])


def headline_table(summary: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """The headline outcomes: each scenario's median [10-90%] and its paired difference
    from the baseline [95% interval], formatted for reading (one row per outcome)."""
    outcomes = [o for o in HEADLINE if o.metric in summary.columns]
    metrics = [o.metric for o in outcomes]
    table = scenario_table(summary, metrics).set_index(["scenario", "metric"])
    diffs = paired_differences(summary, baseline, metrics).set_index(["scenario", "metric"])
    scen = list(summary["scenario"].drop_duplicates())
    rows = []
    for o in outcomes:
        row = {"domain": o.domain, "outcome": o.label, "metric": o.metric, "better": o.better}
        for s in scen:
            t = table.loc[(s, o.metric)]
            row[s] = (f"{_fmt(o, t['median'])} [{_fmt(o, t['low'])}, {_fmt(o, t['high'])}]"
                      if t["replicates"] > 1 else _fmt(o, t["median"]))
            if s != baseline:
                d = diffs.loc[(s, o.metric)]
                row[f"{s} - {baseline}"] = (
                    f"{_fmt(o, d['diff_mean'], signed=True)} "
                    f"[{_fmt(o, d['ci_low'], signed=True)}, {_fmt(o, d['ci_high'], signed=True)}]"
                    if np.isfinite(d["ci_low"]) else _fmt(o, d["diff_mean"], signed=True))
                row[f"verdict: {s}"] = verdict(o, d)
        rows.append(row)
    return pd.DataFrame(rows)


def verdict(o: Outcome, d: pd.Series) -> str:
    """Plain words for a paired difference: better, worse, or no clear difference."""
    if not (np.isfinite(d["ci_low"]) and np.isfinite(d["ci_high"])):
        return "too few runs to say"
    if d["ci_low"] <= 0 <= d["ci_high"]:
        return "no clear difference"
    higher = d["ci_low"] > 0
    if not o.better:
        return "higher" if higher else "lower"
    return "better" if higher == (o.better == "higher") else "worse"


def _interval(d: np.ndarray, confidence: float) -> tuple[float, float]:
    if d.size < 2:
        return np.nan, np.nan
    if np.ptp(d) == 0:
        return float(d[0]), float(d[0])
    from scipy import stats  # here, not above: a refused command need not import it (1 s)

    rng = np.random.default_rng(BOOTSTRAP_SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.bootstrap((d,), np.mean, confidence_level=confidence,
                              n_resamples=BOOTSTRAP_RESAMPLES, method="BCa", rng=rng)
        lo, hi = res.confidence_interval
        if not (np.isfinite(lo) and np.isfinite(hi)):
            res = stats.bootstrap((d,), np.mean, confidence_level=confidence,
                                  n_resamples=BOOTSTRAP_RESAMPLES, method="percentile",
                                  rng=np.random.default_rng(BOOTSTRAP_SEED))
            lo, hi = res.confidence_interval
    return float(lo), float(hi)


def _fmt(o: Outcome, v: float, signed: bool = False) -> str:
    if not np.isfinite(v):
        return "n/a"
    fmt = o.fmt
    if signed and not fmt.startswith("{:+"):
        fmt = fmt.replace("{:", "{:+", 1)
    return fmt.format(v * o.scale)


def _metric_columns(df: pd.DataFrame) -> list[str]:
    ids = {"scenario", "replicate", "seed", "sample"}
    return [c for c in df.columns if c not in ids and df[c].dtype.kind in "fiub"]
