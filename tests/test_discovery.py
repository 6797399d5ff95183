"""Scenario discovery: PRIM (EMA Workbench) and a decision tree find boxes planted in
synthetic data, with their coverage and density; `hls-sim discover` runs the whole way
through the runner to the report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from hls_sim.analysis.discovery import interest, prim_boxes, tree_boxes

ROOT = Path(__file__).resolve().parent.parent
HLS_SIM = str(Path(sys.executable).parent / "hls-sim")


def planted_data(n: int = 1000, flip: float = 0.03, seed: int = 0):
    """Four factors; the cases of interest are a in [0.2, 0.5] and b >= 0.6 (12% of the
    space), with a few labels flipped at random."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n),
                      "c": rng.uniform(0, 1, n), "d": rng.choice(["p", "q"], n)})
    inside = (x["a"] >= 0.2) & (x["a"] <= 0.5) & (x["b"] >= 0.6)
    y = (inside ^ (rng.uniform(size=n) < flip)).astype(int).to_numpy()
    return x, y, inside.to_numpy()


def test_prim_finds_the_planted_box_with_its_coverage_and_density():
    x, y, inside = planted_data()
    traj, stats, limits = prim_boxes(x, y, density=0.8, boxes=2)
    first = limits[limits["box"] == 1].set_index("factor")
    assert {"a", "b"} <= set(first.index)
    assert abs(first.loc["a", "lower"] - 0.2) < 0.03 and abs(first.loc["a", "upper"] - 0.5) < 0.03
    assert abs(first.loc["b", "lower"] - 0.6) < 0.03
    assert first.loc["a", "qp"] < 1e-6 and first.loc["b", "qp"] < 1e-6
    s = stats.set_index("box").loc[1]
    # Coverage and density of the box as reported equal a direct count.
    in_box = ((x["a"] >= first.loc["a", "lower"]) & (x["a"] <= first.loc["a", "upper"])
              & (x["b"] >= first.loc["b", "lower"]) & (x["b"] <= first.loc["b", "upper"]))
    for f in set(first.index) - {"a", "b"}:
        in_box &= (x[f] >= first.loc[f, "lower"]) & (x[f] <= first.loc[f, "upper"])
    assert s["n"] == in_box.sum() and s["k"] == y[in_box].sum()
    assert s["coverage"] == y[in_box].sum() / y.sum()
    assert s["density"] == y[in_box].mean()
    assert s["coverage"] > 0.8 and s["density"] > 0.85
    # The trade-off curve: from everything (coverage 1) to the chosen box.
    t1 = traj[traj["box"] == 1]
    assert t1["coverage"].iloc[0] == 1.0 and t1["selected"].sum() == 1
    assert t1["density"].iloc[0] == y.mean()


def test_prim_restricts_a_categorical_factor_to_its_level():
    rng = np.random.default_rng(1)
    n = 800
    x = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n),
                      "award": rng.choice(["price_quality", "partnership"], n)})
    y = ((x["award"] == "partnership") & (x["a"] < 0.5)).astype(int).to_numpy()
    _, stats, limits = prim_boxes(x, y, density=0.9, boxes=1)
    box = limits.set_index("factor")
    assert json.loads(box.loc["award", "levels"]) == ["partnership"]
    assert abs(box.loc["a", "upper"] - 0.5) < 0.03
    assert stats["density"].iloc[0] > 0.95


def test_decision_tree_finds_the_planted_box():
    x, y, _ = planted_data()
    tree, text = tree_boxes(x, y, depth=3, min_leaf=0.05)
    best = tree.iloc[0]
    assert "a" in best["rule"] and "b" in best["rule"]
    assert best["coverage"] > 0.75 and best["density"] > 0.9
    assert "class: 1" in text


def test_no_box_when_the_outcome_holds_everywhere_or_nowhere():
    """A side that wins at every sampled point (or at none) has no box: PRIM is not asked
    (EMA Workbench refuses an outcome without both values), and the tree's one leaf says
    'everywhere'."""
    x, _, _ = planted_data(n=200)
    for y in (np.ones(200, dtype=int), np.zeros(200, dtype=int)):
        traj, stats, limits = prim_boxes(x, y)
        assert traj.empty and stats.empty and limits.empty
    tree, _ = tree_boxes(x, np.ones(200, dtype=int))
    assert tree["rule"].tolist() == ["everywhere"] and tree["coverage"].iloc[0] == 1.0


def test_interest_direction():
    y = np.array([-1.0, 0.0, 0.5, 2.0])
    assert interest(y, "above", 0.5).tolist() == [0, 0, 1, 1]
    assert interest(y, "below", 0.0).tolist() == [1, 1, 0, 0]


def test_discover_command_finds_the_planted_box_through_the_runner(tmp_path):
    exp = tmp_path / "planted.yaml"
    exp.write_text("""\
description: When is the gap large? (a planted box)
model: tests.sa_models:planted
factors:
  a: [0, 1]
  b: [0, 1]
  c: [0, 1]
outputs: [gap]
method: latin
sample: {N: 600}
seed: 7
discover:
  output: gap
  above: 0.5
""")
    out = tmp_path / "out"
    proc = subprocess.run([HLS_SIM, "discover", str(exp), "--workers", "2", "-q", "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "PRIM box 1" in proc.stdout and "tree leaf" in proc.stdout
    limits = pd.read_csv(out / "discovery" / "prim_limits.csv")
    first = limits[limits["box"] == 1].set_index("factor")
    assert {"a", "b"} <= set(first.index) and "c" not in first.index
    assert abs(first.loc["a", "lower"] - 0.2) < 0.05 and abs(first.loc["a", "upper"] - 0.5) < 0.05
    assert abs(first.loc["b", "lower"] - 0.6) < 0.05
    stats = pd.read_csv(out / "discovery" / "prim_boxes.csv")
    assert stats["density"].iloc[0] > 0.9 and stats["coverage"].iloc[0] > 0.8
    points = pd.read_parquet(out / "outputs" / "points.parquet")
    assert len(points) == 600 and {"a", "b", "c", "gap"} <= set(points.columns)
    html = (out / "report.html").read_text()
    assert "Scenario discovery" in html and "data:image/png;base64," in html
    for stem in ("prim_tradeoff", "prim_boxes", "prim_scatter"):
        assert (out / "figures" / f"{stem}.png").is_file() and \
            (out / "figures" / f"{stem}.svg").is_file()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_discover_asks_both_sides_and_finds_each_planted_box(tmp_path):
    """One file, two questions (above and below): each gets its own PRIM box, the
    shares of the space where each side wins (and neither does) are counted, and the
    report and the terminal say both."""
    exp = tmp_path / "both.yaml"
    exp.write_text("""\
description: Where does each side win? (two planted boxes)
model: tests.sa_models:planted_both_sides
factors:
  a: [0, 1]
  b: [0, 1]
  c: [0, 1]
outputs: [gap]
method: latin
sample: {N: 600}
seed: 3
discover:
  output: gap
  above: 0.5
  above_label: one side wins
  below: -0.5
  below_label: the other side wins
""")
    out = tmp_path / "out"
    proc = subprocess.run([HLS_SIM, "discover", str(exp), "--workers", "2", "-q", "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "one side wins" in proc.stdout and "the other side wins" in proc.stdout
    assert "shares of the sampled space" in proc.stdout
    limits = pd.read_csv(out / "discovery" / "prim_limits.csv")
    above = limits[(limits["question"] == "above") & (limits["box"] == 1)].set_index("factor")
    below = limits[(limits["question"] == "below") & (limits["box"] == 1)].set_index("factor")
    assert abs(above.loc["a", "lower"] - 0.2) < 0.05 and abs(above.loc["a", "upper"] - 0.5) < 0.05
    assert abs(above.loc["b", "lower"] - 0.6) < 0.05
    assert abs(below.loc["a", "lower"] - 0.7) < 0.05 and abs(below.loc["b", "upper"] - 0.3) < 0.05
    # The shares are direct counts of the sample points on each side.
    points = pd.read_parquet(out / "outputs" / "points.parquet")
    summary = json.loads((out / "discovery" / "summary.json").read_text())
    sides = {q["direction"]: q for q in summary["questions"]}
    assert sides["above"]["n_interest"] == int((points["gap"] >= 0.5).sum())
    assert sides["below"]["n_interest"] == int((points["gap"] <= -0.5).sum())
    assert summary["n_neither"] == 600 - sides["above"]["n_interest"] - \
        sides["below"]["n_interest"]
    assert 0.05 < sides["above"]["share"] < 0.2 and 0.03 < sides["below"]["share"] < 0.15
    # Reading back gives one result per question; the report has a section for each.
    from hls_sim.analysis.discovery import load_results
    back = load_results(out)
    assert [r.direction for r in back] == ["above", "below"]
    assert back[1].label == "the other side wins" and len(back[1].box_stats) >= 1
    html = (out / "report.html").read_text()
    assert "one side wins" in html and "the other side wins" in html and "neither" in html
    for side in ("above", "below"):
        assert (out / "figures" / f"prim_boxes_{side}.png").is_file()
        assert (out / "discovery" / f"tree_{side}.txt").is_file()
