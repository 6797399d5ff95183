"""Where users read results: the no-service arm in every comparison, value added over it,
the economic case, ``--decompose`` from the command line, and the sentences that say it
in words (issues 12 and 15).

The main case runs through the installed entry point (``hls-sim``) with
``HLS_SIM_SIZE=small`` (300 people, 12 posts, two years) and two replicates; the rest
call the same ``main`` in-process (a new interpreter costs seconds on a loaded machine).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import hls_sim
from hls_sim import cli, scenarios
from hls_sim.analysis import paired_differences
from hls_sim.analysis.arms import NO_SERVICE, no_service_like, with_no_service
from hls_sim.params import make_params
from hls_sim.runner import ResultsStore, load_results
from hls_sim.runner.models import HLSSimModel

ROOT = Path(__file__).resolve().parent.parent
HLS_SIM = str(Path(sys.executable).parent / "hls-sim")


def small_env() -> dict[str, str]:
    return {**os.environ, "HLS_SIM_SIZE": "small", "MPLBACKEND": "Agg"}


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """``hls-sim compare competitive collaborative --decompose groups``, small, 2 replicates."""
    out = tmp_path_factory.mktemp("wiring") / "cmp"
    proc = subprocess.run([HLS_SIM, "compare", "competitive", "collaborative", "-n", "2",
                           "--decompose", "groups", "--workers", "2", "--out", str(out), "-q"],
                          capture_output=True, text=True, timeout=900, cwd=ROOT,
                          env=small_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


def test_the_no_service_arm_runs_on_the_same_seeds(compared):
    out, _ = compared
    res = load_results(out)
    m = res.manifest
    assert m["no_service_arm"] == NO_SERVICE and m["baseline"] == "competitive"
    assert [s["name"] for s in m["scenarios"]] == ["competitive", "collaborative", NO_SERVICE]
    arm = next(s for s in m["scenarios"] if s["name"] == NO_SERVICE)
    assert arm["content"]["procurement"]["commission_services"] is False
    assert arm["content"]["place"] == m["scenarios"][0]["content"]["place"]  # same place
    seeds = res.summary.pivot(index="replicate", columns="scenario", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()  # common random numbers
    none = res.summary[res.summary["scenario"] == NO_SERVICE]
    assert (none["commissioner_costs_total"] == 0).all()
    assert (none["helped_within_52_share"] == 0).all()
    assert res.events.empty or NO_SERVICE not in set(res.events["scenario"])


def test_the_terminal_opens_in_words_then_states_value_added_and_the_economic_case(compared):
    out, proc = compared
    text = proc.stdout
    order = [text.index(s) for s in ("In words:", "Headline outcomes",
                                     "Value added over no service", "Economic case against",
                                     "Who pays and who benefits", "Counted:",
                                     "What made the difference")]
    assert order == sorted(order)
    # The decomposition's plan, with its run count, is printed before anything runs:
    # 2 groups -> 4 combinations x 2 replicates, of which A's and B's are reused.
    assert re.search(r"by groups: 2 player\(s\) \(procurement, practice\).* = 8 runs, of "
                     r"which 4 are the comparison's own .* so 4 more runs", proc.stderr)
    # The words quote the numbers of the tables: the value added of the leading option on
    # wellbeing after a year is its paired difference from no service, as computed here.
    res = load_results(out)
    d = paired_differences(res.summary, NO_SERVICE, ["wellbeing_change_52"])
    d = d.set_index("scenario")
    best = d["diff_mean"].idxmax()
    words = text[:text.index("Headline outcomes")]
    assert f"Against no service, {best} adds the most" in " ".join(words.split())
    assert f"{d.loc[best, 'diff_mean']:+.3f} per person" in " ".join(words.split())
    assert "What it costs and who pays" in words and "net present value" in words


def test_the_report_has_the_sections_and_json_with_a_summary_per_figure(compared):
    out, _ = compared
    html = (out / "report.html").read_text()
    for anchor in ("words", "value-added", "economic-case", "difference", "figures"):
        assert f'id="{anchor}"' in html
    assert html.index('id="words"') < html.index('id="question"')  # opens in words
    assert "(no-service arm)" in html and "Who pays and who benefits" in html
    data = json.loads((out / "report.json").read_text())
    assert data["no_service_arm"] == NO_SERVICE and data["words"]
    assert {f["stem"] for f in data["figures"]} >= {"timeseries", "who_pays",
                                                    "waterfall-wellbeing_change_52"}
    assert all(f["summary"] for f in data["figures"])
    figs = data["economic_case"]["figures"]
    assert figs and all(f["summary"] for f in figs)
    assert {f["figure"] for f in figs} >= {"npv", "bcr", "cost_per_wellby", "switching_share"}
    # The economic case's cost is the model's own commissioner total (discounted): the
    # undiscounted first year's cost cannot exceed the whole run's commissioner costs.
    res = load_results(out)
    costs = res.summary.groupby("scenario")["commissioner_costs_total"].mean()
    cost = {f["option"]: f["mean"] for f in figs
            if f["figure"] == "cost" and f["comparator"] == NO_SERVICE}
    for option, pv in cost.items():
        assert 0 < pv <= costs[option] + 0.01
    for table in ("figures.csv", "payers.csv", "by_year.csv", "ledger.parquet"):
        assert (out / "economic_case" / table).stat().st_size > 0
    assert data["decomposition"]["players"] == ["procurement", "practice"]
    assert all(o["summary"] for o in data["decomposition"]["outcomes"])


def test_the_decomposition_reuses_the_comparisons_runs_and_adds_up(compared):
    out, _ = compared
    folder = out / "decomposition"
    values = pd.read_csv(folder / "shapley" / "values.csv")
    totals = pd.read_csv(folder / "shapley" / "totals.csv").set_index("outcome")
    assert (folder / "shapley" / "figures" / "waterfall-wellbeing_change_52.png").is_file()
    # A and B were copied from the comparison, not run again: the total equals the
    # comparison's own paired difference, and the group shares add up to it.
    res = load_results(out)
    d = paired_differences(res.summary[res.summary["scenario"] != NO_SERVICE],
                           "competitive", ["wellbeing_change_52"]).iloc[0]
    assert totals.loc["wellbeing_change_52", "total_mean"] == pytest.approx(d["diff_mean"])
    shares = values[values["outcome"] == "wellbeing_change_52"]["mean"].sum()
    assert shares == pytest.approx(d["diff_mean"], abs=1e-12)
    runs = ResultsStore(folder).runs()
    reused = runs[runs["worker"].str.startswith("reused from")]
    assert len(runs) == 8 and len(reused) == 4


def test_run_with_skip_no_service_makes_no_economic_case(tmp_path):
    """``hls-sim run`` of one scenario, leaving the arm out: said in words, exit 0."""
    out = tmp_path / "one"
    proc = subprocess.run([HLS_SIM, "run", "quick", "-n", "2", "--skip-no-service",
                           "--workers", "2", "--out", str(out), "-q"], capture_output=True,
                          text=True, timeout=600, cwd=ROOT, env=small_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = load_results(out).manifest
    assert m["no_service_arm"] is None and [s["name"] for s in m["scenarios"]] == ["quick"]
    assert "--skip-no-service" in proc.stdout and "No economic case" in proc.stdout
    assert "No economic case" in (out / "report.html").read_text()
    data = json.loads((out / "report.json").read_text())
    assert "not_made" in data["economic_case"]


# --- in-process: the same main(), faster -------------------------------------------------


def main(args: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(args)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.mark.parametrize("args, words", [
    (["compare", "competitive", "collaborative", "--decompose", "both"], "invalid choice"),
    (["run", "quick", "--decompose", "groups"], "unrecognized arguments"),
    (["compare", "competitive", "collaborative", "quick", "--decompose", "groups"],
     "two options; 3 were given"),
    (["compare", "competitive", "collaborative", "--skip-no-service", "--resume", "x"],
     "not both"),
])
def test_bad_flags_are_one_line_with_status_2_writing_nothing(tmp_path, monkeypatch, capsys,
                                                               args, words):
    monkeypatch.chdir(tmp_path)
    try:
        code, _, err = main([*args, "--out", str(tmp_path / "out")], capsys)
    except SystemExit as exc:  # argparse's own refusals
        code, err = exc.code, capsys.readouterr().err
    assert code == 2 and words in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_options_whose_appraisal_settings_differ_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HLS_SIM_SIZE", "small")
    (tmp_path / "dear.yaml").write_text(
        f"extends: {ROOT / 'scenarios' / 'collaborative.yaml'}\nappraisal:\n"
        "  wellby_value: 15000\n  wellby_value_high: 20000\n")
    code, _, err = main(["compare", "competitive", str(tmp_path / "dear.yaml"), "--out",
                         str(tmp_path / "out")], capsys)
    assert code == 2 and "one set of appraisal settings" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_the_arm_is_built_from_the_options_place():
    comp, coll = scenarios.load("competitive"), scenarios.load("collaborative")
    arms, arm, note = with_no_service([comp, coll])
    assert arm == NO_SERVICE and note is None
    assert arms[-1].hash == scenarios.load("no_service").hash  # the shipped arm, here
    quick = scenarios.load("quick")
    assert no_service_like(quick).params.place == quick.params.place
    # Options in different places have no common no-service world: none, and why.
    arms, arm, note = with_no_service([quick, comp])
    assert arm is None and "place.n_people" in note and len(arms) == 2
    # A budget does not make a no-service world different (nothing is commissioned).
    dearer = scenarios.Scenario("dearer", "", make_params(
        quick.params, name="dearer", money__budget_per_week=50_000.0))
    assert with_no_service([quick, dearer])[1] == NO_SERVICE
    # A no_service scenario among the options is the arm; a misnamed one is refused.
    shipped = scenarios.load("no_service")
    assert with_no_service([comp, shipped])[0] == [comp, shipped]
    fake = scenarios.from_overrides(NO_SERVICE, {"regime": "competitive"})
    with pytest.raises(hls_sim.ParameterError, match="kept for the no-service arm"):
        with_no_service([comp, fake])


def test_a_no_service_run_ignores_the_budget():
    """Why options with different budgets may share one arm: nothing is let, so the
    budget changes nothing in a world without commissioned services."""
    place = {"regime": "no_service", "place.n_people": 200, "place.n_weeks": 60,
             "place.n_organisations": 6, "place.n_practitioners": 12,
             "place.n_localities": 2, "place.burn_in_weeks": 8}
    a = hls_sim.run({**place, "money.budget_per_week": 8_700.0}, seed=5)
    b = hls_sim.run({**place, "money.budget_per_week": 87_000.0}, seed=5)
    assert a.summary == pytest.approx(b.summary, nan_ok=True)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def test_an_incomplete_decomposition_exits_1_and_resume_finishes_it(tmp_path, monkeypatch,
                                                                    capsys):
    """Runs of the mixed combinations fail: the comparison is saved and reported, the
    command exits 1 with the --resume hint; a resume then finishes the decomposition."""
    monkeypatch.setenv("HLS_SIM_SIZE", "small")
    monkeypatch.chdir(ROOT)
    real = HLSSimModel.simulate

    def fragile(self, params, spec):
        if spec.scenario in ("c10", "c01"):  # the two mixes of the two groups
            raise RuntimeError("deliberate failure of a mixed combination")
        return real(self, params, spec)

    monkeypatch.setattr(HLSSimModel, "simulate", fragile)
    out = tmp_path / "cmp"
    code, stdout, err = main(["compare", "competitive", "collaborative", "-n", "2",
                              "--decompose", "groups", "--workers", "1", "-q", "--out",
                              str(out)], capsys)
    assert code == 1 and f"--resume {out}" in err and "decomposition is incomplete" in err
    assert (out / "report.html").is_file() and "not known yet" in stdout
    monkeypatch.setattr(HLSSimModel, "simulate", real)
    code, stdout, err = main(["compare", "--resume", str(out), "--workers", "1", "-q"],
                             capsys)
    assert code == 0, err
    assert "What made the difference" in stdout and "What drove it" in stdout
    assert 'id="difference"' in (out / "report.html").read_text()
