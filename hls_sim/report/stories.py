"""The words of the report: person journeys from the event log, and the assumptions
behind the difference between the scenarios compared."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..events import journey
from ..params import make_params, parameter_table

MAX_LINES = 14


def pick_people(people: pd.DataFrame, baseline: str, replicate: int) -> list[tuple[int, str]]:
    """Two or three people worth following, chosen in the baseline scenario's run.

    Scenarios share their people under common random numbers, so the same person can be
    followed in every scenario.
    """
    base = people[(people["scenario"] == baseline) & (people["replicate"] == replicate)]
    base = base[base["arrival_week"] <= base["arrival_week"].quantile(0.5)]
    picks: list[tuple[int, str]] = []
    if base.empty:
        return picks
    most = base.sort_values(["referrals", "person"], ascending=[False, True]).iloc[0]
    picks.append((int(most["person"]), "the person referred most often in the baseline"))
    complex_ = base[base["complexity"] >= 4].sort_values(["wellbeing_start", "person"])
    complex_ = complex_[~complex_["person"].isin([p for p, _ in picks])]
    if not complex_.empty:
        picks.append((int(complex_.iloc[0]["person"]),
                      "someone with four or more needs and the lowest wellbeing at arrival"))
    typical = base[(base["complexity"] == base["complexity"].median())
                   & ~base["person"].isin([p for p, _ in picks])]
    if not typical.empty:
        picks.append((int(typical.sort_values("person").iloc[len(typical) // 2]["person"]),
                      "someone with a typical number of needs"))
    return picks


def journeys(events: pd.DataFrame, people: pd.DataFrame, scenarios: list[str],
             baseline: str, threshold: float) -> list[dict[str, Any]]:
    """For each person picked, their journey in each scenario, a sentence per event."""
    if events.empty:
        return []
    replicate = int(events["replicate"].min())
    out = []
    for person, why in pick_people(people, baseline, replicate):
        told = {}
        for s in scenarios:
            ev = events[(events["scenario"] == s) & (events["replicate"] == replicate)]
            pp = people[(people["scenario"] == s) & (people["replicate"] == replicate)]
            if pp.empty:
                continue
            lines = journey(ev, pp, person, threshold)
            if len(lines) > MAX_LINES:
                hidden = len(lines) - MAX_LINES
                lines = lines[:MAX_LINES - 1] + [f"... {hidden} more event(s) ...", lines[-1]]
            told[s] = lines
        out.append({"person": person, "why": why, "replicate": replicate, "by_scenario": told})
    return out


def differing_parameters(contents: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Parameters whose values differ between the scenarios, with unit and source."""
    flat = {s: _flatten(c) for s, c in contents.items()}
    names = sorted(set().union(*[f.keys() for f in flat.values()]))
    meta = {r["name"]: r for r in parameter_table()}
    rows = []
    for n in names:
        vals = [flat[s].get(n) for s in flat]
        if n == "name" or all(v == vals[0] for v in vals):
            continue
        m = meta.get(n, {})
        rows.append({"parameter": n, **{s: _show(flat[s].get(n)) for s in flat},
                     "unit": m.get("unit", ""), "source": m.get("source", ""),
                     "assumed": "assumption" in str(m.get("source", "")) or
                     "assumed" in str(m.get("source", "")) or n not in meta})
    return pd.DataFrame(rows)


def default_content(content: dict[str, Any]) -> dict[str, Any]:
    """The model's defaults for a scenario's regime (and switch), as resolved content: what
    a single scenario is compared with in the report's table of assumptions."""
    keys = {"regime": content.get("regime", "competitive")}
    if content.get("switch_to") is not None:
        keys.update(switch_week=content["switch_week"], switch_to=content["switch_to"])
    return make_params(keys).model_dump(mode="json")


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and k != "switch_overrides":
            out.update(_flatten(v, f"{key}."))
        else:
            out[key] = v
    return out


def _show(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={x}" for k, x in v.items()) or "none"
    return "" if v is None else str(v)
