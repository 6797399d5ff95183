"""The economic appraisal (hls_sim.appraisal): a hand-worked case to the penny, the
Green Book arithmetic, invariants (hypothesis), overrides, and one-line errors.

The model does not yet emit the appraisal's weekly columns, so these tests build the
timeseries the runner will store (scenario, replicate, seed, week, ...) by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hls_sim import scenarios
from hls_sim.appraisal import (
    AppraisalError,
    AppraisalParams,
    discount_factors,
    economic_case,
    ledger,
    npv,
    price_index,
    switching_share,
    uprate,
)
from hls_sim.appraisal.case import _derive, plot_who_pays
from hls_sim.appraisal.engine import paired_against, run_figures, wellby_values, yearly_quantities
from hls_sim.params import DOMAINS, ParameterError, make_params

DOCS = Path(__file__).resolve().parents[1] / "docs" / "appraisal.md"


def arm(name: str, weeks: int, replicate: int = 0, *, wellbeing: float = 5.0,
        people: float = 10.0, paid: float = 0.0, crisis_weeks=(), crisis_domain="mental_health",
        commissioning: dict[int, float] | None = None, seed: int | None = None,
        **extra) -> pd.DataFrame:
    """One run's weekly timeseries in the shape the runner stores."""
    df = pd.DataFrame({"scenario": name, "replicate": replicate,
                       "seed": replicate if seed is None else seed,
                       "week": np.arange(weeks), "wellbeing_sum": wellbeing,
                       "people_in_place": people, "paid_to_providers": paid})
    for d in DOMAINS:
        df[f"crises_{d}"] = 0.0
    df.loc[df["week"].isin(list(crisis_weeks)), f"crises_{crisis_domain}"] = 1.0
    if commissioning is not None:
        df["spend_commissioning"] = df["week"].map(commissioning).fillna(0.0)
    for k, v in extra.items():
        df[k] = v
    return df


# Hand-worked case: 3 years, two arms, one replicate.
HAND = AppraisalParams(
    deflator={2013: 50.0, 2014: 60.0, 2019: 80.0, 2024: 100.0}, price_year="2024",
    wellby_price_year="2019", wellby_value=13_000, wellby_value_low=10_000,
    wellby_value_high=16_000, unit_cost_ae_attendance=100.0,
    unit_cost_ae_attendance_price_year="2013",
    resources_per_crisis={"mental_health": {"ae_attendance": 1.0}})


def hand_results() -> pd.DataFrame:
    # No service: 10 people at mean wellbeing 0.5, one mental health crisis at the start
    # of each year. Option: mean wellbeing 0.52, no crises, £1,000 a week to providers
    # and £50 of commissioning in week 0.
    return pd.concat([
        arm("no_service", 156, wellbeing=5.0, crisis_weeks=(0, 52, 104)),
        arm("option", 156, wellbeing=5.2, paid=1000.0, commissioning={0: 50.0}),
    ], ignore_index=True)


def test_hand_worked_case_to_the_penny():
    case = economic_case(hand_results(), params=HAND)
    f = case.figures.set_index(["option", "comparator", "figure"])["mean"]
    get = lambda k: f[("option", "no_service", k)]  # noqa: E731
    # Prices: a WELLBY is £13,000 x 100/80 = £16,250 in 2024 prices (low £12,500, high
    # £20,000); an A&E attendance £100 x 100/50 = £200.
    assert case.wellby_values == pytest.approx({"low": 12_500, "central": 16_250,
                                                "high": 20_000})
    assert case.unit_costs["ae_attendance"] == pytest.approx(200.0)
    # Discount factors at 3.5%: 1, 1/1.035 = 0.966183575, 1/1.035^2 = 0.933510700;
    # their sum is 2.899694275.
    # Cost: 52,050 in year 0 (52 x 1,000 + 50), 52,000 in years 1 and 2:
    #   52,050 + 52,000 x (0.966183575 + 0.933510700) = 150,834.10
    assert round(get("cost"), 2) == 150_834.10
    # Avoided crises: one A&E attendance (£200) a year: 200 x 2.899694275 = 579.94
    assert round(get("avoided"), 2) == 579.94
    # WELLBYs: life satisfaction = 10 x wellbeing, so 10 people x 0.02 x 10 = 2 WELLBYs a
    # year gained; discounted 2 x 2.899694275 = 5.799388550; undiscounted 6, i.e. 0.6
    # per resident.
    assert get("wellbys") == pytest.approx(5.799388550491260, abs=1e-12)
    assert get("wellbys_per_person") == pytest.approx(0.6)
    # Value: 5.799388550 x 16,250 = 94,240.06
    assert round(get("wellby_value"), 2) == 94_240.06
    # NPV = 94,240.06 + 579.94 - 150,834.10 = -56,014.10 (low -77,761.81, high -34,266.39)
    assert round(get("npv"), 2) == -56_014.10
    assert round(get("npv_low"), 2) == -77_761.81
    assert round(get("npv_high"), 2) == -34_266.39
    # BCR = (94,240.06 + 579.94) / 150,834.10 = 0.6286
    assert get("bcr") == pytest.approx(0.628637697620339, rel=1e-12)
    # Net public cost per WELLBY = (150,834.10 - 579.94) / 5.799388550 = 25,908.62
    assert round(get("cost_per_wellby"), 2) == 25_908.62
    # Crises avoided: 3; per crisis (discounted count 2.899694275): 52,017.24
    assert get("crises_avoided") == 3
    assert round(get("cost_per_crisis_avoided"), 2) == 52_017.24
    # Switching value: (150,834.10 - 579.94) / 94,240.06 = 1.5944: the wellbeing effect
    # would have to be 159% of the modelled one for the option to be worth it.
    assert get("switching_share") == pytest.approx(1.594376713757795, rel=1e-12)
    # Optimism bias sensitivity (41% on costs): 94,240.06 + 579.94 - 1.41 x 150,834.10
    assert round(get("npv_optimism_bias"), 2) == -117_856.08
    assert "159%" in case.summary["option: switching_share"]
    assert "not positive" in case.summary["option: npv"]


def test_hand_worked_ledger_rows():
    led = ledger(hand_results(), HAND).set_index(["scenario", "year", "payer", "item"])
    row = led.loc[("option", 1, "council", "contract payments")]
    assert row["value"] == 52_000 and round(row["present_value"], 2) == 50_241.55
    assert led.loc[("option", 0, "council", "commissioning"), "value"] == 50
    ae = led.loc[("no_service", 2, "NHS", "A&E attendances")]
    # One attendance at £200 in year 2: 200 / 1.035^2 = 186.70
    assert ae["quantity"] == 1 and ae["value"] == 200 and round(ae["present_value"], 2) == 186.70
    ls = led.loc[("option", 0, "residents", "life satisfaction")]
    # 52 WELLBYs (10 people x 5.2 x 10 / 10 ... = 10 x 0.52 x 10) at £16,250
    assert ls["quantity"] == pytest.approx(52.0) and ls["value"] == pytest.approx(845_000)
    assert not led.loc[led["kind"] == "providers' spending", "counted"].any()
    # The ledger's counted present values, option minus no service, give the NPV.
    counted = led[led["counted"]].reset_index()
    pv = counted.groupby(["scenario", "kind"])["present_value"].sum()
    diff = pv["option"] - pv["no_service"]
    assert round(diff["wellbeing"] - diff["commissioned service"] - diff["crisis services"],
                 2) == -56_014.10


def test_wellbys_at_the_health_rate_when_chosen():
    p = HAND.model_copy(update={"wellby_discount": "health"})
    case = economic_case(hand_results(), params=p)
    f = case.figures.set_index(["option", "figure"])["mean"]
    # 2 WELLBYs a year at 1.5%: 2 x (1 + 1/1.015 + 1/1.015^2) = 5.911766847; x 16,250
    assert round(f[("option", "wellby_value")], 2) == 96_066.21
    assert round(f[("option", "cost")], 2) == 150_834.10  # costs stay at 3.5%


def test_green_book_bands_kink_after_30_and_75_years():
    df = discount_factors(80, AppraisalParams().discount_schedule)
    assert df[0] == 1.0
    assert df[30] == pytest.approx(1.035 ** -30, rel=1e-13)
    assert df[31] == pytest.approx(0.3459013695167976, rel=1e-13)  # 1.035^-30 / 1.03
    assert df[76] == pytest.approx(0.0919158756845770, rel=1e-13)  # ... x 1.03^-45 / 1.025


def test_uprating_calendar_and_financial_years():
    d = {2013: 50.0, 2014: 60.0, 2024: 100.0}
    assert price_index("2013-14", d) == pytest.approx(52.5)  # 0.75 x 50 + 0.25 x 60
    assert uprate(105.0, "2013-14", "2024", d) == pytest.approx(200.0)
    # The shipped table: £13,000 in 2019 prices is £16,028 in 2024 prices.
    p = AppraisalParams()
    assert wellby_values(p)["central"] == pytest.approx(13_000 * 100 / 81.1085)


def test_paired_differences_between_options_and_intervals():
    parts = []
    for k in range(4):
        parts += [arm("no_service", 104, k, wellbeing=5.0, crisis_weeks=(0, 52)),
                  arm("tendered", 104, k, wellbeing=5.1 + 0.01 * k, paid=800.0),
                  arm("partnership", 104, k, wellbeing=5.3 + 0.02 * k, paid=900.0)]
    case = economic_case(pd.concat(parts, ignore_index=True), params=HAND)
    f = case.figures.set_index(["option", "comparator", "figure"])
    # Paired NPV difference = difference of the two NPVs against no service.
    a = f.loc[("partnership", "no_service", "npv"), "mean"]
    b = f.loc[("tendered", "no_service", "npv"), "mean"]
    assert f.loc[("partnership", "tendered", "npv"), "mean"] == pytest.approx(a - b)
    row = f.loc[("partnership", "no_service", "npv")]
    assert row["ci_low"] < row["mean"] < row["ci_high"] and row["replicates"] == 4
    assert "partnership vs tendered: npv" in case.summary
    # Who pays: nets across payers add up to the NPV.
    pay = case.payers[case.payers["option"] == "partnership"]
    assert pay["net"].sum() == pytest.approx(a)
    text = case.table_text()
    assert "Net present value (central WELLBY value)" in text and "residents" in text
    by_year = case.by_year[(case.by_year["option"] == "tendered") &
                           (case.by_year["payer"] == "council")]
    assert by_year["extra_cost"].tolist() == pytest.approx([41_600.0, 41_600.0])


def test_no_ratio_to_a_saving_between_options():
    parts = [a for k in range(2) for a in (
        arm("no_service", 52, k, crisis_weeks=(0,)), arm("dear", 52, k, wellbeing=5.5, paid=900.0),
        arm("cheap", 52, k, wellbeing=5.4 + 0.01 * k, paid=800.0))]
    case = economic_case(pd.concat(parts), params=HAND)
    assert "does not apply" in case.summary["cheap vs dear: bcr"]
    assert "returns" in case.summary["dear: bcr"]


def test_who_pays_figure_draws(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    parts = [a for k in range(3) for a in (
        arm("no_service", 52, k, crisis_weeks=(0, 10)), arm("option", 52, k, wellbeing=5.5,
                                                            paid=500.0 + k))]
    fig = plot_who_pays(economic_case(pd.concat(parts), params=HAND))
    out = tmp_path / "who_pays.png"
    fig.savefig(out)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "council" in labels and "residents (wellbeing)" in labels and out.stat().st_size > 0


# --- invariants ------------------------------------------------------------------------


@st.composite
def experiments(draw):
    years = draw(st.integers(1, 3))
    reps = draw(st.integers(2, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    parts = []
    for k in range(reps):
        for name, paid in (("no_service", 0.0), ("option", draw(st.floats(0, 5000)))):
            df = arm(name, 52 * years, k, people=10.0, paid=paid,
                     wellbeing=rng.uniform(2, 8, 52 * years))
            for d in DOMAINS:
                df[f"crises_{d}"] = rng.poisson(0.3, 52 * years).astype(float)
            parts.append(df)
    return pd.concat(parts, ignore_index=True)


def _paired(ts: pd.DataFrame, p: AppraisalParams) -> pd.DataFrame:
    runs = run_figures(yearly_quantities(ts, p), p)
    return _derive(paired_against(runs, "option", "no_service"), p, wellby_values(p),
                   "option", "no_service", "no_service")


FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(ts=experiments(), v1=st.floats(1_000, 50_000), v2=st.floats(1_000, 50_000),
       lam=st.floats(0, 1))
def test_npv_is_linear_in_the_wellby_value(ts, v1, v2, lam):
    d = _paired(ts, AppraisalParams())

    def at(v):
        return npv(d["wellbys"], d["avoided"], d["cost"], v)
    mixed = at(lam * v1 + (1 - lam) * v2)
    assert np.allclose(mixed, lam * at(v1) + (1 - lam) * at(v2), rtol=1e-9, atol=1e-6)


@FAST
@given(ts=experiments(), k=st.floats(0.1, 10))
def test_crisis_costs_scale_with_unit_costs(ts, k):
    base = AppraisalParams()
    scaled = base.model_copy(update={f"unit_cost_{r}": getattr(base, f"unit_cost_{r}") * k
                                     for r in ("ae_attendance", "ambulance_callout",
                                               "police_incident", "mh_bed_day")})
    a, b = _paired(ts, base), _paired(ts, scaled)
    assert np.allclose(b["avoided"], k * a["avoided"], rtol=1e-9, atol=1e-6)
    assert np.allclose(b["cost"], a["cost"])


@settings(max_examples=60, deadline=None)
@given(r1=st.floats(0.0, 0.2), r2=st.floats(0.0, 0.2), n=st.integers(1, 120))
def test_discounting_is_monotone(r1, r2, n):
    lo, hi = sorted((r1, r2))
    d_lo = discount_factors(n, [(0, lo), (31, lo)])
    d_hi = discount_factors(n, [(0, hi), (31, hi)])
    assert d_lo[0] == 1.0 and (np.diff(d_lo) <= 0).all() and (d_hi <= d_lo + 1e-15).all()
    gb = discount_factors(n, AppraisalParams().discount_schedule)
    assert (np.diff(gb) < 0).all() and (gb > 0).all()


@FAST
@given(ts=experiments(), ob=st.floats(0, 1))
def test_switching_value_is_where_npv_crosses_zero(ts, ob):
    p = AppraisalParams(optimism_bias=ob)
    d = _paired(ts, p)
    v = wellby_values(p)["central"]
    for w, a, c in zip(d["wellbys"], d["avoided"], d["cost"], strict=True):
        s = switching_share(w, a, c, v, ob)
        if w == 0:
            assert np.isnan(s)
            continue
        assert npv(s * w, a, c, v, ob) == pytest.approx(0.0, abs=1e-6 * max(1.0, abs(c)))
        if w > 0:  # below the switching share the option is not worth it; above, it is
            assert (npv(w, a, c, v, ob) > 0) == (s < 1) or np.isclose(s, 1)


@FAST
@given(ts=experiments())
def test_ledger_adds_up_to_the_figures(ts):
    p = AppraisalParams()
    led = ledger(ts, p)
    d = _paired(ts, p)
    counted = led[led["counted"]]
    pv = counted.groupby(["scenario", "replicate", "kind"])["present_value"].sum().unstack()
    diff = (pv.loc["option"] - pv.loc["no_service"]).sort_index()
    d = d.set_index("replicate").sort_index()
    assert np.allclose(diff["commissioned service"], d["cost"])
    assert np.allclose(-diff["crisis services"], d["avoided"])
    assert np.allclose(diff["wellbeing"], d["wellby_value"])


# --- parameters and scenarios --------------------------------------------------------------


def test_a_scenario_overrides_appraisal_parameters(tmp_path):
    f = tmp_path / "council.yaml"
    f.write_text("description: our own unit costs\nextends: base.yaml\n"
                 "appraisal:\n  wellby_value: 14000\n  unit_cost_ae_attendance: 250.0\n"
                 "  unit_cost_ae_attendance_price_year: '2023-24'\n  appraisal_years: 5\n")
    # base.yaml lives with the shipped scenarios; copy the chain next to the file.
    src = Path(scenarios.__file__).resolve().parents[1] / "scenarios" / "base.yaml"
    (tmp_path / "base.yaml").write_text(src.read_text())
    a = scenarios.load(str(f)).params.appraisal
    assert (a.wellby_value, a.unit_cost_ae_attendance, a.appraisal_years) == (14000, 250, 5)
    assert a.unit_cost_ae_attendance_price_year == "2023-24"
    assert make_params({"appraisal.optimism_bias": 0.2}).appraisal.optimism_bias == 0.2


@pytest.mark.parametrize("overrides, pattern", [
    ({"appraisal.wellby_value": 20_000}, r"low <= central <= high"),
    ({"appraisal.price_year": "2019-21"}, r"financial year runs into the next year"),
    ({"appraisal.payers": {"ae_attendance": "NHS"}}, r"no payer for ambulance_callout"),
    ({"appraisal.discount_schedule": [[1, 0.03]]}, r"must start at year 0"),
    ({"appraisal.resources_per_crisis": {"money": {}}}, r"unknown need domain 'money'"),
    ({"appraisal.ls_at_0": 10.0}, r"must exceed ls_at_0"),
    ({"appraisal.wellby_valu": 1}, r"did you mean 'appraisal.wellby_value'"),
])
def test_bad_parameters_fail_in_one_line(overrides, pattern):
    with pytest.raises(ParameterError, match=pattern) as exc:
        make_params(overrides)
    assert "\n" not in str(exc.value)


def _ts_without(col: str) -> pd.DataFrame:
    return hand_results().drop(columns=[col])


@pytest.mark.parametrize("build, kwargs, pattern", [
    (lambda: hand_results()[lambda d: d["scenario"] == "option"], {},
     r"no 'no_service' arm"),
    (lambda: _ts_without("wellbeing_sum"), {}, r"lacks column\(s\) wellbeing_sum"),
    (hand_results, {"params": HAND.model_copy(update={"appraisal_years": 4})},
     r"appraisal_years=4 is longer than the runs \(156 weeks = 3 whole years\)"),
    (hand_results, {"params": HAND.model_copy(update={"price_year": "2030"})},
     r"price year 2030 needs the deflator for 2030"),
    (lambda: pd.concat([arm("no_service", 52), arm("option", 52, seed=7)]), {},
     r"different seed"),
    (hand_results, {"params": {"wellby_value": -1}}, r"appraisal.wellby_value=-1"),
    (lambda: pd.concat([arm("no_service", 40), arm("option", 40)]), {},
     r"needs at least one whole year"),
])
def test_bad_input_fails_in_one_line(build, kwargs, pattern):
    with pytest.raises(AppraisalError, match=pattern) as exc:
        economic_case(build(), **kwargs)
    assert "\n" not in str(exc.value)


def _results(ts: pd.DataFrame, contents: dict[str, dict]):
    """EnsembleResults as load_results returns them, for hand-built tables."""
    from hls_sim.runner.store import EnsembleResults

    manifest = {"scenarios": [{"name": n, "description": "", "content": c}
                              for n, c in contents.items()], "baseline": "no_service"}
    empty = pd.DataFrame()
    return EnsembleResults(Path("."), manifest, empty, ts, empty, empty, empty)


def test_parameters_come_from_the_scenarios_in_the_manifest():
    own = make_params({"appraisal.wellby_value": 14_000}).model_dump(mode="json")
    ts = hand_results()
    case = economic_case(_results(ts, {"no_service": own, "option": own}))
    assert case.params.wellby_value == 14_000
    assert case.wellby_values["central"] == pytest.approx(14_000 * 100 / 81.1085)
    other = make_params({"appraisal.wellby_value": 12_000}).model_dump(mode="json")
    with pytest.raises(AppraisalError, match=r"differ between arms \(option vs no_service\)"):
        economic_case(_results(ts, {"no_service": own, "option": other}))


# --- the guide --------------------------------------------------------------------------


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOCS.read_text(), flags=re.S)


def test_the_guide_example_runs_and_prints_what_it_says(capsys):
    code = _blocks("python")
    assert code, "docs/appraisal.md has no python example"
    for block in code:
        exec(compile(block, str(DOCS), "exec"), {})
    out = capsys.readouterr().out
    assert "-£56,014" in out and "Who pays and who benefits" in out


def test_the_guide_scenario_block_loads(tmp_path):
    (yaml_block,) = _blocks("yaml")
    f = tmp_path / "my_council.yaml"
    f.write_text(yaml_block.replace("extends: base.yaml\n", ""))
    a = scenarios.load(str(f)).params.appraisal
    assert a.wellby_value == 13_000 and a.unit_cost_ae_attendance_price_year == "2023-24"
