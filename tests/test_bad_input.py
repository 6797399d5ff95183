"""Bad input, all of it refused before anything runs: one line, exit status 2, nothing
written. And the property behind it: any value of any parameter in a scenario file gives
either that refusal or a run that completes."""

from __future__ import annotations

import contextlib
import io
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hls_sim import cli, feasibility, scenarios
from hls_sim.params import make_params, parameter_names

ROOT = Path(__file__).resolve().parent.parent
HLS_SIM = str(Path(sys.executable).parent / "hls-sim")
QUICK = ROOT / "scenarios" / "quick.yaml"
COLLABORATIVE = ROOT / "scenarios" / "collaborative.yaml"
# A place small enough that a run takes a fraction of a second.
SMALL = {"place": {"n_people": 200, "n_weeks": 60, "burn_in_weeks": 8, "n_organisations": 6,
                   "n_practitioners": 12, "n_localities": 2},
         "money": {"budget_per_week": 8_700.0}}

BAD = {
    "nan": "extends: {q}\npeople:\n  shock_size: .nan\n",
    "inf": "extends: {q}\nmoney:\n  budget_per_week: .inf\n",
    "minus_inf": "extends: {q}\nsupport:\n  relationship_weeks: -.inf\n",
    "inf_after_switch": "extends: {q}\nswitch_week: 10\nswitch_to: collaborative\n"
                        "switch_overrides:\n  discretion: .nan\n",
    "huge_place": "extends: {q}\nplace:\n  n_people: 100000000000\n",
    "switch_after_last_week": "extends: {q}\nswitch_week: 208\nswitch_to: collaborative\n",
    "burn_in_longer_than_run": "extends: {q}\nplace:\n  n_weeks: 40\n  burn_in_weeks: 52\n",
    "meetings_rarer_than_the_run": "extends: {q}\nregime: collaborative\npractice:\n"
                                   "  learning_meeting_weeks: 300\n",
    "empty_file": "",
    "only_comments": "# nothing here yet\n",
    "pay_beyond_the_contract": "extends: {q}\nprocurement:\n  results_share: 0.7\n"
                               "  activity_share: 0.6\n",
    "generalists_better_than_specialists": "extends: {q}\nlearning:\n  skill_general: 0.9\n"
                                           "  skill_specialist: 0.4\n",
    "all_admin": "extends: {q}\nworkforce:\n  fixed_admin_hours: 30\npractice:\n"
                 "  reporting_burden: 1.5\n",
    # The economic case's settings (issue 15), refused before the runs, not after them.
    "appraisal_longer_than_the_run": "extends: {q}\nappraisal:\n  appraisal_years: 5\n",
    "price_year_the_deflator_lacks": "extends: {q}\nappraisal:\n  price_year: '2031'\n",
    "wellby_values_out_of_order": "extends: {q}\nappraisal:\n  wellby_value_low: 20000\n",
    "negative_unit_cost": "extends: {q}\nappraisal:\n  unit_cost_police_incident: -5\n",
    "bad_discount_schedule": "extends: {q}\nappraisal:\n  discount_schedule: [[5, 0.035]]\n",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_kind_of_bad_scenario_is_refused_in_one_line_writing_nothing(tmp_path, case):
    path = tmp_path / f"{case}.yaml"
    path.write_text(BAD[case].format(q=QUICK))
    out = tmp_path / "out"
    for command in (["validate", str(path)], ["run", str(path), "-q", "--out", str(out)]):
        proc = subprocess.run([HLS_SIM, *command], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert lines[0].startswith(f"hls-sim: error: {path}")
        assert "allowed" in lines[0] or "needs" in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing written


def test_memory_is_refused_with_the_estimate_and_what_is_available():
    p = make_params({"place.n_people": 50_000_000, "place.n_weeks": 520})
    with pytest.raises(feasibility.FeasibilityError) as exc:
        feasibility.check(p, available=8e9)
    msg = str(exc.value)
    assert "50,000,000 people over 520 weeks" in msg and "8.0 GB of memory is available" \
        in msg and "need about 2" in msg  # 2xx GB: 50M people x (1.2 KB + 520 x 8 B)
    feasibility.check(make_params("competitive"), available=8e9)  # the default place fits
    small = make_params("competitive")
    need = feasibility.estimate_bytes(small)
    with pytest.raises(feasibility.FeasibilityError, match="x 4 runs at once"):
        feasibility.check(small, available=need * 3.5, runs_at_once=4)


def test_the_runner_refuses_what_its_workers_cannot_hold_before_creating_a_folder(tmp_path):
    """Each run fits, but not one per worker at once: refused by the runner, no folder."""
    from hls_sim.runner import Ensemble, run_ensemble

    scen = scenarios.from_overrides("s", {"place.n_people": 1000})
    need = feasibility.estimate_bytes(scen.params)
    original = feasibility.available_bytes
    feasibility.available_bytes = lambda: need * 1.5
    try:
        with pytest.raises(feasibility.FeasibilityError, match="fewer --workers"):
            run_ensemble(Ensemble([scen], replicates=4), tmp_path / "o", workers=4,
                           progress=False)
    finally:
        feasibility.available_bytes = original
    assert not (tmp_path / "o").exists()


def test_the_estimate_is_above_a_measured_run():
    """The memory estimate is an upper bound of what a run really takes (peak RSS of a
    fresh process running one default-size run), and not wildly above it."""
    code = ("import hls_sim; from hls_sim import feasibility; "
            "hls_sim.run('competitive', seed=1); print(feasibility.peak_rss_bytes())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    peak = float(proc.stdout.split()[-1])
    estimate = feasibility.estimate_bytes(make_params("competitive"))
    assert peak < estimate < 3 * peak


# --------------------------------------------------------------------------- property


def _cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, err.getvalue()


def scenario_file(folder: Path, values: dict, extends: Path = QUICK) -> Path:
    content: dict = {"description": "random values", "extends": str(extends),
                     **{g: dict(v) for g, v in SMALL.items()}}
    for name, value in values.items():
        group, _, field = name.partition(".")
        if field:
            content.setdefault(group, {})[field] = value
        else:
            content[name] = value
    path = folder / "random.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def assert_refused_or_complete(values: dict, extends: Path = QUICK) -> None:
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        path = scenario_file(folder, values, extends)
        out = folder / "out"
        # The no-service arm is left out: the values under test are the scenario's own.
        code, err = _cli(["run", str(path), "-n", "1", "--workers", "1", "-q", "--no-report",
                          "--skip-no-service", "--out", str(out)])
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("hls-sim: error: "), (values, err)
            assert not out.exists(), values
        else:
            assert code == 0, (values, code, err)
            assert len(list((out / "runs").glob("*.json"))) == 1, values


HUGE = [math.nan, math.inf, -math.inf, 1e308, -1e308, 1e30, 10**18, -(10**18), 10**30]
values = st.one_of(
    st.sampled_from(HUGE),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2.0, max_value=2.0),
    st.integers(min_value=-3, max_value=120),
    st.booleans(),
    st.sampled_from(["", "collaborative", "price_quality", "partnership", "x"]),
    st.none(),
)
names = st.sampled_from([n for n in parameter_names() if n != "name"])


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(names, values, min_size=1, max_size=3))
def test_any_values_are_refused_in_one_line_or_run_to_the_end(values):
    assert_refused_or_complete(values)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(names, values, min_size=1, max_size=3))
def test_any_values_in_a_collaborative_place_are_refused_or_run_to_the_end(values):
    """The same in the collaborative preset's place (quick.yaml is competitive), whose
    mechanisms (learning meetings, partnership reviews, test-and-learn, flexible budget)
    read parameters the competitive week never reaches."""
    assert_refused_or_complete(values, extends=COLLABORATIVE)


@pytest.mark.parametrize("extends", [QUICK, COLLABORATIVE], ids=lambda p: p.stem)
@pytest.mark.parametrize("value", [math.nan, math.inf, 1e308, 10**30, -1], ids=str)
def test_every_parameter_takes_an_extreme_value_without_a_traceback(value, extends):
    """Every parameter in turn: refused in one line at load, or it runs to the end, in
    a competitive place and in a collaborative one."""
    for name in parameter_names():
        if name == "name":
            continue
        assert_refused_or_complete({name: value}, extends)


@pytest.mark.parametrize("preset", ["competitive", "collaborative"])
def test_every_value_a_prior_allows_passes_the_feasibility_checks(preset):
    """A sensitivity design samples each parameter across its documented prior range, so
    the feasibility checks must let the whole range through, each end on its own (until
    3 December 2026 the magnitude check read "hours per tender" as hours in a week and
    refused the tender's prior above 168)."""
    from hls_sim import feasibility
    from hls_sim.params import make_params, parameter_table

    refused = []
    for row in parameter_table():
        if not row["prior"]:
            continue
        for value in row["prior"]:
            if isinstance(row["default"], int) and not isinstance(row["default"], bool):
                value = int(value)
            try:
                feasibility.check(make_params(preset, **{row["name"].replace(".", "__"):
                                                         value}))
            except feasibility.FeasibilityError as e:
                refused.append(str(e))
    assert not refused, refused
