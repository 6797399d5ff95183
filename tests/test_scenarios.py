"""Scenario files: the shipped ones are valid, and every kind of bad input is refused
with one clear line, exit status 2, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hls_sim import make_params, scenarios
from hls_sim.scenarios import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("base", "competitive", "collaborative", "switch_to_collaborative",
           "people_in_mind", "quick")
HLS_SIM = [sys.executable, "-m", "hls_sim"]


def test_every_shipped_scenario_loads_with_a_description():
    names = scenarios.available()
    for name in SHIPPED:
        s = scenarios.load(name)
        assert s.name == name and s.description and "\n" not in s.description
        assert names[name] == ROOT / "scenarios" / f"{name}.yaml"


@pytest.mark.parametrize("name", ["competitive", "collaborative"])
def test_regime_files_equal_the_presets(name):
    """competitive.yaml and collaborative.yaml spell out the presets, nothing more."""
    from_file = scenarios.load(name).params.model_dump()
    preset = make_params(name).model_dump()
    from_file.pop("name"), preset.pop("name")
    assert from_file == preset


def test_extends_inherits_and_overrides():
    pim = scenarios.load("people_in_mind")
    assert pim.params.regime == "collaborative"  # from collaborative.yaml
    assert pim.params.practice.learning_meeting_weeks == 8
    assert pim.params.place.n_people == 6000  # its own override
    assert pim.params.place.n_weeks == 520  # from base.yaml
    assert [Path(c).stem for c in pim.chain] == ["base", "collaborative", "people_in_mind"]
    switch = scenarios.load("switch_to_collaborative").params
    assert (switch.regime, switch.switch_week, switch.switch_to) == \
        ("competitive", 104, "collaborative")


def test_hash_is_of_the_resolved_content(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("description: x\nextends: %s\n" % (ROOT / "scenarios" / "quick.yaml"))
    b = tmp_path / "b.yaml"
    b.write_text("description: y\nextends: %s\nplace: {n_people: 1250}\n"
                 % (ROOT / "scenarios" / "quick.yaml"))
    sa, sb = scenarios.load(a), scenarios.load(b)
    assert sa.content["place"] == sb.content["place"]
    assert sa.hash != sb.hash  # names differ ...
    assert {**sa.content, "name": ""} == {**sb.content, "name": ""}  # ... nothing else


BAD = {
    "unknown_key": ("description: x\nregime: competitive\npractise:\n  discretion: 0.5\n",
                    ["unknown key 'practise'", "did you mean 'practice'"]),
    "unknown_param": ("description: x\nplace:\n  n_peple: 100\n",
                      ["bad.yaml:3", "unknown parameter 'place.n_peple'",
                       "did you mean 'place.n_people'"]),
    "wrong_type": ("description: x\nplace:\n  n_people: lots\n",
                   ["bad.yaml:3", "place.n_people='lots'", "allowed: int"]),
    "out_of_range": ("description: x\nsupport:\n  handoff_loss: 1.5\n",
                     ["bad.yaml:3", "support.handoff_loss=1.5", "<= 1"]),
    "bad_regime": ("description: x\nregime: colaborative\n",
                   ["bad.yaml:2", "regime='colaborative'", "competitive, collaborative"]),
    "missing_extends": ("description: x\nextends: nowhere.yaml\n",
                        ["extends 'nowhere.yaml', which does not exist"]),
    "malformed": ("description: x\nplace:\n  n_people: [1, 2\n  n_weeks: 3\n",
                  ["bad.yaml:", "malformed YAML"]),
    "not_a_mapping": ("- just\n- a list\n", ["must be a mapping"]),
    "group_not_mapping": ("place: 5\n", ["'place' must be a mapping"]),
    "half_a_switch": ("switch_week: 10\n", ["set both switch_week", "switch_to"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenarios_fail_in_one_line_with_status_2_and_write_nothing(tmp_path, case):
    text, expected = BAD[case]
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = tmp_path / "out"
    for cmd in (["validate", str(bad)], ["run", str(bad), "--out", str(out), "-q"]):
        proc = subprocess.run(HLS_SIM + cmd, capture_output=True, text=True, timeout=120,
                              cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr  # one line, never a traceback
        for fragment in expected:
            assert fragment in lines[0], (fragment, lines[0])
        assert not out.exists()  # nothing written


def test_circular_extends(tmp_path):
    (tmp_path / "a.yaml").write_text("description: a\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("description: b\nextends: a.yaml\n")
    with pytest.raises(ScenarioError, match=r"circular extends \(a.yaml -> b.yaml -> a.yaml\)"):
        scenarios.load(tmp_path / "a.yaml")


def test_missing_file_and_unknown_name():
    with pytest.raises(ScenarioError, match="no such scenario file"):
        scenarios.load("does/not/exist.yaml")
    with pytest.raises(ScenarioError, match="did you mean 'quick'"):
        scenarios.load("quik")


def test_yaml_is_loaded_safely(tmp_path):
    """A YAML tag that would build a Python object is refused, not executed."""
    bad = tmp_path / "evil.yaml"
    bad.write_text("description: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ScenarioError, match="malformed YAML"):
        scenarios.load(bad)


def test_validate_and_list_through_the_entry_point():
    script = Path(sys.executable).parent / "hls-sim"
    proc = subprocess.run([str(script), "validate", *[f"scenarios/{n}.yaml" for n in SHIPPED]],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ok  ") == len(SHIPPED)
    proc = subprocess.run([str(script), "list"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert proc.returncode == 0
    for name in SHIPPED:
        assert any(line.startswith(name + " ") for line in proc.stdout.splitlines())
