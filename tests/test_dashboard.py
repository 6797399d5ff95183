"""The trainers' dashboard: twin worlds, ticker, network sampling, charts, and the page
itself in a real browser (headless Chromium from Debian, driven by Playwright).

The browser tests start the dashboard with ``hls_sim.dashboard.serve`` in a child
process on a free port, load the page, check that both worlds and their charts are
there, step, change a lever, step again, and check that the charts and the ticker
changed. A screenshot is saved as ``tests/_artifacts/dashboard.png`` (ignored by git).
"""

from __future__ import annotations

import html
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import hls_sim
from hls_sim import ParameterError, scenarios
from hls_sim.dashboard import charts, lots, money, network
from hls_sim.dashboard.controls import (
    BUDGET_PER_POST,
    GROUP_TITLES,
    LEVERS,
    PLACE,
    REGIMES,
    describe_changes,
    fill_group,
    levers_of,
    place_defaults,
    place_overrides,
    preset_levers,
)
from hls_sim.dashboard.lots import LotTracker
from hls_sim.dashboard.ticker import Ticker, TickerLine, describe_week
from hls_sim.dashboard.twin import TwinWorlds
from hls_sim.params import LEVER_GROUP_OF, LEVER_GROUPS, dotted_levers, flat_levers

TINY = {
    "place.n_people": 300,
    "place.n_weeks": 80,
    "place.n_organisations": 8,
    "place.n_practitioners": 24,
    "place.n_localities": 2,
    "place.burn_in_weeks": 5,
    "money.budget_per_week": 24 * BUDGET_PER_POST,
}
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "_artifacts"


@pytest.fixture
def twin() -> TwinWorlds:
    return TwinWorlds(seed=3, place=TINY)


def plain_model(regime: str, weeks: int, **levers) -> hls_sim.HLSModel:
    """The same world run on its own, without the dashboard."""
    sc = {**TINY, "regime": regime, **dotted_levers(levers)}
    m = hls_sim.HLSModel(sc, seed=3)
    for _ in range(weeks):
        m.step()
    return m


def levels(m: hls_sim.HLSModel) -> dict[str, np.ndarray]:
    return {k: v[: m.week] for k, v in m.recorder.levels.items()}


def assert_same_history(a: hls_sim.HLSModel, b: hls_sim.HLSModel, weeks: int | None = None):
    la, lb = levels(a), levels(b)
    for k in la:
        np.testing.assert_array_equal(la[k][:weeks], lb[k][:weeks], err_msg=k)


# --- twin worlds ---------------------------------------------------------------------------


def test_twin_worlds_share_the_same_people(twin):
    a, b = twin.worlds
    assert twin.regimes == ["competitive", "collaborative"]
    assert a.levers != b.levers
    for name in ("arrival_week", "locality", "needs_start", "transport_barrier", "engagement"):
        np.testing.assert_array_equal(getattr(a.people, name), getattr(b.people, name), name)
    np.testing.assert_array_equal(a.people.shocks.person, b.people.shocks.person)
    np.testing.assert_array_equal(a.people.shocks.week, b.people.shocks.week)
    # Both worlds start with the same practitioners in the same posts.
    np.testing.assert_array_equal(a.posts.skill, b.posts.skill)


def test_twin_worlds_step_together_and_match_plain_runs(twin):
    for _ in range(30):
        twin.step()
    assert twin.week == 30 and twin.steps == 30  # Mesa counts the twin's steps
    assert [w.week for w in twin.worlds] == [30, 30]
    # The dashboard only reads: each world is exactly the run it would be on its own.
    assert_same_history(twin.worlds[0], plain_model("competitive", 30))
    assert_same_history(twin.worlds[1], plain_model("collaborative", 30))
    # Real Mesa agents in each world.
    assert len(twin.worlds[0].organisations) == TINY["place.n_organisations"]
    assert len(twin.worlds[1].practitioners) > 0 and len(twin.worlds[1].persons) > 0


def test_twin_tells_listeners_it_stepped(twin):
    heard = []
    twin.step_listeners.append(lambda: heard.append(twin.week))
    twin.step()
    twin.step()
    assert heard == [1, 2]


def test_twin_stops_at_the_end_of_the_run():
    tw = TwinWorlds(seed=1, place={**TINY, "place.n_weeks": 6})
    while tw.running:
        tw.step()
    assert tw.week == 6 and not any(w.running for w in tw.worlds)
    with pytest.raises(ParameterError, match="finished"):
        tw.change_levers(0, {"results_share": 0.0})


def test_change_levers_applies_from_next_week(twin):
    for _ in range(10):
        twin.step()
    changes = twin.change_levers(0, {"results_share": 0.0, "reporting_burden": 0.5})
    assert changes == ["Share of pay on reported results: 0.3 → 0",
                       "Monitoring and reporting (1 = a typical tender): 1 → 0.5"]
    assert twin.levers(0)["results_share"] == 0.0  # pending, shown as in force from now
    assert twin.worlds[0].levers.procurement.results_share == 0.3  # the switch happens next week
    twin.step()
    w = twin.worlds[0]
    assert w.levers.procurement.results_share == 0.0 and w.levers.practice.reporting_burden == 0.5
    assert w.levers.procurement.contract_length_weeks == 156  # other levers unchanged
    assert twin.worlds[1].levers == plain_model("collaborative", 0).levers
    assert "levers changed" in twin.label(0) and "changed" not in twin.label(1)
    texts = [line.text for line in twin.tickers[0].lines]
    assert any(t.startswith("You changed the levers; from week 10") for t in texts)
    assert any("every contract in force was renewed" in t for t in texts)
    # History before the change is the unchanged world's; after it, it differs.
    for _ in range(15):
        twin.step()
    plain = plain_model("competitive", 26)
    assert_same_history(w, plain, weeks=10)
    assert not np.array_equal(levels(w)["admin_time_share"], levels(plain)["admin_time_share"])
    # A second change works the same way.
    assert twin.change_levers(0, {"results_share": 0.2})
    twin.step()
    assert twin.worlds[0].levers.procurement.results_share == 0.2


def test_change_levers_rejects_invalid_values_and_changes_nothing(twin):
    twin.step()
    with pytest.raises(ParameterError, match="results_share"):
        twin.change_levers(0, {"results_share": 1.5})
    with pytest.raises(ParameterError):
        twin.change_levers(0, {"no_such_lever": 1})
    assert twin.worlds[0].params.switch_week is None
    assert twin.change_levers(1, twin.levers(1)) == []  # nothing to change


def test_restart_world_reruns_it_from_week_zero(twin):
    for _ in range(20):
        twin.step()
    twin.restart_world(1, levers={"lot_domains": 2})
    b = twin.worlds[1]
    assert b.week == 20 and b.levers.procurement.lot_domains == 2 and twin.regimes[1] == "collaborative"
    assert_same_history(b, plain_model("collaborative", 20, lot_domains=2))
    assert_same_history(twin.worlds[0], plain_model("competitive", 20))  # A untouched
    assert twin.tickers[1].lines[-1].text.startswith("World B was run again from week 0")
    twin.restart_world(0, regime="collaborative")
    assert twin.regimes == ["collaborative", "collaborative"]
    assert_same_history(twin.worlds[0], plain_model("collaborative", 20))
    with pytest.raises(ParameterError):
        twin.restart_world(0, regime="anarchy")


def test_follow_a_person_in_both_worlds(twin):
    p = twin.person
    assert twin.worlds[0].people.arrival_week[p] == 0  # someone there from the start
    for _ in range(25):
        twin.step()
    for tr in twin.trackers:
        lines = tr.journey()
        assert lines[0].startswith(f"Person {p} has ")
        assert lines[1] == "Week 0: arrived in the place needing support."
        assert "so far" in lines[-1]
        assert tr.now()
    other = twin.pick_person()
    twin.follow(other)
    assert twin.person == other and all(t.person == other for t in twin.trackers)
    j = twin.trackers[0].journey()
    assert j[0].startswith(f"Person {other} ")
    # The tracker's journey is the one Result.journey tells from the whole log, week
    # after week (it tells events again only when there are new ones).
    for _ in range(3):
        full = hls_sim.Result.from_model(twin.worlds[0]).journey(other)
        j = twin.trackers[0].journey()
        assert j[1:-1] == full[1:-1]
        assert j[-1] == full[-1].replace("went from", "has gone from").replace(
            " over ", " so far, over ")
        for _ in range(7):
            twin.step()


# --- ticker ------------------------------------------------------------------------------


def _org(week, kind, org, detail):
    return (week, kind, np.array([-1]), np.array([org]), np.array([-1]), detail)


def _people(week, kind, persons, org=-1, detail=""):
    n = len(persons)
    return (week, kind, np.asarray(persons), np.full(n, org), np.full(n, -1), detail)


def test_ticker_tells_a_lost_contract_in_words():
    entries = [
        _org(52, "tender_lost", 3, "lost the housing lot in locality 1"),
        _org(52, "tender_won", 3, "won the housing lot in locality 1 against 2 other bidder(s)"),
        _people(52, "lost_practitioner", range(14), org=7,
                detail="made redundant after a lost tender"),
        _org(52, "lot_transferred", 7, "housing lot in locality 1 moved to Organisation 3: "
             "14 people lost their practitioner"),
        (52, "practitioner_left", np.array([-1, -1]), np.array([2, 4]), np.array([9, 31]),
         "left the job"),
        _people(52, "lost_practitioner", [30, 31], org=2, detail="left the job"),
        _people(52, "crisis", [40]),
        _people(52, "warm_handoff", [41, 42]),
        _org(52, "organisation_closed", 5, "Organisation 5 closed with reserves of £-1,234"),
    ]
    lines = describe_week(entries)
    texts = [line.text for line in lines]
    assert ("Organisation 7 lost its contract for the housing lot in locality 1 to "
            "Organisation 3: 14 people lost their practitioner") in texts
    assert "Organisation 5 closed: it ran out of money (reserves £-1,234)" in texts
    # Practitioners leaving are one entry of a row per post (organisation and post).
    assert ("2 practitioners left the job (Organisations 2, 4): 2 people lost their "
            "practitioner" in texts)
    assert "1 person had a crisis" in texts
    assert "2 people were handed on warmly to another service" in texts
    assert ("Organisation 3 won the housing lot in locality 1 after a tender against 2 other "
            "bidders") in texts
    assert all(line.week == 52 for line in lines)
    tones = [line.tone for line in lines]
    assert tones == sorted(tones, key=["bad", "warn", "good", "info"].index)  # worst first


def test_ticker_kept_contract_and_staff_transfer():
    texts = [line.text for line in describe_week([
        _org(104, "tender_won", 1, "won the debt lot in locality 0 against 1 other bidder(s)"),
        _org(104, "lot_transferred", 4, "mental_health lot in locality 0 moved to "
             "Organisation 6: 0 people lost their practitioner"),
    ])]
    assert "Organisation 1 kept the debt lot in locality 0 after a tender against 1 other " \
           "bidder" in texts
    assert ("Organisation 4 lost its contract for the mental health lot in locality 0 to "
            "Organisation 6: its staff moved with the work, so nobody lost their "
            "practitioner") in texts  # need domains in words, not identifiers
    assert [line.text for line in describe_week([_org(
        5, "tender_won", 2, "won the debt lot in locality 1 against 0 other bidder(s)")])] == [
        "Organisation 2 kept the debt lot in locality 1 after a tender that nobody else bid for"]
    assert describe_week([]) == []
    assert describe_week([_people(3, "arrived", [1])]) == [
        TickerLine(3, "1 person arrived needing support", "info")]


def test_ticker_tells_issue_13s_events():
    texts = [line.text for line in describe_week([
        _org(60, "review_failed", 4, "housing lot in locality 1 to be re-let: the review "
             "found its practice weak (seen 0.84)"),
        _org(60, "entered_market", 12, "Organisation 12 entered the market"),
        _org(60, "left_market", 6, "Organisation 6 left the market after 52 weeks without a "
             "commissioned contract"),
        _org(60, "partnership_dispute", -1, "the partnership fell out"),
        _org(60, "organisation_closed", 2, "Organisation 2 closed with reserves of £-10"),
        _org(60, "emergency_award", 5, "took over the debt lot in locality 0 when "
             "Organisation 2 closed"),
        _org(60, "lot_transferred", 2, "debt lot in locality 0 moved to Organisation 5: "
             "3 people lost their practitioner"),
    ])]
    assert ("A review found Organisation 4's practice on the housing lot in locality 1 weak "
            "(it looked 0.84 of an average provider's): the lot goes to tender") in texts
    assert ("A new provider, Organisation 12, entered the market to bid for work, with its "
            "own way of working") in texts
    assert ("Organisation 6 left the market after 52 weeks without a commissioned contract"
            in texts)
    assert any(t.startswith("The partnership fell out") for t in texts)
    assert ("The debt lot in locality 0 passed from Organisation 2 to Organisation 5 "
            "without a tender: 3 people lost their practitioner") in texts
    assert ("Organisation 5 took over the debt lot in locality 0 when Organisation 2 closed, "
            "without a tender (an emergency award)") in texts
    texts = [line.text for line in describe_week([
        _org(208, "direct_award", 7, "was given the mental_health lot in locality 4 without "
             "competition: nobody bid at its tender"),
        _org(208, "lot_transferred", 3, "mental_health lot in locality 4 moved to "
             "Organisation 7: 2 people lost their practitioner"),
    ])]
    assert ("Nobody bid for the mental health lot in locality 4: Organisation 7 was given it "
            "without competition") in texts
    assert ("The mental health lot in locality 4 passed from Organisation 3 to Organisation 7 "
            "without a tender: 2 people lost their practitioner") in texts


def test_ticker_has_words_for_every_event_an_organisation_can_log():
    """Any org_event the model logs, now or later, gets a line (so a new mechanism's
    event cannot slip past the room unseen); tender_lost is told by the winner's line."""
    import re

    root = Path(hls_sim.__file__).parent
    kinds = set()
    for path in root.rglob("*.py"):
        kinds |= set(re.findall(r'org_event\([^,]+,\s*"(\w+)"', path.read_text()))
    assert {"review_failed", "entered_market", "left_market", "partnership_dispute",
            "emergency_award", "tender_won", "lot_transferred"} <= kinds
    for kind in sorted(kinds - {"tender_lost"}):
        lines = describe_week([_org(9, kind, 3, "housing lot in locality 0 happened")])
        assert lines and all(line.week == 9 for line in lines), kind


def test_ticker_reads_each_week_once_from_a_real_run():
    m = hls_sim.HLSModel({**TINY, "regime": "competitive"}, seed=2)
    ticker = Ticker(m)
    weeks_told = []
    for _ in range(60):  # the first contracts end at week 52: tenders
        m.step()
        new = ticker.update()
        weeks_told += sorted({line.week for line in new})
        assert all(line.week == m.week - 1 for line in new)
    assert weeks_told == sorted(set(weeks_told))  # no week told twice
    texts = [line.text for line in ticker.lines]
    assert any("lost its contract" in t or "kept the" in t for t in texts)
    assert any(t.endswith("had a crisis") for t in texts)
    recent = ticker.recent(10)
    assert len(recent) == 10 and recent[0].week == 59
    assert [line.week for line in recent] == sorted((line.week for line in recent),
                                                     reverse=True)


# --- network ----------------------------------------------------------------------------


def test_network_samples_the_same_present_people_in_both_worlds(twin):
    twin.step()
    samples = [network.sample_people(w, twin.person_order, k=25) for w in twin.worlds]
    np.testing.assert_array_equal(samples[0], samples[1])  # week 1: same people present
    for _ in range(30):
        twin.step()
    for w in twin.worlds:
        s = network.sample_people(w, twin.person_order, k=25, always=(twin.person,))
        assert 0 < len(s) <= 26 and len(set(s.tolist())) == len(s)
        assert all(w.person_agents[i] is not None for i in s)  # present: a Mesa agent
        present = [i for i in twin.person_order if w.person_agents[i] is not None]
        assert s[:25].tolist() == present[:25]  # the first present, in the twin's order


def test_network_graph_is_built_from_the_mesa_agents(twin):
    for _ in range(40):
        twin.step()
    for i, w in enumerate(twin.worlds):
        s = network.sample_people(w, twin.person_order, always=(twin.person,))
        g = network.build_graph(w, s, twin.week_entries[i], twin.person)
        kinds = [d["kind"] for _, d in g.nodes(data=True)]
        assert kinds.count("organisation") == len(w.organisations)
        assert kinds.count("practitioner") == len(w.practitioners)
        assert kinds.count("person") == len(s)
        for a, b, d in g.edges(data=True):
            if d["kind"] == "relationship":
                person, prac = (a, b) if a.startswith("h") else (b, a)
                agent = w.person_agents[int(person[1:])]
                assert agent.practitioner.post == int(prac[1:])
                assert d["weight"] == pytest.approx(agent.relationship)
            elif d["kind"] == "trust":
                oa, ob = int(a[1:]), int(b[1:])
                assert w.providers.trust[oa, ob] >= w.params.support.warm_trust
                assert w.orgs[oa].active and w.orgs[ob].active
        assert g.nodes[f"h{twin.person}"].get("followed") if f"h{twin.person}" in g else True
        opt = network.graph_option(g, twin.label(i))
        series = opt["series"][0]
        assert len(series["data"]) == g.number_of_nodes()
        assert len(series["links"]) == g.number_of_edges()
        assert {n["category"] for n in series["data"]} <= set(range(len(network.CATEGORIES)))
        assert "of" in network.caption(g, w)
    # Collaboration builds trust: World B has more ties (above 0.35) by now than World A.
    ties = [sum(d["kind"] == "trust" for _, _, d in network.build_graph(
        w, np.array([], int), trust_threshold=0.35).edges(data=True)) for w in twin.worlds]
    assert ties[1] > ties[0]


def test_network_highlights_people_who_lost_their_practitioner(twin):
    w = twin.worlds[0]
    for _ in range(5):
        twin.step()
    s = network.sample_people(w, twin.person_order)
    victim = int(s[0])
    entries = [_people(w.week - 1, "lost_practitioner", [victim], org=0, detail="left the job")]
    g = network.build_graph(w, s, entries)
    assert g.nodes[f"h{victim}"]["category"] == "Lost practitioner or service this week"


# --- charts and controls ---------------------------------------------------------------------


def test_every_chart_shows_both_worlds(twin):
    for _ in range(20):
        twin.step()
    keys = {c.key for c in charts.CHARTS}
    assert {"wellbeing", "unmet", "waiting", "crises", "continuity", "turnover", "stress",
            "orgs", "trust", "learning", "success"} <= keys
    for c in charts.CHARTS:
        opt = charts.line_option(c, twin)
        assert len(opt["series"]) == 2 * len(c.lines)
        colours = {s["lineStyle"]["color"] for s in opt["series"]}
        assert colours == set(charts.WORLD_COLOURS)
        for s in opt["series"]:
            assert len(s["data"]) == 20
    # Points are kept from week to week (past weeks never change): the same as drawing
    # the whole history afresh, after more weeks and after a world is run again.
    for _ in range(2):
        for _ in range(7):
            twin.step()
        for c in charts.CHARTS:
            for j, (measure, _) in enumerate(c.lines):
                for i, w in enumerate(twin.worlds):
                    drawn = charts.line_option(c, twin)["series"][i * len(c.lines) + j]["data"]
                    assert drawn == charts._points(charts.values(w, measure), c.decimals)
        twin.restart_world(1, "competitive")
    ts = hls_sim.Result.from_model(twin.worlds[0]).timeseries
    for measure in ("practitioner_turnover_annual", "reported_success_rate", "wellbeing_mean"):
        np.testing.assert_allclose(charts.values(twin.worlds[0], measure),
                                   ts[measure].to_numpy(), equal_nan=True)
    spend = charts.spend_option(twin)
    assert len(spend["series"]) == 6 and all(len(s["data"]) == 2 for s in spend["series"])
    assert charts.headline(twin.worlds[1])["Organisations"] == "8"


def test_controls_cover_every_lever_with_a_tooltip():
    # Every lever has a control, except whether services are commissioned at all (the
    # no-service world is chosen as a regime, not switched on mid-run).
    assert {c.field for c in LEVERS} == set(LEVER_GROUP_OF) - {"commission_services"}
    for c in LEVERS + PLACE:
        assert c.label and len(c.tooltip) > 20, c.name
    for regime in REGIMES:  # competitive, collaborative and no_service
        lv = preset_levers(regime)
        for c in LEVERS:
            if c.kind in ("int", "float"):
                assert c.min <= lv[c.field] <= c.max, (regime, c.name)
    over = place_overrides({**place_defaults(), "place.n_practitioners": 60})
    assert over["money.budget_per_week"] == 60 * BUDGET_PER_POST
    assert describe_changes({"award": "price_quality"}, {"award": "partnership"}) == [
        "How contracts are re-let: tender on price and quality → renew the partnership on "
        "review"]


def test_levers_come_in_the_two_named_groups():
    assert tuple(GROUP_TITLES) == tuple(LEVER_GROUPS) == ("procurement", "practice")
    for group, cls in LEVER_GROUPS.items():
        assert {c.field for c in levers_of(group)} == set(cls.model_fields) - {
            "commission_services"}
    # Shown procurement first, then practice, so each group reads as one block.
    assert [c.group for c in LEVERS] == sorted((c.group for c in LEVERS),
                                               key=list(GROUP_TITLES).index)
    # Issue 13's levers say in plain words what they do, beyond the parameter's definition.
    for name in ("quality_observability", "savings_use", "review_rigour",
                 "review_threshold", "break_clause_weeks", "backbone_share", "award"):
        c = next(c for c in LEVERS if c.field == name)
        assert c.note and c.tooltip.endswith(c.note), name
    award = next(c for c in LEVERS if c.field == "award")
    assert "alliance" in award.options and "alliance" in award.option_labels


@pytest.mark.parametrize("name, procurement, practice", [
    ("relational_tender", "competitive", "collaborative"),
    ("partnership_conventional_practice", "collaborative", "competitive"),
])
def test_filling_one_group_from_a_preset_gives_the_shipped_mixed_options(
        name, procurement, practice):
    shipped = scenarios.load(scenarios.SHIPPED_DIR / f"{name}.yaml").params
    mixed = fill_group(preset_levers(procurement), "practice", practice)
    assert mixed == flat_levers(shipped.levers)
    # The other way round: start from the practice preset, fill procurement.
    assert fill_group(preset_levers(practice), "procurement", procurement) == mixed


def test_a_world_can_be_the_no_service_world():
    tw = TwinWorlds(seed=3, world_a="no_service", place=TINY)
    assert tw.label(0) == "World A: no service" and not tw.commissions(0)
    for _ in range(10):
        tw.step()
    assert len(tw.worlds[0].contracts) == 0 and tw.worlds[0].ledger["direct"] == 0
    assert_same_history(tw.worlds[0], tw.counterfactual)  # it is the counterfactual
    assert tw.value_added(0) is None
    assert lots.lot_map_option(tw.worlds[0], tw.lot_trackers[0]) is None
    assert charts.value_added_text(None, False, 10) == {
        charts.VALUE_ADDED_ROWS[0]: "this is the no-service world"}
    # Commissioning cannot be switched on or off mid-run: there are no contracts to renew.
    with pytest.raises(ParameterError, match="Run again from week 0"):
        tw.change_levers(0, {"results_share": 0.0})
    with pytest.raises(ParameterError, match="Run again from week 0"):
        tw.change_levers(1, {"commission_services": False})
    assert tw.worlds[1].params.switch_week is None
    tw.restart_world(0, "competitive")
    assert tw.commissions(0) and tw.label(0) == "World A: competitive"
    assert_same_history(tw.worlds[0], plain_model("competitive", 10))
    tw.restart_world(1, "no_service")
    assert tw.tickers[1].lines[-1].text == "World B was run again from week 0 as no service"


def test_value_added_is_each_world_against_the_same_people_without_services(twin):
    assert twin.value_added(0) is None  # nothing to compare at week 0
    for _ in range(60):
        twin.step()
    base = plain_model("no_service", 60)
    assert_same_history(twin.counterfactual, base)
    for i, regime in enumerate(("competitive", "collaborative")):
        world = plain_model(regime, 60)
        va = twin.value_added(i)
        seen = np.isfinite(world.people.wellbeing_h52) & np.isfinite(base.people.wellbeing_h52)
        assert va["people_52"] == seen.sum() > 0
        assert va["wellbeing_52"] == pytest.approx(
            (world.people.wellbeing_h52[seen] - base.people.wellbeing_h52[seen]).mean())
        assert va["wellbeing_now"] == pytest.approx(
            world.recorder.levels["wellbeing_mean"][59] - base.recorder.levels["wellbeing_mean"][59])
        assert va["crises"] == (world.recorder.counts["crises"][:60].sum()
                                - base.recorder.counts["crises"][:60].sum())
        text = charts.value_added_text(va, True, 60)
        assert text[charts.VALUE_ADDED_ROWS[0]].endswith(f"({seen.sum():,} people)")
    # Commissioned support helps the same people more than no support at all.
    assert twin.value_added(1)["wellbeing_52"] > 0


# --- the money panel -----------------------------------------------------------------------


def _appraised_by_the_engine(weeks: int):
    """The economic case of plain runs (competitive, collaborative, no service) by the
    appraisal engine that the report uses: the reference for the money panel."""
    import pandas as pd

    from hls_sim.appraisal import economic_case

    frames = []
    for regime in ("no_service", "competitive", "collaborative"):
        ts = hls_sim.result.Result.from_model(plain_model(regime, weeks)).timeseries
        frames.append(ts.assign(scenario=regime, replicate=0, seed=3))
    return economic_case(pd.concat(frames, ignore_index=True), baseline="no_service")


def test_money_panel_is_the_engines_economic_case_of_each_world(twin):
    assert twin.economic_case() is None  # nothing run yet
    for _ in range(60):
        twin.step()
    case = twin.economic_case()
    assert case.weeks == 52  # the last quarter reached (weeks 0-51: one appraisal year)
    ref = _appraised_by_the_engine(52)
    figures = ref.figures[ref.figures["comparator"] == "no_service"].set_index(
        ["option", "figure"])["mean"]
    for world, regime in zip(case.worlds, ("competitive", "collaborative"), strict=True):
        assert world.npv == pytest.approx(figures[(regime, "npv")])
        assert world.bcr == pytest.approx(figures[(regime, "bcr")])
        assert world.cost_per_wellby == pytest.approx(figures[(regime, "cost_per_wellby")])
        assert world.cost == pytest.approx(figures[(regime, "cost")])
        assert sum(world.avoided.values()) == pytest.approx(figures[(regime, "avoided")])
        assert world.wellbys == pytest.approx(figures[(regime, "wellbys")])
        assert world.crises_avoided == pytest.approx(figures[(regime, "crises_avoided")])
        # Who pays and who benefits adds up to the net present value, as in the report.
        payers = ref.payers[ref.payers["option"] == regime].set_index("payer")["net"]
        assert world.avoided["NHS"] == pytest.approx(payers["NHS"])
        assert world.wellby_value == pytest.approx(payers["residents"])
        assert payers.sum() == pytest.approx(world.npv)
    rows = dict(money.payer_rows(case, [True, True]))
    assert rows["Net present value"] == [money.money(w.npv, signed=True) for w in case.worlds]
    assert rows["The council (pays for the service)"][0].startswith("-£")
    texts = money.figure_texts(case.worlds[1], True)
    assert set(texts) == set(money.FIGURE_ROWS)
    basis = money.basis_text(case, twin.n_weeks)
    assert "weeks 0-51" in basis and "2024 prices" in basis and "no interval" in basis


def test_money_panel_is_worked_out_once_a_quarter_and_for_each_new_world(twin):
    for _ in range(14):
        twin.step()
    first = twin.economic_case()
    assert first.weeks == 13
    for _ in range(12):  # weeks 15-26: the same quarter, the same case (no work)
        assert twin.economic_case() is first
        twin.step()
    assert twin.economic_case().weeks == 26
    second = twin.economic_case()
    # World A run again from week 0 as the no-service world: a new case, A is the baseline.
    twin.restart_world(0, "no_service")
    third = twin.economic_case()
    assert third is not second and third.weeks == 26
    assert third.worlds[0] is None and third.worlds[1] == second.worlds[1]
    assert money.figure_texts(None, False) == {money.FIGURE_ROWS[0]:
                                               "this is the no-service world"}
    assert money.payer_rows(third, [False, True])[0][1][0] == "baseline"
    # To the end of the run (80 weeks): the whole run, not the last quarter.
    while twin.running:
        twin.step()
    assert twin.economic_case().weeks == 80 == twin.n_weeks
    assert "the whole run" in money.basis_text(twin.economic_case(), twin.n_weeks)


def test_money_panel_follows_the_places_appraisal_settings():
    """A council's own settings (here a WELLBY worth twice as much and a one-year
    appraisal period) change the panel as they change the report."""
    base = TwinWorlds(seed=3, place=TINY)
    own = TwinWorlds(seed=3, place={**TINY, "appraisal.wellby_value": 26000.0,
                                    "appraisal.wellby_value_high": 30000.0,
                                    "appraisal.appraisal_years": 1})
    for _ in range(66):
        base.step()
        own.step()
    a, b = base.economic_case(), own.economic_case()
    assert (a.weeks, b.weeks) == (65, 52)  # 65: the quarter reached; 52: the period
    short = TwinWorlds(seed=3, place=TINY)
    for _ in range(52):
        short.step()
    ref = short.economic_case()
    for w, r in zip(b.worlds, ref.worlds, strict=True):
        assert w.wellby_value == pytest.approx(2 * r.wellby_value)
        assert w.cost == pytest.approx(r.cost)


# --- providers and lots ------------------------------------------------------------------

# Reviews that fail often (rigorous, with any partner below average failing), break
# reviews every quarter and an entrant at every tender: every kind of lot event happens
# within TINY's 80 weeks.
TURBULENT = {"regime": "collaborative", "procurement.review_rigour": 1.0,
             "procurement.review_threshold": 0.0, "procurement.break_clause_weeks": 13,
             "market.entry_per_tender": 1.0, "learning.dispute_per_year": 1.0}


@pytest.mark.parametrize("scenario", [TURBULENT, {"regime": "competitive"}],
                         ids=["turbulent_partnership", "competitive"])
def test_lot_tracker_reads_every_lot_event_from_a_real_run(scenario):
    m = hls_sim.HLSModel({**TINY, **scenario}, seed=3)
    tracker = LotTracker(m)
    for _ in range(80):
        m.step()
        new = tracker.update()
        assert all(e.week == m.week - 1 for e in new)  # each week read once, as it ends
    kinds = [e.kind for e in tracker.events]
    t, prov = m.tally, m.providers
    # A lot let without competition (nobody bid) may or may not change hands.
    assert kinds.count("moved") + kinds.count("emergency") <= t.lots_moved_total <= \
        kinds.count("moved") + kinds.count("emergency") + kinds.count("direct")
    assert t.lots_moved_total > 0 and kinds.count("direct") == t.direct_awards_total
    assert kinds.count("review_failed") == t.reviews_failed_total
    assert kinds.count("entered") == t.entrants_total > 0
    assert kinds.count("left") == np.count_nonzero(prov.entered & ~prov.active)
    assert kinds.count("kept") + kinds.count("moved") == \
        t.tenders_total - kinds.count("ended") - kinds.count("direct")
    for e in tracker.events:
        if e.kind in ("moved", "kept", "emergency", "review_failed"):
            assert 0 <= e.lot < len(m.contracts)
    if scenario is TURBULENT:
        assert t.reviews_failed_total > 0
    # The ticker tells the same events in words.
    ticker = Ticker(hls_sim.HLSModel({**TINY, **scenario}, seed=3))
    for _ in range(80):
        ticker.model.step()
        ticker.update()
    texts = " ".join(line.text for line in ticker.lines)
    assert texts.count("entered the market to bid for work") == t.entrants_total
    if scenario is TURBULENT:
        assert texts.count("practice on the") == t.reviews_failed_total
        assert texts.count("The partnership fell out") == t.disputes_total > 0


def test_lot_map_colours_each_lot_by_its_holders_practice():
    m = hls_sim.HLSModel({**TINY, **TURBULENT}, seed=3)
    tracker = LotTracker(m)
    for _ in range(70):
        m.step()
        tracker.update()
    opt = lots.lot_map_option(m, tracker)
    cells = opt["series"][0]["data"]
    assert len(cells) == len(m.contracts) == TINY["place.n_localities"] * 6
    lo, hi = lots.PERFORMANCE_RANGE
    assert opt["visualMap"]["min"] == lo < 1 < hi == opt["visualMap"]["max"]
    for c, cell in zip(m.contracts, cells, strict=True):
        x, y, value = cell["value"]
        assert (x, y) == (c.lead_domain, c.locality)
        if c.active:
            assert value == round(float(m.providers.performance[c.org]), 2)
            assert cell["label"]["formatter"].split("\n")[0] == str(c.org)
            assert f"Organisation {c.org}" in cell["name"]
        else:
            assert value == "-"  # an empty cell: nobody holds it
        recent = tracker.recent(c.index)
        for e in recent:
            assert lots.MARKS[e.kind][0] in cell["label"]["formatter"]
            assert f"week {e.week}: {e.text}" in cell["name"]
        assert all(e.week >= m.week - lots.MARK_WEEKS for e in recent)
    assert any(tracker.recent(c.index) for c in m.contracts)
    assert "all six needs" in cells[0]["name"]  # a whole-person partnership lot


def test_performance_chart_shows_both_worlds_with_lot_events_marked(twin):
    for _ in range(60):  # the first tenders are in week 52
        twin.step()
    opt = lots.performance_option(twin, charts.WORLD_COLOURS)
    lines = [s for s in opt["series"] if s["type"] == "line"]
    assert len(lines) == 2
    for i, s in enumerate(lines):
        level = twin.worlds[i].recorder.levels["provider_performance"][:60]
        np.testing.assert_allclose([v for _, v in s["data"]], np.round(level, 3))
    marked = [s for s in opt["series"] if s["type"] == "scatter"]
    events = twin.lot_trackers[0].events
    charted = {(e.week, e.kind) for e in events if lots.MARKS[e.kind][2]}
    assert charted and len(marked[0]["data"]) == len(charted)
    for item in marked[0]["data"]:
        week, y = item["value"]
        assert y == pytest.approx(lines[0]["data"][week][1])


@pytest.mark.filterwarnings("ignore:.*found despite early return:UserWarning")  # Mesa's
def test_page_renders_and_redraws_on_the_server():
    """The whole main area, rendered in-process (no browser): a step redraws it."""
    import solara
    from mesa.visualization.utils import force_update

    from hls_sim.dashboard import app
    from hls_sim.dashboard.figure import EchartsFigure

    tw = TwinWorlds(seed=2, place=TINY)
    box, rc = solara.render(app.Dashboard(solara.reactive(tw)), handle_error=False)
    try:
        def text() -> str:
            return " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)

        assert "Week 0 of 80" in text()
        for _ in range(3):
            tw.step()
            force_update()  # what SolaraViz does after a step
        shown = text()
        assert "Week 3 of 80" in shown
        assert "What just happened" in shown and f"Person {tw.person} has" in shown
        # Eleven line charts, spend, providers' practice, two lot maps, two networks.
        assert len(rc.find(EchartsFigure).widgets) == len(charts.CHARTS) + 1 + 1 + 2 + 2
        assert "Money: is it worth it?" in shown
        assert f"worked out every {money.APPRAISAL_EVERY} weeks" in shown
        for _ in range(money.APPRAISAL_EVERY - 3):
            tw.step()
            force_update()
        shown = text()
        case = tw.economic_case()
        assert case.weeks == money.APPRAISAL_EVERY
        assert f"As of week {money.APPRAISAL_EVERY}" in shown
        for world in case.worlds:  # each world's net present value, formatted
            assert html.escape(money.money(world.npv, signed=True)) in shown
        assert "Who pays (-) and who benefits (+)" in shown
        assert "What is and is not counted" in shown and "Not counted" in shown
    finally:
        rc.close()


# --- the page in a real browser ---------------------------------------------------------------

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; "
           ".ci/run does this) to run the dashboard in a real browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_LOG: list[Path] = []  # the running server's log, quoted when a browser test fails


def _server_log_tail() -> str:
    return SERVER_LOG[0].read_text(errors="replace")[-3000:] if SERVER_LOG else ""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``hls_sim.dashboard.serve`` in a child process on a free port. Its output goes to a
    file, not a pipe: nobody reads a pipe while the tests run, so a chatty server would
    block once it had written 64 KB; the file is quoted when a browser test fails."""
    from hls_sim.dashboard.assets import ensure_assets

    missing = ensure_assets(quiet=True)
    assert not missing, f"the page's JavaScript could not be fetched with npm: {missing}"
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    SERVER_LOG[:] = [log]
    code = f"from hls_sim.dashboard import serve; serve(host='127.0.0.1', port={port})"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=out,
                                stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"dashboard server did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)
    yield url
    proc.send_signal(signal.SIGTERM)  # serve() stops its Solara server and returns
    try:
        assert proc.wait(timeout=20) == 0, log.read_text(errors="replace")[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    with socket.socket() as s:  # the Solara child went too: the port is free again
        assert s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        pg = browser.new_page(viewport={"width": 1600, "height": 1200})
        pg.set_default_timeout(WAIT)  # clicks, reads and waits without a timeout of their own
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
              if r.status >= 400 else None)  # e.g. a script the page could not load
        pg.goto(server)
        pg.wait_for_selector(".hls-week", timeout=90_000)
        pg.errors = errors
        yield pg
        browser.close()


# Waits are for conditions on the page, never for a fixed time: on a busy machine the
# server's redraw and the browser's drawing can each take seconds, and on a quiet one a
# fixed wait is time lost. Timeouts are generous because they cost nothing when met.
WAIT = 60_000


def _pause(pg) -> None:
    """Press ❚❚ and wait until the ▶ button is back. The button toggles, so it is pressed
    again only if ❚❚ still shows after a long wait: on a busy machine the server may take
    many seconds to finish the step under way and redraw every view before the button
    changes (seen in CI), and a second press too soon would start the world again."""
    for _ in range(2):
        pause = pg.get_by_role("button", name="❚❚")
        if pause.count():
            pause.click()
        try:
            pg.get_by_role("button", name="▶").wait_for(timeout=2 * WAIT)
            return
        except Exception:  # playwright's TimeoutError: still playing, press once more
            continue
    raise AssertionError("the world kept playing: ▶ never came back after pressing ❚❚; "
                         f"the server's log ends:\n{_server_log_tail()}")


def _week(pg) -> int:
    """The week the page has drawn (the marker drawn last in each redraw)."""
    return int(pg.locator(".hls-drawn").get_attribute("data-week"))


def _step(pg, week: int) -> None:
    pg.get_by_role("button", name="Step").click()
    pg.wait_for_selector(f'.hls-drawn[data-week="{week}"]', state="attached", timeout=WAIT)


def _step_on(pg) -> int:
    """Press Step once; the week the page reaches (however many weeks a step runs)."""
    before = _week(pg)
    pg.get_by_role("button", name="Step").click()
    pg.wait_for_function(
        "w => { const d = document.querySelector('.hls-drawn'); "
        "return d !== null && +d.dataset.week > w; }", arg=before, timeout=WAIT)
    return _week(pg)


def _canvas(pg, selector: str) -> str:
    pg.wait_for_selector(f"{selector} canvas", state="attached", timeout=WAIT)
    return pg.eval_on_selector(f"{selector} canvas", "c => c.toDataURL()")


def _canvas_changes(pg, selector: str, before: str) -> None:
    """Wait until the chart in ``selector`` is drawn differently from ``before`` (the
    browser draws a chart after the server has sent it)."""
    pg.wait_for_function(
        "([sel, old]) => { const c = document.querySelector(sel + ' canvas'); "
        "return c !== null && c.toDataURL() !== old; }", arg=[selector, before], timeout=WAIT)


def _drawn(pg) -> None:
    """Two animation frames: whatever the charts were given is on the canvas."""
    pg.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


@needs_chromium
def test_browser_shows_both_worlds_and_every_chart(page):
    legend = page.locator(".hls-legend").inner_text()
    assert "World A" in legend and "competitive" in legend
    assert "World B" in legend and "collaborative" in legend
    assert "Week 0 of 260" in page.locator(".hls-week").inner_text()
    for key in [c.key for c in charts.CHARTS] + ["spend", "performance"]:
        page.wait_for_selector(f".hls-chart-{key} canvas", state="attached", timeout=WAIT)
    for side in "ab":
        page.wait_for_selector(f".hls-network-{side} canvas", state="attached", timeout=WAIT)
        page.wait_for_selector(f".hls-lots-{side} canvas", state="attached", timeout=WAIT)
        assert page.locator(f".hls-ticker-{side}").count() == 1
        assert page.locator(f".hls-journey-{side}").inner_text().startswith("Person ")
    figures = page.locator(".hls-figures").inner_text()
    assert "Added over no commissioned support" in figures
    assert "Marks, over the last 26 weeks" in page.locator(".hls-marks").inner_text()
    for name in ("Reset", "Step"):
        assert page.get_by_role("button", name=name).count() == 1
    assert page.locator(".hls-control-n_people").count() == 1  # the place card


@needs_chromium
def test_browser_step_and_change_a_lever(page):
    before = {k: _canvas(page, f".hls-chart-{k}") for k in ("wellbeing", "waiting", "spend",
                                                             "performance")}
    net_before = _canvas(page, ".hls-network-a")
    ticker_before = page.locator(".hls-ticker-a").inner_text()
    for week in (1, 2, 3):
        _step(page, week)
    assert "Week 3 of 260" in page.locator(".hls-week").inner_text()
    figures = page.locator(".hls-figures").inner_text()
    assert "Providers' practice (1 = average)" in figures
    assert "Wellbeing of everyone this week\t+" in figures  # both worlds add to no service
    assert "from week 52" in figures  # nobody has been in the place a year yet
    for k, img in before.items():
        _canvas_changes(page, f".hls-chart-{k}", img)
    _canvas_changes(page, ".hls-network-a", net_before)
    ticker = page.locator(".hls-ticker-a").inner_text()
    assert ticker != ticker_before and "Week 2" in ticker
    money_text = page.locator(".hls-money").inner_text()
    assert f"worked out every {money.APPRAISAL_EVERY} weeks" in money_text

    # Change a lever of World A: no pay on results, from next week.
    page.locator(".hls-show-levers").click()
    slider = page.locator(".hls-levers-a .hls-control-results_share [role=slider]")
    slider.focus()
    slider.press("Home")
    page.wait_for_function(
        "() => document.querySelector('.hls-levers-a .hls-control-results_share')"
        ".innerText.includes(': 0\\n') || document.querySelector("
        "'.hls-levers-a .hls-control-results_share').innerText.trim().endsWith(': 0')")
    page.locator(".hls-apply-a").click()
    message = page.locator(".hls-levers-a .v-alert")
    message.wait_for(timeout=WAIT)
    assert "Applies from next week: Share of pay on reported results: 0.3 → 0" in \
        message.inner_text(), page.locator(".hls-levers-a").inner_text()
    _step(page, 4)
    ticker = page.locator(".hls-ticker-a").inner_text()
    assert "You changed the levers; from week 3" in ticker
    assert "every contract in force was renewed on the new terms" in ticker
    assert "levers changed" in page.locator(".hls-legend").inner_text()
    assert "You changed" not in page.locator(".hls-ticker-b").inner_text()

    # Mesa's render interval: one Step runs many weeks (for a picture with some history).
    slider = page.locator(".v-input", has_text="Render Interval").locator("[role=slider]")
    slider.focus()
    slider.press("Home")
    for _ in range(25):
        slider.press("ArrowRight")
    page.wait_for_function("el => +el.getAttribute('aria-valuenow') > 20",
                           arg=slider.element_handle(), timeout=WAIT)
    # The slider's value reaches the server as the keys are pressed; a Step pressed
    # before the last of them arrives runs fewer weeks: step until a step runs many.
    week = 4
    for _ in range(5):
        now = _step_on(page)
        jump, week = now - week, now
        if jump > 1:
            break
    assert jump > 1, "a Step ran one week with a render interval above 20"
    assert f"Week {week} of 260" in page.locator(".hls-week").inner_text()
    slider.focus()
    slider.press("Home")  # back to one week a step

    # The money panel: each world's economic case against no service, as of a quarter.
    quarter = money.as_of(week, 260)
    page.wait_for_selector(f'.hls-money-asof[data-weeks="{quarter}"]', state="attached",
                           timeout=WAIT)
    money_text = page.locator(".hls-money").inner_text()
    for words in (f"As of week {quarter}", "Net present value", "Benefit-cost ratio",
                  "Net public cost per WELLBY", "Who pays (-) and who benefits (+)",
                  "The council (pays for the service)", "Residents (wellbeing",
                  "What is and is not counted"):
        assert words in money_text, (words, money_text)
    page.locator(".hls-counted summary").click()  # what is counted, opened
    page.locator(".hls-counted", has_text="Not counted.").wait_for(timeout=WAIT)

    page.locator(".hls-show-levers").click()  # hide the levers again for the picture
    page.wait_for_selector(".hls-levers-a", state="detached", timeout=WAIT)
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 3400})
    _drawn(page)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 50_000
    assert not page.errors, page.errors


@needs_chromium
def test_browser_play_pause_and_reset_with_another_place(page):
    def week() -> int:
        return _week(page)

    start = week()
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(  # (the marker is redrawn each week: read it when it is there)
        "() => { const d = document.querySelector('.hls-drawn'); "
        f"return d !== null && +d.dataset.week >= {start + 3}; }}", timeout=WAIT)
    _pause(page)
    # Paused: the ▶ button is back. A step already under way when ❚❚ was pressed may
    # still land; after it, the week holds still for longer than several play ticks
    # (150 ms each; a step at this size takes well under a second even when busy).
    paused, still_since = week(), time.monotonic()
    deadline = still_since + 60
    while time.monotonic() - still_since < 2.0 and time.monotonic() < deadline:
        page.wait_for_timeout(250)  # a poll, not a wait for something to happen
        if week() != paused:
            paused, still_since = week(), time.monotonic()
    assert week() == paused > start

    # Run World B again from week 0 (with its own levers): it catches up to this week.
    page.locator(".hls-show-levers").click()
    page.locator(".hls-restart-b").click()
    message = page.locator(".hls-levers-b .v-alert")
    message.wait_for(timeout=WAIT)
    assert f"World B ran again from week 0 as collaborative to week {paused}" in \
        message.inner_text()
    page.wait_for_function(
        "() => document.querySelector('.hls-ticker-b').innerText"
        ".includes('World B was run again from week 0')", timeout=WAIT)
    assert week() == paused

    # A shorter run for the place (applies at Reset), then Reset: both worlds rebuilt.
    slider = page.locator(".hls-control-n_weeks [role=slider]")
    slider.focus()
    slider.press("Home")
    page.wait_for_function(
        "() => document.querySelector('.hls-control-n_weeks').innerText.includes(': 52')")
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function(
        "() => document.querySelector('.hls-week').innerText.includes('Week 0 of 52')",
        timeout=WAIT)
    assert "levers changed" not in page.locator(".hls-legend").inner_text()
    # A new twin: the old world's message goes with it.
    page.wait_for_function("() => !document.querySelector('.hls-levers-b .v-alert')",
                           timeout=WAIT)
    page.locator(".hls-show-levers").click()
    _step(page, 1)
    assert "Week 1 of 52" in page.locator(".hls-week").inner_text()
    assert not page.errors, page.errors


@needs_chromium
def test_browser_levers_in_groups_and_a_no_service_world(page):
    """The lever cards show both groups; World A becomes the no-service world (run from
    week 0), and the page says so everywhere; World B takes its practice from the
    competitive preset (a partnership run with conventional practice) from next week."""
    if not page.locator(".hls-levers-a").count():
        page.locator(".hls-show-levers").click()
    card_a = page.locator(".hls-levers-a")
    page.locator(".hls-levers-a .hls-group-practice", has_text="how the work is done") \
        .wait_for(timeout=WAIT)
    page.locator(".hls-levers-a .hls-control-episode_limit_weeks",
                 has_text="Longest support episode").wait_for(timeout=WAIT)
    text = card_a.inner_text()
    assert "Procurement: how the money is let and paid" in text
    assert "Practice: how the work is done" in text
    assert text.index("Procurement:") < text.index("How hard partnership reviews look") \
        < text.index("Practice:") < text.index("Longest support episode")

    # A lever's tooltip says in plain words what it does.
    page.locator(".hls-levers-a .hls-control-review_rigour").hover()
    tip = page.locator(".v-tooltip .v-overlay__content, .v-tooltip__content",
                       has_text="soft review")
    tip.first.wait_for(timeout=WAIT)
    page.mouse.move(0, 0)

    # World A becomes the no-service world.
    page.locator(".hls-preset-a .v-select").click()
    page.get_by_role("option", name="no service").click()
    page.wait_for_selector(".hls-levers-a .hls-no-service-note", timeout=WAIT)
    assert page.locator(".hls-apply-a").is_disabled()
    page.locator(".hls-restart-a").click()
    message = page.locator(".hls-levers-a .v-alert")
    message.wait_for(timeout=WAIT)
    assert "World A ran again from week 0 as no service" in message.inner_text()
    page.wait_for_function(
        "() => document.querySelector('.hls-legend').innerText"
        ".includes('no commissioned support')", timeout=WAIT)
    page.locator(".hls-figures", has_text="this is the no-service world").wait_for(
        timeout=WAIT)
    page.locator(".hls-lots-a", has_text="Nothing is commissioned here").wait_for(
        timeout=WAIT)
    assert "World A: no service" in page.locator(".hls-lots-a").inner_text()
    page.wait_for_selector(".hls-lots-b canvas", state="attached", timeout=WAIT)

    # World B: practice as in the competitive preset, procurement kept, from next week.
    page.locator(".hls-levers-b .hls-fill-practice .v-select").click()
    page.get_by_role("option", name="competitive").click()
    pending = page.locator(".hls-pending-b", has_text="Not yet applied")
    pending.wait_for(timeout=WAIT)
    assert "Longest support episode (weeks): 78 → 26" in pending.inner_text()
    assert "Contract length" not in pending.inner_text()  # procurement unchanged
    page.locator(".hls-apply-b").click()
    message = page.locator(".hls-levers-b .v-alert")
    message.wait_for(timeout=WAIT)
    assert "Applies from next week: Longest support episode (weeks): 78 → 26" in \
        message.inner_text()
    week = int(page.locator(".hls-drawn").get_attribute("data-week"))
    _step(page, week + 1)
    assert "World B: collaborative (levers changed)" in page.locator(".hls-levers-b").inner_text()
    assert not page.errors, page.errors
