"""The trainers' dashboard: twin worlds, ticker, network sampling, charts, and the page
itself in a real browser (headless Chromium from Debian, driven by Playwright).

The browser tests start the dashboard with ``hls_sim.dashboard.serve`` in a child
process on a free port, load the page, check that both worlds and their charts are
there, step, change a lever, step again, and check that the charts and the ticker
changed. A screenshot is saved as ``tests/_artifacts/dashboard.png`` (ignored by git).
"""

from __future__ import annotations

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
from hls_sim import ParameterError
from hls_sim.dashboard import charts, network
from hls_sim.dashboard.controls import (
    BUDGET_PER_POST,
    LEVERS,
    PLACE,
    describe_changes,
    place_defaults,
    place_overrides,
    preset_levers,
)
from hls_sim.dashboard.ticker import Ticker, TickerLine, describe_week
from hls_sim.dashboard.twin import TwinWorlds
from hls_sim.params import CommissioningLevers

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
    sc = {**TINY, "regime": regime, **{f"commissioning.{k}": v for k, v in levers.items()}}
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
    assert twin.worlds[0].levers.results_share == 0.3  # the switch happens next week
    twin.step()
    w = twin.worlds[0]
    assert w.levers.results_share == 0.0 and w.levers.reporting_burden == 0.5
    assert w.levers.contract_length_weeks == 156  # other levers unchanged
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
    assert twin.worlds[0].levers.results_share == 0.2


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
    assert b.week == 20 and b.levers.lot_domains == 2 and twin.regimes[1] == "collaborative"
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
    # The tracker's journey is the one Result.journey tells from the whole log.
    full = hls_sim.Result.from_model(twin.worlds[0]).journey(other)
    assert j[1:-1] == full[1:-1]


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
        _org(52, "practitioner_left", 2, "practitioner 9 left the job"),
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
    assert ("1 practitioner left the job (Organisation 2): 2 people lost their practitioner"
            in texts)
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
    ts = hls_sim.Result.from_model(twin.worlds[0]).timeseries
    for measure in ("practitioner_turnover_annual", "reported_success_rate", "wellbeing_mean"):
        np.testing.assert_allclose(charts.values(twin.worlds[0], measure),
                                   ts[measure].to_numpy(), equal_nan=True)
    spend = charts.spend_option(twin)
    assert len(spend["series"]) == 6 and all(len(s["data"]) == 2 for s in spend["series"])
    assert charts.headline(twin.worlds[1])["Organisations"] == "8"


def test_controls_cover_every_lever_with_a_tooltip():
    assert {c.field for c in LEVERS} == set(CommissioningLevers.model_fields)
    for c in LEVERS + PLACE:
        assert c.label and len(c.tooltip) > 20, c.name
    for regime in ("competitive", "collaborative"):
        lv = preset_levers(regime)
        for c in LEVERS:
            if c.kind in ("int", "float"):
                assert c.min <= lv[c.field] <= c.max, (regime, c.name)
    over = place_overrides({**place_defaults(), "place.n_practitioners": 60})
    assert over["money.budget_per_week"] == 60 * BUDGET_PER_POST
    assert describe_changes({"award": "price_quality"}, {"award": "partnership"}) == [
        "How contracts are re-let: tender on price and quality → renew the partnership on "
        "review"]


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
        assert len(rc.find(EchartsFigure).widgets) == len(charts.CHARTS) + 1 + 2
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


@pytest.fixture(scope="module")
def server():
    """``hls_sim.dashboard.serve`` in a child process on a free port."""
    from hls_sim.dashboard.assets import ensure_assets

    missing = ensure_assets(quiet=True)
    assert not missing, f"the page's JavaScript could not be fetched with npm: {missing}"
    port = _free_port()
    code = f"from hls_sim.dashboard import serve; serve(host='127.0.0.1', port={port})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
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
            out = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
            proc.kill()
            pytest.fail(f"dashboard server did not start: {out[-2000:]}")
        time.sleep(0.5)
    yield url
    proc.send_signal(signal.SIGTERM)  # serve() stops its Solara server and returns
    try:
        assert proc.wait(timeout=20) == 0
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
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
              if r.status >= 400 else None)  # e.g. a script the page could not load
        pg.goto(server)
        pg.wait_for_selector(".hls-week", timeout=90_000)
        pg.errors = errors
        yield pg
        browser.close()


def _step(pg, week: int) -> None:
    pg.get_by_role("button", name="Step").click()
    pg.wait_for_selector(f'.hls-drawn[data-week="{week}"]', state="attached", timeout=30_000)
    pg.wait_for_timeout(400)  # let the charts draw


def _canvas(pg, selector: str) -> str:
    pg.wait_for_selector(f"{selector} canvas", state="attached", timeout=30_000)
    return pg.eval_on_selector(f"{selector} canvas", "c => c.toDataURL()")


@needs_chromium
def test_browser_shows_both_worlds_and_every_chart(page):
    legend = page.locator(".hls-legend").inner_text()
    assert "World A" in legend and "competitive" in legend
    assert "World B" in legend and "collaborative" in legend
    assert "Week 0 of 260" in page.locator(".hls-week").inner_text()
    for key in [c.key for c in charts.CHARTS] + ["spend"]:
        page.wait_for_selector(f".hls-chart-{key} canvas", state="attached", timeout=30_000)
    for side in "ab":
        page.wait_for_selector(f".hls-network-{side} canvas", state="attached", timeout=30_000)
        assert page.locator(f".hls-ticker-{side}").count() == 1
        assert page.locator(f".hls-journey-{side}").inner_text().startswith("Person ")
    for name in ("Reset", "Step"):
        assert page.get_by_role("button", name=name).count() == 1
    assert page.locator(".hls-control-n_people").count() == 1  # the place card


@needs_chromium
def test_browser_step_and_change_a_lever(page):
    before = {k: _canvas(page, f".hls-chart-{k}") for k in ("wellbeing", "waiting", "spend")}
    net_before = _canvas(page, ".hls-network-a")
    ticker_before = page.locator(".hls-ticker-a").inner_text()
    for week in (1, 2, 3):
        _step(page, week)
    assert "Week 3 of 260" in page.locator(".hls-week").inner_text()
    for k, img in before.items():
        assert _canvas(page, f".hls-chart-{k}") != img, f"chart {k} did not change"
    assert _canvas(page, ".hls-network-a") != net_before
    ticker = page.locator(".hls-ticker-a").inner_text()
    assert ticker != ticker_before and "Week 2" in ticker

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
    message.wait_for(timeout=30_000)
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
    page.wait_for_timeout(300)
    jump = int(float(slider.get_attribute("aria-valuenow")))
    assert jump > 1
    _step(page, 4 + jump)
    assert f"Week {4 + jump} of 260" in page.locator(".hls-week").inner_text()
    slider.focus()
    slider.press("Home")  # back to one week a step
    page.locator(".hls-show-levers").click()  # hide the levers again for the picture
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 3000})
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 50_000
    assert not page.errors, page.errors


@needs_chromium
def test_browser_play_pause_and_reset_with_another_place(page):
    def week() -> int:
        return int(page.locator(".hls-drawn").get_attribute("data-week"))

    start = week()
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        f"() => +document.querySelector('.hls-drawn').dataset.week >= {start + 3}",
        timeout=60_000)
    page.get_by_role("button", name="❚❚").click()
    page.wait_for_timeout(1000)
    paused = week()
    page.wait_for_timeout(1000)
    assert week() == paused > start

    # Run World B again from week 0 (with its own levers): it catches up to this week.
    page.locator(".hls-show-levers").click()
    page.locator(".hls-restart-b").click()
    message = page.locator(".hls-levers-b .v-alert")
    message.wait_for(timeout=30_000)
    assert f"World B ran again from week 0 as collaborative to week {paused}" in \
        message.inner_text()
    page.wait_for_function(
        "() => document.querySelector('.hls-ticker-b').innerText"
        ".includes('World B was run again from week 0')", timeout=30_000)
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
        timeout=30_000)
    assert "levers changed" not in page.locator(".hls-legend").inner_text()
    # A new twin: the old world's message goes with it.
    page.wait_for_function("() => !document.querySelector('.hls-levers-b .v-alert')",
                           timeout=15_000)
    page.locator(".hls-show-levers").click()
    _step(page, 1)
    assert "Week 1 of 52" in page.locator(".hls-week").inner_text()
    assert not page.errors, page.errors
