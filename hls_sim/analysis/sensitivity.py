"""Global sensitivity analysis with SALib: the sample, the indices, how far they have
converged, how much of the output is seed noise, and checks that say when a number
should not be trusted.

Every estimator is SALib's (``ProblemSpec`` with its samplers and analyzers); this
module only joins them to a design's runs:

* :func:`analyse` computes the indices with SALib's bootstrap intervals, and again on
  the first quarter and half of the sample (the convergence view).
* :func:`noise_table` measures the share of output variance due to seeds alone, from
  replicates at the same sample point.
* :func:`checks` turns the numbers into plain warnings: intervals too wide, too few
  replicates for the noise, indices still moving with N.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..design.sample import n_units, problem, rows_per_unit
from ..runner.store import write_atomic, write_parquet_atomic

if TYPE_CHECKING:
    from ..design import DesignOutputs, ExperimentSpec

ANALYSIS_SEED = 20261121  # + the file's seed: the same results always give the same intervals
MAIN_INDEX = {"sobol": "ST", "morris": "mu_star", "fast": "ST", "delta": "delta",
              "pawn": "median"}
"""The index each method ranks factors by."""
FIRST_ORDER = {"sobol": "S1", "fast": "S1", "delta": "S1"}
VARIANCE_BASED = ("sobol", "fast")
CONVERGENCE_MIN = {"sobol": 8, "morris": 2, "delta": 20, "pawn": 20}


@dataclass
class SensitivityResults:
    """Indices and everything needed to judge them.

    Attributes:
        indices: long table: output, method, factor, index, value, conf (half-width of
            the interval), low, high, n (sample size: base points, trajectories or points).
        second_order: Sobol second-order indices (output, factor_a, factor_b, value, conf).
        convergence: the indices at N/4, N/2 and N (same columns as ``indices``).
        noise: per output, the seed-noise share of variance (single run, analysed output).
        checks: warnings and notes, each {level, output, check, message}.
    """

    method: str
    indices: pd.DataFrame
    second_order: pd.DataFrame
    convergence: pd.DataFrame
    noise: pd.DataFrame
    checks: list[dict[str, Any]] = field(default_factory=list)

    def main(self, output: str) -> pd.DataFrame:
        """The ranking index of one output, largest first."""
        idx = self.indices
        d = idx[(idx["output"] == output) & (idx["index"] == MAIN_INDEX[self.method])]
        return d.sort_values("value", ascending=False)


# --------------------------------------------------------------------------- SALib glue


def _salib(spec: ExperimentSpec, X: np.ndarray, Y: np.ndarray,
           notes: list[str]) -> dict[str, Any]:
    """SALib's analysis of every output: {output: ResultDict}."""
    sp = problem(spec)
    sp.set_samples(X)
    sp.set_results(Y if Y.shape[1] > 1 else Y[:, 0])
    a = dict(spec.analyze)
    seed = ANALYSIS_SEED + spec.seed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = np.random.get_state()  # noqa: NPY002  (delta seeds the global generator)
        try:
            if spec.method == "sobol":
                sp.analyze_sobol(seed=seed, **a)
            elif spec.method == "morris":
                sp.analyze_morris(seed=seed, **a)
            elif spec.method == "fast":
                sp.analyze_fast(seed=seed, **a)
            elif spec.method == "pawn":
                sp.analyze_pawn(seed=seed, **a)
            elif spec.method == "delta":
                sp.analyze_delta(seed=seed, method="all", **a)
        finally:
            np.random.set_state(state)  # noqa: NPY002
    names = spec.factor_names
    for w in caught:
        text = " ".join(str(w.message).split())
        text = re.sub(r"\bx(\d+)\b", lambda m: names[int(m.group(1))]
                      if int(m.group(1)) < len(names) else m.group(0), text)
        if text not in notes:
            notes.append(text)
    res = sp.analysis
    if len(spec.output_names) == 1:
        res = {spec.output_names[0]: res}
    return res


def _rows(spec: ExperimentSpec, res: dict[str, Any], n: int) -> tuple[list, list]:
    units = spec.units
    rows, second = [], []
    m = spec.method
    for out, r in res.items():
        def add(index: str, values: Any, confs: Any = None, out: str = out) -> None:
            vals = np.asarray(values, dtype=float)
            cs = np.full(len(vals), np.nan) if confs is None else np.asarray(confs, dtype=float)
            for unit, v, c in zip(units, vals, cs, strict=True):
                rows.append({"output": out, "method": m, "factor": unit, "index": index,
                             "value": float(v), "conf": float(c), "low": float(v - c),
                             "high": float(v + c), "n": n})
        if m in ("sobol", "fast"):
            add("S1", r["S1"], r["S1_conf"])
            add("ST", r["ST"], r["ST_conf"])
            if m == "sobol" and "S2" in r:
                s2, c2 = np.asarray(r["S2"], float), np.asarray(r["S2_conf"], float)
                for i in range(len(units)):
                    for j in range(i + 1, len(units)):
                        second.append({"output": out, "factor_a": units[i],
                                       "factor_b": units[j], "value": float(s2[i, j]),
                                       "conf": float(c2[i, j]), "n": n})
        elif m == "morris":
            add("mu_star", np.ma.filled(r["mu_star"], np.nan),
                np.ma.filled(r["mu_star_conf"], np.nan))
            add("sigma", r["sigma"])
            add("mu", np.ma.filled(r["mu"], np.nan))
        elif m == "delta":
            add("delta", r["delta_raw"], r["delta_raw_conf"])
            add("S1", r["S1"], r["S1_conf"])
        elif m == "pawn":
            add("median", r["median"])
            add("minimum", r["minimum"])
            add("maximum", r["maximum"])
            add("CV", r["CV"])
    return rows, second


def _subset(spec: ExperimentSpec, X: np.ndarray, Y: np.ndarray,
            n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = n * rows_per_unit(spec)
    return X[:rows], Y[:rows]


def analyse(spec: ExperimentSpec, X: np.ndarray, Y: np.ndarray) -> SensitivityResults:
    """Indices of every output (columns of ``Y``, in the spec's order), with the
    convergence view and SALib's notes. ``Y`` must be complete for Sobol, Morris and
    eFAST; PAWN and delta use the points where every output is present."""
    notes: list[str] = []
    Y = np.asarray(Y, dtype=float)
    if spec.method in ("pawn", "delta"):
        keep = ~np.isnan(Y).any(axis=1)
        X, Y = X[keep], Y[keep]
    n = n_units(spec, X)
    rows, second = _rows(spec, _salib(spec, X, Y, notes), n)
    conv: list[dict[str, Any]] = []
    if spec.method != "fast":
        levels = sorted({max(n // 4, 1), max(n // 2, 1)} - {n})
        for level in levels:
            if level < CONVERGENCE_MIN[spec.method]:
                continue
            if spec.method == "pawn" and spec.analyze["S"] > level // 2:
                continue
            Xs, Ys = _subset(spec, X, Y, level)
            r, _ = _rows(spec, _salib(spec, Xs, Ys, []), level)
            conv += r
        conv += rows
    results = SensitivityResults(spec.method, pd.DataFrame(rows), pd.DataFrame(second),
                                 pd.DataFrame(conv), pd.DataFrame())
    results.checks += [{"level": "note", "output": "", "check": "salib", "message": t}
                       for t in notes]
    return results


# --------------------------------------------------------------------------- seed noise


def noise_table(spec: ExperimentSpec, per_run: pd.DataFrame, Y: pd.DataFrame) -> pd.DataFrame:
    """The share of output variance due to seeds alone, per output.

    * ``seed_share_run``: mean variance across seeds at the same sample point, over the
      variance of single runs across the whole design: how much of what one run says is
      luck.
    * ``seed_share_analysed``: the seed variance left in the analysed output (the mean,
      or median, of ``replicates`` runs), over that output's variance across the
      design: how much of what the indices explain is luck.
    * ``replicates_needed``: replicates per point that would bring the second below
      ``checks.max_noise_share``.
    """
    rows = []
    r = spec.replicates
    factor = math.pi / 2 if spec.reduce == "median" else 1.0  # variance of a median
    target = spec.checks["max_noise_share"]
    for o in spec.output_names:
        v = per_run[["sample", "replicate", o]].dropna()
        counts = v.groupby("sample")[o].count()
        multi = counts.index[counts >= 2]
        within = v[v["sample"].isin(multi)].groupby("sample")[o].var(ddof=1)
        w = float(within.mean()) if len(within) >= 2 else float("nan")
        single = v.loc[v["replicate"] < r, o]
        v1 = float(single.var(ddof=1)) if len(single) > 1 else float("nan")
        vr = float(Y[o].var(ddof=1)) if Y[o].notna().sum() > 1 else float("nan")
        noise_var = w * factor / r
        share_run = min(w / v1, 1.0) if v1 > 0 else float("nan")
        share_an = min(noise_var / vr, 1.0) if vr > 0 else float("nan")
        between = max(vr - noise_var, 0.0) if not math.isnan(vr) else float("nan")
        if math.isnan(w):
            needed = float("nan")
        elif between > 0:
            needed = float(max(1, math.ceil(w * factor * (1 - target) / (target * between))))
        else:
            needed = float("inf")
        rows.append({"output": o, "seed_share_run": share_run,
                     "seed_share_analysed": share_an, "seed_variance": w,
                     "run_variance": v1, "analysed_variance": vr, "replicates": r,
                     "points_measured": int(len(within)),
                     "replicates_at_measured_points": int(counts[multi].median())
                     if len(multi) else 0,
                     "replicates_needed": needed})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- checks


def checks(spec: ExperimentSpec, res: SensitivityResults) -> list[dict[str, Any]]:
    """Warnings (and notes) that stop a reader trusting a number they should not."""
    out: list[dict[str, Any]] = []
    m = spec.method
    c = spec.checks
    level_pct = f"{spec.analyze.get('conf_level', 0.95):.0%}"

    def say(level: str, output: str, check: str, message: str) -> None:
        out.append({"level": level, "output": output, "check": check, "message": message})

    for _, row in res.noise.iterrows():
        o = row["output"]
        if math.isnan(row["seed_variance"]):
            say("note", o, "noise", f"{o}: seed noise was not measured (one replicate per "
                "point and noise: false), so it cannot be told apart from the factors' effects")
            continue
        if row["seed_share_analysed"] > c["max_noise_share"]:
            need = row["replicates_needed"]
            advice = (f"use replicates: {int(need)} or more" if math.isfinite(need) else
                      "the factors explain no more than seed noise: more replicates, or "
                      "reconsider the output")
            say("warning", o, "replicates",
                f"{o}: seeds alone make {row['seed_share_analysed']:.0%} of the analysed "
                f"output's variance (a single run: {row['seed_share_run']:.0%}), above "
                f"{c['max_noise_share']:.0%} with {spec.replicates} replicate(s) per point: "
                f"the indices are blurred by noise; {advice}")

    idx = res.indices
    if m in ("sobol", "fast", "delta"):
        names = ("S1", "ST") if m != "delta" else ("delta", "S1")
        for o in spec.output_names:
            d = idx[(idx["output"] == o) & idx["index"].isin(names)]
            wide = d[d["conf"] > c["max_interval"]]
            if len(wide):
                facs = sorted(set(wide["factor"]))
                worst = float(wide["conf"].max())
                shrink = math.ceil((worst / c["max_interval"]) ** 2)
                grow = 2 ** math.ceil(math.log2(shrink)) if shrink > 1 else 2
                say("warning", o, "interval",
                    f"{o}: the {level_pct} intervals of {'/'.join(names)} for "
                    f"{_list(facs)} are wider than ±{c['max_interval']:.2f} (up to "
                    f"±{worst:.2f}): rank them with care, or increase sample.N "
                    f"(about {grow}x: intervals shrink as 1/sqrt(N))")
    if m == "morris":
        for o in spec.output_names:
            d = idx[(idx["output"] == o) & (idx["index"] == "mu_star")]
            top = float(d["value"].max()) if len(d) else 0.0
            if top <= 0:
                say("note", o, "interval", f"{o}: every mu* is zero: no factor moved it")
                continue
            wide = d[d["conf"] > c["max_interval"] * top]
            if len(wide):
                say("warning", o, "interval",
                    f"{o}: the {level_pct} intervals of mu* for {_list(sorted(wide['factor']))} "
                    f"are wider than {c['max_interval']:.0%} of the largest mu* ({top:.3g}): "
                    "add trajectories (sample.N) before dropping or keeping them")
    if m == "sobol":
        for o in spec.output_names:
            d = idx[idx["output"] == o].pivot(index="factor", columns="index", values="value")
            cf = idx[idx["output"] == o].pivot(index="factor", columns="index", values="conf")
            total = float(d["S1"].sum())
            if total > 1 + c["max_interval"]:
                say("warning", o, "sobol-sum", f"{o}: first-order indices sum to {total:.2f}, "
                    "more than 1: the estimates are noisy (increase sample.N or replicates)")
            bad = d.index[d["S1"] - d["ST"] > cf["S1"].fillna(0) + cf["ST"].fillna(0)]
            if len(bad):
                say("warning", o, "sobol-order", f"{o}: first-order above total-order beyond "
                    f"their intervals for {_list(list(bad))}: the estimates are noisy")
    if m == "fast":
        say("note", "", "fast-interval", "eFAST's bootstrap intervals are indicative only "
            "(SALib issue 649): judge eFAST indices by their size, not their intervals")
    if m == "pawn":
        say("note", "", "pawn-interval", "PAWN gives no intervals; read its indices as a "
            "ranking and compare the convergence view across N")

    conv = res.convergence
    main = MAIN_INDEX[m]
    if len(conv):
        ns = sorted(conv["n"].unique())
        if len(ns) >= 2:
            half, full = ns[-2], ns[-1]
            for o in spec.output_names:
                d = conv[(conv["output"] == o) & (conv["index"] == main)]
                a = d[d["n"] == half].set_index("factor")["value"]
                b = d[d["n"] == full].set_index("factor")["value"]
                scale = 1.0 if m != "morris" else max(float(b.abs().max()), 1e-300)
                change = ((b - a).abs() / scale).dropna()
                moved = change[change > c["max_change"]]
                if len(moved):
                    say("warning", o, "convergence",
                        f"{o}: {main} still moves by more than {c['max_change']:.2f}"
                        f"{' of the largest' if m == 'morris' else ''} between N={half} and "
                        f"N={full} for {_list(list(moved.index))}: not converged; increase "
                        "sample.N")
                elif len(b) and len(a) and b.idxmax() != a.idxmax():
                    say("warning", o, "convergence",
                        f"{o}: the top factor changed between N={half} ({a.idxmax()}) and "
                        f"N={full} ({b.idxmax()}): not converged; increase sample.N")
    elif m != "fast":
        say("note", "", "convergence", "sample too small for a convergence view "
            f"(N/2 below {CONVERGENCE_MIN[m]})")
    return out


def _list(items: list[str]) -> str:
    items = [str(i) for i in items]
    if len(items) > 4:
        return ", ".join(items[:4]) + f" and {len(items) - 4} more"
    return ", ".join(items)


# --------------------------------------------------------------------------- a folder


def analyse_outputs(outs: DesignOutputs) -> SensitivityResults:
    """Indices, convergence, seed noise and checks for a design's outputs."""
    from ..runner.ensemble import EnsembleError

    spec = outs.spec
    if spec.method == "latin":
        raise EnsembleError(f"{spec.name}: method latin computes no indices; use "
                              "'hls-sim discover', or method delta or pawn for given-data "
                              "indices")
    Y = outs.Y[spec.output_names]
    missing = int(Y.isna().any(axis=1).sum())
    if missing and spec.method in ("sobol", "morris", "fast"):
        if outs.runs_missing:
            raise EnsembleError(f"{outs.root}: {missing} of {len(Y)} sample points have "
                                  f"failed or missing runs ({outs.runs_missing} runs), and "
                                  f"{spec.method} needs every point: see failures/, then "
                                  f"--resume {outs.root}")
        bad = {o: int(Y[o].isna().sum()) for o in spec.output_names if Y[o].isna().any()}
        raise EnsembleError(
            f"{spec.where('outputs')}: the model gave no value (NaN) for "
            + ", ".join(f"{o} at {k} of {len(Y)} points" for o, k in bad.items())
            + f": {spec.method} needs a value at every point; choose outputs defined "
            "everywhere (e.g. not a ratio whose denominator can be zero)")
    res = analyse(spec, outs.X, Y.to_numpy(dtype=float))
    res.noise = noise_table(spec, outs.per_run, outs.Y)
    res.checks = checks(spec, res) + res.checks
    if missing:
        res.checks.insert(0, {"level": "warning", "output": "", "check": "missing",
                              "message": f"{missing} of {len(Y)} sample points have no value "
                              "(failed runs, or NaN outputs) and are left out"})
    return res


def write(res: SensitivityResults, outs: DesignOutputs) -> Path:
    """Write indices (CSV), outputs (Parquet), noise and checks into ``sensitivity/``."""
    d = outs.root / "sensitivity"
    d.mkdir(parents=True, exist_ok=True)
    write_atomic(d / "indices.csv", res.indices.to_csv(index=False))
    if len(res.second_order):
        write_atomic(d / "second_order.csv", res.second_order.to_csv(index=False))
    if len(res.convergence):
        write_atomic(d / "convergence.csv", res.convergence.to_csv(index=False))
    write_atomic(d / "noise.csv", res.noise.to_csv(index=False))
    write_atomic(d / "checks.json", json.dumps(res.checks, indent=2) + "\n")
    write_outputs(outs)
    return d


def write_outputs(outs: DesignOutputs) -> None:
    """``outputs/points.parquet`` (factor values and reduced outputs per sample point) and
    ``outputs/runs.parquet`` (every run's outputs, paired differences taken)."""
    d = outs.root / "outputs"
    points = pd.concat([pd.DataFrame({"sample": np.arange(len(outs.values))}),
                        outs.values.reset_index(drop=True),
                        outs.Y.reset_index(drop=True)], axis=1)
    write_parquet_atomic(d / "points.parquet", points)
    write_parquet_atomic(d / "runs.parquet", outs.per_run)


def analyse_folder(path: str | Path) -> tuple[SensitivityResults, DesignOutputs]:
    """Read a design's results folder, analyse it, write the tables; return both."""
    from ..design import design_outputs

    outs = design_outputs(path)
    res = analyse_outputs(outs)
    write(res, outs)
    return res, outs


def load_results(path: str | Path) -> SensitivityResults:
    """Read the tables :func:`write` wrote."""
    d = Path(path) / "sensitivity"

    def csv(name: str) -> pd.DataFrame:
        p = d / name
        return pd.read_csv(p) if p.is_file() else pd.DataFrame()

    indices = csv("indices.csv")
    method = str(indices["method"].iloc[0]) if len(indices) else ""
    return SensitivityResults(method, indices, csv("second_order.csv"),
                              csv("convergence.csv"), csv("noise.csv"),
                              json.loads((d / "checks.json").read_text()))
