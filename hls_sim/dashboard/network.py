"""The network view of one world: organisations, their practitioners and a readable
sample of people, with relationships and trust ties, coloured by state.

The graph is a :mod:`networkx` graph built from the world's Mesa agents (Organisation,
Practitioner and Person views), laid out so that change is visible from week to week:

* organisations sit on a ring (squares; grey once closed), their practitioners just
  outside it (circles coloured by stress), and each person in support beyond their
  practitioner, tied to them by a line as thick as the relationship is strong;
* people waiting sit inside the ring by the organisation whose list they are on;
* people out of services (looking for help, case closed, disengaged) sit in the middle;
* trust ties join organisations whose trust is high enough for warm hand-offs;
* people who lost their practitioner or service this week are red, people handed on
  this week purple, so hand-offs, lost relationships and closures show as they happen.

Only a sample of people is drawn (``DEFAULT_SAMPLE``), the same people in both worlds:
the first people present in the twin's fixed random order of people.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ..params import DOMAINS
from ..state import IS_PRESENT

if TYPE_CHECKING:
    from ..model import HLSModel

DEFAULT_SAMPLE = 60
RING = 10.0

# Legend categories (ECharts graph categories), in order, with colours and symbols.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("Organisation", "#3b4cc0", "rect"),
    ("Organisation (closed)", "#bdbdbd", "rect"),
    ("Practitioner (colour: stress)", "#31a354", "circle"),  # drawn with a dark rim
    ("In support", "#1b9e77", "circle"),
    ("Waiting", "#e6ab02", "circle"),
    ("Looking for help", "#fb9a99", "circle"),
    ("Case closed", "#80b1d3", "circle"),
    ("Disengaged", "#636363", "circle"),
    ("Lost practitioner or service this week", "#e31a1c", "diamond"),
    ("Handed on this week", "#984ea3", "diamond"),
)
CAT_INDEX = {name: i for i, (name, _, _) in enumerate(CATEGORIES)}
STATUS_CATEGORY = {"in_support": "In support", "waiting": "Waiting",
                   "seeking": "Looking for help", "closed": "Case closed",
                   "disengaged": "Disengaged"}
LOST_EVENTS = ("lost_practitioner", "service_ended", "lost_in_handoff")
HANDOFF_EVENTS = ("warm_handoff", "cold_handoff")


def sample_people(model: HLSModel, order: np.ndarray, k: int = DEFAULT_SAMPLE,
                  always: tuple[int, ...] = ()) -> np.ndarray:
    """Up to ``k`` people present now, taken in ``order`` (plus ``always`` if present).

    With the twin's fixed order, both worlds show the same people while they are
    present, and a person who leaves is replaced by the next one in the order.
    """
    present = IS_PRESENT[model.people.status[order]]
    chosen = order[present][:k]
    extra = [p for p in always if IS_PRESENT[model.people.status[p]] and p not in chosen]
    return np.concatenate([chosen, np.asarray(extra, dtype=chosen.dtype)]) if extra \
        else chosen


def _stress_colour(s: float) -> str:
    """Green (calm) through amber to red (stressed)."""
    s = min(max(s, 0.0), 1.0)
    stops = ((0.0, (49, 163, 84)), (0.5, (253, 174, 97)), (1.0, (215, 25, 28)))
    for (a, ca), (b, cb) in zip(stops, stops[1:], strict=False):
        if s <= b:
            f = (s - a) / (b - a)
            r, g, bl = (round(x + (y - x) * f) for x, y in zip(ca, cb, strict=True))
            return f"#{r:02x}{g:02x}{bl:02x}"
    return "#d7191c"


def build_graph(model: HLSModel, people: np.ndarray,
                week_entries: list[tuple] | None = None, follow: int | None = None,
                trust_threshold: float | None = None) -> nx.Graph:
    """The world as a networkx graph, read from its Mesa agents.

    Nodes carry ``kind`` (organisation, practitioner, person), ``category`` (a legend
    entry), ``label`` (tooltip text) and ``pos`` (x, y); edges carry ``kind``
    (employs, relationship, waiting, trust) and ``weight``.
    """
    g = nx.Graph()
    orgs = list(model.organisations)
    orgs.sort(key=lambda o: o.index)
    n_org = max(len(orgs), 1)
    angle = {o.index: 2 * math.pi * o.index / n_org - math.pi / 2 for o in orgs}

    def at(r: float, a: float) -> tuple[float, float]:
        return (round(r * math.cos(a), 3), round(r * math.sin(a), 3))

    for o in orgs:
        cat = "Organisation" if o.active else "Organisation (closed)"
        staff = o.staff if o.active else 0
        state = "open" if o.active else f"closed in week {o.closed_week}"
        g.add_node(f"o{o.index}", kind="organisation", category=cat, index=o.index,
                   label=f"{o.name} ({DOMAINS[o.specialism].replace('_', ' ')}, "
                         f"locality {o.locality}): {state}, {staff} practitioners, "
                         f"reserves £{o.reserves / 100:,.0f}",
                   size=12 + 1.5 * min(staff, 12), pos=at(RING, angle[o.index]))

    # Practitioners (Mesa agents), fanned out beside their organisation.
    by_org: dict[int, list] = {}
    for pr in model.practitioners:
        by_org.setdefault(int(model.posts.org[pr.post]), []).append(pr)
    slot = 2 * math.pi / n_org
    prac_angle: dict[int, float] = {}
    for o, prs in by_org.items():
        prs.sort(key=lambda p: p.post)
        k = len(prs)
        width = min(0.8 * slot, 0.13 * (k - 1))
        for j, pr in enumerate(prs):
            a = angle.get(o, 0.0) + (j - (k - 1) / 2) * (width / max(k - 1, 1))
            prac_angle[pr.post] = a
            g.add_node(f"p{pr.post}", kind="practitioner",
                       category="Practitioner (colour: stress)", colour=_stress_colour(pr.stress),
                       label=f"Practitioner {pr.post} at Organisation {o}: caseload "
                             f"{pr.caseload}, stress {pr.stress:.2f}, {pr.tenure_weeks} "
                             "weeks in post", size=9, pos=at(RING + 2.2, a))
            g.add_edge(f"o{o}", f"p{pr.post}", kind="employs", weight=1.0)

    # What happened to people this week (from the log), for highlighting.
    lost, handed = set(), set()
    for _, kind, persons, _, _, _ in week_entries or ():
        if kind in LOST_EVENTS:
            lost.update(persons.tolist())
        elif kind in HANDOFF_EVENTS:
            handed.update(persons.tolist())

    # People (Mesa agents) in the sample.
    ppl = model.people
    around: dict[tuple[str, int], int] = {}
    middle = 0
    n_mid = max(len(people), 1)
    for idx in people.tolist():
        agent = model.person_agents[idx]
        if agent is None:
            continue
        status = agent.status
        cat = STATUS_CATEGORY.get(status, "Looking for help")
        if idx in lost:
            cat = "Lost practitioner or service this week"
        elif idx in handed:
            cat = "Handed on this week"
        prac = agent.practitioner
        text = f"Person {idx}: {status.replace('_', ' ')}, wellbeing {agent.wellbeing:.2f}"
        node = f"h{idx}"
        if status == "in_support" and prac is not None and prac.post in prac_angle:
            m = around.get(("p", prac.post), 0)
            around[("p", prac.post)] = m + 1
            a = prac_angle[prac.post] + ((m % 5) - 2) * 0.035
            pos = at(RING + 4.2 + 0.9 * (m // 5) + 0.45 * (m % 2), a)
            text += f", with practitioner {prac.post} (relationship {agent.relationship:.2f})"
            g.add_node(node, kind="person", category=cat, label=text, size=6, pos=pos,
                       person=idx)
            g.add_edge(node, f"p{prac.post}", kind="relationship",
                       weight=float(agent.relationship))
        elif status == "waiting" and ppl.contract[idx] >= 0:
            o = int(model.contracts.org[ppl.contract[idx]])
            m = around.get(("o", o), 0)
            around[("o", o)] = m + 1
            a = angle.get(o, 0.0) + ((m % 5) - 2) * 0.05
            pos = at(RING - 2.0 - 0.8 * (m // 5) - 0.4 * (m % 2), a)
            text += f", waiting for Organisation {o} ({model.week - int(ppl.wait_since[idx])} weeks)"
            g.add_node(node, kind="person", category=cat, label=text, size=6, pos=pos,
                       person=idx)
            if f"o{o}" in g:
                g.add_edge(node, f"o{o}", kind="waiting", weight=0.5)
        else:
            r = (RING - 5.5) * math.sqrt((middle + 0.5) / n_mid)
            pos = at(r, middle * 2.39996)  # a sunflower spiral: even, stable spacing
            middle += 1
            g.add_node(node, kind="person", category=cat, label=text, size=6, pos=pos,
                       person=idx)
        if idx == follow:
            g.nodes[node]["followed"] = True
            g.nodes[node]["size"] = 13

    # Trust ties strong enough for warm hand-offs.
    threshold = model.params.support.warm_trust if trust_threshold is None else trust_threshold
    active = [o.index for o in orgs if o.active]
    if len(active) > 1:
        sub = model.providers.trust[np.ix_(active, active)]
        ii, jj = np.nonzero(np.triu(sub >= threshold, 1))
        for a, b in zip(ii.tolist(), jj.tolist(), strict=True):
            oa, ob = active[a], active[b]
            g.add_edge(f"o{oa}", f"o{ob}", kind="trust", weight=float(sub[a, b]))
    return g


EDGE_STYLE = {
    "employs": {"color": "#bdbdbd", "width": 1, "opacity": 0.8},
    "waiting": {"color": "#e6ab02", "width": 1, "type": "dashed", "opacity": 0.8},
    "trust": {"color": "#3b4cc0", "opacity": 0.35, "curveness": 0.25},
}


def graph_option(g: nx.Graph, title: str = "") -> dict:
    """An ECharts graph option drawing ``g`` at its nodes' positions."""
    nodes = []
    for n, d in g.nodes(data=True):
        name, colour, symbol = CATEGORIES[CAT_INDEX[d["category"]]]
        item: dict = {"name": n, "value": d["label"], "x": d["pos"][0], "y": -d["pos"][1],
                      "category": CAT_INDEX[d["category"]], "symbolSize": d["size"]}
        if d["kind"] == "practitioner" and d["category"].startswith("Practitioner"):
            item["itemStyle"] = {"color": d["colour"], "borderColor": "#263238",
                                 "borderWidth": 1}
        if d["kind"] == "organisation":
            item["label"] = {"show": True, "formatter": str(d["index"]), "color": "#fff",
                             "fontSize": 10}
        if d.get("followed"):
            item["symbol"] = "pin"
            item["itemStyle"] = {"borderColor": "#000", "borderWidth": 2}
            item["label"] = {"show": True, "formatter": f"Person {d['person']}",
                             "position": "top", "fontSize": 11, "fontWeight": "bold"}
        nodes.append(item)
    links = []
    for a, b, d in g.edges(data=True):
        kind = d["kind"]
        style = dict(EDGE_STYLE.get(kind, {}))
        if kind == "relationship":
            style = {"color": "#1b9e77", "width": round(0.5 + 2.0 * d["weight"], 2),
                     "opacity": 0.9}
            text = f"relationship {d['weight']:.2f}"
        elif kind == "trust":
            style["width"] = round(1 + 6 * max(d["weight"] - 0.4, 0), 2)
            text = f"trust {d['weight']:.2f}"
        else:
            text = kind
        links.append({"source": a, "target": b, "value": text, "lineStyle": style})
    return {
        "animation": False,
        "title": {"text": title, "left": 4, "top": 0, "textStyle": {"fontSize": 13}},
        "tooltip": {"formatter": "{c}", "confine": True},
        "legend": [{"data": [c[0] for c in CATEGORIES], "bottom": 0, "itemWidth": 10,
                    "itemHeight": 10, "textStyle": {"fontSize": 10}}],
        "series": [{
            "type": "graph", "layout": "none", "roam": True, "animation": False,
            "top": 36, "bottom": 64, "left": 36, "right": 36,
            "categories": [{"name": n, "itemStyle": {"color": c}, "symbol": s}
                           for n, c, s in CATEGORIES],
            "data": nodes, "links": links,
            "emphasis": {"focus": "adjacency"},
            "lineStyle": {"opacity": 0.8},
        }],
    }


def caption(g: nx.Graph, model: HLSModel) -> str:
    kinds = [d["kind"] for _, d in g.nodes(data=True)]
    n_org = kinds.count("organisation")
    n_prac = kinds.count("practitioner")
    n_people = kinds.count("person")
    present = int(np.count_nonzero(IS_PRESENT[model.people.status[: model.n_arrived]]))
    ties = sum(1 for _, _, d in g.edges(data=True) if d["kind"] == "trust")
    return (f"{n_org} organisations, {n_prac} practitioners, {n_people} of {present} people "
            f"(a sample, the same people in both worlds), {ties} warm trust ties")
