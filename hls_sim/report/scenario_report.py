"""The scenario report: one self-contained HTML file answering the comparison's question.

Open it from a file or send it by email: the figures are embedded (and also saved as
PNG and SVG in ``figures/``). Built only from the results folder, so it can be
regenerated at any time with ``hls-sim report DIR``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from ..appraisal import plot_who_pays
from ..appraisal.case import _money
from ..runner.store import disk_by_table, human_bytes, write_atomic
from . import figures, stories
from .decompose_figures import waterfall
from .findings import KEY_OUTCOMES, Findings, findings

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("hls_sim.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
)


def default_question(names: list[str], descriptions: list[str]) -> str:
    if len(names) == 1:
        return f"What happens to people, the workforce, providers and money under {names[0]}?"
    others = ", ".join(names[1:])
    return (f"In the same place, with the same people, how do outcomes under {others} differ "
            f"from {names[0]}, and why?")


def write_report(results_dir: str | Path, found: Findings | None = None) -> Path:
    """Write ``report.html``, ``report.json`` and ``figures/`` into the results folder;
    return the report's path. ``found``: what the comparison found, if already computed
    (the command line computes it once for the terminal and the report)."""
    found = found or findings(results_dir)
    res = found.results
    m = res.manifest
    options = found.options
    baseline = found.baseline
    arms = options + ([found.arm] if found.arm else [])
    fig_dir = res.path / "figures"
    figs: list[dict[str, Any]] = []

    def add(fig, stem: str, caption: str, summary: str, folder: Path = fig_dir,
            where: str = "figures") -> dict[str, Any]:
        png = figures.save(fig, folder, stem)
        item = {"stem": stem, "caption": caption, "summary": summary,
                "file": f"{where}/{stem}.png",
                "png": base64.b64encode(png).decode("ascii")}
        figs.append(item)
        return item

    switch = {s["name"]: s["content"]["switch_week"] for s in m["scenarios"]
              if s["content"].get("switch_week") is not None}
    if not res.timeseries.empty:
        add(figures.timeseries_bands(res.timeseries, arms, switch), "timeseries",
            "Weekly outcomes: median across replicates with the 10-90% band"
            + ("; dotted lines mark a regime switch" if switch else ""),
            _end_of_run(res.timeseries, arms))
    add(figures.distributions(res.summary, arms), "distributions",
        "Whole-run outcomes: one point per replicate", _spread(res.summary, arms))
    if not res.people.empty:
        add(figures.outcomes_by_complexity(res.people, arms), "complexity",
            "Wellbeing gain by complexity of need at arrival", _complexity(res.people, arms))
    add(figures.spend_by_category(res.summary, arms), "spend",
        "Where the money went: spend by category over the whole run",
        _spend(res.summary, arms))
    how = list(figs)

    economic = None
    if found.case is not None:
        case = found.case
        item = add(plot_who_pays(case), "who_pays",
                   "Who pays and who benefits against no service: present value per payer "
                   "(bars: means over replicates; whiskers: 95% intervals)", _who_pays(case))
        _write_case_tables(case, res.path / "economic_case")
        economic = {
            "head": case.table_text().split("\n", 1)[0],
            "committee": _html(case.committee_table()),
            "between": [(b, _html(case.committee_table(b))) for b in case.options[:-1]]
            if len(case.options) > 1 else [],
            "payers": _html(case.payer_table()),
            "figure": item, "counted": found.counted_sentence(),
        }

    decomposition = None
    dec = found.decomposition
    if dec is not None:
        shown = [o for o in KEY_OUTCOMES if o in dec.outcomes]
        dec_figs = []
        for o in shown:
            dec_figs.append(add(waterfall(dec, o), f"waterfall-{o}",
                                f"{dec.b} - {dec.a}: {_label(dec, o)}, step by step",
                                dec.sentence(o), dec.folder / "figures", "decomposition/"
                                "shapley/figures"))
        decomposition = {
            "a": dec.a, "b": dec.b, "by": dec.by, "method": dec.method,
            "players": [p.label for p in dec.players], "notes": dec.notes,
            "table": _html(_decomposition_table(dec)), "figures": dec_figs,
            "replicates": int(dec.totals["replicates"].max()),
            "sentences": [dec.sentence(o) for o in dec.outcomes if o not in shown],
        }

    head = found.headline
    headline = [(domain, rows.to_dict("records"))
                for domain, rows in head.groupby("domain", sort=False)]
    diff_columns = [{"label": f"{s} − {baseline}", "column": f"{s} - {baseline}",
                     "verdict": f"verdict: {s}"} for s in options if s != baseline]
    va = found.value_added
    value_added = None
    if len(va):
        value_added = {"options": options, "rows": [
            {"outcome": g["label"].iloc[0], "level": g["level"].iloc[0],
             "cells": [(r.added, r.verdict) for r in g.itertuples(index=False)]}
            for _, g in va.groupby("metric", sort=False)]}

    threshold = m["scenarios"][0]["content"]["people"]["need_threshold"]
    journeys = stories.journeys(res.events, res.people, options, baseline, threshold)
    contents = {s["name"]: s["content"] for s in m["scenarios"] if s["name"] in options}
    if len(contents) == 1:
        # One scenario: what it sets away from the model's defaults for its regime (the
        # place and levers a reader should know are this file's choices).
        (name, content), = contents.items()
        contents = {"model default": stories.default_content(content), name: content}
    differing = stories.differing_parameters(contents)
    differing_html = None
    if len(differing):
        differing_html = differing.drop(columns=["assumed"]).to_html(index=False,
                                                                     border=0, escape=True)

    timings = m.get("timings", {})
    question = m.get("question") or default_question(options, [])
    html = TEMPLATES.get_template("scenario_report.html.j2").render(
        title=f"hls_sim: {' vs '.join(options)}", single=len(options) == 1,
        manifest=m, baseline=baseline, scenarios=options, arm=found.arm,
        arm_note=found.arm_note, replicates=m["replicates"], results_dir=str(res.path),
        question=question, words=found.words,
        failures=m.get("failures", []), headline=headline, diff_columns=diff_columns,
        verdict_class=_verdict_class, figures=how, journeys=journeys,
        value_added=value_added, economic=economic, case_note=found.case_note,
        decomposition=decomposition, decomposition_note=found.decomposition_note,
        differing=_markup(differing_html),
        command=" ".join(m.get("sessions", [{}])[0].get("command", [])) or "(python API)",
        runs_finished=len(res.runs), model_seconds=timings.get("model_seconds_total", 0.0),
        wall_seconds=timings.get("wall_seconds_total", 0.0),
        disk=_disk(res.path), people_replicates=m.get("people_replicates"),
    )
    path = res.path / "report.html"
    write_atomic(path, html)
    write_atomic(res.path / "report.json", json.dumps(
        _json(found, question, figs), indent=1, default=_plain, allow_nan=False) + "\n")
    return path


def _json(found: Findings, question: str, figs: list[dict[str, Any]]) -> dict[str, Any]:
    """What the report says, for other programs: the words, the tables, and every figure
    (image or appraisal figure) with a ``summary`` sentence."""
    out: dict[str, Any] = {
        "question": question, "options": found.options, "baseline": found.baseline,
        "no_service_arm": found.arm, "no_service_note": found.arm_note,
        "replicates": found.replicates, "words": found.words,
        "headline": _records(found.headline),
        "value_added": _records(found.value_added),
        "figures": [{k: f[k] for k in ("stem", "caption", "file", "summary")} for f in figs],
    }
    case = found.case
    if case is not None:
        rows = case.figures.assign(summary=[
            case.summary.get(f"{r.option}: {r.figure}" if r.comparator == case.baseline
                             else f"{r.option} vs {r.comparator}: {r.figure}", "")
            for r in case.figures.itertuples(index=False)])
        out["economic_case"] = {
            "baseline": case.baseline, "years": case.years,
            "price_year": case.params.price_year, "wellby_values": case.wellby_values,
            "unit_costs": case.unit_costs, "counted": found.counted_sentence(),
            "figures": _records(rows), "payers": _records(case.payers)}
    else:
        out["economic_case"] = {"not_made": found.case_note}
    dec = found.decomposition
    if dec is not None:
        out["decomposition"] = {
            "a": dec.a, "b": dec.b, "by": dec.by, "method": dec.method,
            "players": [p.name for p in dec.players], "notes": dec.notes,
            "outcomes": [{**t, "summary": dec.sentence(t["outcome"]),
                          "values": _records(dec.values[dec.values["outcome"] == t["outcome"]])}
                         for t in _records(dec.totals)]}
    elif found.decomposition_note:
        out["decomposition"] = {"not_finished": found.decomposition_note}
    return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, with NaN as None (JSON has no NaN)."""
    if df is None or df.empty:
        return []
    return [{k: _plain(v) for k, v in r.items()} for r in df.to_dict("records")]


def _plain(v: Any) -> Any:
    if isinstance(v, (np.floating, float)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _write_case_tables(case, folder: Path) -> None:
    """The economic case's tables beside the report, for a committee paper or a
    spreadsheet: every figure, who pays, by year, and the ledger."""
    from ..runner.store import write_parquet_atomic

    write_atomic(folder / "figures.csv", case.figures.to_csv(index=False))
    write_atomic(folder / "committee.csv", case.committee_table().to_csv(index=False))
    write_atomic(folder / "payers.csv", case.payers.to_csv(index=False))
    write_atomic(folder / "by_year.csv", case.by_year.to_csv(index=False))
    write_parquet_atomic(folder / "ledger.parquet", case.ledger)


def _html(df: pd.DataFrame):
    return _markup(df.to_html(index=False, border=0, escape=True, na_rep=""))


def _label(dec, outcome: str) -> str:
    return str(dec.totals.set_index("outcome").loc[outcome, "label"])


def _decomposition_table(dec) -> pd.DataFrame:
    """Outcome x player: Shapley value [95% interval], and the interaction."""
    from ..analysis.decompose import _formatter

    labels = {p.name: p.label for p in dec.players}
    rows = []
    for t in dec.totals.itertuples(index=False):
        fmt = _formatter(t.fmt, t.scale)
        row = {"outcome": t.label, f"{dec.b} − {dec.a}": _iv(fmt, t.total_mean,
                                                          t.total_ci_low, t.total_ci_high)}
        vals = dec.values[dec.values["outcome"] == t.outcome]
        for v in vals.itertuples(index=False):
            row[labels[v.player]] = _iv(fmt, v.mean, v.ci_low, v.ci_high)
        row["interaction (already within the shares)"] = _iv(
            fmt, t.interaction_mean, t.interaction_ci_low, t.interaction_ci_high)
        rows.append(row)
    return pd.DataFrame(rows)


def _iv(fmt, m: float, lo: float, hi: float) -> str:
    if np.isfinite(lo) and np.isfinite(hi):
        return f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]"
    return fmt(m)


# --- one sentence per figure, from the numbers it draws ------------------------------------


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _end_of_run(ts: pd.DataFrame, arms: list[str]) -> str:
    last = ts[ts["week"] == ts["week"].max()]
    med = last.groupby("scenario")["wellbeing_mean"].median()
    parts = [f"{med[s]:.3f} under {s}" for s in arms if s in med.index]
    return (f"In the last week (week {int(ts['week'].max())}), the median wellbeing of "
            f"everyone in the place is {_join(parts)}.")


def _spread(summary: pd.DataFrame, arms: list[str]) -> str:
    g = summary.groupby("scenario")["wellbeing_mean"]
    lo, hi, med = g.quantile(0.1), g.quantile(0.9), g.median()
    parts = [f"{s} {med[s]:.3f} ({lo[s]:.3f} to {hi[s]:.3f})" for s in arms if s in med.index]
    return (f"Whole-run mean wellbeing, median over replicates (10-90% range): "
            f"{_join(parts)}.")


def _complexity(people: pd.DataFrame, arms: list[str]) -> str:
    df = people.assign(gain=people["wellbeing_end"] - people["wellbeing_start"])
    hi = df[df["complexity"] >= 4].groupby("scenario")["gain"].mean()
    parts = [f"{hi[s]:+.3f} under {s}" for s in arms if s in hi.index]
    if not parts:
        return "No one with four or more needs at arrival was followed in these runs."
    return (f"People with four or more needs at arrival gain on average {_join(parts)} in "
            "wellbeing (0-1) from arrival to exit or the end of the run.")


def _spend(summary: pd.DataFrame, arms: list[str]) -> str:
    med = summary.groupby("scenario")["spend_total"].median() / 1e6
    parts = [f"£{med[s]:,.1f}m under {s}" for s in arms if s in med.index]
    out = f"Providers spend (median over replicates, whole run) {_join(parts)}"
    if "commissioner_costs_total" in summary.columns:
        c = summary.groupby("scenario")["commissioner_costs_total"].median() / 1e6
        out += ("; of which the commissioner pays " +
                _join([f"£{c[s]:,.1f}m under {s}" for s in arms if s in c.index]))
    return out + "."


def _who_pays(case) -> str:
    parts = []
    for option, g in case.payers.groupby("option", sort=False):
        bits = []
        for r in g.itertuples(index=False):
            what = "pays" if r.net < 0 else "gains"
            bits.append(f"{r.payer} {what} {_money(abs(r.net))}")
        parts.append(f"under {option}, {', '.join(bits)}")
    return (f"Against no service over {case.years} years (present values, "
            f"{case.params.price_year} prices): {'; '.join(parts)}.")


def _disk(root: Path) -> str:
    """How much disk the results use, in all and by table (before this report)."""
    parts = disk_by_table(root)
    total = sum(parts.values())
    parts.pop("other", None)
    detail = ", ".join(f"{name} {human_bytes(b)}" for name, b in parts.items())
    return f"{human_bytes(total)} ({detail}; the rest is the manifest, run records and figures)"


def _verdict_class(v: str) -> str:
    return {"better": "better", "worse": "worse"}.get(v, "neutral")


def _markup(html: str | None):
    return None if html is None else jinja2.utils.markupsafe.Markup(html)
