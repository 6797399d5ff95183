"""Parameters of the economic appraisal: values, rates, prices and unit costs.

Every number here changes the economic case, so each is a field with its unit, price
year and source (read by ``hls_sim.params.parameter_table`` and docs/ODD.md, like the
model's own parameters). Overrides use dotted names under ``appraisal``, e.g.
``{"appraisal.wellby_value": 15000}`` or, in a scenario file::

    appraisal:
      unit_cost_ae_attendance: 250.0
      unit_cost_ae_attendance_price_year: "2023-24"

Sources were read for this module (docs/appraisal.md quotes them). Where a figure could
not be read from a source it says so, and the value is an assumption with a wide range.

Price years are written ``"2019"`` (a calendar year) or ``"2013-14"`` (a financial year,
April to March). The deflator table is calendar-year; a financial year is taken as
0.75 of its first calendar year plus 0.25 of the next (nine months fall in the first).
That weighting is an assumption (HM Treasury publishes financial-year deflators too, but
the release we could read gave calendar years only).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import ConfigDict, field_validator

from .fields import DOMAINS, P, _Group

WEEKS_PER_YEAR = 52
"""Weeks in an appraisal year: the model's own convention (rates per year are x/52)."""

RESOURCES: tuple[str, ...] = ("ae_attendance", "ambulance_callout", "police_incident",
                              "mh_bed_day")
"""Services a crisis can use, each with a unit cost below."""

RESOURCE_LABELS = {
    "ae_attendance": "A&E attendances",
    "ambulance_callout": "ambulance call-outs",
    "police_incident": "police incidents",
    "mh_bed_day": "mental health bed days",
}

PAYERS: tuple[str, ...] = ("council", "NHS", "police")
"""Who can pay for a resource or commission the service."""

Payer = Literal["council", "NHS", "police"]

# --- sources (URLs and wording are quoted in docs/appraisal.md) -------------------------
EVIDENCE = "../shared/evidence/mechanism_evidence.csv"
WELLBY_SRC = (
    "HM Treasury (2021) Wellbeing Guidance for Appraisal, as quoted by Jacobs/Simetrica "
    "(jacobs.com newsroom: 'the recommended standard value of one WELLBY in 2019 prices "
    f"and values') and {EVIDENCE} row UC-01")
WELLBY_RANGE_SRC = (
    "NOT read from the guidance itself (only its contents page was retrievable); the "
    "low/high values are as reported by the CRAN package greenbook 0.1.0 "
    "(inst/extdata/wellby.csv: 'HMT Wellbeing Guidance for Appraisal (July 2021) "
    "lower bound/upper bound') and a second secondary source; verify against the guidance")
STPR_SRC = (
    "HM Treasury Green Book (2022) Annex A6 / Review of discounting terms of reference "
    f"(2025), {EVIDENCE} row UC-02: 3.5% years 0-30, 3.0% 31-75, 2.5% 76-125, 2.0% "
    "126-200, 1.5% 201-300, 1.0% 301+")
HEALTH_RATE_SRC = (
    "secondary: greenbook 0.1.0 inst/extdata/stpr_schedule.csv ('health' column, 'used in "
    "DHSC supplementary guidance'); the Green Book text itself was not read; "
    f"{EVIDENCE} row UC-02 says the reduced health rate was not found there")
OB_SRC = (
    "HM Treasury Supplementary Green Book Guidance: Optimism Bias, from Mott MacDonald "
    "(2002) Review of Large Public Procurement in the UK, Table 2: outsourcing, operating "
    "expenditure, upper bound 41%, lower bound 0%")
DEFLATOR_SRC = (
    "HM Treasury, GDP deflators at market prices, and money GDP (December 2025 Quarterly "
    "National Accounts), calendar years, 2024 = 100, as bundled by greenbook 0.1.0 "
    "(inst/extdata/gdp_deflator.csv)")

GDP_DEFLATOR_2024_100: dict[int, float] = {
    2005: 61.5718, 2006: 63.4682, 2007: 64.7322, 2008: 66.89, 2009: 68.217,
    2010: 69.1217, 2011: 70.834, 2012: 71.9294, 2013: 73.4795, 2014: 74.6524,
    2015: 75.1536, 2016: 76.4554, 2017: 77.6367, 2018: 79.1606, 2019: 81.1085,
    2020: 85.2137, 2021: 85.6358, 2022: 90.5005, 2023: 96.2507, 2024: 100.0,
}
"""GDP deflator at market prices, calendar years (2024 = 100); source: DEFLATOR_SRC."""

STPR_STANDARD: list[tuple[int, float]] = [(0, 0.035), (31, 0.030), (76, 0.025),
                                          (126, 0.020), (201, 0.015), (301, 0.010)]
STPR_HEALTH: list[tuple[int, float]] = [(0, 0.015), (31, 0.0129), (76, 0.0107),
                                        (126, 0.0086), (201, 0.0064), (301, 0.0043)]

# Expected resources used per crisis, by the person's worst need domain. Every cell is an
# assumption: the model's "crisis" is abstract and no source maps it to service contacts.
# (central, low, high) - the low-high range is the prior a sensitivity analysis should use.
RESOURCES_PER_CRISIS_PRIOR: dict[str, dict[str, tuple[float, float, float]]] = {
    "mental_health": {"ae_attendance": (0.5, 0.2, 0.9), "ambulance_callout": (0.3, 0.1, 0.6),
                      "police_incident": (0.3, 0.1, 0.6), "mh_bed_day": (2.0, 0.5, 6.0)},
    "substance_use": {"ae_attendance": (0.6, 0.3, 0.9), "ambulance_callout": (0.4, 0.1, 0.7),
                      "police_incident": (0.3, 0.1, 0.6), "mh_bed_day": (0.5, 0.0, 2.0)},
    "housing": {"ae_attendance": (0.2, 0.0, 0.5), "ambulance_callout": (0.1, 0.0, 0.3),
                "police_incident": (0.2, 0.0, 0.5), "mh_bed_day": (0.0, 0.0, 0.5)},
    "debt": {"ae_attendance": (0.1, 0.0, 0.3), "ambulance_callout": (0.05, 0.0, 0.2),
             "police_incident": (0.05, 0.0, 0.2), "mh_bed_day": (0.0, 0.0, 0.3)},
    "physical_health": {"ae_attendance": (0.8, 0.5, 1.0), "ambulance_callout": (0.5, 0.2, 0.8),
                        "police_incident": (0.0, 0.0, 0.1), "mh_bed_day": (0.0, 0.0, 0.3)},
    "isolation": {"ae_attendance": (0.2, 0.0, 0.5), "ambulance_callout": (0.1, 0.0, 0.3),
                  "police_incident": (0.05, 0.0, 0.2), "mh_bed_day": (0.2, 0.0, 1.0)},
}

_PRICE_YEAR = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def parse_price_year(text: str) -> tuple[int, bool]:
    """``"2019"`` -> (2019, False); ``"2013-14"`` -> (2013, True). Raises ValueError."""
    m = _PRICE_YEAR.match(str(text))
    if not m:
        raise ValueError(f"price year {text!r} must be a calendar year like '2019' or a "
                         "financial year like '2013-14'")
    first = int(m.group(1))
    if m.group(2) is not None and int(m.group(2)) != (first + 1) % 100:
        raise ValueError(f"price year {text!r}: a financial year runs into the next year "
                         f"('{first}-{(first + 1) % 100:02d}')")
    return first, m.group(2) is not None


def _schedule_ok(bands: list[tuple[int, float]], name: str) -> list[tuple[int, float]]:
    if not bands or bands[0][0] != 0:
        raise ValueError(f"{name} must start at year 0, e.g. [[0, 0.035], [31, 0.03]]")
    starts = [b[0] for b in bands]
    if starts != sorted(set(starts)):
        raise ValueError(f"{name} band start years must rise strictly")
    if any(not 0.0 <= r < 1.0 for _, r in bands):
        raise ValueError(f"{name} rates must be shares per year in [0, 1)")
    return bands


class AppraisalParams(_Group):
    """The economic appraisal: a Green Book case over the no-service arm."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # --- wellbeing valued in WELLBYs ---------------------------------------------------
    wellby_value: float = P(13_000.0, "£ per WELLBY (wellby_price_year prices)", WELLBY_SRC,
                            "value of one WELLBY: one point of life satisfaction (0-10) for "
                            "one person for one year (central)", gt=0.0)
    wellby_value_low: float = P(10_000.0, "£ per WELLBY (wellby_price_year prices)",
                                WELLBY_RANGE_SRC, "low value of a WELLBY, for sensitivity",
                                gt=0.0)
    wellby_value_high: float = P(16_000.0, "£ per WELLBY (wellby_price_year prices)",
                                 WELLBY_RANGE_SRC, "high value of a WELLBY, for sensitivity",
                                 gt=0.0, validate_default=True)
    wellby_price_year: str = P("2019", "price year", WELLBY_SRC,
                               "price year of the three WELLBY values")
    ls_at_0: float = P(0.0, "life satisfaction 0-10", "assumption (a plain rescaling; no "
                       "source links the model's wellbeing to life satisfaction)",
                       "life satisfaction of a person whose model wellbeing is 0", ge=0.0,
                       le=10.0)
    ls_at_1: float = P(10.0, "life satisfaction 0-10", "assumption (a plain rescaling; a "
                       "narrower mapping, e.g. 2 to 8, gives fewer WELLBYs per unit of "
                       "wellbeing; prior range of the slope 4-10)",
                       "life satisfaction of a person whose model wellbeing is 1", ge=0.0,
                       le=10.0, validate_default=True)

    # --- discounting ---------------------------------------------------------------
    discount_schedule: list[tuple[int, float]] = P(
        STPR_STANDARD, "[first year of band, rate per year]", STPR_SRC,
        "Green Book social time preference rate, by band of years from year 0")
    health_discount_schedule: list[tuple[int, float]] = P(
        STPR_HEALTH, "[first year of band, rate per year]", HEALTH_RATE_SRC,
        "the lower rate for health effects (excludes the wealth effect)")
    wellby_discount: Literal["standard", "health"] = P(
        "standard", "-", "assumption: whether the wellbeing guidance discounts WELLBYs at "
        "the health rate was not found; the standard rate is the cautious choice (it gives "
        "future wellbeing less weight)", "which schedule discounts WELLBYs")
    appraisal_years: int | None = P(None, "years (52 weeks)", "assumption (the run's whole "
                                    "years when unset)", "length of the appraisal period; "
                                    "unset = every whole year of the run", ge=1, le=100)

    # --- prices ----------------------------------------------------------------------
    price_year: str = P("2024", "price year", DEFLATOR_SRC,
                        "price year every £ figure is reported in")
    money_price_year: str | None = P(None, "price year", "assumption: the model's money "
                                     "(salaries, budget) is an assumption without a price "
                                     "year, so by default it is read as reporting-year prices",
                                     "price year of the model's own £ figures (unset = "
                                     "price_year)")
    deflator: dict[int, float] = P(GDP_DEFLATOR_2024_100, "index (any base)", DEFLATOR_SRC,
                                   "GDP deflator by calendar year, for uprating prices")

    # --- unit costs of the services a crisis uses ----------------------------------------
    unit_cost_ae_attendance: float = P(
        126.0, "£ per attendance", f"{EVIDENCE} row UC-03 (NHS Reference Costs 2013-14 via "
        "NICE NG94: £114 not admitted, £138 admitted); central = their midpoint (assumption)",
        "cost of one A&E attendance", ge=0.0)
    unit_cost_ae_attendance_price_year: str = P("2013-14", "price year", f"{EVIDENCE} UC-03",
                                                "price year of the A&E unit cost")
    unit_cost_ambulance_callout: float = P(
        216.0, "£ per incident", f"{EVIDENCE} row UC-04 (New Economy/GMCA unit cost database "
        "HE3.0, seen and treated or conveyed; £99 across all calls)",
        "cost of one ambulance call-out", ge=0.0)
    unit_cost_ambulance_callout_price_year: str = P("2013-14", "price year",
                                                    f"{EVIDENCE} UC-04",
                                                    "price year of the ambulance unit cost")
    unit_cost_police_incident: float = P(
        470.0, "£ per incident", f"{EVIDENCE} row UC-05 (Home Office police costs "
        "methodology: £280-£1,260 per lower-level crime; a per-incident cost for welfare "
        "incidents was not found, so a crisis call is assumed to cost the middle offence "
        "type)", "cost of one police incident", ge=0.0)
    unit_cost_police_incident_price_year: str = P("2022-23", "price year",
                                                  f"{EVIDENCE} UC-05",
                                                  "price year of the police unit cost")
    unit_cost_mh_bed_day: float = P(
        334.0, "£ per bed day", f"{EVIDENCE} row UC-06 (NHS Reference Costs 2011/12 mental "
        "health clusters, £319-£366; a crisis-bed figure was not found)",
        "cost of one mental health inpatient bed day", ge=0.0)
    unit_cost_mh_bed_day_price_year: str = P("2011-12", "price year", f"{EVIDENCE} UC-06",
                                             "price year of the bed-day unit cost")
    resources_per_crisis: dict[str, dict[str, float]] = P(
        {d: {r: v[0] for r, v in res.items()} for d, res in RESOURCES_PER_CRISIS_PRIOR.items()},
        "units per crisis", "assumption, every cell (prior ranges in "
        "hls_sim.params.appraisal.RESOURCES_PER_CRISIS_PRIOR and docs/appraisal.md)",
        "expected services used per crisis, by the person's worst need domain")
    payers: dict[str, Payer] = P(
        {"ae_attendance": "NHS", "ambulance_callout": "NHS", "police_incident": "police",
         "mh_bed_day": "NHS"}, "-", "assumption (who funds each service in England)",
        "who pays for each service a crisis uses")
    commissioner: Payer = P("council", "-", "assumption (the council commissions)",
                            "who pays for the commissioned service")

    # --- optimism bias ------------------------------------------------------------------
    optimism_bias: float = P(0.0, "share added to the commissioner's spend",
                             "assumption: the model's contract spend is the budget paid "
                             "out, exact by construction, so no uplift by default; " + OB_SRC,
                             "optimism bias uplift applied to costs", ge=0.0, le=2.0)
    optimism_bias_sensitivity: float = P(0.41, "share added to the commissioner's spend",
                                         OB_SRC, "optimism bias uplift shown as a "
                                         "sensitivity (the outsourcing upper bound)",
                                         ge=0.0, le=2.0)

    @field_validator("wellby_price_year", "price_year", "unit_cost_ae_attendance_price_year",
                     "unit_cost_ambulance_callout_price_year",
                     "unit_cost_police_incident_price_year", "unit_cost_mh_bed_day_price_year",
                     "money_price_year", mode="before")
    @classmethod
    def _price_year(cls, v: object) -> str | None:
        if v is None:
            return None
        text = str(v)
        parse_price_year(text)
        return text

    @field_validator("discount_schedule", "health_discount_schedule")
    @classmethod
    def _schedule(cls, v: list[tuple[int, float]], info) -> list[tuple[int, float]]:
        return _schedule_ok(v, info.field_name)

    @field_validator("deflator")
    @classmethod
    def _deflator(cls, v: dict[int, float]) -> dict[int, float]:
        if not v or any(x <= 0 for x in v.values()):
            raise ValueError("deflator needs at least one year, every index > 0")
        return dict(sorted(v.items()))

    @field_validator("resources_per_crisis")
    @classmethod
    def _resources(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for d, res in v.items():
            if d not in DOMAINS:
                raise ValueError(f"unknown need domain {d!r} (allowed: {', '.join(DOMAINS)})")
            for r, x in res.items():
                if r not in RESOURCES:
                    raise ValueError(f"unknown resource {r!r} (allowed: {', '.join(RESOURCES)})")
                if not x >= 0:
                    raise ValueError(f"resources per crisis must be >= 0 ({d}.{r}={x})")
        return v

    @field_validator("payers")
    @classmethod
    def _payers(cls, v: dict[str, str]) -> dict[str, str]:
        for r in v:
            if r not in RESOURCES:
                raise ValueError(f"unknown resource {r!r} (allowed: {', '.join(RESOURCES)})")
        missing = [r for r in RESOURCES if r not in v]
        if missing:
            raise ValueError(f"no payer for {', '.join(missing)}")
        return v

    # Cross-field checks sit on the later field (with info.data) rather than in a model
    # validator, so a bad value is reported against a parameter name.
    @field_validator("wellby_value_high")
    @classmethod
    def _wellby_order(cls, v: float, info) -> float:
        low, central = info.data.get("wellby_value_low"), info.data.get("wellby_value")
        if low is not None and central is not None and not low <= central <= v:
            raise ValueError(f"WELLBY values must satisfy low <= central <= high (got {low}, "
                             f"{central}, {v})")
        return v

    @field_validator("ls_at_1")
    @classmethod
    def _ls_rising(cls, v: float, info) -> float:
        ls0 = info.data.get("ls_at_0")
        if ls0 is not None and v <= ls0:
            raise ValueError(f"ls_at_1 ({v}) must exceed ls_at_0 ({ls0}): more wellbeing "
                             "means more life satisfaction")
        return v

    # --- derived ----------------------------------------------------------------------
    def ls_per_wellbeing(self) -> float:
        """Points of life satisfaction per unit (0-1) of model wellbeing."""
        return self.ls_at_1 - self.ls_at_0

    def unit_cost(self, resource: str) -> tuple[float, str]:
        """A resource's unit cost and its price year."""
        return (getattr(self, f"unit_cost_{resource}"),
                getattr(self, f"unit_cost_{resource}_price_year"))
