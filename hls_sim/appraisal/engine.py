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

Steps 1-5 on one run's outputs are :mod:`hls_sim.valuation` (model side, below the
runner, so a view of single models can appraise them); this module adds the checks on
an ensemble's arms and seeds, the appraisal period, and the intervals.

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
from ..params.appraisal import WEEKS_PER_YEAR, AppraisalParams
from ..valuation import (  # the per-run arithmetic lives on the model side (the dashboard uses it)
    CRISIS_COLUMNS,
    PROVIDER_SPEND,
    REQUIRED,
    RUN_KEYS,
    AppraisalError,
    discount_factors,
    ledger_rows,
    paired_against,
    price_index,
    run_figures,
    unit_costs,
    uprate,
    used_resources,
    wellby_values,
    yearly_sums,
)

BASELINE = "no_service"
"""The arm every option is appraised against: same place, people and shocks, no
commissioned support."""

_ledger = ledger_rows  # the name hls_sim.appraisal.case uses
__all__ = ["BASELINE", "CRISIS_COLUMNS", "PROVIDER_SPEND", "REQUIRED", "RUN_KEYS",
           "AppraisalError", "appraisal_years", "discount_factors", "interval", "ledger",
           "mean_stat", "paired_against", "price_index", "ratio_stat", "resolve_params",
           "run_figures", "unit_costs", "uprate", "used_resources", "wellby_values",
           "yearly_quantities"]


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
    """Each run's appraisal years: one row per scenario, replicate and year (the
    columns of :func:`hls_sim.valuation.yearly_sums`), over ``years`` years (default:
    :func:`appraisal_years`); every run must cover them whole."""
    ts = _timeseries(results)
    years = appraisal_years(ts, p) if years is None else years
    return yearly_sums(ts, p, years * WEEKS_PER_YEAR)


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
    return ledger_rows(y, p)


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
