"""The sensitivity and scenario-discovery report: one self-contained HTML file that says
in plain words which assumptions matter most, and under which conditions an outcome
holds, with the numbers, their intervals and the checks beside them.

Built only from the results folder (``sensitivity/``, ``discovery/``, ``outputs/``,
``manifest.json``), so ``hls-sim report DIR`` can write it again at any time.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import escape

from ..analysis import discovery as disc
from ..analysis import sensitivity as sens
from ..analysis.compare import HEADLINE
from ..params import parameter_table
from ..runner.store import ResultsStore, write_atomic
from . import figures, sensitivity_figures
from .scenario_report import TEMPLATES

LABELS = {o.metric: o.label for o in HEADLINE}
"""Words for hls_sim's headline metrics."""
MATTER = {"sobol": 0.05, "fast": 0.05, "delta": 0.05}
"""Total-order (or delta) index below which a factor "matters little"."""


def factor_info(manifest: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Description, unit and source of each factor (hls_sim parameters), and whether the
    source says its size is an assumption."""
    design = manifest.get("design", {})
    raw = design.get("raw", {})
    table = {r["name"]: r for r in parameter_table()} if manifest.get("model") == \
        "hls_sim" else {}
    out = {}
    # Every factor as sampled (with those priors: added), where the manifest has them.
    ranges = design.get("factor_ranges") or {
        name: value if isinstance(value, dict) else {"bounds": value}
        for name, value in (raw.get("factors") or {}).items()}
    for name, spec in ranges.items():
        spec = {k: v for k, v in spec.items() if v is not None}
        row = table.get(spec.get("parameter") or str(name).partition("@")[0], {})
        source = str(row.get("source", ""))
        rng = (f"levels {spec['levels']}" if "levels" in spec else
               f"{spec.get('dist', 'unif')} {spec.get('bounds')}")
        out[name] = {"name": name, "description": row.get("description", ""),
                     "unit": row.get("unit", ""), "source": source,
                     "default": "" if not row else repr(row.get("default")),
                     "assumed": "yes" if "assum" in source.lower() else
                     ("no" if source else ""),
                     "range": rng + (" (its prior range)" if spec.get("prior") else ""),
                     "group": spec.get("group") or "",
                     "arms": ", ".join(spec["arms"]) if isinstance(spec.get("arms"), list)
                     else (spec.get("arms") or "all")}
    return out


def output_words(o: dict[str, Any]) -> str:
    metric = o.get("metric")
    label = LABELS.get(metric, metric)
    if o.get("difference"):
        a, b = o["difference"]
        return f"{label}: {a} minus {b} (same seeds)"
    return f"{label} ({o.get('arm')})" if o.get("arm") else str(label)


def plain_words(res: sens.SensitivityResults, outputs: list[dict[str, Any]],
                info: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """For each output, sentences saying which factors matter most, how, and how much of
    the output is seed noise."""
    method = res.method
    out = []
    for o in outputs:
        name = o["name"]
        main = res.main(name)
        idx = res.indices[res.indices["output"] == name]
        noise = res.noise[res.noise["output"] == name]
        sentences = []
        if not len(main):
            continue
        top = main.head(3)

        def who(f: str) -> str:
            i = info.get(f)
            if not i or not i["description"]:
                return f"<b>{escape(f)}</b>"
            tag = " (an assumption)" if i["assumed"] == "yes" else ""
            return f"<b>{escape(f)}</b> ({escape(i['description'])}){tag}"

        if method in ("sobol", "fast"):
            s1 = idx[idx["index"] == "S1"].set_index("factor")["value"]
            parts = []
            for _, r in top.iterrows():
                f, st = r["factor"], r["value"]
                if st < MATTER[method]:
                    break
                first = float(s1.get(f, np.nan))
                how = ("mostly on its own" if first >= 0.7 * st else
                       "largely through interactions with other factors" if first < 0.4 * st
                       else "partly on its own, partly through interactions")
                parts.append(f"{who(f)} is involved in about {st:.0%} of the variance "
                             f"(on its own {max(first, 0):.0%}: {how})")
            if parts:
                sentences.append("The factors that matter most: " + "; ".join(parts) + ".")
            else:
                sentences.append("No factor reaches a total-order index of "
                                 f"{MATTER[method]:.2f}: within these ranges, none of them "
                                 "moves this output much.")
            little = main[main["value"] < MATTER[method]]["factor"].tolist()
            if little:
                sentences.append(f"{_join(little)} matter little here (total-order below "
                                 f"{MATTER[method]:.2f}): fixing them at their defaults would "
                                 "change this output little.")
        elif method == "morris":
            mu = main.set_index("factor")["value"]
            sig = idx[idx["index"] == "sigma"].set_index("factor")["value"]
            biggest = float(mu.iloc[0]) if len(mu) else 0.0
            parts = []
            for f, m in mu.head(3).items():
                if biggest <= 0 or m < 0.1 * biggest:
                    break
                ratio = float(sig.get(f, np.nan)) / m if m > 0 else float("nan")
                shape = ("an effect that depends on the other factors or is non-linear"
                         if ratio >= 1 else "a fairly steady, monotonic effect" if ratio < 0.5
                         else "an effect that varies somewhat across the space")
                parts.append(f"{who(f)} (mu* {m:.3g}, sigma/mu* {ratio:.2f}: {shape})")
            if parts:
                sentences.append("Largest effects: " + "; ".join(parts) + ".")
            small = mu[mu < 0.1 * biggest].index.tolist() if biggest > 0 else mu.index.tolist()
            if small:
                sentences.append(f"{_join(small)} have mu* below a tenth of the largest: "
                                 "candidates to fix at their defaults in a Sobol analysis.")
        else:
            parts = [f"{who(r['factor'])} ({r['index']} {r['value']:.3f})"
                     for _, r in top.iterrows()]
            sentences.append("Ranked by " + ("delta (moment-independent)" if method == "delta"
                             else "PAWN's median KS statistic") + ": " + "; ".join(parts) + ".")
        if len(noise):
            n = noise.iloc[0]
            if not math.isnan(n["seed_variance"]):
                text = (f"Seed noise: {_pct(n['seed_share_run'])} of a single run's "
                        f"variance comes from the seed alone; averaged over "
                        f"{int(n['replicates'])} replicate(s), "
                        f"{_pct(n['seed_share_analysed'])} of the analysed output's variance "
                        "is noise the factors cannot explain.")
                if method in ("sobol", "fast") and n["seed_share_analysed"] >= 0.01:
                    text += (f" Noise adds to every total-order index (up to about "
                             f"{n['seed_share_analysed']:.2f}) and can push first-order "
                             "indices below zero: a total-order index near that size may be "
                             "noise rather than the factor.")
                sentences.append(text)
        out.append({"name": name, "words": output_words(o), "sentences": sentences})
    return out


def _pct(share: float) -> str:
    return "under 1%" if share < 0.005 else f"{share:.0%}"


def _join(items: list[str]) -> str:
    items = [f"<b>{escape(i)}</b>" for i in items]
    if len(items) > 6:
        return ", ".join(items[:6]) + f" and {len(items) - 6} more"
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]


def index_tables(res: sens.SensitivityResults, outputs: list[str],
                 info: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Per output, a table of the indices (rows: factors, largest first)."""
    tables = []
    cols = {"sobol": ("S1", "ST"), "fast": ("S1", "ST"), "morris": ("mu_star", "sigma", "mu"),
            "delta": ("delta", "S1"), "pawn": ("median", "minimum", "maximum", "CV")}
    for out in outputs:
        d = res.indices[res.indices["output"] == out]
        order = res.main(out)["factor"].tolist()
        rows = []
        for f in order:
            r = {"factor": f, "assumed": info.get(f, {}).get("assumed", "")}
            for c in cols[res.method]:
                s = d[(d["factor"] == f) & (d["index"] == c)]
                if not len(s):
                    r[c] = ""
                    continue
                v, cf = float(s["value"].iloc[0]), float(s["conf"].iloc[0])
                r[c] = f"{v:.3g}" + (f" ± {cf:.2g}" if not math.isnan(cf) else "")
            rows.append(r)
        tables.append({"output": out, "columns": list(cols[res.method]), "rows": rows})
    return tables


def write_report(results_dir: str | Path) -> Path:
    """Write ``report.html`` and ``figures/`` for a sensitivity or discovery folder."""
    root = Path(results_dir)
    m = ResultsStore(root).read_manifest()
    design = m.get("design") or {}
    raw = design.get("raw", {})
    info = factor_info(m)
    outputs = _outputs(raw, design)
    fig_dir = root / "figures"
    figs: list[dict[str, str]] = []

    def add(fig, stem: str, caption: str, section: str) -> None:
        if fig is None:
            return
        png = figures.save(fig, fig_dir, stem)
        figs.append({"stem": stem, "caption": caption, "section": section,
                     "png": base64.b64encode(png).decode("ascii")})

    sres = sens.load_results(root) if (root / "sensitivity" / "indices.csv").is_file() \
        else None
    dres = disc.load_results(root)
    if sres is None and dres is None:
        raise ValueError(f"{root}: no sensitivity or discovery results to report on yet")
    names = [o["name"] for o in outputs]
    words, tables = [], []
    if sres is not None:
        words = plain_words(sres, outputs, info)
        tables = index_tables(sres, names, info)
        add(sensitivity_figures.indices(sres.indices, sres.noise, sres.method, names),
            "indices", "Indices with their intervals, largest first"
            + ("; grey: the share of the analysed output's variance that is seed noise"
               if sres.method in ("sobol", "fast") else ""), "sensitivity")
        if sres.method == "morris":
            add(sensitivity_figures.morris(sres.indices, names), "morris",
                "Morris: mean absolute effect (mu*) against its spread (sigma); lines at "
                "sigma/mu* = 0.1, 0.5 and 1", "sensitivity")
        if sres.method == "sobol" and len(sres.second_order):
            add(sensitivity_figures.second_order(sres.second_order, names), "second_order",
                "Second-order Sobol indices: the pairs of factors that interact",
                "sensitivity")
        add(sensitivity_figures.convergence(sres.convergence, sres.method, names),
            "convergence", f"Convergence: {sensitivity_figures.INDEX_LABEL[sens.MAIN_INDEX[sres.method]]} "
            "at N/4, N/2 and N, with intervals: flat lines have converged", "sensitivity")
    discoveries: list[dict[str, Any]] = []
    sides: list[str] = []
    if dres is not None:
        points = pd.read_parquet(root / "outputs" / "points.parquet")
        density = raw.get("discover", {}).get("density", 0.8)
        for q in dres:
            tag = "" if len(dres) == 1 else f"_{q.direction}"
            section = f"discovery-{q.direction}"
            y = disc.interest(points[q.output].to_numpy(dtype=float), q.direction,
                              q.threshold)
            y = np.where(points[q.output].isna(), 0, y)
            add(sensitivity_figures.prim_tradeoff(q.trajectory, density), f"prim_tradeoff{tag}",
                "PRIM's peeling trajectory: each point a box, from everything (coverage 1) "
                "to small, dense boxes; the star is the box chosen", section)
            add(sensitivity_figures.prim_boxes(q.box_limits, q.box_stats), f"prim_boxes{tag}",
                "PRIM boxes: the range of each restricted factor within the sampled range",
                section)
            add(sensitivity_figures.prim_scatter(points, y, q.box_limits), f"prim_scatter{tag}",
                "Every sample point, red where the outcome of interest holds, with the first "
                "box", section)
            discoveries.append({"direction": q.direction, "label": q.label,
                                "question": q.question, "words": box_sentences(q, info),
                                "prim": _prim_table(q),
                                "tree": q.tree.to_dict("records") if len(q.tree) else []})
        sides = sides_sentences(dres)

    html = TEMPLATES.get_template("sensitivity_report.html.j2").render(
        title=f"hls_sim sensitivity: {m.get('name')}", manifest=m, design=design, raw=raw,
        question=m.get("question") or "Which assumptions drive the outcomes?",
        outputs=outputs, factors=list(info.values()), words=words, tables=tables,
        checks=sres.checks if sres is not None else [],
        noise=sres.noise.to_dict("records") if sres is not None else [],
        method=sres.method if sres is not None else design.get("method"),
        figures=figs, discoveries=discoveries, sides_words=sides,
        results_dir=str(root), command=" ".join(m.get("sessions", [{}])[0].get("command", []))
        or "(python API)", timings=m.get("timings", {}), failures=m.get("failures", []),
        arms=m.get("scenarios", []), isnan=_isnan,
    )
    path = root / "report.html"
    write_atomic(path, html)
    return path


def _isnan(v: Any) -> bool:
    try:
        return math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def _outputs(raw: dict[str, Any], design: dict[str, Any]) -> list[dict[str, Any]]:
    """The file's outputs, normalised as the spec names them."""
    names = design.get("outputs", [])
    items = raw.get("outputs") or []
    arms = list((raw.get("arms") or {}).keys())
    out = []
    for name, item in zip(names, items, strict=False):
        item = {"metric": item} if isinstance(item, str) else dict(item)
        if not item.get("difference") and not item.get("arm") and arms:
            item["arm"] = arms[0]
        out.append({"metric": item.get("metric"), "arm": item.get("arm"),
                    "difference": item.get("difference"), "name": name})
    return out


def box_sentences(d: disc.DiscoveryResults, info: dict[str, dict[str, str]]) -> list[str]:
    """Each PRIM box in words."""
    sign = "at least" if d.direction == "above" else "at most"
    share = d.n_interest / max(d.n_points, 1)
    out = [f"Of {d.n_points} sample points, {d.n_interest} ({share:.0%}) have "
           f"<b>{escape(d.output)}</b> {sign} {d.threshold:g}."]
    if not len(d.box_stats):
        out.append("PRIM found no box denser than the data as a whole: the cases of interest "
                   "are spread across the factor space rather than in one region"
                   + (", or hold nearly everywhere." if share >= 0.5 else "."))
    for _, b in d.box_stats.iterrows():
        lim = d.box_limits[d.box_limits["box"] == b["box"]]
        parts = []
        for _, r in lim.iterrows():
            if isinstance(r.get("levels"), str) and r["levels"]:
                parts.append(f"<b>{escape(r['factor'])}</b> is one of {escape(r['levels'])}")
                continue
            lo_free = r["lower"] <= r["full_lower"] + 1e-12
            hi_free = r["upper"] >= r["full_upper"] - 1e-12
            f = escape(r["factor"])
            if lo_free:
                parts.append(f"<b>{f}</b> ≤ {r['upper']:.3g}")
            elif hi_free:
                parts.append(f"<b>{f}</b> ≥ {r['lower']:.3g}")
            else:
                parts.append(f"<b>{f}</b> between {r['lower']:.3g} and {r['upper']:.3g}")
        out.append(f"Box {int(b['box'])}: when " + " and ".join(parts) +
                   f", the outcome holds at {b['density']:.0%} of points (density), and this "
                   f"region holds {b['coverage']:.0%} of all the cases where it holds "
                   f"(coverage), from {int(b['n'])} points.")
    return out


def sides_sentences(results: list[disc.DiscoveryResults]) -> list[str]:
    """With an above and a below question: how much of the sampled space each side
    holds, and how much neither."""
    if len(results) != 2:
        return []
    n = results[0].n_points
    neither = n - sum(r.n_interest for r in results)
    parts = [f"{escape(r.label or r.question)}: {r.n_interest} of {n} points "
             f"(<b>{r.share:.0%}</b>)" for r in results]
    return ["Both sides of one question. " + "; ".join(parts) +
            f"; neither by its margin: {neither} ({neither / n:.0%})." if n else ""]


def _prim_table(d: disc.DiscoveryResults | None) -> list[dict[str, Any]]:
    if d is None or not len(d.box_limits):
        return []
    rows = []
    for _, r in d.box_limits.iterrows():
        rng = r["levels"] if isinstance(r.get("levels"), str) and r["levels"] else \
            f"{r['lower']:.4g} – {r['upper']:.4g} (of {r['full_lower']:.4g} – {r['full_upper']:.4g})"
        rows.append({"box": int(r["box"]), "factor": r["factor"], "range": rng,
                     "qp": r["qp"]})
    return rows
