"""The appraisal engine: from weekly run outputs to a Green Book economic case.

The steps, each a function that can be tested on its own:

1. :func:`discount_factors` - the Green Book's banded rates as factors by year.
2. :func:`price_index` / :func:`uprate` - prices moved between price years with the
   GDP deflator.
3. :func:`yearly_quantities` - each run's weeks summed into appraisal years: the
   commissioner's spend, crises by need domain, services those crises use, life
   satisfaction in WELLBYs.
4. :func:`ledger` - the cost and value ledger: one row per run, year, payer and item,
   in the reporting price year, undiscounted and discounted.
5. :func:`run_figures` - per run, the present values the figures are built from.
6. :func:`economic_case` - every option against the no-service arm and against each
   other, paired by replicate (common random numbers), with bootstrap intervals.

Money is in £ of ``params.price_year``; WELLBYs are points of life satisfaction (0-10)
times person-years. An appraisal year is 52 weeks (the model's convention).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..analysis.compare import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from ..params import DOMAINS
from ..params.appraisal import (
    RESOURCE_LABELS,
    RESOURCES,
    WEEKS_PER_YEAR,
    AppraisalParams,
    parse_price_year,
)

BASELINE = "no_service"
"""The arm every option is appraised against: same place, people and shocks, no
commissioned support."""

CRISIS_COLUMNS = tuple(f"crises_{d}" for d in DOMAINS)
PROVIDER_SPEND = ("direct", "assessment", "admin", "learning", "overhead", "bidding")
REQUIRED = ("week", "wellbeing_sum", "people_in_place", "paid_to_providers", *CRISIS_COLUMNS)
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


# --- inputs ----------------------------------------------------------------------------


def resolve_params(params: Any = None, results: Any = None, baseline: str = BASELINE
                   ) -> AppraisalParams:
    """AppraisalParams from: an AppraisalParams; a Params (its ``appraisal``); a dict of
    overrides (``{"wellby_value": 15000}`` or dotted ``"appraisal.wellby_value"``); or,
    when None, the baseline scenario's ``appraisal`` in the results' manifest (else the
    defaults)."""
    if isinstance(params, AppraisalParams):
        return params
    if params is not None and isinstance(getattr(params, "appraisal", None), AppraisalParams):
        return params.appraisal
    if isinstance(params, dict):
        from ..params import ParameterError, make_params

        flat = {(k if k.startswith("appraisal.") else f"appraisal.{k}"): v
                for k, v in params.items()}
        try:
            return make_params(flat).appraisal
        except ParameterError as exc:
            raise AppraisalError(str(exc)) from None
    if params is not None:
        raise AppraisalError(f"appraisal parameters must be AppraisalParams, Params or a dict "
                             f"of overrides, not {type(params).__name__}")
    manifest = getattr(results, "manifest", None)
    if isinstance(manifest, dict) and manifest.get("scenarios"):
        return _params_from_manifest(manifest, baseline)
    return AppraisalParams()


def _params_from_manifest(manifest: dict[str, Any], baseline: str) -> AppraisalParams:
    from ..scenarios import Scenario

    found: dict[str, AppraisalParams] = {}
    for s in manifest["scenarios"]:
        if "content" not in s:
            continue
        sc = Scenario.from_content(s["name"], s.get("description", ""), s["content"])
        found[s["name"]] = sc.params.appraisal
    if not found:
        return AppraisalParams()
    first = found.get(baseline, next(iter(found.values())))
    differ = [n for n, a in found.items() if a != first]
    if differ:
        raise AppraisalError(
            f"appraisal parameters differ between arms ({', '.join(differ)} vs {baseline}); "
            "an appraisal needs one set: set appraisal.* in a file every arm extends")
    return first


def _timeseries(results: Any) -> pd.DataFrame:
    ts = getattr(results, "timeseries", results)
    if not isinstance(ts, pd.DataFrame):
        raise AppraisalError("results must be EnsembleResults or a timeseries DataFrame "
                             f"with columns scenario, replicate, week, ...; got "
                             f"{type(results).__name__}")
    missing = [c for c in (*RUN_KEYS, *REQUIRED) if c not in ts.columns]
    if missing:
        raise AppraisalError(f"timeseries lacks column(s) {', '.join(missing)}; the appraisal "
                             f"needs {', '.join((*RUN_KEYS, *REQUIRED))}")
    return ts


def _check_arms(ts: pd.DataFrame, baseline: str) -> list[str]:
    scenarios = list(dict.fromkeys(ts["scenario"]))
    if baseline not in scenarios:
        raise AppraisalError(f"no '{baseline}' arm in the results (arms: "
                             f"{', '.join(map(str, scenarios))}); every option is appraised "
                             f"against it, so run it on the same seeds")
    options = [s for s in scenarios if s != baseline]
    if not options:
        raise AppraisalError(f"only the '{baseline}' arm is present; add an option to appraise")
    base_reps = set(ts.loc[ts["scenario"] == baseline, "replicate"])
    for s in options:
        reps = set(ts.loc[ts["scenario"] == s, "replicate"])
        if not reps & base_reps:
            raise AppraisalError(f"arm '{s}' shares no replicate with '{baseline}'; options are "
                                 "paired with the baseline by replicate (same seed)")
    if "seed" in ts.columns:
        seeds = ts.groupby(RUN_KEYS)["seed"].first().unstack("scenario")
        both = seeds.dropna()
        bad = [s for s in options if s in both and (both[s] != both[baseline]).any()]
        if bad:
            raise AppraisalError(f"arm(s) {', '.join(bad)} ran replicate k on a different seed "
                                 f"from '{baseline}'; pairs need common random numbers")
    return options


def appraisal_years(ts: pd.DataFrame, p: AppraisalParams) -> int:
    """The appraisal period in years: ``p.appraisal_years``, else every whole year that
    every run covers."""
    weeks = ts.groupby(RUN_KEYS)["week"].max() + 1
    whole = int(weeks.min()) // WEEKS_PER_YEAR
    if p.appraisal_years is None:
        if whole < 1:
            raise AppraisalError(f"the shortest run has {int(weeks.min())} weeks; the appraisal "
                                 f"needs at least one whole year ({WEEKS_PER_YEAR} weeks)")
        return whole
    if p.appraisal_years > whole:
        raise AppraisalError(f"appraisal.appraisal_years={p.appraisal_years} is longer than the "
                             f"runs ({int(weeks.min())} weeks = {whole} whole years); allowed "
                             f"1-{whole}")
    return p.appraisal_years


# --- quantities, ledger and per-run figures -------------------------------------------------


def yearly_quantities(results: Any, p: AppraisalParams, years: int | None = None
                      ) -> pd.DataFrame:
    """Each run's appraisal years: one row per scenario, replicate and year.

    Columns: ``paid`` and ``commissioning`` (£ in the reporting price year: the
    model's money is uprated from ``money_price_year`` when that is set), one
    ``units_<resource>`` per resource (expected services used by that year's crises),
    ``cost_<resource>`` (£), ``crises``, ``people_weeks``, ``wellbys`` (life
    satisfaction points x person-years), and ``spend_<category>`` for providers.
    """
    ts = _timeseries(results)
    years = appraisal_years(ts, p) if years is None else years
    ts = ts[(ts["week"] >= 0) & (ts["week"] < years * WEEKS_PER_YEAR)].copy()
    counts = ts.groupby(RUN_KEYS)["week"].nunique()
    short = counts[counts < years * WEEKS_PER_YEAR]
    if len(short):
        (s, r), n = short.index[0], int(short.iloc[0])
        raise AppraisalError(f"run {s} replicate {r} has {n} of the {years * WEEKS_PER_YEAR} "
                             "weeks the appraisal period needs")
    ts["year"] = ts["week"] // WEEKS_PER_YEAR
    # Optional columns: absent, or absent from some arms (NaN after concatenation), is 0.
    ts["commissioning"] = (pd.to_numeric(ts["spend_commissioning"], errors="coerce").fillna(0.0)
                           if "spend_commissioning" in ts else 0.0)
    for c in PROVIDER_SPEND:
        col = f"spend_{c}"
        ts[col] = pd.to_numeric(ts[col], errors="coerce").fillna(0.0) if col in ts else 0.0
    sums = ["paid_to_providers", "commissioning", "wellbeing_sum", "people_in_place",
            *CRISIS_COLUMNS, *(f"spend_{c}" for c in PROVIDER_SPEND)]
    num = ts[sums].apply(pd.to_numeric, errors="coerce")
    if not np.isfinite(num.to_numpy(float)).all():
        bad = [c for c in sums if not np.isfinite(num[c].to_numpy(float)).all()]
        raise AppraisalError(f"timeseries column(s) {', '.join(bad)} hold missing or "
                             "non-numeric values")
    if p.money_price_year is not None:
        money = uprate(1.0, p.money_price_year, p.price_year, p.deflator)
        for c in ["paid_to_providers", "commissioning", *(f"spend_{c}" for c in PROVIDER_SPEND)]:
            num[c] = num[c] * money
    num[RUN_KEYS + ["year"]] = ts[RUN_KEYS + ["year"]]
    y = num.groupby(RUN_KEYS + ["year"], sort=True).sum().reset_index()
    out = y[RUN_KEYS + ["year"]].copy()
    out["paid"] = y["paid_to_providers"]
    out["commissioning"] = y["commissioning"]
    costs = unit_costs(p)
    out["crises"] = y[list(CRISIS_COLUMNS)].sum(axis=1)
    for r in RESOURCES:
        units = sum(y[f"crises_{d}"] * p.resources_per_crisis.get(d, {}).get(r, 0.0)
                    for d in DOMAINS)
        out[f"units_{r}"] = units
        out[f"cost_{r}"] = units * costs.get(r, 0.0)
    out["people_weeks"] = y["people_in_place"]
    # Life satisfaction is linear in wellbeing, so summing people's wellbeing over the
    # weeks and converting once is exact: sum(ls0 + slope * w) = ls0 * n + slope * sum(w).
    out["wellbys"] = (p.ls_at_0 * y["people_in_place"] +
                      p.ls_per_wellbeing() * y["wellbeing_sum"]) / WEEKS_PER_YEAR
    for c in PROVIDER_SPEND:
        out[f"spend_{c}"] = y[f"spend_{c}"]
    return out


def ledger(results: Any, params: Any = None, baseline: str = BASELINE) -> pd.DataFrame:
    """The cost and value ledger: one row per scenario, replicate, year, payer and item.

    Columns: scenario, replicate, year, payer, item, kind, counted, quantity, unit,
    value (£, reporting price year, undiscounted), discount_factor, present_value.
    ``kind`` is "commissioned service", "crisis services", "wellbeing" or "providers'
    spending"; ``counted`` is False for providers' spending, which is how the contract
    money (and providers' other income) was used, shown for reading but not added to
    costs (that would count the payments twice).
    """
    p = resolve_params(params, results, baseline)
    ts = _timeseries(results)
    _check_arms(ts, baseline)
    y = yearly_quantities(ts, p)
    return _ledger(y, p)


def _ledger(y: pd.DataFrame, p: AppraisalParams) -> pd.DataFrame:
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

    Columns: cost (£, commissioner's spend, before optimism bias), crisis_cost (£, all
    payers) and crisis_cost_<payer>, wellbys (discounted WELLBY level), wellbys_raw
    (undiscounted), crises_pv (discounted count), crises (undiscounted), people (mean
    people in the place per week).
    """
    n = int(y["year"].max()) + 1
    df_std = discount_factors(n, p.discount_schedule)[y["year"].to_numpy()]
    df_w = discount_factors(n, p.health_discount_schedule if p.wellby_discount == "health"
                            else p.discount_schedule)[y["year"].to_numpy()]
    crisis = sum(y[f"cost_{r}"] for r in RESOURCES)
    cols = {
        "cost": (y["paid"] + y["commissioning"]) * df_std,
        "crisis_cost": crisis * df_std,
        "wellbys": y["wellbys"] * df_w,
        "wellbys_raw": y["wellbys"],
        "crises_pv": y["crises"] * df_std,
        "crises": y["crises"],
        "people_weeks": y["people_weeks"],
    }
    for payer in sorted(set(p.payers.values())):
        cols[f"crisis_cost_{payer}"] = sum(
            (y[f"cost_{r}"] for r in RESOURCES if p.payers[r] == payer),
            start=pd.Series(0.0, index=y.index)) * df_std
    frame = pd.DataFrame(cols)
    frame[RUN_KEYS] = y[RUN_KEYS]
    out = frame.groupby(RUN_KEYS, sort=False).sum().reset_index()
    out["people"] = out.pop("people_weeks") / (n * WEEKS_PER_YEAR)
    return out


def paired_against(runs: pd.DataFrame, option: str, comparator: str) -> pd.DataFrame:
    """Option minus comparator, replicate by replicate (only replicates both ran)."""
    a = runs[runs["scenario"] == option].set_index("replicate")
    b = runs[runs["scenario"] == comparator].set_index("replicate")
    common = a.index.intersection(b.index).sort_values()
    num = [c for c in runs.columns if c not in RUN_KEYS]
    d = a.loc[common, num] - b.loc[common, num]
    d["people"] = b.loc[common, "people"]  # the same people: the comparator's count
    return d.reset_index()


# --- intervals ------------------------------------------------------------------------


def interval(arrays: tuple[np.ndarray, ...], statistic: Callable[..., Any],
             confidence: float = 0.95) -> tuple[float, float]:
    """Bootstrap interval of ``statistic`` over replicates (paired resampling): BCa,
    falling back to the percentile method when BCa is undefined, as in
    :mod:`hls_sim.analysis.compare`. NaN when fewer than two replicates."""
    arrays = tuple(np.asarray(a, float) for a in arrays)
    n = arrays[0].size
    if n < 2:
        return np.nan, np.nan
    point = float(statistic(*arrays, axis=-1))
    if all(np.ptp(a) == 0 for a in arrays):
        return point, point
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in ("BCa", "percentile"):
            try:
                res = stats.bootstrap(arrays, statistic, paired=True, vectorized=True,
                                      confidence_level=confidence, method=method,
                                      n_resamples=BOOTSTRAP_RESAMPLES,
                                      rng=np.random.default_rng(BOOTSTRAP_SEED))
            except (ValueError, ZeroDivisionError, FloatingPointError):
                continue
            lo, hi = res.confidence_interval
            if np.isfinite(lo) and np.isfinite(hi):
                return float(lo), float(hi)
    return np.nan, np.nan


def mean_stat(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis)


def ratio_stat(num: np.ndarray, den: np.ndarray, axis: int = -1) -> np.ndarray:
    """Ratio of means (stable where a single replicate's denominator is near zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mean(num, axis=axis) / np.mean(den, axis=axis)
