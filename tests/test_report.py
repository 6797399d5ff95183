"""The HTML report: generated from a real results folder, self-contained, with its
figures (embedded, and as PNG and SVG files), tables, journeys and provenance."""

from __future__ import annotations

import base64
import re

import pytest

from hls_sim import scenarios
from hls_sim.analysis import HEADLINE, paired_differences
from hls_sim.report import write_report
from hls_sim.runner import Ensemble, load_results, run_ensemble


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    small = {"place.n_people": 400, "place.n_weeks": 80, "place.n_organisations": 6,
             "place.n_practitioners": 16, "place.n_localities": 2, "place.burn_in_weeks": 8,
             "money.budget_per_week": 11_600.0}
    exp = Ensemble([scenarios.from_overrides("competitive", {**small}, "competitive, small"),
                      scenarios.from_overrides("collaborative",
                                               {**small, "regime": "collaborative"},
                                               "collaborative, small")],
                     replicates=5, seed=2, question="Does collaboration help here?")
    out = tmp_path_factory.mktemp("report") / "exp"
    run_ensemble(exp, out, workers=2, progress=False)
    return out, write_report(out)


def test_report_is_self_contained_html_with_figures(compared):
    out, path = compared
    html = path.read_text()
    assert path == out / "report.html" and html.startswith("<!DOCTYPE html>")
    assert "Does collaboration help here?" in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 4
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert not re.search(r'(src|href)="(?!data:|#)', html)  # nothing fetched from elsewhere
    for stem in ("timeseries", "distributions", "complexity", "spend"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 1000
        assert (out / "figures" / f"{stem}.svg").read_text().lstrip().startswith("<?xml")


def test_report_tables_journeys_assumptions_provenance(compared):
    out, path = compared
    html = path.read_text()
    for o in HEADLINE:
        assert o.label.replace("&", "&amp;") in html
    for domain in ("People", "Equity", "Workforce", "Providers", "Learning", "Money",
                   "Honesty of measurement"):
        assert f">{domain}<" in html
    assert "collaborative − competitive" in html
    # The paired difference shown equals the analysis, to the printed precision.
    res = load_results(out)
    d = paired_differences(res.summary, "competitive", ["wellbeing_mean"]).iloc[0]
    assert f"{d['diff_mean']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]" in html
    assert html.count("<h3>Person ") in (2, 3)
    assert "Week " in html and "arrived in the place" in html
    assert "procurement.contract_length_weeks" in html  # a parameter that differs
    assert "docs/ODD.md" in html
    assert res.manifest["versions"]["hls_sim"] in html


def test_report_command_rewrites_the_report(compared, tmp_path):
    import subprocess
    import sys

    out, path = compared
    path.unlink()
    proc = subprocess.run([sys.executable, "-m", "hls_sim", "report", str(out)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert path.exists() and str(path) in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "hls_sim", "report", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not a results folder" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("replicates", [1, 2])
def test_one_scenario_gets_the_whole_report(tmp_path, replicates):
    """`hls-sim run` of one scenario writes every figure and table, for one replicate or
    a few (nothing in the report may assume two scenarios or two replicates)."""
    import subprocess
    import sys
    from pathlib import Path

    tiny = tmp_path / "tiny.yaml"
    tiny.write_text("description: a tiny place\nextends: quick\nplace:\n  n_people: 300\n"
                    "  n_weeks: 60\n  burn_in_weeks: 8\n")
    out = tmp_path / "one"
    hls = Path(sys.executable).parent / "hls-sim"
    proc = subprocess.run([str(hls), "run", str(tiny), "-n", str(replicates), "--out",
                           str(out), "-q", "--workers", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    html = (out / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 4
    for stem in ("timeseries", "distributions", "complexity", "spend"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 1000
    for o in HEADLINE:
        assert o.label.replace("&", "&amp;") in html
    assert " − " not in html  # no comparison columns
    assert "<h3>Person " in html
    assert "place.n_people" in html  # what the scenario sets away from the defaults
    if replicates == 1:
        assert "a single run" in html
