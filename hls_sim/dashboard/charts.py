"""The dashboard's charts, every one showing both worlds, as ECharts options.

Each chart is read from the worlds' own weekly recorder (``model.recorder``: levels and
counts in preallocated arrays), so redrawing after a step costs a few array slices and
no table building. Windowed rates (turnover over 52 weeks, success over 13 weeks) use
the same formulas as :func:`hls_sim.metrics.timeseries`.

Options are plain dicts for ``solara.FigureEcharts``: the browser draws them on a canvas,
so the server only builds small JSON-ready structures.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..mechanisms.money import CATEGORIES
from ..metrics import SUCCESS_WINDOW, TURNOVER_WINDOW

if TYPE_CHECKING:
    from ..model import HLSModel
    from .twin import TwinWorlds

WORLD_COLOURS = ("#e66101", "#5e3c99")  # World A orange, World B purple
SPEND_LABELS = {
    "direct": "Direct work",
    "assessment": "Assessment",
    "admin": "Admin, reporting",
    "learning": "Learning",
    "overhead": "Overheads",
    "bidding": "Bidding",
}
SPEND_COLOURS = {
    "direct": "#1b9e77", "assessment": "#66a61e", "admin": "#e7298a", "learning": "#7570b3",
    "overhead": "#a6761d", "bidding": "#d95f02",
}
SPEND_WINDOW = 13  # weeks summed in the spend chart (a quarter)
CRISIS_SMOOTHING = 4  # weeks averaged in the crisis chart (weekly counts are small)


@dataclass(frozen=True)
class Chart:
    """One chart: a title, what it means, and the measures drawn for each world."""

    key: str
    title: str
    help: str
    lines: tuple[tuple[str, str], ...]  # (measure, name in the legend)
    y_min: float | None = 0.0
    y_max: float | None = None
    decimals: int = 3


CHARTS: tuple[Chart, ...] = (
    Chart("wellbeing", "Wellbeing", "Mean wellbeing (0-1) of everyone in the place: one "
          "minus the root mean square of their need severities.",
          (("wellbeing_mean", "wellbeing"),), None, None),
    Chart("unmet", "Unmet need", "Share of significant needs that nobody worked on this "
          "week.", (("unmet_need", "unmet need"),), 0, 1),
    Chart("waiting", "Waiting (weeks)", "Mean time the people now on a waiting list have "
          "waited so far.", (("waiting_weeks_mean", "weeks waiting"),), decimals=2),
    Chart("crises", "Crises per 1,000 a week", f"Crises per 1,000 people present, averaged "
          f"over {CRISIS_SMOOTHING} weeks.", (("crises_smoothed", "crises"),), decimals=2),
    Chart("continuity", "Continuity of relationship", "For people in support: the longest "
          "unbroken time with one practitioner as a share of all their weeks in support "
          "(1 = never handed on).", (("continuity_index", "continuity"),), 0, 1),
    Chart("turnover", "Practitioner turnover (a year)", f"Practitioners leaving over the "
          f"last {TURNOVER_WINDOW} weeks as a share of the workforce, per year.",
          (("practitioner_turnover_annual", "turnover"),)),
    Chart("stress", "Practitioner stress", "Mean stress (0-1) of practitioners in post: "
          "from workload, admin and job insecurity, eased by reflective time.",
          (("practitioner_stress_mean", "stress"),), 0, 1),
    Chart("orgs", "Organisations active", "Providers still open (closures follow lost "
          "contracts and empty reserves).", (("organisations_active", "organisations"),),
          decimals=0),
    Chart("trust", "Trust between organisations", "Mean trust (0-1) between open "
          "providers: competing erodes it, meeting to learn and hand-offs that work build it.",
          (("trust_mean", "trust"),), 0, 1),
    Chart("learning", "System learning", "What the place as a whole has learned (0-1), "
          "from learning meetings and experiments; it fades without renewal.",
          (("system_learning", "learning"),), 0, 1),
    Chart("success", "Reported against true success", f"Share of cases closed in the last "
          f"{SUCCESS_WINDOW} weeks that were reported as a success (solid) and that really "
          "improved the person's wellbeing (dashed).",
          (("reported_success_rate", "reported"), ("verified_success_rate", "truly met")), 0, 1),
)
SPEND_TITLE = f"Spend by category, last {SPEND_WINDOW} weeks (£ thousand)"
SPEND_HELP = ("Where the money went over the last quarter: direct work with people, "
              "assessment, admin and reporting, learning time, overheads and bidding.")


def _rolling_sum(x: np.ndarray, window: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(x, dtype=float)])
    idx = np.arange(1, x.size + 1)
    return c[idx] - c[np.maximum(idx - window, 0)]


def values(model: HLSModel, measure: str) -> np.ndarray:
    """Weekly values of one measure for the weeks run so far (NaN where undefined)."""
    rec, weeks = model.recorder, model.week
    if measure in rec.levels:
        return rec.levels[measure][:weeks]
    c = rec.counts
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure == "crises_smoothed":
            x = rec.levels["crises_per_1000"][:weeks]
            span = np.minimum(np.arange(1, weeks + 1), CRISIS_SMOOTHING)
            return _rolling_sum(np.nan_to_num(x), CRISIS_SMOOTHING) / span
        if measure == "practitioner_turnover_annual":
            leavers = _rolling_sum(c["leavers"][:weeks], TURNOVER_WINDOW)
            heads = _rolling_sum(c["headcount"][:weeks], TURNOVER_WINDOW)
            span = np.minimum(np.arange(1, weeks + 1), TURNOVER_WINDOW)
            return leavers / (heads / span) * (52.0 / span)
        if measure in ("reported_success_rate", "verified_success_rate"):
            num = c["reported_successes" if measure.startswith("reported") else
                    "verified_successes"][:weeks]
            return (_rolling_sum(num, SUCCESS_WINDOW)
                    / _rolling_sum(c["closures"][:weeks], SUCCESS_WINDOW))
    raise KeyError(f"unknown measure {measure!r}")


def _points(v: np.ndarray, decimals: int, start: int = 0) -> list:
    v = np.round(np.where(np.isfinite(v), v, np.nan), decimals)
    return [[t, None if x != x else x] for t, x in enumerate(v.tolist(), start)]


# Each world's chart points so far, by (measure, decimals). A week's value never changes
# once recorded (windowed rates look back, never ahead), so each redraw converts only the
# new weeks; the cache goes with its world.
_POINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def points(model: HLSModel, measure: str, decimals: int) -> list:
    """``[[week, value], ...]`` of one measure so far (None where undefined), for a
    chart; a new list each call, built from the cached points of earlier weeks."""
    cache = _POINTS.setdefault(model, {})
    done = cache.setdefault((measure, decimals), [])
    if len(done) > model.week:  # cannot happen in a run; be safe if it ever does
        done.clear()
    if len(done) < model.week:
        v = values(model, measure)
        done.extend(_points(v[len(done):], decimals, start=len(done)))
    return list(done)


def line_option(chart: Chart, twin: TwinWorlds) -> dict:
    """An ECharts option with one line per world (and per measure) for ``chart``."""
    series = []
    for i, w in enumerate(twin.worlds):
        for j, (measure, name) in enumerate(chart.lines):
            series.append({
                "name": f"{'AB'[i]}: {twin.regimes[i]}" + (f" {name}" if len(chart.lines) > 1
                                                           else ""),
                "type": "line", "showSymbol": False, "animation": False,
                "data": points(w, measure, chart.decimals),
                "lineStyle": {"color": WORLD_COLOURS[i], "width": 2,
                              "type": "dashed" if j else "solid"},
                "itemStyle": {"color": WORLD_COLOURS[i]},
            })
    y_axis: dict = {"type": "value", "scale": chart.y_min is None,
                    "splitNumber": 3, "axisLabel": {"fontSize": 11}}
    if chart.y_min is not None:
        y_axis["min"] = chart.y_min
    if chart.y_max is not None:
        y_axis["max"] = chart.y_max
    return {
        "animation": False,
        "grid": {"left": 44, "right": 12, "top": 10, "bottom": 24},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "min": 0, "max": twin.n_weeks, "splitNumber": 5,
                  "axisLabel": {"fontSize": 11}},
        "yAxis": y_axis,
        "series": series,
    }


def spend_by_category(model: HLSModel, window: int = SPEND_WINDOW) -> dict[str, float]:
    """£ thousand spent in each category over the last ``window`` weeks."""
    lv, weeks = model.recorder.levels, model.week
    lo = max(0, weeks - window)
    return {k: float(np.nansum(lv[f"spend_{k}"][lo:weeks])) / 1000.0 for k in CATEGORIES}


def spend_option(twin: TwinWorlds) -> dict:
    """Stacked bars, one per world, of the last quarter's spend by category."""
    spend = [spend_by_category(w) for w in twin.worlds]
    names = [f"World {'AB'[i]}" for i in range(len(twin.worlds))]
    return {
        "animation": False,
        "grid": {"left": 58, "right": 16, "top": 46, "bottom": 24},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "itemWidth": 10, "itemHeight": 10, "textStyle": {"fontSize": 10}},
        "xAxis": {"type": "value", "axisLabel": {"fontSize": 11}},
        "yAxis": {"type": "category", "data": names, "inverse": True,
                  "axisLabel": {"fontSize": 11}},
        "series": [{"name": SPEND_LABELS[k], "type": "bar", "stack": "spend",
                    "itemStyle": {"color": SPEND_COLOURS[k]},
                    "data": [round(s[k], 1) for s in spend]} for k in CATEGORIES],
    }


def headline(model: HLSModel) -> dict[str, str]:
    """This week's key figures for one world, as display strings."""
    lv, t = model.recorder.levels, model.week - 1
    if t < 0:
        return {}

    def at(key: str, fmt: str) -> str:
        v = lv[key][t]
        return "–" if not np.isfinite(v) else fmt.format(v)

    return {
        "Wellbeing": at("wellbeing_mean", "{:.3f}"),
        "People waiting": at("people_waiting", "{:.0f}"),
        "In support": at("people_in_support", "{:.0f}"),
        "Practitioners": at("practitioners_in_post", "{:.0f}"),
        "Organisations": at("organisations_active", "{:.0f}"),
        "Providers' practice (1 = average)": at("provider_performance", "{:.2f}"),
        "Spend this week": at_money(model, t),
    }


VALUE_ADDED_ROWS = ("Wellbeing a year after arrival", "Wellbeing of everyone this week",
                    "Crises so far")
VALUE_ADDED_HELP = (
    "A third world runs unseen from the same seed with no commissioned support: the same "
    "people arrive with the same needs and meet the same shocks, and recover a little "
    "through ordinary life and community. Each figure is this world minus that one: mean "
    "wellbeing (0-1) of the people who have been in the place a year, a year after they "
    "arrived; mean wellbeing of everyone in the place this week; and crises so far "
    "(negative: crises avoided).")


def value_added_text(va: dict[str, float] | None, commissions: bool, week: int
                     ) -> dict[str, str]:
    """One world's value added over no service (:meth:`TwinWorlds.value_added`) as
    display strings, keyed by :data:`VALUE_ADDED_ROWS`."""
    if not commissions:
        return {VALUE_ADDED_ROWS[0]: "this is the no-service world"}
    if va is None:
        return {}
    w52 = va["wellbeing_52"]
    without = va["crises_without"]
    share = f" ({va['crises'] / without:+.0%})" if without else ""
    return {
        VALUE_ADDED_ROWS[0]: (f"{w52:+.3f} ({va['people_52']:,} people)" if np.isfinite(w52)
                              else "from week 52"),
        VALUE_ADDED_ROWS[1]: f"{va['wellbeing_now']:+.3f}",
        VALUE_ADDED_ROWS[2]: f"{va['crises']:+,.0f}{share}",
    }


def at_money(model: HLSModel, t: int) -> str:
    lv = model.recorder.levels
    total = sum(lv[f"spend_{k}"][t] for k in CATEGORIES)
    return f"£{total:,.0f}" if np.isfinite(total) else "–"
