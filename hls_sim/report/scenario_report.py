"""The scenario report: one self-contained HTML file answering the comparison's question.

Open it from a file or send it by email: the figures are embedded (and also saved as
PNG and SVG in ``figures/``). Built only from the results folder, so it can be
regenerated at any time with ``hls-sim report DIR``.
"""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2
import pandas as pd

from ..analysis.compare import headline_table
from ..runner.store import disk_by_table, human_bytes, load_results, write_atomic
from . import figures, stories

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


def write_report(results_dir: str | Path) -> Path:
    """Write ``report.html`` and ``figures/`` into the results folder; return the path."""
    res = load_results(results_dir)
    m = res.manifest
    names = res.scenarios
    baseline = res.baseline
    present = [s for s in names if s in set(res.summary.get("scenario", pd.Series()))]
    if not present:
        raise ValueError(f"{results_dir}: no finished runs to report on")
    fig_dir = res.path / "figures"
    figs = []

    def add(fig, stem: str, caption: str) -> None:
        png = figures.save(fig, fig_dir, stem)
        figs.append({"stem": stem, "caption": caption,
                     "png": base64.b64encode(png).decode("ascii")})

    switch = {s["name"]: s["content"]["switch_week"] for s in m["scenarios"]
              if s["content"].get("switch_week") is not None}
    if not res.timeseries.empty:
        add(figures.timeseries_bands(res.timeseries, present, switch), "timeseries",
            "Weekly outcomes: median across replicates with the 10-90% band"
            + ("; dotted lines mark a regime switch" if switch else ""))
    add(figures.distributions(res.summary, present), "distributions",
        "Whole-run outcomes: one point per replicate")
    if not res.people.empty:
        add(figures.outcomes_by_complexity(res.people, present), "complexity",
            "Wellbeing gain by complexity of need at arrival")
    add(figures.spend_by_category(res.summary, present), "spend",
        "Where the money went: spend by category over the whole run")

    head = headline_table(res.summary, baseline if baseline in present else present[0])
    headline = [(domain, rows.to_dict("records"))
                for domain, rows in head.groupby("domain", sort=False)]
    diff_columns = [{"label": f"{s} − {baseline}", "column": f"{s} - {baseline}",
                     "verdict": f"verdict: {s}"} for s in present if s != baseline]

    threshold = m["scenarios"][0]["content"]["people"]["need_threshold"]
    journeys = stories.journeys(res.events, res.people, present, baseline, threshold)
    contents = {s["name"]: s["content"] for s in m["scenarios"]}
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
    html = TEMPLATES.get_template("scenario_report.html.j2").render(
        title=f"hls_sim: {' vs '.join(names)}", single=len(names) == 1,
        manifest=m, baseline=baseline, scenarios=present,
        replicates=m["replicates"], results_dir=str(res.path),
        question=m.get("question") or default_question(names, []),
        failures=m.get("failures", []), headline=headline, diff_columns=diff_columns,
        verdict_class=_verdict_class, figures=figs, journeys=journeys,
        differing=_markup(differing_html),
        command=" ".join(m.get("sessions", [{}])[0].get("command", [])) or "(python API)",
        runs_finished=len(res.runs), model_seconds=timings.get("model_seconds_total", 0.0),
        wall_seconds=timings.get("wall_seconds_total", 0.0),
        disk=_disk(res.path), people_replicates=m.get("people_replicates"),
    )
    path = res.path / "report.html"
    write_atomic(path, html)
    return path


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
