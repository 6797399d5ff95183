"""Decomposition of a difference (Shapley values over lever groups or levers), on the runner.

Known answers come from a polynomial in seven levers run through the runner's
``module:function`` route (tests.models.game), whose Shapley values are known in closed
form; invariants of the Shapley arithmetic are property-tested on random games; a small
real hls_sim decomposition runs end to end on a process pool, and one on Dask.
"""

from __future__ import annotations

import itertools
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hls_sim
from hls_sim import scenarios
from hls_sim.analysis import decompose as dm
from hls_sim.analysis.compare import paired_differences
from hls_sim.params import LEVER_NAMES, ParameterError, dotted_levers, make_params
from hls_sim.report import decompose_figures
from hls_sim.runner import load_results
from tests import models

GAME = "tests.models:game"
B_LEVERS = {"contract_length_weeks": 260, "discretion": 0.8, "reflective_hours": 1.5,
            "reporting_burden": 0.4, "results_share": 0.0, "learning_meeting_weeks": 8,
            "budget_flexibility": 0.02}
# A tolerance for the known answers: the game's values are of order 1-10, and float64
# arithmetic over at most 2^7 coalitions stays far below this.
EXACT_TOL = 1e-12


def lever_scenario(name: str, **levers) -> scenarios.Scenario:
    return scenarios.from_overrides(name, dotted_levers(levers))


def levers_of(s: scenarios.Scenario) -> dict:
    """Both lever groups of a scenario's content, by bare lever name."""
    return {**s.content["procurement"], **s.content["practice"]}


def tiny(name: str, regime: str) -> scenarios.Scenario:
    """Smaller than quick.yaml: a fraction of a second a run."""
    return scenarios.from_overrides(name, {
        "regime": regime, "place.n_people": 300, "place.n_weeks": 60,
        "place.n_organisations": 6, "place.n_practitioners": 12, "place.n_localities": 2,
        "place.burn_in_weeks": 8, "money.budget_per_week": 8_700.0})


def seeds_of(dec: dm.Decomposition) -> list[int]:
    return load_results(dec.path).manifest["seeds"]


def closed_form(dec: dm.Decomposition, a, b, lever_of: dict[str, int], outcome: str
                ) -> pd.DataFrame:
    """The per-replicate table next to the closed-form value of each player."""
    xa = models.game_x(levers_of(a))
    xb = models.game_x(levers_of(b))
    seeds = seeds_of(dec)
    rows = dec.per_replicate[dec.per_replicate["outcome"] == outcome].copy()
    rows["expected"] = [models.game_shapley(xa, xb, seeds[r], outcome == "cubic")
                        [lever_of[p]] for r, p in zip(rows["replicate"], rows["player"],
                                                      strict=True)]
    return rows


def lever_index(name: str) -> int:
    return models.GAME_LEVERS.index(name.partition(".")[2])


# ---------------------------------------------------------------------------------------
# Known answers through the runner


def test_two_players_exact_matches_closed_form(tmp_path):
    a = lever_scenario("A")
    b = lever_scenario("B", contract_length_weeks=260, discretion=0.8)
    dec = dm.decompose(a, b, "groups", replicates=3, seed=1, workers=1, out=tmp_path / "d",
                       model=GAME, progress=False)
    assert [p.name for p in dec.players] == ["procurement", "practice"]
    assert dec.method == "exact" and len(load_results(dec.path).manifest["scenarios"]) == 4
    for outcome in ("quadratic", "cubic"):
        rows = closed_form(dec, a, b, {"procurement": 0, "practice": 1}, outcome)
        assert np.abs(rows["value"] - rows["expected"]).max() < EXACT_TOL
    # With two players the interaction is the whole cross term, split half and half.
    t = dec.totals.set_index("outcome").loc["quadratic"]
    xa, xb = models.game_x(levers_of(a)), models.game_x(levers_of(b))
    scale = np.mean([models.game_noise(s)[0] for s in seeds_of(dec)])
    cross = models.GAME_PAIRWISE[(0, 1)] * (xb[0] - xa[0]) * (xb[1] - xa[1])
    assert t["interaction_mean"] == pytest.approx(scale * cross, abs=EXACT_TOL)


def test_three_players_exact_matches_closed_form(tmp_path):
    a = lever_scenario("A")
    b = lever_scenario("B", contract_length_weeks=260, discretion=0.8, reflective_hours=1.5)
    dec = dm.decompose(a, b, "levers", replicates=3, seed=2, workers=1, out=tmp_path / "d",
                       model=GAME, progress=False)
    assert len(dec.players) == 3 and dec.method == "exact"
    lever_of = {p.name: lever_index(p.name) for p in dec.players}
    for outcome in ("quadratic", "cubic"):
        rows = closed_form(dec, a, b, lever_of, outcome)
        assert np.abs(rows["value"] - rows["expected"]).max() < EXACT_TOL


def test_seven_players_exact_matches_closed_form(tmp_path):
    a, b = lever_scenario("A"), lever_scenario("B", **B_LEVERS)
    dec = dm.decompose(a, b, "levers", replicates=2, seed=3, workers=1, out=tmp_path / "d",
                       model=GAME, progress=False, method="exact")
    assert len(dec.players) == 7 and dec.method == "exact"
    assert len(load_results(dec.path).manifest["scenarios"]) == 2 ** 7
    lever_of = {p.name: lever_index(p.name) for p in dec.players}
    for outcome in ("quadratic", "cubic"):
        rows = closed_form(dec, a, b, lever_of, outcome)
        assert np.abs(rows["value"] - rows["expected"]).max() < EXACT_TOL


def test_seven_players_sampled_orderings_converge(tmp_path):
    """Beyond six players orderings are sampled, each with its reverse. That pairing is
    exact for a game with at most pairwise interactions (the quadratic), so only the cubic
    is estimated. Stated tolerance: every player within 4 sampling standard errors of the
    closed form (a 4-sigma miss has odds of about 1 in 16,000 per player), and the
    standard error falls with the square root of the orderings (512 vs 32: a quarter,
    allowed up to a half)."""
    a, b = lever_scenario("A"), lever_scenario("B", **B_LEVERS)
    errors = {}
    for n in (32, 512):
        dec = dm.decompose(a, b, "levers", replicates=2, seed=4, workers=1,
                           out=tmp_path / f"d{n}", model=GAME, progress=False,
                           permutations=n)
        assert dec.method == "sampled" and dec.permutations == n
        lever_of = {p.name: lever_index(p.name) for p in dec.players}
        quad = closed_form(dec, a, b, lever_of, "quadratic")
        assert np.abs(quad["value"] - quad["expected"]).max() < EXACT_TOL
        cubic = closed_form(dec, a, b, lever_of, "cubic")
        est = cubic.groupby("player")[["value", "expected"]].mean()
        se = dec.values[dec.values["outcome"] == "cubic"].set_index("player")["sampling_se"]
        err = (est["value"] - est["expected"]).abs()
        assert (se > 0).all()
        assert (err <= 4 * se.reindex(err.index) + EXACT_TOL).all(), pd.concat([err, se], axis=1)
        errors[n] = (err.max(), se.max())
        assert f"from {n} sampled orderings" in dec.sentence("cubic")
        # Solo effects are run, not sampled: the interaction share is exact.
        t = dec.totals.set_index("outcome").loc["cubic"]
        total = cubic.groupby("replicate")["expected"].sum().mean()
        assert t["total_mean"] == pytest.approx(total, abs=EXACT_TOL)
    assert errors[512][1] < errors[32][1] / 2
    assert len(load_results(tmp_path / "d32").manifest["scenarios"]) < 2 ** 7


def test_a_group_of_several_levers_is_one_player(tmp_path):
    """Two groups of several levers each: the two-player Shapley formula on the game
    itself, evaluated directly (not through the runner)."""
    levers = {"contract_length_weeks": 260, "results_share": 0.0,  # procurement
              "discretion": 0.8, "reflective_hours": 1.5, "reporting_burden": 0.4}  # practice
    a, b = lever_scenario("A"), lever_scenario("B", **levers)
    dec = dm.decompose(a, b, "groups", replicates=2, seed=5, workers=1, out=tmp_path / "d",
                       model=GAME, progress=False)
    # Each group's differing levers, in the group's own order.
    assert [p.parameters for p in dec.players] == [
        ("procurement.contract_length_weeks", "procurement.results_share"),
        ("practice.discretion", "practice.reflective_hours",
         "practice.reporting_burden")]
    procurement = {k: v for k, v in levers.items() if k in ("contract_length_weeks",
                                                            "results_share")}
    practice = {k: v for k, v in levers.items() if k not in procurement}
    for r, seed in enumerate(seeds_of(dec)):
        def f(seed=seed, **set_):
            c = {**levers_of(a), **set_}
            return models.game(seed, c, {})["cubic"]
        none, both = f(), f(**levers)
        proc, prac = f(**procurement), f(**practice)
        expect = {"procurement": ((proc - none) + (both - prac)) / 2,
                  "practice": ((prac - none) + (both - proc)) / 2}
        got = dec.per_replicate[(dec.per_replicate["outcome"] == "cubic")
                                & (dec.per_replicate["replicate"] == r)]
        for _, row in got.iterrows():
            assert row["value"] == pytest.approx(expect[row["player"]], abs=EXACT_TOL)


# ---------------------------------------------------------------------------------------
# Properties of the Shapley arithmetic, for any game


def games(max_players: int = 7):
    """Random games: k players, R replicates, v(S) for every coalition."""
    return st.integers(1, max_players).flatmap(lambda k: st.tuples(
        st.just(k), st.integers(1, 4).flatmap(lambda r: st.lists(
            st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=r, max_size=r),
            min_size=2 ** k, max_size=2 ** k))))


@settings(max_examples=60, deadline=None)
@given(games())
def test_exact_values_sum_to_the_total_for_any_game(game):
    k, rows = game
    v = np.array(rows)
    phi = dm.shapley_exact(v)
    assert phi.shape == (k, v.shape[1])
    np.testing.assert_allclose(phi.sum(axis=0), v[-1] - v[0], atol=1e-9 * (1 + np.abs(v).max()))


@settings(max_examples=40, deadline=None)
@given(games(4))
def test_every_ordering_gives_the_exact_values(game):
    """Averaging marginal contributions over all k! orderings is the Shapley value, so the
    sampled estimator with every ordering equals exact enumeration; and each ordering's
    contributions sum to the total."""
    k, rows = game
    v = np.array(rows)
    orders = np.array(list(itertools.permutations(range(k))))
    contrib = dm.ordering_contributions(dict(enumerate(v)), orders)
    tol = 1e-9 * (1 + np.abs(v).max())
    np.testing.assert_allclose(contrib.sum(axis=1), np.broadcast_to(v[-1] - v[0],
                                                                    contrib.sum(axis=1).shape),
                               atol=tol)
    np.testing.assert_allclose(contrib.mean(axis=0), dm.shapley_exact(v), atol=tol)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 7), st.integers(0, 2 ** 32 - 1), st.integers(1, 3))
def test_a_dummy_gets_nothing_and_twins_get_the_same(k, seed, reps):
    """Axioms: a player whose joining never changes the value gets zero; two players who
    are interchangeable get the same value."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(2 ** (k - 1), reps))
    # Player k-1 is a dummy: v(S) depends only on the other players.
    v = np.concatenate([base, base])
    phi = dm.shapley_exact(v)
    assert np.allclose(phi[-1], 0, atol=1e-12)
    # Players 0 and 1 are twins: v depends on how many of them are in, not which.
    masks = np.arange(2 ** k)
    count = (masks & 1) + (masks >> 1 & 1)
    rest = masks >> 2
    table = rng.normal(size=(3, 2 ** (k - 2), reps))
    phi = dm.shapley_exact(table[count, rest])
    np.testing.assert_allclose(phi[0], phi[1], atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.integers(0, 2 ** 32 - 1))
def test_antithetic_orderings_are_exact_for_pairwise_games(k, seed):
    """Any game with at most pairwise interactions: a few orderings with their reverses
    give the exact Shapley values (why the sampler pairs them)."""
    rng = np.random.default_rng(seed)
    a, c = rng.normal(size=k), np.triu(rng.normal(size=(k, k)), 1)
    masks = np.arange(2 ** k)
    x = (masks[:, None] >> np.arange(k) & 1).astype(float)
    v = x @ a + np.einsum("si,ij,sj->s", x, c, x)
    orders = dm.sample_orderings(k, 4, seed % 1000)
    est = dm.ordering_contributions(dict(enumerate(v)), orders).mean(axis=0)
    exact = a + (c + c.T).sum(axis=1) / 2  # from 0 to 1: each pair's term split equally
    np.testing.assert_allclose(est, exact, atol=1e-9)
    np.testing.assert_allclose(dm.shapley_exact(v[:, None])[:, 0], exact, atol=1e-9)


def test_orderings_and_coalitions():
    o = dm.sample_orderings(9, 8, seed=3)
    assert o.shape == (8, 9) and (o[4:] == o[:4, ::-1]).all()
    assert all(sorted(row) == list(range(9)) for row in o)
    assert (o == dm.sample_orderings(9, 8, seed=3)).all()  # stored plans resume alike
    masks = dm.coalitions_of(9, o)
    assert masks[0] == 0 and masks[-1] == 2 ** 9 - 1 and len(set(masks)) == len(masks)
    assert {1 << i for i in range(9)} <= set(masks)  # solo effects always run
    assert len(masks) <= 2 + 9 + 8 * 7
    assert dm.coalitions_of(3, None) == list(range(8))


# ---------------------------------------------------------------------------------------
# Players, presets and switches


def test_players_of_the_default_comparison_are_the_two_groups():
    a, b = scenarios.load("competitive"), scenarios.load("collaborative")
    players, notes = dm.find_players(a, b, "groups")
    assert [p.name for p in players] == ["procurement", "practice"]
    differ = {p for pl in players for p in pl.parameters}
    assert all(p in LEVER_NAMES[pl.name] for pl in players for p in pl.parameters)
    assert "procurement.price_weight" not in differ  # equal in both: no player's business
    assert any("regime labels differ" in n for n in notes)
    levers, _ = dm.find_players(a, b, "levers")
    assert {p.name for p in levers} == differ and all(p.kind == "lever" for p in levers)


def test_parameters_in_no_group_are_the_player_other_and_said_so():
    a, b = scenarios.load("quick"), scenarios.load("collaborative")
    players, notes = dm.find_players(a, b, "groups")
    assert [p.name for p in players] == ["procurement", "practice", "other"]
    other = players[-1]
    assert "place.n_people" in other.parameters and "money.budget_per_week" in other.parameters
    assert any("place.n_people" in n and "'other'" in n for n in notes)


def test_a_regime_switch_is_one_player_and_its_mixes_are_valid():
    a = scenarios.load("competitive")
    b = scenarios.load("switch_to_collaborative")
    players, notes = dm.find_players(a, b, "groups")
    assert [(p.name, p.kind) for p in players] == [("regime switch", "switch")]
    assert players[0].parameters == dm.SWITCH
    mixed = dm.coalition_scenario(a, b, players, 1)
    assert (mixed.params.switch_week, mixed.params.switch_to) == (104, "collaborative")
    # A switch plus a lever difference: two players, all four mixes valid scenarios.
    c = scenarios.from_overrides("c", {**_flat(b), "practice.discretion": 0.5})
    players, _ = dm.find_players(a, c, "levers")
    assert sorted(p.name for p in players) == ["practice.discretion", "regime switch"]
    for m in range(4):
        dm.coalition_scenario(a, c, players, m)


def test_the_empty_and_full_coalitions_are_a_and_b():
    a, b = scenarios.load("quick"), scenarios.load("collaborative")
    players, _ = dm.find_players(a, b, "groups")
    full = 2 ** len(players) - 1
    strip = {"name", "regime"}
    assert {k: v for k, v in _flat(dm.coalition_scenario(a, b, players, 0)).items()
            if k not in strip} == {k: v for k, v in _flat(a).items() if k not in strip}
    assert {k: v for k, v in _flat(dm.coalition_scenario(a, b, players, full)).items()
            if k not in strip} == {k: v for k, v in _flat(b).items() if k not in strip}
    practice = _flat(dm.coalition_scenario(a, b, players, 0b010))
    for key in LEVER_NAMES["practice"]:
        assert practice[key] == _flat(b)[key]
    for key in LEVER_NAMES["procurement"]:
        assert practice[key] == _flat(a)[key]
    assert practice["place.n_people"] == _flat(a)["place.n_people"]


def test_the_regime_label_changes_no_result():
    """Mixes keep A's regime label, which is right only while a label changes nothing
    once every lever is set; this catches a model that starts to read the label."""
    comp = tiny("t", "competitive")
    relabelled = make_params({**_flat(comp), "regime": "collaborative"})
    assert relabelled.levers == comp.params.levers
    one = hls_sim.run(comp.params, seed=5).summary
    two = hls_sim.run(relabelled, seed=5).summary
    assert one.keys() == two.keys()
    assert all(one[k] == two[k] or (one[k] != one[k] and two[k] != two[k]) for k in one)


def test_lever_groups_name_levers_in_one_group_only():
    dm.check_lever_groups()
    assert set(LEVER_NAMES) == {"procurement", "practice"}
    with pytest.raises(dm.DecomposeError, match="two groups"):
        dm.check_lever_groups({"x": ["practice.discretion"],
                               "y": ["practice.discretion"]})
    with pytest.raises(dm.DecomposeError, match="not a lever"):
        dm.check_lever_groups({"x": ["practice.discretoin"]})


# ---------------------------------------------------------------------------------------
# Bad input: one line, a ParameterError (exit 2 at the command line), nothing written


@pytest.mark.parametrize("case, match", [
    ("same", "same parameters"),
    ("relabel", "only their regime labels differ"),
    ("mode", "invalid decomposition 'lever': allowed groups, levers"),
    ("method", "invalid method"),
    ("odd", "even whole number"),
    ("too_many", "too many to enumerate"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, case, match):
    a = lever_scenario("A")
    b = lever_scenario("B", **B_LEVERS)
    many = scenarios.from_overrides("M", {**dotted_levers(B_LEVERS),
                                          "place.n_people": 11, "place.n_weeks": 9,
                                          "place.burn_in_weeks": 1, "people.shock_size": 0.5,
                                          "people.drift_per_week": 0.003,
                                          "support.assessment_hours": 2.0})
    kwargs = {"same": dict(b=lever_scenario("B2")),
              "relabel": dict(b=scenarios.from_overrides(
                  "B2", {**_flat(a), "regime": "collaborative"})),
              "mode": dict(by="lever"), "method": dict(method="fastest"),
              "odd": dict(permutations=7), "too_many": dict(b=many, by="levers",
                                                            method="exact")}[case]
    kw = {"a": a, "b": b, "by": "groups", **kwargs}
    if case == "too_many":
        assert len(dm.find_players(a, many, "levers")[0]) == dm.EXACT_LIMIT + 1
    out = tmp_path / "never"
    with pytest.raises(ParameterError, match=match) as exc:
        dm.decompose(kw.pop("a"), kw.pop("b"), out=out, model=GAME, progress=False, **kw)
    assert isinstance(exc.value, dm.DecomposeError)
    assert "\n" not in str(exc.value)
    assert not out.exists()


def test_resume_of_a_folder_that_is_not_a_decomposition_is_refused(tmp_path):
    from hls_sim.runner import Ensemble, run_ensemble

    run_ensemble(Ensemble([lever_scenario("A")], replicates=1, model=GAME),
                   tmp_path / "plain", workers=1, progress=False)
    with pytest.raises(dm.DecomposeError, match="not a decomposition"):
        dm.resume_decomposition(tmp_path / "plain", workers=1, progress=False)
    with pytest.raises(dm.DecomposeError, match="not a decomposition"):
        dm.analyse(tmp_path / "plain")


# ---------------------------------------------------------------------------------------
# Stored, resumable, failures


def test_resume_runs_only_what_is_missing_and_gives_the_same_answer(tmp_path):
    a, b = lever_scenario("A"), lever_scenario("B", **B_LEVERS)
    first = dm.decompose(a, b, "groups", replicates=3, seed=6, workers=1, out=tmp_path / "d",
                         model=GAME, progress=False)
    # Forget a batch of runs (its record: its tables stay behind, as when a command
    # is killed between the two) and the Shapley tables, as if the machine had stopped.
    records = sorted((tmp_path / "d" / "runs").glob("*.json"))
    lost = json.loads(records[-1].read_text())["runs"]
    records[-1].unlink()
    for f in (tmp_path / "d" / dm.FOLDER).iterdir():
        f.unlink()
    again = dm.resume_decomposition(tmp_path / "d", workers=1, progress=False)
    manifest = load_results(tmp_path / "d").manifest
    assert manifest["sessions"][-1]["runs_to_do"] == len(lost) > 0
    pd.testing.assert_frame_equal(first.values, again.values)
    pd.testing.assert_frame_equal(first.totals, again.totals)
    back = dm.load_decomposition(tmp_path / "d")
    pd.testing.assert_frame_equal(back.per_replicate, first.per_replicate)
    assert back.text() == first.text()


def test_failed_runs_leave_their_replicates_out_and_say_so(tmp_path):
    a = lever_scenario("A")
    b = lever_scenario("B", contract_length_weeks=260, discretion=0.8)
    dec = dm.decompose(a, b, "groups", replicates=4, seed=4, workers=1, out=tmp_path / "d",
                       model="tests.models:fragile_game", progress=False)
    assert len(dec.failures) == 2 * 4  # replicates 1 and 3 (even seeds), four coalitions
    assert set(dec.per_replicate["replicate"]) == {0, 2}
    assert any("2 of 4 replicates left out" in n for n in dec.notes)
    with pytest.raises(dm.IncompleteError, match="no replicate has every coalition"):
        dm.decompose(a, b, "groups", replicates=4, seed=3, workers=1, out=tmp_path / "e",
                     model="tests.models:fragile_game", progress=False)


# ---------------------------------------------------------------------------------------
# The real model, end to end


def quick_pair() -> tuple[scenarios.Scenario, scenarios.Scenario]:
    """quick.yaml, and the same place commissioned collaboratively."""
    a = scenarios.load("quick")
    place = {k: v for k, v in _flat(a).items()
             if not k.startswith(("procurement.", "practice.")) and k != "name"}
    return a, scenarios.from_overrides("quick_collaborative", {**place,
                                                               "regime": "collaborative"})


def test_a_real_decomposition_end_to_end(tmp_path):
    a, b = quick_pair()
    dec = dm.decompose(a, b, "groups", replicates=2, seed=0, workers=2, out=tmp_path / "d",
                       progress=False)
    assert [p.name for p in dec.players] == ["procurement", "practice"]
    res = load_results(tmp_path / "d")
    assert res.manifest["kind"] == "decompose" and res.manifest["decomposition"]["by"] == "groups"
    assert res.manifest["sessions"][0]["executor"]["kind"] == "process"
    assert len(res.summary) == 4 * 2 and res.timeseries.empty  # summaries only
    # Each replicate's values sum to its paired difference B - A.
    base = res.summary[res.summary["scenario"] == "c00"].set_index("replicate")
    full = res.summary[res.summary["scenario"] == "c11"].set_index("replicate")
    per = dec.per_replicate.groupby(["outcome", "replicate"])["value"].sum()
    assert len(dec.outcomes) >= 20
    for (outcome, r), s in per.items():
        assert s == pytest.approx(full.loc[r, outcome] - base.loc[r, outcome], abs=1e-9)
    # The total and its interval are the comparison's paired difference, exactly.
    diffs = paired_differences(res.summary[res.summary["scenario"].isin(["c00", "c11"])],
                               "c00", dec.outcomes).set_index("metric")
    totals = dec.totals.set_index("outcome")
    for m in dec.outcomes:
        assert totals.loc[m, "total_mean"] == pytest.approx(diffs.loc[m, "diff_mean"], abs=1e-12)
        assert totals.loc[m, "total_ci_low"] == diffs.loc[m, "ci_low"]
    # A mixed run is hls_sim.run of that mix: B's practice levers in A's place.
    mix = dm.coalition_scenario(a, b, dec.players, 0b10)
    row = res.summary[(res.summary["scenario"] == "c01") & (res.summary["replicate"] == 1)]
    direct = hls_sim.run(mix.params, seed=res.manifest["seeds"][1]).summary
    assert row["wellbeing_mean"].iloc[0] == direct["wellbeing_mean"]
    # Files, read back; sentences; figures.
    for name in ("values.parquet", "values.csv", "totals.parquet", "totals.csv",
                 "per_replicate.parquet", "summary.md"):
        assert (tmp_path / "d" / dm.FOLDER / name).is_file()
    back = dm.load_decomposition(tmp_path / "d")
    pd.testing.assert_frame_equal(back.totals, dec.totals)
    s = back.sentence("wellbeing_mean")
    w = totals.loc["wellbeing_mean"]
    assert s.startswith(f"Wellbeing of everyone in the place (mean, 0-1): of the {w['total_mean']:+.3f} change from "
                        "quick to quick_collaborative")
    assert "practice levers" in s and "procurement levers" in s and "interaction" in s
    assert (tmp_path / "d" / dm.FOLDER / "summary.md").read_text() == back.text()
    paths = decompose_figures.write_figures(back, outcomes=["wellbeing_mean", "spend_total"])
    assert all(p.is_file() and p.stat().st_size > 5_000 for p in paths.values())
    assert (paths["wellbeing_mean"].with_suffix(".svg")).is_file()


def test_the_waterfall_steps_are_the_shapley_values(tmp_path):
    a, b = lever_scenario("A"), lever_scenario("B", **B_LEVERS)
    dec = dm.decompose(a, b, "levers", replicates=2, seed=7, workers=1, out=tmp_path / "d",
                       model=GAME, progress=False)
    fig = decompose_figures.waterfall(dec, "cubic")
    bars = fig.axes[0].patches
    rows = dec.values[dec.values["outcome"] == "cubic"].sort_values("order")
    assert len(bars) == len(dec.players) == 7
    np.testing.assert_allclose([p.get_height() for p in bars], rows["mean"], atol=1e-12)
    t = dec.totals.set_index("outcome").loc["cubic"]
    assert bars[0].get_y() == pytest.approx(t["a_mean"])
    assert bars[-1].get_y() + bars[-1].get_height() == pytest.approx(t["b_mean"])
    # Levers go largest first.
    assert list(rows["mean"].abs()) == sorted(rows["mean"].abs(), reverse=True)
    plt.close(fig)


def test_dask_and_serial_give_the_same_decomposition(tmp_path):
    a, b = tiny("comp", "competitive"), tiny("collab", "collaborative")
    serial = dm.decompose(a, b, "groups", replicates=2, seed=8, workers=1,
                          out=tmp_path / "serial", progress=False)
    dask = dm.decompose(a, b, "groups", replicates=2, seed=8, workers=2, dask="local",
                        out=tmp_path / "dask", progress=False)
    assert load_results(tmp_path / "dask").manifest["sessions"][0]["executor"]["kind"] == "dask"
    pd.testing.assert_frame_equal(serial.per_replicate, dask.per_replicate, check_exact=True)
    pd.testing.assert_frame_equal(serial.values, dask.values, check_exact=True)


def test_a_comparisons_runs_of_a_and_b_are_reused_not_run_again(tmp_path):
    """``hls-sim compare A B --decompose``: the comparison's runs of A and B (with every
    table) stand in for the decomposition's empty and full coalitions (summaries only);
    the answer is the same to the last bit, with half the runs."""
    from hls_sim.runner import Ensemble, run_ensemble

    a, b = tiny("comp", "competitive"), tiny("collab", "collaborative")
    run_ensemble(Ensemble([a, b], replicates=3, seed=8), tmp_path / "compare",
                   workers=1, progress=False)
    reused = dm.decompose(a, b, "groups", replicates=2, seed=8, workers=1,
                          out=tmp_path / "reused", progress=False, reuse=tmp_path / "compare")
    fresh = dm.decompose(a, b, "groups", replicates=2, seed=8, workers=1,
                         out=tmp_path / "fresh", progress=False)
    m = load_results(tmp_path / "reused").manifest
    assert m["sessions"][0]["runs_to_do"] == 4  # c01 and c10; c00 and c11 were copied
    assert m["decomposition"]["reused_from"] == str(tmp_path / "compare")
    assert any("not run again" in n for n in reused.notes)
    pd.testing.assert_frame_equal(reused.per_replicate, fresh.per_replicate, check_exact=True)
    pd.testing.assert_frame_equal(reused.totals, fresh.totals, check_exact=True)
    # A comparison on other seeds, or of other scenarios, is refused before anything runs.
    with pytest.raises(dm.DecomposeError, match="another root seed"):
        dm.decompose(a, b, replicates=2, seed=9, out=tmp_path / "x", progress=False,
                     reuse=tmp_path / "compare")
    with pytest.raises(dm.DecomposeError, match="no scenario with"):
        dm.decompose(a, tiny("other", "collaborative"), replicates=2, seed=8,
                     out=tmp_path / "x", progress=False, reuse=tmp_path / "compare")
    assert not (tmp_path / "x").exists()


def _flat(s: scenarios.Scenario) -> dict:
    return dm.flat_content(s)


def test_manifest_is_json_and_holds_the_plan(tmp_path):
    a, b = lever_scenario("A"), lever_scenario("B", **B_LEVERS)
    exp = dm.plan(a, b, "levers", replicates=1, seed=9, model=GAME)
    spec = json.loads(json.dumps(exp.to_manifest()))["decomposition"]
    assert spec["method"] == "sampled" and spec["permutations"] == dm.PERMUTATIONS
    assert len(spec["coalitions"]) == len(exp.scenarios)
    assert [c["scenario"] for c in spec["coalitions"]] == [s.name for s in exp.scenarios]
    assert spec["players"][0]["a"] != spec["players"][0]["b"]
    assert len(spec["orderings"]) == dm.PERMUTATIONS
