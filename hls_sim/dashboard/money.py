"""The money panel: each world's economic case against the unseen no-service world.

The figures are the Green Book appraisal's (``docs/appraisal.md``), computed with its
model-side half, :mod:`hls_sim.valuation`, on the weeks both worlds and the no-service
world have run: the commissioner's extra spend, the crisis costs other services avoid
(NHS, police), the WELLBYs residents gain, and from these the net present value, the
benefit-cost ratio and the net public cost per WELLBY, with who pays and who benefits.
The appraisal settings are the place's own (``appraisal.*``: price year, discount rates,
WELLBY value, unit costs, optimism bias).

One run of each world, so there are no intervals (the report's economic case, over
replicates, has them). The case is worked out again every :data:`APPRAISAL_EVERY` weeks
and at the end of the run, not at every redraw: it costs a few milliseconds, and the
figures of a part-year move little from week to week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import HLSModel
from ..params.appraisal import PAYERS, RESOURCE_LABELS, WEEKS_PER_YEAR, AppraisalParams
from ..valuation import (
    CRISIS_COLUMNS,
    PROVIDER_SPEND,
    figure_parts,
    paired_against,
    run_figures,
    wellby_values,
    yearly_sums,
)

APPRAISAL_EVERY = 13
"""Weeks between two workings of the economic case (a quarter, as a commissioner's
quarterly return)."""

BASELINE = "no service"
WEEKLY = ("wellbeing_sum", "people_in_place", "paid_to_providers", "spend_commissioning",
          "spend_backbone",
          *CRISIS_COLUMNS, *(f"spend_{c}" for c in PROVIDER_SPEND))
"""The weekly columns the appraisal reads from each world's recorder."""


@dataclass(frozen=True)
class WorldCase:
    """One world against no service, present values in £ of the price year.

    ``cost``: the commissioner's extra spend (with optimism bias); ``avoided``: crisis
    costs avoided, by payer; ``wellbys``: WELLBYs gained (discounted); ``wellby_value``:
    their value at the central £ per WELLBY; ``npv``, ``bcr`` (benefits / cost),
    ``cost_per_wellby`` (net public cost / WELLBYs); ``crises_avoided`` (a count)."""

    cost: float
    avoided: dict[str, float]
    wellbys: float
    wellby_value: float
    npv: float
    bcr: float
    cost_per_wellby: float
    crises_avoided: float


@dataclass(frozen=True)
class MoneyCase:
    """The economic case of both worlds at week ``weeks`` (None for a world with no
    commissioned support: it is the baseline)."""

    weeks: int
    worlds: tuple[WorldCase | None, ...]
    params: AppraisalParams
    wellby_values: dict[str, float]


def as_of(weeks: int, n_weeks: int, every: int = APPRAISAL_EVERY) -> int:
    """The week the money panel shows: the last multiple of ``every`` reached, or the
    end of the run once it is reached."""
    if weeks >= n_weeks:
        return n_weeks
    return weeks - weeks % every


def weekly_frame(models: list[HLSModel], names: list[str], weeks: int) -> pd.DataFrame:
    """The appraisal's weekly columns of each model, weeks ``0..weeks-1``, one run per
    model named by ``names`` (a money column a model does not record is 0: nothing was
    paid). Built as one frame from numpy arrays: a frame per model, concatenated, costs
    several times more."""
    cols: dict[str, object] = {
        "scenario": np.repeat(np.array(names, dtype=object), weeks),
        "replicate": np.zeros(weeks * len(models), np.int64),
        "week": np.tile(np.arange(weeks), len(models))}
    for c in WEEKLY:
        cols[c] = np.concatenate([m.recorder.levels[c][:weeks] if c in m.recorder.levels
                                  else np.zeros(weeks) for m in models])
    return pd.DataFrame(cols)


def appraise(worlds: list[HLSModel], counterfactual: HLSModel, weeks: int,
             commissions: list[bool]) -> MoneyCase | None:
    """Each commissioning world's economic case against ``counterfactual`` over weeks
    ``0..weeks-1`` (or the place's appraisal period, when shorter). None before week 1.

    Raises:
        hls_sim.valuation.AppraisalError: the runs' outputs cannot be appraised.
    """
    p = counterfactual.params.appraisal
    if p.appraisal_years is not None:
        weeks = min(weeks, p.appraisal_years * WEEKS_PER_YEAR)
    if weeks < 1:
        return None
    names = [f"world {i}" for i in range(len(worlds))]
    appraised = [(w, n) for w, n, c in zip(worlds, names, commissions, strict=True) if c]
    ts = weekly_frame([counterfactual, *(w for w, _ in appraised)],
                      [BASELINE, *(n for _, n in appraised)], weeks)
    runs = run_figures(yearly_sums(ts, p, weeks), p)
    values = wellby_values(p)
    out: list[WorldCase | None] = []
    for name, c in zip(names, commissions, strict=True):
        if not c:
            out.append(None)
            continue
        d = figure_parts(paired_against(runs, name, BASELINE), p, values, name,
                         BASELINE).iloc[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            bcr = d["benefits"] / d["cost_ob"] if d["cost_ob"] > 0 else float("nan")
            per_wellby = (d["net_public_cost"] / d["wellbys"] if d["wellbys"] > 0
                          else float("nan"))
        out.append(WorldCase(
            cost=float(d["cost_ob"]),
            avoided={payer: float(d[f"avoided_{payer}"]) for payer in PAYERS},
            wellbys=float(d["wellbys"]), wellby_value=float(d["wellby_value"]),
            npv=float(d["npv"]), bcr=float(bcr), cost_per_wellby=float(per_wellby),
            crises_avoided=float(d["crises"])))
    return MoneyCase(weeks, tuple(out), p, values)


# --- words ---------------------------------------------------------------------------------


def money(x: float, signed: bool = False) -> str:
    """£ with thousands separators, millions as £1.23m; ``signed`` puts + or - first."""
    if not np.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ("+" if signed and x > 0 else "")
    a = abs(x)
    return f"{sign}£{a / 1e6:,.2f}m" if a >= 1e6 else f"{sign}£{a:,.0f}"


FIGURE_ROWS = ("Cost to the commissioner", "Crisis costs avoided (NHS, police)",
               "WELLBYs gained", "Net present value", "Benefit-cost ratio",
               "Net public cost per WELLBY", "Crises avoided")


def figure_texts(c: WorldCase | None, commissions: bool) -> dict[str, str]:
    """One world's headline figures as display strings, keyed by :data:`FIGURE_ROWS`."""
    if not commissions:
        return {FIGURE_ROWS[0]: "this is the no-service world"}
    if c is None:
        return {}
    avoided = sum(c.avoided.values())
    return {
        FIGURE_ROWS[0]: money(c.cost),
        FIGURE_ROWS[1]: money(avoided),
        FIGURE_ROWS[2]: f"{c.wellbys:,.1f} (worth {money(c.wellby_value)})",
        FIGURE_ROWS[3]: money(c.npv, signed=True),
        FIGURE_ROWS[4]: f"{c.bcr:.2f}" if np.isfinite(c.bcr) else "n/a: costs no more",
        FIGURE_ROWS[5]: (money(c.cost_per_wellby) if np.isfinite(c.cost_per_wellby)
                         else "n/a: no WELLBYs gained"),
        FIGURE_ROWS[6]: (f"{c.crises_avoided:,.0f}" if c.crises_avoided >= 0
                         else f"none ({-c.crises_avoided:,.0f} more)"),
    }


def payer_rows(case: MoneyCase, commissions: list[bool]) -> list[tuple[str, list[str]]]:
    """Who pays and who benefits, each world against no service: (row label, one
    signed present value per world); the rows add up to the net present value."""
    p = case.params
    rows: list[tuple[str, list[str]]] = []

    def cells(value) -> list[str]:
        return [money(value(c), signed=True) if c is not None
                else ("baseline" if not k else "") for c, k in zip(case.worlds, commissions,
                                                                  strict=True)]

    rows.append((f"The {p.commissioner} (pays for the service)",
                 cells(lambda c: c.avoided.get(p.commissioner, 0.0) - c.cost)))
    services = {payer: ", ".join(RESOURCE_LABELS[r] for r, who in p.payers.items()
                                 if who == payer)
                for payer in PAYERS if payer != p.commissioner}
    for payer, what in services.items():
        if what:
            rows.append((f"{payer[0].upper()}{payer[1:]} ({what} avoided)",
                         cells(lambda c, y=payer: c.avoided[y])))
    rows.append(("Residents (wellbeing, valued in WELLBYs)", cells(lambda c: c.wellby_value)))
    rows.append(("Net present value", cells(lambda c: c.npv)))
    return rows


def basis_text(case: MoneyCase, n_weeks: int) -> str:
    """What the figures are: the weeks, the prices, the rates, the WELLBY value."""
    p, v = case.params, case.wellby_values
    end = "the whole run" if case.weeks >= n_weeks else f"weeks 0-{case.weeks - 1}"
    return (f"Against the unseen no-service world (same people, same shocks), over {end} "
            f"({case.weeks / WEEKS_PER_YEAR:.1f} years); £ in {p.price_year} prices, "
            f"discounted at the Green Book rate ({p.discount_schedule[0][1]:.1%} a year; "
            f"WELLBYs at the {p.wellby_discount} rate); a WELLBY is worth "
            f"{money(v['central'])} (low {money(v['low'])}, high {money(v['high'])}); "
            f"optimism bias {p.optimism_bias:.0%}. One run of each world, so no interval: "
            f"the report's economic case over replicates gives them. Worked out again every "
            f"{APPRAISAL_EVERY} weeks and at the end of the run.")


COUNTED_HTML = """
<details class="hls-counted"><summary>What is and is not counted</summary>
<p><b>Counted.</b> The commissioner's spend on the service: contract payments, the
cost of commissioning (tenders, reviews) and a partnership's backbone team, as a cost. Crises that fall on other services:
each crisis uses an expected number of A&amp;E attendances, ambulance call-outs, police
incidents and mental health bed days (by the person's worst need; an assumption, every
cell), priced at published unit costs (NHS Reference Costs, GMCA unit cost database,
Home Office); fewer crises than with no service is a saving to the NHS and the police.
Residents' wellbeing: everyone living in the place each week, served or not; the model's
wellbeing (0-1) mapped to life satisfaction (0-10, an assumption), summed to WELLBYs
(points &times; person-years) and valued at the Treasury's figure.</p>
<p><b>Not counted.</b> Providers' own charitable income; the people's time; other council
services (housing, emergency accommodation, adult social care); GP and community health
contacts; courts, prisons and probation; benefits and tax (transfers, not costs); deaths;
families and carers. Providers' spending by category (the chart above) is how the
contract money was used, so adding it would count the payments twice.</p>
<p>Sources, ranges and how a council sets its own unit costs: <code>docs/appraisal.md</code>.</p>
</details>
"""
