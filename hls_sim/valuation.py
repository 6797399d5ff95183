"""The arithmetic of a Green Book appraisal on one run's weekly outputs: prices,
discounting, and the cost and value ledger of each run against another.

This is the model-side half of the economic case. :mod:`hls_sim.appraisal` builds on it
(arms, pairing by replicate, bootstrap intervals, the committee table); a view of single
models, such as the dashboard's money panel, uses it directly, with no runner or
analysis behind it. Money is in £ of ``params.price_year``; WELLBYs are points of life
satisfaction (0-10) times person-years. An appraisal year is 52 weeks (the model's
convention).

The steps:

1. :func:`discount_factors` - the Green Book's banded rates as factors by year.
2. :func:`price_index` / :func:`uprate` - prices moved between price years with the
   GDP deflator; :func:`wellby_values`, :func:`unit_costs` in the reporting year.
3. :func:`yearly_sums` - each run's weeks summed into appraisal years: the
   commissioner's spend, crises by need domain, services those crises use, life
   satisfaction in WELLBYs.
4. :func:`ledger_rows` - one row per run, year, payer and item.
5. :func:`run_figures` - per run, the present values the figures are built from;
   :func:`paired_against` - one arm minus another, replicate by replicate;
   :func:`figure_parts` - from those differences to every figure's parts (cost with
   optimism bias, crisis costs avoided by payer, WELLBYs, NPV, benefits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .params import DOMAINS
from .params.appraisal import (
    PAYERS,
    RESOURCE_LABELS,
    RESOURCES,
    WEEKS_PER_YEAR,
    AppraisalParams,
    parse_price_year,
)

CRISIS_COLUMNS = tuple(f"crises_{d}" for d in DOMAINS)
PROVIDER_SPEND = ("direct", "assessment", "admin", "learning", "overhead", "bidding")
REQUIRED = ("week", "wellbeing_sum", "people_in_place", "paid_to_providers", *CRISIS_COLUMNS)
"""Weekly columns the appraisal needs (besides scenario and replicate)."""
RUN_KEYS = ["scenario", "replicate"]


class AppraisalError(ValueError):
    """Input the appraisal cannot use: one line saying what was wrong and what is allowed."""


# --- discounting and prices ---------------------------------------------------------------


def discount_factors(n_years: int, schedule: list[tuple[int, float]]) -> np.ndarray:
    """Discount factor for each year 0..n_years-1 (year 0 is not discounted).

    ``schedule`` is ``[(first year of band, rate), ...]``; a year's rate is that of the
    band it falls in, so with the Green Book schedule the factor for year 31 is the
    factor for year 30 divided by 1.030 (years 0-30 at 3.5%, 31-75 at 3.0%, ...).
    """
    if n_years < 0:
        raise AppraisalError(f"number of years must be >= 0, not {n_years}")
    starts = np.array([b[0] for b in schedule])
    rates = np.array([b[1] for b in schedule], dtype=float)
    years = np.arange(n_years)
    band = np.searchsorted(starts, years, side="right") - 1
    growth = np.where(years == 0, 1.0, 1.0 + rates[band])
    return 1.0 / np.cumprod(growth)


def price_index(price_year: str, deflator: dict[int, float]) -> float:
    """The deflator index for a price year: a calendar year's value, or for a financial
    year (``"2013-14"``) 0.75 of its first calendar year plus 0.25 of the next."""
    try:
        first, financial = parse_price_year(price_year)
    except ValueError as exc:
        raise AppraisalError(str(exc)) from None
    need = [first, first + 1] if financial else [first]
    missing = [y for y in need if y not in deflator]
    if missing:
        span = f"{min(deflator)}-{max(deflator)}" if deflator else "none"
        raise AppraisalError(
            f"price year {price_year} needs the deflator for {', '.join(map(str, missing))}, "
            f"which the table lacks (it has {span}); add it with appraisal.deflator")
    if financial:
        return 0.75 * deflator[first] + 0.25 * deflator[first + 1]
    return float(deflator[first])


def uprate(value: float, from_year: str, to_year: str, deflator: dict[int, float]) -> float:
    """``value`` in ``from_year`` prices expressed in ``to_year`` prices."""
    return value * price_index(to_year, deflator) / price_index(from_year, deflator)


def wellby_values(p: AppraisalParams) -> dict[str, float]:
    """The low, central and high value of a WELLBY in the reporting price year (£)."""
    return {k: uprate(v, p.wellby_price_year, p.price_year, p.deflator)
            for k, v in (("low", p.wellby_value_low), ("central", p.wellby_value),
                         ("high", p.wellby_value_high))}


def used_resources(p: AppraisalParams) -> list[str]:
    """Resources some crisis uses (a resource no crisis uses needs no price)."""
    return [r for r in RESOURCES
            if any(res.get(r, 0.0) > 0 for res in p.resources_per_crisis.values())]


def unit_costs(p: AppraisalParams) -> dict[str, float]:
    """Each used resource's unit cost in the reporting price year (£ per unit)."""
    out = {}
    for r in used_resources(p):
        cost, year = p.unit_cost(r)
        out[r] = uprate(cost, year, p.price_year, p.deflator)
    return out


# --- quantities, ledger and per-run figures -------------------------------------------------


def yearly_sums(ts: pd.DataFrame, p: AppraisalParams, weeks: int) -> pd.DataFrame:
    """Each run's weeks ``0..weeks-1`` summed into appraisal years (year = week // 52;
    a last year may be part of a year): one row per scenario, replicate and year.

    ``ts`` has one row per run and week: columns scenario, replicate, week,
    wellbeing_sum, people_in_place, paid_to_providers, crises_<domain>, and optionally
    spend_commissioning, spend_backbone and spend_<category> (absent is 0).

    Columns: ``paid``, ``commissioning`` and ``backbone`` (the commissioner's spending:
    contract payments, running tenders and reviews, and a partnership's backbone team,
    paid from the budget but to no contract; £ in the reporting price year: the
    model's money is uprated from ``money_price_year`` when that is set), one
    ``units_<resource>`` per resource (expected services used by that year's crises),
    ``cost_<resource>`` (£), ``crises``, ``people_weeks``, ``weeks`` (weeks in the
    year: 52, or fewer in a last part-year), ``wellbys`` (life satisfaction points x
    person-years), and ``spend_<category>`` for providers.

    Raises:
        AppraisalError: a run lacks some of the weeks, or a column holds missing or
            non-numeric values.
    """
    # Built from numpy columns, each frame made once: pandas' cost is per operation, and
    # the dashboard appraises its worlds while a room watches.
    keep = ((ts["week"] >= 0) & (ts["week"] < weeks)).to_numpy()
    if not keep.all():
        ts = ts[keep]
    week = ts["week"].to_numpy().astype(np.int64)
    run, runs = _codes(ts["scenario"], ts["replicate"])
    have = np.bincount(np.unique(run * weeks + week) // weeks, minlength=len(runs))
    if (have < weeks).any():
        k = int(np.flatnonzero(have < weeks)[0])
        (s, r), n = runs[k], int(have[k])
        raise AppraisalError(f"run {s} replicate {r} has {n} of the {weeks} "
                             "weeks the appraisal period needs")
    n_rows = len(ts)

    def numeric(col: str, optional: bool) -> np.ndarray:
        # Optional columns: absent, or absent from some arms (NaN after concatenation), is 0.
        if col not in ts:
            return np.zeros(n_rows)
        x = ts[col]
        x = (x.to_numpy(float) if x.dtype.kind in "fiub"
             else pd.to_numeric(x, errors="coerce").to_numpy(float))
        return np.nan_to_num(x, nan=0.0) if optional else x

    money_cols = ["paid_to_providers", "commissioning", "backbone", *(f"spend_{c}" for c in PROVIDER_SPEND)]
    cols = {"paid_to_providers": numeric("paid_to_providers", False),
            "commissioning": numeric("spend_commissioning", True),
            "backbone": numeric("spend_backbone", True),
            "wellbeing_sum": numeric("wellbeing_sum", False),
            "people_in_place": numeric("people_in_place", False),
            **{c: numeric(c, False) for c in CRISIS_COLUMNS},
            **{f"spend_{c}": numeric(f"spend_{c}", True) for c in PROVIDER_SPEND}}
    bad = [c for c, x in cols.items() if not np.isfinite(x).all()]
    if bad:
        raise AppraisalError(f"timeseries column(s) {', '.join(bad)} hold missing or "
                             "non-numeric values")
    if p.money_price_year is not None:
        money = uprate(1.0, p.money_price_year, p.price_year, p.deflator)
        for c in money_cols:
            cols[c] = cols[c] * money
    cols["weeks"] = np.ones(n_rows)
    # Rows in the order of the runs sorted by scenario and replicate, then by year.
    order = sorted(range(len(runs)), key=lambda k: runs[k])
    rank = np.empty(len(runs), np.int64)
    rank[order] = np.arange(len(runs))
    years = int(week.max()) // WEEKS_PER_YEAR + 1 if n_rows else 0
    groups, row = np.unique(rank[run] * years + week // WEEKS_PER_YEAR, return_inverse=True)
    v = {c: np.bincount(row, weights=x, minlength=groups.size) for c, x in cols.items()}
    keys = [runs[order[k]] for k in groups // years] if years else []
    out: dict[str, object] = {
        "scenario": [k[0] for k in keys], "replicate": [k[1] for k in keys],
        "year": (groups % years) if years else groups,
        "paid": v["paid_to_providers"], "commissioning": v["commissioning"],
        "backbone": v["backbone"]}
    costs = unit_costs(p)
    out["crises"] = sum(v[c] for c in CRISIS_COLUMNS)
    for r in RESOURCES:
        units = sum(v[f"crises_{d}"] * p.resources_per_crisis.get(d, {}).get(r, 0.0)
                    for d in DOMAINS)
        out[f"units_{r}"] = units
        out[f"cost_{r}"] = units * costs.get(r, 0.0)
    out["people_weeks"] = v["people_in_place"]
    out["weeks"] = v["weeks"]
    # Life satisfaction is linear in wellbeing, so summing people's wellbeing over the
    # weeks and converting once is exact: sum(ls0 + slope * w) = ls0 * n + slope * sum(w).
    out["wellbys"] = (p.ls_at_0 * v["people_in_place"] +
                      p.ls_per_wellbeing() * v["wellbeing_sum"]) / WEEKS_PER_YEAR
    for c in PROVIDER_SPEND:
        out[f"spend_{c}"] = v[f"spend_{c}"]
    return pd.DataFrame(out)


def ledger_rows(y: pd.DataFrame, p: AppraisalParams) -> pd.DataFrame:
    """The cost and value ledger from :func:`yearly_sums`: one row per scenario,
    replicate, year, payer and item (see :func:`hls_sim.appraisal.engine.ledger`)."""
    n = int(y["year"].max()) + 1
    df_std = discount_factors(n, p.discount_schedule)
    df_w = discount_factors(n, p.health_discount_schedule if p.wellby_discount == "health"
                            else p.discount_schedule)
    v = wellby_values(p)["central"]
    yr = y["year"].to_numpy()
    parts = []

    def add(payer, item, kind, counted, qty, unit, value, dfs):
        parts.append(pd.DataFrame({
            "scenario": y["scenario"].to_numpy(), "replicate": y["replicate"].to_numpy(),
            "year": yr, "payer": payer, "item": item, "kind": kind, "counted": counted,
            "quantity": np.asarray(qty, float), "unit": unit,
            "value": np.asarray(value, float), "discount_factor": dfs[yr],
            "present_value": np.asarray(value, float) * dfs[yr]}))

    add(p.commissioner, "contract payments", "commissioned service", True, y["paid"], "£",
        y["paid"], df_std)
    add(p.commissioner, "commissioning", "commissioned service", True, y["commissioning"],
        "£", y["commissioning"], df_std)
    add(p.commissioner, "partnership backbone", "commissioned service", True, y["backbone"],
        "£", y["backbone"], df_std)
    for r in RESOURCES:
        add(p.payers[r], RESOURCE_LABELS[r], "crisis services", True, y[f"units_{r}"],
            "units", y[f"cost_{r}"], df_std)
    add("residents", "life satisfaction", "wellbeing", True, y["wellbys"], "WELLBYs",
        y["wellbys"] * v, df_w)
    for c in PROVIDER_SPEND:
        add("providers", f"providers' spending: {c}", "providers' spending", False,
            y[f"spend_{c}"], "£", y[f"spend_{c}"], df_std)
    return pd.concat(parts, ignore_index=True)


def run_figures(y: pd.DataFrame, p: AppraisalParams) -> pd.DataFrame:
    """Per run (scenario, replicate): present values the figures are built from.

    Columns: cost (£, commissioner's spend: contract payments, commissioning and a
    partnership's backbone, before optimism bias), crisis_cost (£, all
    payers) and crisis_cost_<payer>, wellbys (discounted WELLBY level), wellbys_raw
    (undiscounted), crises_pv (discounted count), crises (undiscounted), people (mean
    people in the place per week).
    """
    n = int(y["year"].max()) + 1
    yr = y["year"].to_numpy()
    df_std = discount_factors(n, p.discount_schedule)[yr]
    df_w = discount_factors(n, p.health_discount_schedule if p.wellby_discount == "health"
                            else p.discount_schedule)[yr]
    v = {c: y[c].to_numpy(float) for c in y.columns if c not in RUN_KEYS}
    crisis = sum(v[f"cost_{r}"] for r in RESOURCES)
    cols = {
        "cost": (v["paid"] + v["commissioning"] + v["backbone"]) * df_std,
        "crisis_cost": crisis * df_std,
        "wellbys": v["wellbys"] * df_w,
        "wellbys_raw": v["wellbys"],
        "crises_pv": v["crises"] * df_std,
        "crises": v["crises"],
        "people_weeks": v["people_weeks"],
        "weeks": v["weeks"],
    }
    for payer in sorted(set(p.payers.values())):
        cols[f"crisis_cost_{payer}"] = sum(
            (v[f"cost_{r}"] for r in RESOURCES if p.payers[r] == payer),
            start=np.zeros(len(y))) * df_std
    run, runs = _codes(y["scenario"], y["replicate"])
    out: dict[str, object] = {"scenario": [r[0] for r in runs],
                              "replicate": [r[1] for r in runs]}
    for c, x in cols.items():
        out[c] = np.bincount(run, weights=x, minlength=len(runs))
    out["people"] = out.pop("people_weeks") / out.pop("weeks")
    return pd.DataFrame(out)


def paired_against(runs: pd.DataFrame, option: str, comparator: str) -> pd.DataFrame:
    """Option minus comparator, replicate by replicate (only replicates both ran)."""
    scen = runs["scenario"].to_numpy()
    reps = runs["replicate"].to_numpy()
    a, b = np.flatnonzero(scen == option), np.flatnonzero(scen == comparator)
    common, ia, ib = np.intersect1d(reps[a], reps[b], return_indices=True)
    out: dict[str, object] = {"replicate": common}
    for c in runs.columns:
        if c not in RUN_KEYS:
            x = runs[c].to_numpy(float)
            out[c] = x[a[ia]] - x[b[ib]]
    out["people"] = runs["people"].to_numpy(float)[b[ib]]  # the same people: the comparator's
    return pd.DataFrame(out)


def _codes(scenario: pd.Series, replicate: pd.Series) -> tuple[np.ndarray, list[tuple]]:
    """Each row's run as a number 0..k-1 (in order of first appearance) and the k runs'
    (scenario, replicate)."""
    keys = list(zip(scenario.tolist(), replicate.tolist(), strict=True))
    index: dict[tuple, int] = {}
    code = np.fromiter((index.setdefault(k, len(index)) for k in keys), np.int64, len(keys))
    return code, list(index)


def figure_parts(d: pd.DataFrame, p: AppraisalParams, values: dict[str, float], option: str,
                 comparator: str) -> pd.DataFrame:
    """From option-minus-comparator present values to every figure's parts.

    For an option against no service: cost is the extra commissioner spend, avoided is
    the fall in crisis costs, wellbys the WELLBYs gained. Between two options the same
    columns are differences of those (they are linear), so every figure reads as
    "option A relative to option B".
    """
    x = {c: d[c].to_numpy(float) for c in d.columns if c != "replicate"}
    zero = np.zeros(len(d))
    ob = 1.0 + p.optimism_bias
    out: dict[str, object] = {"option": option, "comparator": comparator,
                              "replicate": d["replicate"].to_numpy()}
    out["cost"] = x["cost"]
    out["cost_ob"] = cost_ob = x["cost"] * ob
    out["avoided"] = avoided = -x["crisis_cost"]
    for payer in PAYERS:
        col = f"crisis_cost_{payer}"
        out[f"avoided_{payer}"] = -x[col] if col in x else zero
    out["wellbys"] = x["wellbys"]
    out["wellbys_raw"] = x["wellbys_raw"]
    out["people"] = x["people"]
    out["crises"] = -x["crises"]
    out["crises_pv"] = -x["crises_pv"]
    out["net_public_cost"] = cost_ob - avoided
    out["wellby_value"] = wellby_value = x["wellbys"] * values["central"]
    out["benefits"] = wellby_value + avoided
    for name, v in (("npv", values["central"]), ("npv_low", values["low"]),
                    ("npv_high", values["high"])):
        out[name] = x["wellbys"] * v + avoided - cost_ob
    out["npv_ob_sensitivity"] = (wellby_value + avoided -
                                 x["cost"] * (1.0 + p.optimism_bias_sensitivity))
    return pd.DataFrame(out)
