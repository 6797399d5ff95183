"""The economic case: each option against no service and against each other.

    >>> from hls_sim.appraisal import economic_case
    >>> case = economic_case(results)            # EnsembleResults with a no_service arm
    >>> print(case.table_text())                 # the committee-paper table
    >>> case.payers                              # who pays, who benefits
    >>> case.summary["collaborative: npv"]       # one plain sentence per figure
    >>> fig = plot_who_pays(case)

Every figure is the mean over replicates with a 95% bootstrap interval; replicate k of
every arm ran on the same seed, so differences are paired (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..params.appraisal import PAYERS, AppraisalParams
from .engine import (
    BASELINE,
    RUN_KEYS,
    _check_arms,
    _ledger,
    _timeseries,
    interval,
    mean_stat,
    paired_against,
    ratio_stat,
    resolve_params,
    run_figures,
    unit_costs,
    wellby_values,
    yearly_quantities,
)


@dataclass(frozen=True)
class Figure:
    """One appraisal figure: its key, words, how to show it, and how it is computed.

    ``parts`` names columns of the paired per-replicate table: one column gives a mean;
    two give a ratio of means (numerator, denominator).
    """

    key: str
    label: str
    kind: str  # "money", "number", "ratio", "share"
    parts: tuple[str, ...]


FIGURES: tuple[Figure, ...] = (
    Figure("cost", "Cost to the commissioner (present value)", "money", ("cost_ob",)),
    Figure("avoided", "Crisis costs avoided for other services (PV)", "money", ("avoided",)),
    Figure("net_public_cost", "Net cost to the public sector (PV)", "money",
           ("net_public_cost",)),
    Figure("wellbys", "WELLBYs gained (discounted)", "number", ("wellbys",)),
    Figure("wellbys_per_person", "WELLBYs gained per resident (undiscounted)", "number3",
           ("wellbys_raw", "people")),
    Figure("wellby_value", "Value of WELLBYs gained (central, PV)", "money",
           ("wellby_value",)),
    Figure("npv", "Net present value (central WELLBY value)", "money", ("npv",)),
    Figure("npv_low", "Net present value (low WELLBY value)", "money", ("npv_low",)),
    Figure("npv_high", "Net present value (high WELLBY value)", "money", ("npv_high",)),
    Figure("npv_optimism_bias", "Net present value with costs {ob} over (optimism bias)", "money",
           ("npv_ob_sensitivity",)),
    Figure("bcr", "Benefit-cost ratio (central)", "ratio", ("benefits", "cost_ob")),
    Figure("cost_per_wellby", "Net public cost per WELLBY gained", "money",
           ("net_public_cost", "wellbys")),
    Figure("crises_avoided", "Crises avoided (undiscounted)", "number", ("crises",)),
    Figure("cost_per_crisis_avoided", "Commissioner cost per crisis avoided (PV)", "money",
           ("cost_ob", "crises_pv")),
    Figure("switching_share", "Switching value: share of the wellbeing effect at which "
           "the decision changes", "share", ("net_public_cost", "wellby_value")),
)
"""The figures of the committee table, in order."""


@dataclass
class EconomicCase:
    """The economic case of every option (against no service, and between options).

    Attributes:
        params: the appraisal parameters used.
        baseline: the no-service arm's name; options: the other arms, in order.
        years: the appraisal period (years of 52 weeks).
        wellby_values: £ per WELLBY (low, central, high) in the reporting price year.
        unit_costs: £ per unit of each crisis service, in the reporting price year.
        ledger: the cost and value ledger (see :func:`hls_sim.appraisal.engine.ledger`).
        runs: per run, present values (see :func:`run_figures`).
        paired: per option, comparator and replicate: the differences every figure is
            computed from (cost_ob, avoided, wellbys, npv, ...).
        figures: long table: option, comparator, figure, label, kind, mean, ci_low,
            ci_high, replicates.
        payers: who pays and who benefits, per option against no service: option, payer,
            pays, benefits, net, net_ci_low, net_ci_high (present values, £).
        by_year: per option, year and payer: mean undiscounted difference from no service
            (£; positive = more cost, negative = saving; residents' row is wellbeing value).
        summary: one plain sentence per figure, keyed "<option>: <figure>" (against no
            service) and "<option> vs <other>: <figure>".
    """

    params: AppraisalParams
    baseline: str
    options: list[str]
    years: int
    wellby_values: dict[str, float]
    unit_costs: dict[str, float]
    ledger: pd.DataFrame
    runs: pd.DataFrame
    paired: pd.DataFrame
    figures: pd.DataFrame
    payers: pd.DataFrame
    by_year: pd.DataFrame
    summary: dict[str, str] = field(default_factory=dict)

    def committee_table(self, comparator: str | None = None) -> pd.DataFrame:
        """One row per figure, one column per option: "mean [95% interval]" strings.
        ``comparator`` None = against no service; or an option's name for paired
        differences against it."""
        comparator = comparator or self.baseline
        f = self.figures[self.figures["comparator"] == comparator]
        rows = []
        for fig in FIGURES:
            label = fig.label.replace("{ob}", f"{self.params.optimism_bias_sensitivity:.0%}")
            row: dict[str, Any] = {"figure": label}
            for o in f["option"].drop_duplicates():
                r = f[(f["option"] == o) & (f["figure"] == fig.key)]
                if len(r):
                    r = r.iloc[0]
                    row[o] = _with_interval(fig.kind, r["mean"], r["ci_low"], r["ci_high"])
            rows.append(row)
        return pd.DataFrame(rows)

    def table_text(self) -> str:
        """The committee table and who-pays table, formatted for the terminal."""
        p = self.params
        head = (f"Economic case against '{self.baseline}' over {self.years} years, "
                f"£ in {p.price_year} prices, discounted at the Green Book rate "
                f"({p.discount_schedule[0][1]:.1%} from year 0); WELLBY £"
                f"{self.wellby_values['central']:,.0f} (low £{self.wellby_values['low']:,.0f}, "
                f"high £{self.wellby_values['high']:,.0f}), WELLBYs discounted at the "
                f"{p.wellby_discount} rate. Mean [95% interval] across replicates.")
        parts = [head, "", _text_table(self.committee_table())]
        if len(self.options) > 1:
            for b in self.options[:-1]:
                parts += ["", f"Paired differences against '{b}':",
                          _text_table(self.committee_table(b))]
        parts += ["", "Who pays and who benefits (present values against no service):",
                  _text_table(self.payer_table())]
        return "\n".join(parts)

    def payer_table(self) -> pd.DataFrame:
        """Who pays and who benefits, formatted: one row per option and payer."""
        t = self.payers.copy()
        t["pays"] = t["pays"].map(_money)
        t["benefits"] = t["benefits"].map(_money)
        t["net"] = [_with_interval("money", m, lo, hi)
                    for m, lo, hi in zip(self.payers["net"], self.payers["net_ci_low"],
                                         self.payers["net_ci_high"], strict=True)]
        return t[["option", "payer", "pays", "benefits", "net"]]


def economic_case(results: Any, baseline: str = BASELINE, params: Any = None,
                  confidence: float = 0.95) -> EconomicCase:
    """The economic case of every arm in ``results`` against ``baseline``.

    Args:
        results: EnsembleResults (or its timeseries DataFrame) with columns scenario,
            replicate, week, wellbeing_sum, people_in_place, crises_<domain>,
            paid_to_providers (and optionally seed, spend_commissioning, spend_<category>).
        baseline: the no-service arm (same place, people and shocks, no commissioned
            support), run on the same seeds.
        params: AppraisalParams, Params, a dict of overrides, or None (the scenarios'
            own ``appraisal`` settings from the manifest, else the defaults).
        confidence: level of the bootstrap intervals.

    Raises:
        AppraisalError: the input cannot be appraised (one line saying why).
    """
    p = resolve_params(params, results, baseline)
    ts = _timeseries(results)
    options = _check_arms(ts, baseline)
    y = yearly_quantities(ts, p)
    years = int(y["year"].max()) + 1
    runs = run_figures(y, p)
    values = wellby_values(p)

    paired_parts = []
    comparisons = [(o, baseline) for o in options] + [
        (a, b) for i, b in enumerate(options) for a in options[i + 1:]]
    for option, comparator in comparisons:
        d = paired_against(runs, option, comparator)
        paired_parts.append(_derive(d, p, values, option, comparator, baseline))
    paired = pd.concat(paired_parts, ignore_index=True)

    rows = []
    for (option, comparator), d in paired.groupby(["option", "comparator"], sort=False):
        for fig in FIGURES:
            arrays = tuple(d[c].to_numpy(float) for c in fig.parts)
            stat = mean_stat if len(arrays) == 1 else ratio_stat
            m = float(stat(*arrays, axis=-1))
            lo, hi = interval(arrays, stat, confidence) if np.isfinite(m) else (np.nan, np.nan)
            rows.append({"option": option, "comparator": comparator, "figure": fig.key,
                         "label": fig.label, "kind": fig.kind, "mean": m, "ci_low": lo,
                         "ci_high": hi, "replicates": len(d)})
    figures = pd.DataFrame(rows)

    payers = _payers(paired[paired["comparator"] == baseline], p, confidence)
    by_year = _by_year(y, p, values["central"], options, baseline)
    case = EconomicCase(p, baseline, options, years, values, unit_costs(p), _ledger(y, p),
                        runs, paired, figures, payers, by_year)
    case.summary = _summaries(case)
    return case


# --- derived per-replicate quantities ---------------------------------------------------


def _derive(d: pd.DataFrame, p: AppraisalParams, values: dict[str, float], option: str,
            comparator: str, baseline: str) -> pd.DataFrame:
    """From option-minus-comparator present values to every figure's parts.

    For an option against no service: cost is the extra commissioner spend, avoided is
    the fall in crisis costs, wellbys the WELLBYs gained. Between two options the same
    columns are differences of those (they are linear), so every figure reads as
    "option A relative to option B".
    """
    out = pd.DataFrame({"option": option, "comparator": comparator,
                        "replicate": d["replicate"]})
    ob = 1.0 + p.optimism_bias
    out["cost"] = d["cost"]
    out["cost_ob"] = d["cost"] * ob
    out["avoided"] = -d["crisis_cost"]
    for payer in PAYERS:
        col = f"crisis_cost_{payer}"
        out[f"avoided_{payer}"] = -d[col] if col in d else 0.0
    out["wellbys"] = d["wellbys"]
    out["wellbys_raw"] = d["wellbys_raw"]
    out["people"] = d["people"]
    out["crises"] = -d["crises"]
    out["crises_pv"] = -d["crises_pv"]
    out["net_public_cost"] = out["cost_ob"] - out["avoided"]
    out["wellby_value"] = out["wellbys"] * values["central"]
    out["benefits"] = out["wellby_value"] + out["avoided"]
    for name, v in (("npv", values["central"]), ("npv_low", values["low"]),
                    ("npv_high", values["high"])):
        out[name] = out["wellbys"] * v + out["avoided"] - out["cost_ob"]
    out["npv_ob_sensitivity"] = (out["wellby_value"] + out["avoided"] -
                                 d["cost"] * (1.0 + p.optimism_bias_sensitivity))
    return out


def npv(wellbys: float, avoided: float, cost: float, wellby_value: float,
        optimism_bias: float = 0.0) -> float:
    """Net present value: WELLBYs x value + avoided crisis costs - cost x (1 + bias)."""
    return wellbys * wellby_value + avoided - cost * (1.0 + optimism_bias)


def switching_share(wellbys: float, avoided: float, cost: float, wellby_value: float,
                    optimism_bias: float = 0.0) -> float:
    """The share of the modelled wellbeing effect at which the NPV is zero (NaN when no
    wellbeing is gained or lost, so no share changes the decision)."""
    w = wellbys * wellby_value
    if w == 0:
        return float("nan")
    return (cost * (1.0 + optimism_bias) - avoided) / w


def _payers(d: pd.DataFrame, p: AppraisalParams, confidence: float) -> pd.DataFrame:
    """Who pays and who benefits: per option and payer, present values against no
    service. The commissioner pays the extra spend; each service's payer gains the
    crisis costs avoided; residents gain the value of the WELLBYs. Nets add up to the
    NPV (central)."""
    rows = []
    for option, g in d.groupby("option", sort=False):
        per_payer: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        zero = np.zeros(len(g))
        for payer in PAYERS:
            pays = g["cost_ob"].to_numpy(float) if payer == p.commissioner else zero
            gains = g[f"avoided_{payer}"].to_numpy(float)
            if pays.any() or gains.any() or payer == p.commissioner:
                per_payer[payer] = (pays, gains)
        per_payer["residents"] = (zero, g["wellby_value"].to_numpy(float))
        for payer, (pays, gains) in per_payer.items():
            net = gains - pays
            lo, hi = interval((net,), mean_stat, confidence)
            rows.append({"option": option, "payer": payer, "pays": float(pays.mean()),
                         "benefits": float(gains.mean()), "net": float(net.mean()),
                         "net_ci_low": lo, "net_ci_high": hi})
    return pd.DataFrame(rows, columns=["option", "payer", "pays", "benefits", "net",
                                       "net_ci_low", "net_ci_high"])


def _by_year(y: pd.DataFrame, p: AppraisalParams, wellby_value: float, options: list[str],
             baseline: str) -> pd.DataFrame:
    """Per option, year and payer: mean undiscounted difference from no service."""
    from ..params.appraisal import RESOURCES

    cols = {p.commissioner: y["paid"] + y["commissioning"]}
    frame = pd.DataFrame({k: y[k] for k in (*RUN_KEYS, "year")})
    frame[f"pay_{p.commissioner}"] = cols[p.commissioner]
    for payer in PAYERS:
        c = sum((y[f"cost_{r}"] for r in RESOURCES if p.payers[r] == payer),
                start=pd.Series(0.0, index=y.index))
        frame[f"pay_{payer}"] = frame.get(f"pay_{payer}", 0.0) + c
    frame["pay_residents"] = -y["wellbys"] * wellby_value  # a benefit is a negative cost
    mean = frame.groupby(["scenario", "year"])[[c for c in frame if c.startswith("pay_")]].mean()
    rows = []
    for o in options:
        diff = mean.loc[o] - mean.loc[baseline]
        for year, r in diff.iterrows():
            for c, v in r.items():
                rows.append({"option": o, "year": int(year), "payer": c[4:],
                             "extra_cost": float(v)})
    return pd.DataFrame(rows)


# --- words and formats -------------------------------------------------------------------


def _money(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 1e6:
        return f"{sign}£{a / 1e6:,.2f}m"
    return f"{sign}£{a:,.0f}"


def _fmt(kind: str, x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    if kind == "money":
        return _money(x)
    if kind == "ratio":
        return f"{x:.2f}"
    if kind == "share":
        return f"{x:.0%}"
    if kind == "number3":
        return f"{x:,.3f}"
    return f"{x:,.1f}"


def _with_interval(kind: str, m: float, lo: float, hi: float) -> str:
    if np.isfinite(lo) and np.isfinite(hi):
        return f"{_fmt(kind, m)} [{_fmt(kind, lo)}, {_fmt(kind, hi)}]"
    return _fmt(kind, m)


def _text_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    cells = [[str(c) for c in cols]] + [[str(v) if v == v else "" for v in row]
                                         for row in df.itertuples(index=False)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cols))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _interval_words(kind: str, lo: float, hi: float) -> str:
    if np.isfinite(lo) and np.isfinite(hi):
        return f" (95% interval {_fmt(kind, lo)} to {_fmt(kind, hi)})"
    return " (too few replicates for an interval)"


def _summaries(case: EconomicCase) -> dict[str, str]:
    p = case.params
    basis = (f"over {case.years} years in {p.price_year} prices, discounted at the Green "
             "Book rate")
    out: dict[str, str] = {}
    cost = case.figures[case.figures["figure"] == "cost"].set_index(
        ["option", "comparator"])["mean"]
    for r in case.figures.itertuples(index=False):
        against = ("no service" if r.comparator == case.baseline
                   else f"the {r.comparator} option")
        key = (f"{r.option}: {r.figure}" if r.comparator == case.baseline
               else f"{r.option} vs {r.comparator}: {r.figure}")
        val = _fmt(r.kind, r.mean)
        iv = _interval_words(r.kind, r.ci_low, r.ci_high)
        if r.figure in ("bcr", "cost_per_crisis_avoided") and cost[(r.option, r.comparator)] <= 0:
            out[key] = (f"The {r.option} option costs the commissioner no more than {against}, "
                        f"so a ratio to its cost does not apply (computed: {val}).")
            continue
        out[key] = _sentence(r.figure, r.option, against, val, iv, r.mean, basis, case)
    return out


def _sentence(fig: str, option: str, against: str, val: str, iv: str, m: float, basis: str,
              case: EconomicCase) -> str:
    v = case.wellby_values
    if fig == "cost":
        return (f"Against {against}, the {option} option costs the commissioner {val} more"
                f"{iv}, {basis}.")
    if fig == "avoided":
        return (f"Fewer crises under the {option} option than under {against} save other "
                f"services (A&E, ambulance, police, mental health beds) {val}{iv}, {basis}.")
    if fig == "net_public_cost":
        return (f"After the crisis costs it avoids, the {option} option's net cost to the "
                f"public sector against {against} is {val}{iv}, {basis}.")
    if fig == "wellbys":
        return (f"Residents gain {val} WELLBYs (points of life satisfaction x years, "
                f"discounted) under the {option} option against {against}{iv}.")
    if fig == "wellbys_per_person":
        return (f"Each resident gains {val} WELLBYs over the {case.years} years "
                f"(undiscounted) under the {option} option against {against}{iv}.")
    if fig == "wellby_value":
        return (f"Valued at £{v['central']:,.0f} per WELLBY, the wellbeing gained under the "
                f"{option} option against {against} is worth {val}{iv}.")
    if fig in ("npv", "npv_low", "npv_high"):
        which = {"npv": "central", "npv_low": "low", "npv_high": "high"}[fig]
        verdict = "positive: benefits exceed costs" if m > 0 else "not positive: costs exceed benefits"
        return (f"The {option} option's net present value against {against} is {val}{iv} at "
                f"the {which} WELLBY value (£{v[which]:,.0f}), {basis}; it is {verdict}.")
    if fig == "npv_optimism_bias":
        return (f"If the commissioner's costs ran {case.params.optimism_bias_sensitivity:.0%} "
                f"over (the Green Book's optimism bias upper bound for outsourced operating "
                f"costs), the {option} option's net present value against {against} would be "
                f"{val}{iv}.")
    if fig == "bcr":
        return (f"Each £1 the {option} option costs the commissioner (against {against}) "
                f"returns £{val} in wellbeing value and avoided crisis costs{iv}.")
    if fig == "cost_per_wellby":
        return (f"The {option} option costs the public sector {val} (net of avoided crisis "
                f"costs) per WELLBY gained against {against}{iv}; the Treasury values a "
                f"WELLBY at £{v['central']:,.0f}.")
    if fig == "crises_avoided":
        return (f"The {option} option avoids {val} crises against {against} over "
                f"{case.years} years{iv}.")
    if fig == "cost_per_crisis_avoided":
        return (f"The {option} option costs the commissioner {val} per crisis avoided against "
                f"{against} (present values){iv}.")
    if fig == "switching_share":
        if not np.isfinite(m):
            return (f"The {option} option gains no wellbeing against {against}, so no share "
                    "of the wellbeing effect changes the decision.")
        if m <= 0:
            return (f"The {option} option pays for itself against {against} through avoided "
                    f"crisis costs alone: the decision does not depend on the wellbeing effect "
                    f"(switching value {val}{iv}).")
        if m < 1:
            return (f"The {option} option stays worth choosing against {against} as long as "
                    f"the wellbeing effect is at least {val} of the modelled effect{iv}.")
        return (f"The {option} option would be worth choosing against {against} only if the "
                f"wellbeing effect were at least {val} of the modelled effect{iv}.")
    return f"{option} against {against}: {val}{iv}."


def plot_who_pays(case: EconomicCase, ax: Any = None):
    """Who pays and who benefits: present value per payer, per option, against no
    service (bars are means, whiskers the 95% interval across replicates). Returns the
    matplotlib Figure."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    d = case.paired[case.paired["comparator"] == case.baseline]
    long = []
    for r in d.itertuples(index=False):
        long.append({"option": r.option, "payer": case.params.commissioner,
                     "net": -r.cost_ob + getattr(r, f"avoided_{case.params.commissioner}")})
        for payer in PAYERS:
            if payer != case.params.commissioner and getattr(r, f"avoided_{payer}") != 0:
                long.append({"option": r.option, "payer": payer,
                             "net": getattr(r, f"avoided_{payer}")})
        long.append({"option": r.option, "payer": "residents (wellbeing)",
                     "net": r.wellby_value})
    frame = pd.DataFrame(long)
    frame["net_m"] = frame["net"] / 1e6
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.6 + 0.5 * frame["payer"].nunique() *
                                        max(1, frame["option"].nunique())))
    else:
        fig = ax.figure
    sns.barplot(data=frame, y="payer", x="net_m", hue="option", errorbar=("ci", 95),
                ax=ax, orient="h")
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(f"£m, present value, {case.params.price_year} prices "
                  "(left of 0 = pays, right = benefits)")
    ax.set_ylabel("")
    ax.set_title(f"Who pays and who benefits against {case.baseline}, {case.years} years")
    fig.tight_layout()
    return fig
