"""Sensitivity analysis: the pipeline recovers known answers (analytic test functions
through the module:function route, a Mesa model through the Mesa-class route, a known
seed-noise share, paired differences under common random numbers), resumes after a
SIGKILL to the same answer, and refuses bad experiment files with one clear line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hls_sim
from hls_sim import experiments
from hls_sim.analysis import sensitivity
from hls_sim.experiments import ExperimentFileError
from hls_sim.params import LEVER_GROUPS, parameter_table
from hls_sim.report import write_report
from hls_sim.runner import ResultsStore
from tests import sa_models

ROOT = Path(__file__).resolve().parent.parent
HLS_SIM = str(Path(sys.executable).parent / "hls-sim")
PI = "3.141592653589793"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def run(path: Path, out: Path, workers: int = 1):
    spec = experiments.load(path)
    X = experiments.prepare(spec)
    experiments.run_design(spec, X, out, workers=workers, progress=False)
    return sensitivity.analyse_folder(out)


def table(res, index: str) -> pd.DataFrame:
    return res.indices[res.indices["index"] == index].set_index("factor")


def simultaneous(k: int, level: float = 0.95) -> float:
    """Per-index confidence level so that k intervals hold together at ``level``
    (Bonferroni): with 95% each, one of nine would miss a third of the time."""
    return 1 - (1 - level) / k


def test_sobol_recovers_the_ishigami_indices_within_their_intervals(tmp_path):
    """First, total and second order of Ishigami (a=7, b=0.1): every analytic value lies
    within SALib's bootstrap interval (nine intervals, 95% together)."""
    exp = write(tmp_path / "ishigami.yaml", f"""\
description: Ishigami, analytic indices known
model: tests.sa_models:ishigami
factors:
  x1: [-{PI}, {PI}]
  x2: [-{PI}, {PI}]
  x3: [-{PI}, {PI}]
outputs: [y]
method: sobol
sample: {{N: 256, calc_second_order: true}}
analyze: {{num_resamples: 200, conf_level: {simultaneous(9)}}}
noise: false
""")
    res, outs = run(exp, tmp_path / "out")
    truth = sa_models.ishigami_indices()
    for index in ("S1", "ST"):
        t = table(res, index)
        for f, value in truth[index].items():
            assert abs(t.loc[f, "value"] - value) <= t.loc[f, "conf"], (index, f, t.loc[f])
    s2 = res.second_order.set_index(["factor_a", "factor_b"])
    for pair in (("x1", "x2"), ("x1", "x3"), ("x2", "x3")):
        want = truth["S2"].get(pair, 0.0)
        assert abs(s2.loc[pair, "value"] - want) <= s2.loc[pair, "conf"], pair
    # The design on disk: Saltelli's N(2D+2) points, one run each, Parquet and CSV.
    assert len(outs.Y) == 256 * 8 and len(ResultsStore(tmp_path / "out").finished_keys()) == 2048
    assert (tmp_path / "out" / "sensitivity" / "indices.csv").is_file()
    assert set(pd.read_parquet(tmp_path / "out" / "design" / "samples.parquet").columns) == \
        {"sample", "x1", "x2", "x3"}
    # Convergence view: N/4, N/2 and N.
    assert sorted(res.convergence["n"].unique()) == [64, 128, 256]
    # The report (hls-sim report DIR writes the same): words, checks, embedded figures.
    html = write_report(tmp_path / "out").read_text()
    assert "Which assumptions matter most" in html and "Checks" in html
    assert html.count("data:image/png;base64,") == 3  # indices, second order, convergence
    for stem in ("indices", "second_order", "convergence"):
        assert (tmp_path / "out" / "figures" / f"{stem}.svg").is_file()


def test_sobol_recovers_the_g_function_indices(tmp_path):
    """Sobol's G function (a = 0, 1, 4.5, 9, 99, 99): analytic S1 and ST within their
    intervals (twelve, 95% together); the two unimportant inputs are ranked last."""
    factors = "\n".join(f"  x{i}: [0, 1]" for i in range(1, 7))
    exp = write(tmp_path / "g.yaml", f"""\
description: Sobol G function
model: tests.sa_models:sobol_g
factors:
{factors}
outputs: [g]
method: sobol
sample: {{N: 256, calc_second_order: false}}
analyze: {{num_resamples: 200, conf_level: {simultaneous(12)}}}
noise: false
""")
    res, _ = run(exp, tmp_path / "out")
    truth = sa_models.sobol_g_indices()
    for index in ("S1", "ST"):
        t = table(res, index)
        for f, value in truth[index].items():
            assert abs(t.loc[f, "value"] - value) <= t.loc[f, "conf"], (index, f, t.loc[f])
    assert list(res.main("g")["factor"])[-2:] in (["x5", "x6"], ["x6", "x5"])


def test_a_mesa_model_through_the_mesa_class_route(tmp_path):
    """Morris on a small Mesa model that is not hls_sim: outputs are its DataCollector
    reporters' final values, exactly as a direct run gives them; a parameter that does
    nothing has elementary effects of exactly zero (common seeds)."""
    exp = write(tmp_path / "wealth.yaml", """\
description: Boltzmann wealth with a tax (Mesa)
model: tests.sa_models:WealthModel
steps: 25
constants: {n: 30}
factors:
  give_prob: [0.2, 0.9]
  tax: [0.0, 0.5]
  unused: [0.0, 1.0]
outputs: [gini, top_share]
method: morris
sample: {N: 6, num_levels: 4}
replicates: 2
""")
    res, outs = run(exp, tmp_path / "out")
    mu = table(res, "mu_star")
    for out in ("gini", "top_share"):
        m = mu[mu["output"] == out]["value"]
        assert m["unused"] == 0.0
        assert m["tax"] > 0 and m["give_prob"] > 0
    # Replicates: seed noise measured from them; every point has both.
    assert len(outs.per_run) == 6 * 4 * 2
    assert res.noise.set_index("output").loc["gini", "points_measured"] == 24
    # Known answer: a sample point's output is the model's own final reporter value.
    spec = outs.spec
    i = 5
    vals = outs.values.iloc[i].to_dict()
    seeds = [experiments.seed_for(spec, i, k) for k in range(2)]
    direct = []
    for s in seeds:
        model = sa_models.WealthModel(n=30, seed=s, **vals)
        for _ in range(25):
            model.step()
        direct.append(sa_models.gini(model))
    assert outs.Y.loc[i, "gini"] == pytest.approx(np.mean(direct), abs=0, rel=1e-12)


def test_seed_noise_share_is_measured_and_too_few_replicates_are_flagged(tmp_path):
    """y = x1 + noise with Var(noise) = Var(x1): half of one run's variance is seed
    noise; with 4 replicates a fifth of the analysed output is still noise, so the check
    asks for more (9 for <= 10%)."""
    exp = write(tmp_path / "noisy.yaml", """\
description: half of every run is noise
model: tests.sa_models:noisy_linear
factors:
  x1: [0, 1]
  x2: [0, 1]
outputs: [y]
method: delta
sample: {N: 200}
replicates: 4
seeds: independent
""")
    res, _ = run(exp, tmp_path / "out")
    n = res.noise.iloc[0]
    assert n["seed_share_run"] == pytest.approx(0.5, abs=0.08)
    assert n["seed_share_analysed"] == pytest.approx(0.2, abs=0.06)
    assert 6 <= n["replicates_needed"] <= 13
    warn = [c for c in res.checks if c["check"] == "replicates"]
    assert warn and "replicates:" in warn[0]["message"] and "seeds alone" in warn[0]["message"]
    delta = table(res, "delta")
    assert delta.loc["x1", "value"] > delta.loc["x2", "value"] + delta.loc["x2", "conf"]


def test_paired_difference_uses_common_random_numbers(tmp_path):
    """hls_sim: collaborative minus competitive at each sample point, same seed; equal to
    two direct runs of hls_sim with the same overrides and seed."""
    scen = write(tmp_path / "tiny.yaml", f"""\
description: tiny place
extends: {ROOT / 'scenarios' / 'quick.yaml'}
place: {{n_people: 300, n_weeks: 60, n_organisations: 6, n_practitioners: 12,
         burn_in_weeks: 8}}
money: {{budget_per_week: 8700.0}}
""")
    exp = write(tmp_path / "gap.yaml", f"""\
description: the gap
scenario: {scen.name}
arms:
  competitive: {{}}
  collaborative: {{regime: collaborative}}
factors:
  support.handoff_loss: [0.1, 0.5]
  people.shock_rate_per_year: [0.5, 1.5]
  practice.discretion: {{bounds: [0.3, 1.0], arms: [collaborative]}}
outputs:
  - {{name: gap, metric: wellbeing_mean, difference: [collaborative, competitive]}}
  - {{metric: unmet_need, arm: competitive}}
method: sobol
sample: {{N: 4, calc_second_order: false}}
noise: {{points: 2, replicates: 2}}
""")
    spec = experiments.load(exp)
    assert spec.arm_params["collaborative"]["procurement"]["lot_domains"] == 6
    assert spec.arm_params["competitive"]["procurement"]["lot_domains"] == 1
    X = experiments.prepare(spec)
    out = tmp_path / "out"
    experiments.run_design(spec, X, out, workers=2, progress=False)
    outs = experiments.design_outputs(out)
    i = 7
    vals = outs.values.iloc[i].to_dict()
    seed = experiments.seed_for(spec, i, 0)
    base = spec.arm_params
    comp = hls_sim.run({**base["competitive"],
                        **{k: v for k, v in vals.items() if k != "practice.discretion"}},
                       seed=seed).summary
    collab = hls_sim.run({**base["collaborative"], **vals}, seed=seed).summary
    assert outs.Y.loc[i, "gap"] == collab["wellbeing_mean"] - comp["wellbeing_mean"]
    assert outs.Y.loc[i, "unmet_need_competitive"] == comp["unmet_need"]
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "sensitivity" and m["design"]["runs_planned"] == 2 * (4 * 5 + 2)
    assert {s["name"] for s in m["scenarios"]} == {"competitive", "collaborative"}


def test_sigkill_then_resume_equals_an_uninterrupted_analysis(tmp_path):
    """Kill `hls-sim sensitivity` (and its workers) mid-run, finish it with --resume on a
    Dask LocalCluster, and get exactly the indices of an uninterrupted process-pool run."""
    exp = write(tmp_path / "noisy.yaml", f"""\
description: noisy Ishigami, to interrupt
model: tests.sa_models:noisy_ishigami
factors:
  x1: [-{PI}, {PI}]
  x2: [-{PI}, {PI}]
  x3: [-{PI}, {PI}]
outputs: [y]
method: sobol
sample: {{N: 64, calc_second_order: false}}
replicates: 2
seed: 4
""")
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    args = ["sensitivity", str(exp), "--workers", "2", "-q", "--no-report"]
    proc = subprocess.Popen([HLS_SIM, *args, "--out", str(killed)], cwd=ROOT,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(ResultsStore(killed).finished_keys()) >= 60 or proc.poll() is not None:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    before = len(ResultsStore(killed).finished_keys())
    planned = json.loads((killed / "manifest.json").read_text())["design"]["runs_planned"]
    assert 60 <= before < planned, "the analysis was not interrupted mid-way"
    assert not (killed / "sensitivity").exists()

    resumed = subprocess.run([HLS_SIM, "sensitivity", "--resume", str(killed), "--dask",
                              "local", "--workers", "2", "-q"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    m = json.loads((killed / "manifest.json").read_text())
    assert m["status"] == "complete" and m["sessions"][1]["runs_to_do"] == planned - before
    assert m["sessions"][1]["executor"]["kind"] == "dask"
    assert (killed / "report.html").is_file()

    uninterrupted = subprocess.run([HLS_SIM, *args, "--out", str(clean)], cwd=ROOT,
                                   capture_output=True, text=True, timeout=300)
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    for name in ("indices.csv", "convergence.csv", "noise.csv"):
        assert (killed / "sensitivity" / name).read_text() == \
            (clean / "sensitivity" / name).read_text(), name
    for name in ("points.parquet", "runs.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(killed / "outputs" / name),
                                      pd.read_parquet(clean / "outputs" / name),
                                      check_exact=True)
    assert not list(killed.rglob(".tmp-*"))


HEAD = """\
description: bad
model: tests.sa_models:ishigami
"""
QUICK = "description: bad\nscenario: quick.yaml\n"
QUICK_TAIL = "outputs: [wellbeing_mean]\nmethod: morris\nsample: {N: 2}\n"
GOOD_FACTORS = "factors:\n  x1: [0, 1]\n  x2: [0, 1]\n  x3: [0, 1]\n"


@pytest.mark.parametrize("text, line, message", [
    (HEAD + GOOD_FACTORS + "output: [y]\nmethod: sobol\nsample: {N: 8}\n", 7,
     "unknown key 'output'; did you mean 'outputs'?"),
    (HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: sobel\nsample: {N: 8}\n", 8,
     "unknown method 'sobel'; did you mean 'sobol'?"),
    (HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: sobol\nsample: {N: 1000}\n", 9,
     "sample.N=1000 must be a power of two for Sobol (e.g. 512 or 1024)"),
    (HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: sobol\nsample: {N: 64, "
     "calc_second_order: false}\nanalyze:\n  calc_second_order: true\n", 11,
     "analyze.calc_second_order=True does not match sample.calc_second_order=False"),
    (HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: morris\nsample: {N: 8, num_levels: 5}\n",
     9, "num_levels=5 must be an even number"),
    (HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: fast\nsample: {N: 50}\n", 9,
     "sample.N=50 must exceed 4*M^2 = 64 for eFAST"),
    (HEAD + "factors:\n  x1: [1, 0]\n  x2: [0, 1]\noutputs: [y]\nmethod: sobol\n"
     "sample: {N: 8}\n", 4, "factor x1: lower bound 1.0 must be below upper bound 0.0"),
    (HEAD + "factors:\n  x1: [0, 1]\n  x9: [0, 1]\noutputs: [y]\nmethod: sobol\n"
     "sample: {N: 8}\n", 5, "unknown argument of tests.sa_models:ishigami: 'x9'"),
    (HEAD + "factors:\n  x1: {bounds: [0, 1], group: a}\n  x2: {bounds: [0, 1], group: b}\n"
     "outputs: [y]\nmethod: fast\nsample: {N: 100}\n", 3, "groups are for sobol and morris"),
    (HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: sobol\nsample: {N: 8, seed: 3}\n", 9,
     "set seed at the top level"),
    (HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: sobol\nsample: {N: 8}\ndiscover:\n"
     "  output: z\n  above: 0\n", 11, "unknown output 'z'"),
    ("description: bad\nscenario: quick.yaml\nfactors:\n  support.handoff_los: [0, 1]\n"
     "  people.shock_size: [0, 1]\noutputs: [wellbeing_mean]\nmethod: sobol\n"
     "sample: {N: 8}\n", 4,
     "unknown parameter 'support.handoff_los'; did you mean 'support.handoff_loss'?"),
    ("description: bad\nscenario: quick.yaml\nfactors:\n  support.handoff_loss: [0, 1]\n"
     "  people.shock_size: [0, 1]\noutputs: [wellbeing_men]\nmethod: sobol\n"
     "sample: {N: 8}\n", 6, "unknown metric 'wellbeing_men'; did you mean 'wellbeing_mean'?"),
    ("description: bad\nscenario: quick.yaml\nfactors:\n  procurement.award: [0, 1]\n"
     "  people.shock_size: [0, 1]\noutputs: [wellbeing_mean]\nmethod: sobol\n"
     "sample: {N: 8}\n", 4, "give them as levels: ['price_quality', 'partnership', 'alliance']"),
    ("description: bad\nscenario: quick.yaml\narms:\n  a: {}\n  b: {regime: collab}\n"
     "factors:\n  support.handoff_loss: [0, 1]\n  people.shock_size: [0, 1]\n"
     "outputs: [{metric: wellbeing_mean, difference: [a, b]}]\nmethod: sobol\n"
     "sample: {N: 8}\n", 5, "invalid parameter regime='collab'"),
    ("description: bad\nscenario: quick.yaml\narms:\n  a: {}\n  b: {regime: collaborative}\n"
     "factors:\n  support.handoff_loss: [0, 1]\n  people.shock_size: [0, 1]\n"
     "outputs: [{metric: wellbeing_mean, difference: [a, c]}]\nmethod: sobol\n"
     "sample: {N: 8}\n", 9, "unknown arm 'c'"),
    ("description: bad\nscenario: quick.yaml\nfactors:\n  support.handoff_loss: [0, 1]\n"
     "  people.shock_size: [0, 1]\noutputs: [wellbeing_mean]\nmethod: sobol\n"
     "sample: {N: 8}\nreplicates: 0\n", 9, "invalid replicates=0"),
    ("description: bad\nmodel: tests.sa_models:WealthModel\nfactors:\n  tax: [0, 1]\n"
     "  give_prob: [0, 1]\noutputs: [gini]\nmethod: morris\nsample: {N: 4}\n", 2,
     "a Mesa model needs steps"),
    ("description: bad\nmodel: tests.sa_models:WealthModel\nsteps: 3\nfactors:\n"
     "  tax: [0, 1]\n  give_prob: [0, 1]\noutputs: [ginny]\nmethod: morris\nsample: {N: 4}\n",
     7, "unknown reporter of tests.sa_models:WealthModel: 'ginny'; did you mean 'gini'?"),
    ("description: bad\nfactors: [x1\n", 3, "malformed YAML"),
    (HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: sobol\nsample: {N: 8}\npriors: all\n", 10,
     "priors: is for hls_sim"),
    (QUICK + "priors: {exclude: [support.handoff_los]}\n" + QUICK_TAIL, 3,
     "unknown parameter with a prior range 'support.handoff_los'; did you mean "
     "'support.handoff_loss'?"),
    (QUICK + "priors: {groups: [suport]}\n" + QUICK_TAIL, 3,
     "unknown parameter group 'suport'; did you mean 'support'?"),
    (QUICK + "factors:\n  people.shock_size: prior\n  support.handoff_loss: prior\n"
     + QUICK_TAIL, 4, "factor people.shock_size: people.shock_size has no documented prior "
     "range"),
    (QUICK + "factors:\n  people.shock_size@nope: [0, 1]\n  support.handoff_loss: prior\n"
     + QUICK_TAIL, 4, "unknown arm in factor people.shock_size@nope: 'nope'"),
    (QUICK + "factors:\n  people.shock_size@quick: {bounds: [0, 1], arms: [quick]}\n"
     "  support.handoff_loss: prior\n" + QUICK_TAIL, 4, "give arms: or '@quick', not both"),
])
def test_bad_experiment_files_are_refused_with_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ExperimentFileError) as err:
        experiments.prepare(experiments.load(path))
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}:{line}: "), msg
    assert message in msg, msg


def test_sampled_values_outside_a_parameter_range_are_refused_before_running(tmp_path):
    path = write(tmp_path / "bad.yaml", "description: bad\nscenario: quick.yaml\nfactors:\n"
                 "  support.handoff_loss: [0, 1]\n  procurement.results_share: "
                 "{dist: norm, bounds: [0.3, 0.4]}\noutputs: [wellbeing_mean]\n"
                 "method: sobol\nsample: {N: 8}\n")
    spec = experiments.load(path)  # the file is well formed ...
    with pytest.raises(ExperimentFileError, match=r"bad.yaml:5: factor "
                       r"procurement.results_share reaches -?\d.* not allowed"):
        experiments.prepare(spec)  # ... but its normal distribution leaves [0, 1]


def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    bad = write(work / "bad.yaml", HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: sobol\n"
                "sample: {N: 100}\n")
    latin = write(work / "latin.yaml", HEAD + GOOD_FACTORS + "outputs: [y]\nmethod: latin\n"
                  "sample: {N: 50}\n")
    out = ["--out", str(work / "out")]
    for args in (["sensitivity", str(bad), *out], ["sensitivity", str(latin), *out],
                 ["discover", str(latin), *out], ["sensitivity", *out],
                 ["sensitivity", "nope.yaml", *out], ["sensitivity", "--resume", str(work)],
                 ["sensitivity", str(latin), "--workers", "0", *out]):
        proc = subprocess.run([HLS_SIM, *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in work.iterdir()) == ["bad.yaml", "latin.yaml"]
    assert "bad.yaml:9: sample.N=100 must be a power of two" in subprocess.run(
        [HLS_SIM, "sensitivity", str(bad)], cwd=ROOT, capture_output=True, text=True,
        timeout=120).stderr


def test_help_has_examples():
    for command in ("sensitivity", "discover"):
        proc = subprocess.run([HLS_SIM, command, "--help"], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0 and "examples:" in proc.stdout and "--resume" in \
            proc.stdout and "--dask" in proc.stdout


def test_shipped_experiments_are_valid():
    names = experiments.available()
    for name in ("morris_screening", "sobol_regime_gap", "who_wins", "who_wins_procurement"):
        spec = experiments.load(names[name])
        X = experiments.prepare(spec)
        assert spec.description and len(X) > 0
    for name in ("who_wins", "who_wins_procurement"):  # both sides asked
        d = experiments.load(names[name]).discover
        assert [q["direction"] for q in d["questions"]] == ["above", "below"]
    # The screening covers every magnitude with a prior range and levers in both arms.
    morris = experiments.load(names["morris_screening"])
    priors = {r["name"] for r in parameter_table() if r["prior"]
              and r["name"].split(".")[0] not in LEVER_GROUPS}
    assert priors <= {f.parameter for f in morris.factors}
    assert {a for f in morris.factors for a in (f.arms or ())} == {"competitive",
                                                                  "collaborative"}


def test_priors_all_draws_every_documented_prior_and_lever_at_arm_sets_one_arm(tmp_path):
    """`priors: all` adds each non-lever parameter with a prior range, over that range,
    in every arm; a factor listed by hand wins; `bounds: prior` takes a lever's range;
    `parameter@arm` sets the parameter in that arm only."""
    path = write(tmp_path / "p.yaml", """\
description: priors
scenario: quick.yaml
arms:
  competitive: {}
  collaborative: {regime: collaborative}
priors: {exclude: [market.price_creep]}
factors:
  support.handoff_loss: [0.2, 0.3]
  practice.episode_limit_weeks@competitive: [13, 52]
  practice.episode_limit_weeks@collaborative: [52, 104]
  procurement.review_rigour@collaborative: prior
outputs:
  - {name: gap, metric: wellbeing_change_52, difference: [collaborative, competitive]}
method: morris
sample: {N: 2}
""")
    spec = experiments.load(path)
    table = {r["name"]: r["prior"] for r in parameter_table() if r["prior"]}
    by_name = {f.name: f for f in spec.factors}
    expected = {n for n in table if n.split(".")[0] not in LEVER_GROUPS} - \
        {"market.price_creep", "support.handoff_loss"}
    drawn = {n for n, f in by_name.items() if f.prior and f.arms is None}
    assert drawn == expected
    for n in expected:
        assert list(by_name[n].bounds) == table[n] and by_name[n].arms is None
    assert by_name["support.handoff_loss"].bounds == (0.2, 0.3)  # by hand wins
    rigour = by_name["procurement.review_rigour@collaborative"]
    assert list(rigour.bounds) == table["procurement.review_rigour"] and rigour.prior
    assert rigour.arms == ("collaborative",) and rigour.parameter == \
        "procurement.review_rigour"
    X = experiments.prepare(spec)
    runs = experiments.DesignEnsemble(spec, X).runs()
    values = experiments.DesignEnsemble(spec, X).values()
    for r in runs[:8]:
        over = dict(r.overrides)
        want = values[r.sample][f"practice.episode_limit_weeks@{r.scenario}"]
        assert over["practice.episode_limit_weeks"] == want
        assert ("procurement.review_rigour" in over) == (r.scenario == "collaborative")
        assert over["learning.meeting_learning_gain"] == \
            values[r.sample]["learning.meeting_learning_gain"]  # same in both arms
    # The manifest records the ranges drawn, so --resume rebuilds these factors.
    manifest = experiments.DesignEnsemble(spec, X).to_manifest()["design"]
    assert manifest["priors"]["support.coverage_exponent"] == \
        table["support.coverage_exponent"]
    assert manifest["factor_ranges"]["procurement.review_rigour@collaborative"]["prior"]


@pytest.mark.parametrize("tail, line, message", [
    ("noise: {pionts: 3}\n", 10, "unknown noise setting 'pionts'; did you mean 'points'?"),
    ("noise: {points: 1}\n", 10, "invalid noise.points=1: allowed a whole number >= 2"),
    ("checks: {max_interval: 1.5}\n", 10,
     "invalid checks.max_interval=1.5: allowed a number > 0.0 and <= 1.0"),
    ("reduce: max\n", 10, "invalid reduce='max': allowed 'mean' or 'median'"),
    ("seeds: shared\n", 10, "invalid seeds='shared': allowed 'common' or 'independent'"),
    ("replicates: 2.0\n", 10, "invalid replicates=2.0: allowed a whole number >= 1"),
    ("discover: {output: y, above: 0, boxs: 2}\n", 10,
     "unknown discover setting 'boxs'; did you mean 'boxes'?"),
    ("discover: {output: y, above: 0, below: 0.5}\n", 10,
     "discover: below=0.5 must be less than above=0"),
    ("discover: {output: y}\n", 10, "discover needs above: T, below: T or both"),
    ("discover: {output: y, below: 0, above_label: wins}\n", 10,
     "discover: above_label names the question of above: T, which is not given"),
    ("discover: {output: y, above: 1, above_label: 3}\n", 10,
     "invalid discover.above_label=3"),
    ("priors: some\n", 10, "priors must be a mapping of settings (exclude, groups, group), "
     "or 'all'"),
    ("priors: {exclud: []}\n", 10, "unknown priors setting 'exclud'; did you mean 'exclude'?"),
])
def test_the_file_s_shape_is_checked_by_its_pydantic_schema(tmp_path, tail, line, message):
    """Keys, types and ranges come from hls_sim.design.schema (pydantic): one line with
    the file, the line, what was given and what is allowed."""
    path = write(tmp_path / "bad.yaml", HEAD + GOOD_FACTORS +
                 "outputs: [y]\nmethod: sobol\nsample: {N: 8}\n" + tail)
    with pytest.raises(ExperimentFileError) as err:
        experiments.load(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:{line}: ") and message in msg and "\n" not in msg, msg
