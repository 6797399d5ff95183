"""Providers and their lots: how good the practice of whoever holds the work is, and
who holds which lot, with what happened to each lot lately.

Providers differ in a persistent quality of practice, and their effort erodes where
nothing tests it (``hls_sim.mechanisms.market``). Their *performance* is quality times
effort (1 = an average provider). Two views read it:

* :func:`performance_option`: the performance of whoever holds the posts
  (``provider_performance``, weighted by filled posts) week by week in both worlds,
  with a marker at each week a lot changed hands, a review failed, a provider entered
  or left the market;
* :func:`lot_map_option`: one world's lots, localities by the need each lot leads on,
  coloured by the holder's performance, with marks for recent tenders, failed reviews,
  emergency awards, entries and exits.

:class:`LotTracker` reads each world's event log as it runs (from a bookmark, as the
ticker does), so its cost does not grow with the length of the run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..params import DOMAINS, N_DOMAINS

if TYPE_CHECKING:
    from ..model import HLSModel
    from .twin import TwinWorlds

MARK_WEEKS = 26  # a lot's marks show what happened to it over the last half year

# Marks on the lot map and the performance chart: (mark on a lot, words, symbol on the
# chart). Symbols are ECharts' own; an exit is an arrow turned down.
MARKS: dict[str, tuple[str, str, str]] = {
    "kept": ("▲", "re-tendered, kept by its holder", ""),
    "moved": ("⇄", "changed hands at a tender", "triangle"),
    "renewed": ("↻", "renewed after a partnership review", ""),
    "review_failed": ("✗", "failed a partnership review", "diamond"),
    "emergency": ("!", "passed on without a tender when its holder closed or left",
                  "rect"),
    "direct": ("◆", "let without competition: nobody bid at its tender", "rect"),
    "entered": ("+", "a new provider entered the market to bid for it", "arrow"),
    "left": ("−", "a provider based here closed or left the market", "arrow"),
    "ended": ("∅", "ended with nobody to hold it", "rect"),
}
PERFORMANCE_HELP = (
    "The practice of whoever holds the practitioner posts, weighted by posts filled: each "
    "provider's persistent quality of practice times its effort, 1 = an average provider. "
    "Tenders can pick better providers as far as they can see quality; effort drifts down "
    "where nothing tests it (no tender in prospect, soft reviews) and is restored by a "
    "tender, a rigorous review or a learning meeting's challenge.")
PERFORMANCE_RANGE = (0.7, 1.3)  # the lot map's colour scale (1 = an average provider)
PERFORMANCE_COLOURS = ["#c62828", "#f5f5f5", "#1b7837"]  # weaker, average, stronger

_LOT = re.compile(r"(?P<domain>[a-z_]+) lot in locality (?P<locality>\d+)")
_DOMAIN_INDEX = {d: i for i, d in enumerate(DOMAINS)}


@dataclass(frozen=True)
class LotEvent:
    """Something that happened to a lot (or to a provider based there) in one week."""

    week: int
    kind: str  # a key of MARKS
    lot: int  # contract index (-1: none, e.g. an exit in a no-service world)
    org: int
    text: str


def _lot_of(detail: str, by_place: dict[tuple[int, int], int]) -> int:
    m = _LOT.search(detail)
    if not m or m["domain"] not in _DOMAIN_INDEX:
        return -1
    return by_place.get((int(m["locality"]), _DOMAIN_INDEX[m["domain"]]), -1)


def _words(domain: int) -> str:
    return DOMAINS[domain].replace("_", " ")


class LotTracker:
    """What happened to each lot of one world, read from its event log week by week."""

    def __init__(self, model: HLSModel):
        self.model = model
        self._mark = 0
        self.events: list[LotEvent] = []
        self.by_lot: dict[int, list[LotEvent]] = defaultdict(list)

    def _places(self) -> dict[tuple[int, int], int]:
        return {(c.locality, c.lead_domain): c.index for c in self.model.contracts}

    def update(self) -> list[LotEvent]:
        """Read what the log gained since the last call; return the new lot events."""
        log = self.model.log
        entries = log.entries_since(self._mark)
        self._mark = log.mark()
        org_entries = [(int(e[0]), e[1], o, str(e[5])) for e in entries
                       if e[2].size and e[2][0] < 0  # organisations' events, a row each
                       for o in e[3].tolist()]
        if not org_entries:
            return []
        by_place = self._places()
        prov = self.model.providers
        new: list[LotEvent] = []
        by_week: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
        for week, kind, org, detail in org_entries:
            by_week[week].append((kind, org, detail))
        for week in sorted(by_week):
            items = by_week[week]
            moved = {_lot_of(d, by_place) for k, _, d in items if k == "lot_transferred"}
            for kind, org, detail in items:
                lot = _lot_of(detail, by_place)
                if kind == "tender_won":
                    mk = "moved" if lot in moved else "kept"
                    verb = "won" if mk == "moved" else "kept"
                    new.append(LotEvent(week, mk, lot, org,
                                        f"Organisation {org} {verb} it at a tender"))
                elif kind == "emergency_award":
                    new.append(LotEvent(week, "emergency", lot, org,
                                        f"Organisation {org} {detail} (no tender)"
                                        .replace("_", " ")))
                elif kind == "direct_award":
                    new.append(LotEvent(week, "direct", lot, org,
                                        f"Organisation {org} was given it without "
                                        "competition (nobody bid)"))
                elif kind == "review_failed":
                    new.append(LotEvent(week, "review_failed", lot, org,
                                        f"Organisation {org} failed a review"))
                elif kind == "partnership_renewed":
                    new.append(LotEvent(week, "renewed", lot, org,
                                        f"Organisation {org} renewed after a review"))
                elif kind == "lot_ended":
                    new.append(LotEvent(week, "ended", lot, org,
                                        f"ended: {detail}".replace("_", " ")))
                elif kind in ("entered_market", "organisation_closed", "left_market"):
                    # A provider is based in a locality and a need: the lot there.
                    home = by_place.get((int(prov.locality[org]), int(prov.specialism[org])),
                                        -1)
                    if kind == "entered_market":
                        mk, text = "entered", f"Organisation {org} entered the market"
                    elif kind == "organisation_closed":
                        mk, text = "left", f"Organisation {org} closed (ran out of money)"
                    else:
                        mk, text = "left", f"Organisation {org} left the market"
                    new.append(LotEvent(week, mk, home, org, text))
        for e in new:
            self.events.append(e)
            if e.lot >= 0:
                self.by_lot[e.lot].append(e)
        return new

    def recent(self, lot: int, weeks: int = MARK_WEEKS) -> list[LotEvent]:
        """Events of one lot over the last ``weeks`` weeks, oldest first."""
        since = self.model.week - weeks
        return [e for e in self.by_lot.get(lot, ()) if e.week >= since]


# --- the lot map -------------------------------------------------------------------------


def lot_map_option(model: HLSModel, tracker: LotTracker) -> dict | None:
    """An ECharts heatmap of one world's lots (None when nothing is commissioned).

    Rows are localities, columns the need each lot leads on; a cell's colour is its
    holder's performance (quality x effort, 1 = an average provider), its label the
    holder and the marks of the last :data:`MARK_WEEKS` weeks, its tooltip the whole
    story.
    """
    contracts = list(model.contracts)
    if not contracts:
        return None
    prov = model.providers
    n_loc = model.params.place.n_localities
    data = []
    for c in contracts:
        marks = "".join(dict.fromkeys(MARKS[e.kind][0] for e in tracker.recent(c.index)))
        scope = ("all six needs" if c.domains.all() else
                 ", ".join(_words(d) for d in np.flatnonzero(c.domains)))
        if c.active:
            o = c.org
            perf = round(float(prov.performance[o]), 2)
            tip = (f"{c.name.replace('_', ' ')} (covers {scope}): Organisation {o}, "
                   f"{c.posts} posts; practice {perf:.2f} of an average provider's "
                   f"(quality {prov.quality[o]:.2f} × effort {prov.effort[o]:.2f})")
            label = f"{o}\n{marks}" if marks else str(o)
        else:
            perf, label = "-", marks  # an empty cell: nobody holds it
            tip = f"{c.name.replace('_', ' ')}: ended, nobody holds it"
        story = "; ".join(f"week {e.week}: {e.text}" for e in tracker.recent(c.index))
        if story:
            tip += f". Lately: {story}"
        data.append({"value": [int(c.lead_domain), int(c.locality), perf], "name": tip,
                     "label": {"formatter": label}})
    lo, hi = PERFORMANCE_RANGE
    return {
        "animation": False,
        "tooltip": {"trigger": "item", "formatter": "{b}", "confine": True,
                    "extraCssText": "white-space: normal; max-width: 340px;"},
        "grid": {"left": 70, "right": 8, "top": 34, "bottom": 34},
        # Need names on top, two lines each, so they fit six to a row.
        "xAxis": {"type": "category", "position": "top",
                  "data": [DOMAINS[d].replace("_", "\n") for d in range(N_DOMAINS)],
                  "splitArea": {"show": True},
                  "axisLabel": {"fontSize": 11, "interval": 0, "lineHeight": 12}},
        "yAxis": {"type": "category", "data": [f"locality {k}" for k in range(n_loc)],
                  "inverse": True, "splitArea": {"show": True},
                  "axisLabel": {"fontSize": 11}},
        "visualMap": {"min": lo, "max": hi, "dimension": 2, "calculable": False,
                      "orient": "horizontal", "left": "center", "bottom": 0,
                      "itemHeight": 120, "itemWidth": 10,
                      "text": ["stronger", "weaker practice"], "textStyle": {"fontSize": 11},
                      "inRange": {"color": PERFORMANCE_COLOURS}},
        "series": [{"type": "heatmap", "data": data,
                    "label": {"show": True, "fontSize": 12, "lineHeight": 15,
                              "color": "#212121"},
                    "itemStyle": {"borderColor": "#fff", "borderWidth": 2},
                    "emphasis": {"itemStyle": {"borderColor": "#000"}}}],
    }


def lot_map_height(model: HLSModel) -> int:
    """Pixels for a lot map: a row per locality."""
    return 76 + 46 * model.params.place.n_localities


def marks_legend() -> str:
    """The marks in words, for under the maps."""
    return " · ".join(f"{mark} {words}" for mark, words, _ in MARKS.values())


# --- performance over time ------------------------------------------------------------------


def performance_option(twin: TwinWorlds, colours: tuple[str, ...]) -> dict:
    """Both worlds' provider performance week by week, with a marker for each week a lot
    changed hands, a review failed, or a provider entered or left the market."""
    from .charts import points  # the charts' cache of each world's weekly points

    series = []
    for i, w in enumerate(twin.worlds):
        data = points(w, "provider_performance", 3)
        name = f"{'AB'[i]}: {twin.regime_name(i)}"
        series.append({"name": name, "type": "line", "showSymbol": False,
                       "animation": False, "data": data,
                       "lineStyle": {"color": colours[i], "width": 2},
                       "itemStyle": {"color": colours[i]}})
        markers = _markers(twin.lot_trackers[i].events, data)
        if markers:
            series.append({"name": f"{name} events", "type": "scatter", "animation": False,
                           "data": markers, "symbolSize": 9,
                           "itemStyle": {"color": colours[i], "borderColor": "#212121",
                                         "borderWidth": 0.6},
                           "tooltip": {"trigger": "item", "formatter": "{b}"}})
    return {
        "animation": False,
        "grid": {"left": 44, "right": 12, "top": 10, "bottom": 24},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "min": 0, "max": twin.n_weeks, "splitNumber": 5,
                  "axisLabel": {"fontSize": 11}},
        "yAxis": {"type": "value", "scale": True, "splitNumber": 3,
                  "axisLabel": {"fontSize": 11}},
        "series": series,
    }


def _markers(events: list[LotEvent], line: list) -> list[dict]:
    """One marker per week and kind of event, on the world's performance line (its
    ``[[week, value], ...]`` points)."""
    by: dict[tuple[int, str], list[str]] = defaultdict(list)
    for e in events:
        if MARKS[e.kind][2]:
            by[(e.week, e.kind)].append(e.text)
    out = []
    for (week, kind), texts in sorted(by.items()):
        if week >= len(line) or line[week][1] is None:
            continue
        _, words, symbol = MARKS[kind]
        item = {"value": [week, line[week][1]], "symbol": symbol,
                "name": f"week {week}: {words}: " + "; ".join(texts)}
        if kind == "left":
            item["symbolRotate"] = 180
        out.append(item)
    return out
