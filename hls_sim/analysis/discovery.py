"""Scenario discovery: for which factor ranges is an output above (or below) a threshold?

The cases of interest are the sample points where the output (e.g. collaborative minus
competitive wellbeing) is at least the threshold (``above``), or at most another
(``below``). A file may ask both at once: "where does collaboration win by more than X"
and "where does competition win by more than Y" are two questions about one output,
each with its own boxes, and the shares of the sampled space where each side wins (and
where neither does) are reported together. Two maintained methods describe where the
cases lie, in the factors' own units:

* PRIM, the Patient Rule Induction Method, as implemented in EMA Workbench
  (``ema_workbench.analysis.prim``): boxes found by peeling away thin slices of the
  factor space, each with its *coverage* (the share of all cases of interest inside
  it), *density* (the share of points inside it that are of interest) and the
  peeling trajectory (the coverage-density trade-off from which the box was picked).
* A decision tree (scikit-learn's ``DecisionTreeClassifier``): its leaves that predict
  "of interest", as boxes with the same coverage and density.

The box chosen from each PRIM trajectory is the one with the most coverage among those
at least as dense as ``discover.density``; if none is that dense, the densest.
"""

from __future__ import annotations

import inspect
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..runner.store import write_atomic

if TYPE_CHECKING:
    from ..design import DesignOutputs


@dataclass
class DiscoveryResults:
    """PRIM and decision-tree boxes for one question.

    Attributes:
        question: the question in words.
        output, direction, threshold: the cases of interest (output >= or <= threshold).
        n_points, n_interest: sample points used, and how many are of interest.
        trajectory: PRIM's peeling trajectories (box, id, coverage, density, mass,
            res_dim, n, k, selected).
        box_stats: the chosen PRIM boxes (box, coverage, density, mass, res_dim, n, k).
        box_limits: each chosen box's restricted factors (box, factor, lower, upper,
            levels, full_lower, full_upper, qp).
        tree: the tree's boxes (leaf, coverage, density, n, k, rule).
        tree_text: the whole tree as text.
    """

    question: str
    output: str
    direction: str
    threshold: float
    n_points: int
    n_interest: int
    trajectory: pd.DataFrame
    box_stats: pd.DataFrame
    box_limits: pd.DataFrame
    tree: pd.DataFrame
    tree_text: str
    label: str = ""

    @property
    def share(self) -> float:
        """The share of the sample points (with results) that are of interest."""
        return self.n_interest / self.n_points if self.n_points else float("nan")


def interest(y: np.ndarray, direction: str, threshold: float) -> np.ndarray:
    """1 where the output meets the threshold (``above``: >=, ``below``: <=), else 0."""
    return (y >= threshold if direction == "above" else y <= threshold).astype(int)


def prim_boxes(x: pd.DataFrame, y: np.ndarray, *, density: float = 0.8, boxes: int = 2,
               peel_alpha: float = 0.05, paste_alpha: float = 0.05,
               mass_min: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """PRIM (EMA Workbench) on factor values ``x`` and a 0/1 outcome ``y``.

    Returns the peeling trajectories, the chosen boxes' statistics and their limits.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ipyparallel missing, pandas future warnings
        from ema_workbench.analysis import prim
        from ema_workbench.analysis import scenario_discovery_util as sdutil

    x = x.reset_index(drop=True).copy()
    for c in x.columns:  # whole numbers as floats: PRIM pastes fractional limits
        if pd.api.types.is_numeric_dtype(x[c]) and not pd.api.types.is_bool_dtype(x[c]):
            x[c] = x[c].astype(float)
    y = np.asarray(y, dtype=int)
    traj_rows, stat_rows, limit_rows = [], [], []
    if y.sum() == 0 or y.all():
        # nowhere, or everywhere: there is no box to find (EMA's PRIM needs both 0 and 1)
        return (pd.DataFrame(traj_rows), pd.DataFrame(stat_rows), pd.DataFrame(limit_rows))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # EMA Workbench 3 (pinned for Python 3.12 and later) dropped PRIM's density
        # threshold: where a box's final density fell short of it, version 2 handed
        # back the whole space left (no box) and version 3 hands back the box. The same
        # rule is applied here on both, so results do not depend on the version.
        options = {"peel_alpha": peel_alpha, "paste_alpha": paste_alpha,
                   "mass_min": mass_min}
        if "threshold" in inspect.signature(prim.Prim.__init__).parameters:
            options["threshold"] = density
        p = prim.Prim(x, y, **options)
        for b in range(1, boxes + 1):
            box = p.find_box()
            if box is None or box.mean < density:
                break
            traj = box.peeling_trajectory.reset_index(drop=True)
            dense = traj[traj["density"] >= density]
            if len(dense):
                best = dense.sort_values(["coverage", "density"], ascending=False).index[0]
            else:
                best = traj["density"].idxmax()
            if int(traj.loc[best, "res_dim"]) == 0:
                break  # PRIM found nothing better than "everything left": no box
            box.select(int(best))
            for i, row in traj.iterrows():
                traj_rows.append({"box": b, **{k: _num(row[k]) for k in
                                               ("id", "coverage", "density", "mass",
                                                "res_dim", "n", "k")},
                                  "selected": i == best})
            stat_rows.append({"box": b, **{k: _num(traj.loc[best, k]) for k in
                                           ("coverage", "density", "mass", "res_dim", "n",
                                            "k")}})
            lims = box.box_lims[best]
            restricted = sdutil._determine_restricted_dims(lims, p.box_init)
            # quasi-p values: ``qp`` in EMA Workbench 2, ``p_values`` in 3
            qp = (box.p_values if "p_values" in vars(box) else box.qp)[best]
            for factor in restricted:
                lo, hi = lims[factor].iloc[0], lims[factor].iloc[1]
                init = p.box_init[factor]
                row = {"box": b, "factor": factor, "qp": _qp(qp.get(factor))}
                if isinstance(lo, set):
                    row.update(lower=np.nan, upper=np.nan, levels=json.dumps(
                        sorted(map(_plain, lo), key=str)), full_lower=np.nan,
                        full_upper=np.nan)
                else:
                    row.update(lower=float(lo), upper=float(hi), levels="",
                               full_lower=float(init.iloc[0]), full_upper=float(init.iloc[1]))
                limit_rows.append(row)
    return pd.DataFrame(traj_rows), pd.DataFrame(stat_rows), pd.DataFrame(limit_rows)


def tree_boxes(x: pd.DataFrame, y: np.ndarray, *, depth: int = 3,
               min_leaf: float = 0.05) -> tuple[pd.DataFrame, str]:
    """A decision tree (scikit-learn) on ``x``; its leaves that predict "of interest",
    as boxes with coverage and density, and the whole tree as text."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    enc, decode = _encode(x)
    y = np.asarray(y, dtype=int)
    n = len(y)
    clf = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=max(1, math.ceil(
        min_leaf * n)), random_state=0)
    clf.fit(enc.to_numpy(dtype=float), y)
    t = clf.tree_
    total = int(y.sum())
    leaves = clf.apply(enc.to_numpy(dtype=float))
    rows = []

    def walk(node: int, bounds: dict[str, list[float]]) -> None:
        if t.children_left[node] == -1:
            inside = leaves == node
            k, m = int(y[inside].sum()), int(inside.sum())
            if m and k / m > 0.5:
                rows.append({"leaf": node, "coverage": k / total if total else float("nan"),
                             "density": k / m, "n": m, "k": k,
                             "rule": _rule(bounds, decode)})
            return
        f = enc.columns[t.feature[node]]
        thr = float(t.threshold[node])
        lo, hi = bounds.get(f, [-math.inf, math.inf])
        walk(t.children_left[node], {**bounds, f: [lo, min(hi, thr)]})
        walk(t.children_right[node], {**bounds, f: [max(lo, thr), hi]})

    walk(0, {})
    text = export_text(clf, feature_names=list(enc.columns), show_weights=True)
    df = pd.DataFrame(rows, columns=["leaf", "coverage", "density", "n", "k", "rule"])
    return df.sort_values(["coverage", "density"], ascending=False).reset_index(drop=True), \
        text


def _encode(x: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[Any]]]:
    """Numeric columns as they are; others as codes in the order of their levels."""
    enc = pd.DataFrame(index=x.index)
    decode: dict[str, list[Any]] = {}
    for c in x.columns:
        col = x[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            levels = list(dict.fromkeys(col.tolist()))
            try:
                levels = sorted(levels)
            except TypeError:
                pass
            decode[c] = levels
            enc[c] = col.map({v: i for i, v in enumerate(levels)}).astype(float)
        else:
            enc[c] = col.astype(float)
    return enc, decode


def _rule(bounds: dict[str, list[float]], decode: dict[str, list[Any]]) -> str:
    parts = []
    for f, (lo, hi) in bounds.items():
        if f in decode:
            keep = [v for i, v in enumerate(decode[f]) if lo < i <= hi]
            parts.append(f"{f} in {{{', '.join(map(str, keep))}}}")
        elif math.isinf(lo):
            parts.append(f"{f} <= {hi:.4g}")
        elif math.isinf(hi):
            parts.append(f"{f} > {lo:.4g}")
        else:
            parts.append(f"{lo:.4g} < {f} <= {hi:.4g}")
    return " and ".join(parts) or "everywhere"


def _num(v: Any) -> float | int:
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _qp(values: Any) -> float:
    """The larger (less significant) of a restriction's quasi-p-values; NaN if none."""
    if not values:
        return float("nan")
    vals = [float(v) for v in values if v is not None and float(v) >= 0]
    return max(vals) if vals else float("nan")


def discover(outs: DesignOutputs) -> list[DiscoveryResults]:
    """PRIM and a decision tree on a design's outputs, for each question of the file's
    ``discover:`` section (``above``, ``below``, or both: one result each)."""
    from ..runner.ensemble import EnsembleError

    spec = outs.spec
    d = spec.discover
    if d is None:
        raise EnsembleError(f"{spec.name}: the experiment has no discover: section (which "
                              "output, and above or below what threshold)")
    y_all = outs.Y[d["output"]].to_numpy(dtype=float)
    keep = ~np.isnan(y_all)
    x = outs.values.loc[keep].reset_index(drop=True)
    if int(keep.sum()) < 20:
        raise EnsembleError(f"{outs.root}: only {int(keep.sum())} sample points have "
                              "results; scenario discovery needs many (hundreds)")
    questions = d.get("questions") or [{"direction": d["direction"],
                                        "threshold": d["threshold"], "label": ""}]
    out = []
    for q in questions:
        y = interest(y_all[keep], q["direction"], q["threshold"])
        traj, stats, limits = prim_boxes(x, y, density=d["density"], boxes=d["boxes"],
                                         peel_alpha=d["peel_alpha"],
                                         paste_alpha=d["paste_alpha"],
                                         mass_min=d["mass_min"])
        tree, text = tree_boxes(x, y, depth=d["tree_depth"], min_leaf=d["tree_min_leaf"])
        sign = ">=" if q["direction"] == "above" else "<="
        question = f"For which factor ranges is {d['output']} {sign} {q['threshold']:g}?"
        out.append(DiscoveryResults(question, d["output"], q["direction"], q["threshold"],
                                    len(y), int(y.sum()), traj, stats, limits, tree, text,
                                    q.get("label") or ""))
    return out


TABLES = {"prim_trajectory.csv": "trajectory", "prim_boxes.csv": "box_stats",
          "prim_limits.csv": "box_limits", "tree_boxes.csv": "tree"}
"""The tables of ``discovery/`` and the attribute each holds (a ``question`` column,
``above`` or ``below``, says which question a row answers)."""


def write(results: DiscoveryResults | list[DiscoveryResults], root: Path) -> Path:
    """Write ``discovery/``: the PRIM trajectories, boxes and limits and the trees' boxes
    (one table each, a ``question`` column saying which side), each tree as text
    (``tree.txt``, or ``tree_above.txt`` and ``tree_below.txt`` when both are asked), and
    ``summary.json`` (each question, its share of the sample, and where neither side
    holds)."""
    results = [results] if isinstance(results, DiscoveryResults) else list(results)
    d = Path(root) / "discovery"
    d.mkdir(parents=True, exist_ok=True)
    for file, attr in TABLES.items():
        frames = [getattr(r, attr).assign(question=r.direction) for r in results]
        frames = [f for f in frames if len(f)]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        write_atomic(d / file, table.to_csv(index=False))
    for r in results:
        name = "tree.txt" if len(results) == 1 else f"tree_{r.direction}.txt"
        write_atomic(d / name, r.tree_text)
    questions = [{"question": r.question, "label": r.label, "output": r.output,
                  "direction": r.direction, "threshold": r.threshold,
                  "n_points": r.n_points, "n_interest": r.n_interest, "share": r.share}
                 for r in results]
    summary = {**questions[0], "questions": questions}
    if len(results) == 2:  # the rest of the sampled space: neither side wins by its margin
        n = results[0].n_points
        summary["n_neither"] = n - sum(r.n_interest for r in results)
        summary["share_neither"] = summary["n_neither"] / n if n else float("nan")
    write_atomic(d / "summary.json", json.dumps(summary, indent=2) + "\n")
    return d


def load_results(root: str | Path) -> list[DiscoveryResults] | None:
    """Read what :func:`write` wrote: one result per question (None if the folder has
    no discovery)."""
    d = Path(root) / "discovery"
    if not (d / "summary.json").is_file():
        return None
    s = json.loads((d / "summary.json").read_text())

    def csv(name: str) -> pd.DataFrame:
        try:
            return pd.read_csv(d / name, keep_default_na=True)
        except pd.errors.EmptyDataError:
            return pd.DataFrame()

    tables = {file: csv(file) for file in TABLES}
    questions = s.get("questions") or [s]
    out = []
    for q in questions:
        parts = {}
        for file, attr in TABLES.items():
            t = tables[file]
            if "question" in t.columns:
                t = t[t["question"] == q["direction"]].drop(columns="question")
            parts[attr] = t.reset_index(drop=True)
        tree = d / ("tree.txt" if len(questions) == 1 else f"tree_{q['direction']}.txt")
        out.append(DiscoveryResults(q["question"], q["output"], q["direction"],
                                    q["threshold"], q["n_points"], q["n_interest"],
                                    parts["trajectory"], parts["box_stats"],
                                    parts["box_limits"], parts["tree"],
                                    tree.read_text() if tree.is_file() else "",
                                    q.get("label", "")))
    return out


def discover_folder(path: str | Path) -> tuple[list[DiscoveryResults], DesignOutputs]:
    """Read a design's results folder, run PRIM and the tree for each question, write
    ``discovery/``."""
    from ..design import design_outputs
    from .sensitivity import write_outputs

    outs = design_outputs(path)
    res = discover(outs)
    write(res, outs.root)
    write_outputs(outs)
    return res, outs
