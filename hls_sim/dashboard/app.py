"""The trainers' dashboard: a Mesa SolaraViz page showing twin worlds side by side.

Run it with ``hls-sim dashboard`` (or ``solara run hls_sim.dashboard.app``). The page:

* sidebar: Mesa's controls (reset, play/pause, step, speed), the seed and each world's
  starting regime (Mesa model parameters), and the place (size, budget, needs), each
  with a tooltip; all of these apply when you press Reset;
* main area: this week's figures for both worlds and what each adds over no
  commissioned support, the levers of each world in their two groups (procurement and
  practice; change them from next week, or run a world again from week 0 with them),
  twelve charts each showing both worlds, the money panel (each world's economic case
  against no service: net present value, benefit-cost ratio, cost per WELLBY, who pays
  and who benefits, what is counted), the providers (the practice of whoever holds
  the work over time, and a map of who holds which lot), a network view of each world,
  an event ticker for each world, and one person's journey told in both worlds.

SolaraViz steps the :class:`~hls_sim.dashboard.twin.TwinWorlds` model; after each step
Mesa's update counter redraws every view here.
"""

from __future__ import annotations

import html
from typing import Any

import solara
from mesa.visualization import Slider, SolaraViz

from ..params import ParameterError
from . import charts, lots, money, network
from .controls import (
    GROUP_PRESETS,
    GROUP_TITLES,
    PLACE,
    REGIME_LABELS,
    REGIME_NAMES,
    REGIMES,
    Control,
    commissions,
    describe_changes,
    fill_group,
    levers_of,
    place_defaults,
    place_overrides,
    preset_levers,
)
from .figure import Echarts, Option, OptionCache
from .ticker import TONES
from .twin import WORLD_NAMES, TwinWorlds

try:  # Mesa's counter that SolaraViz bumps after every step, reset and play tick
    from mesa.visualization.utils import force_update, update_counter

    MESA_COUNTER = True
except ImportError:  # pragma: no cover - a Mesa without it: the twin tells us it stepped
    MESA_COUNTER = False
    update_counter = solara.reactive(0)

    def force_update() -> None:
        update_counter.value += 1


TITLE = "hls_sim twin worlds: one place, two ways of commissioning"
TONE_COLOURS = {"bad": "#c62828", "warn": "#b26a00", "good": "#2e7d32", "info": "#37474f"}
CSS = """
.hls-card { border: 1px solid #e0e0e0; border-radius: 6px; padding: 8px 10px; background: #fff; }
.hls-chart-title { font-weight: 600; font-size: 14px; margin: 0; cursor: help; }
.hls-ticker { height: 300px; overflow-y: auto; font-size: 14px; line-height: 1.35; }
.hls-ticker .wk { color: #757575; font-variant-numeric: tabular-nums; margin-right: 6px; }
.hls-journey { max-height: 300px; overflow-y: auto; font-size: 14px; line-height: 1.35; }
.hls-journey ol { padding-left: 18px; margin: 0; }
.hls-figures table { border-collapse: collapse; font-size: 15px; width: 100%; }
.hls-figures td, .hls-figures th { padding: 2px 10px; text-align: right; }
.hls-figures td:first-child, .hls-figures th:first-child { text-align: left; }
.hls-swatch { display: inline-block; width: 22px; height: 4px; vertical-align: middle;
              margin-right: 6px; }
.hls-section { font-size: 18px; font-weight: 600; margin: 10px 0 2px 0; }
.hls-help { color: #616161; font-size: 13px; }
.hls-control-label { font-size: 13px; color: #424242; margin: 4px 0 -10px 0; cursor: help; }
.hls-group { font-size: 15px; margin: 10px 0 0 0; padding-top: 6px; border-top: 1px solid #e0e0e0; }
.hls-figures tr.hls-subhead td { font-weight: 600; padding-top: 8px; text-align: left; }
.hls-marks { color: #424242; font-size: 13px; }
.hls-money table { border-collapse: collapse; font-size: 14px; width: 100%; }
.hls-money td, .hls-money th { padding: 2px 8px; text-align: right; white-space: nowrap; }
.hls-money td:first-child { white-space: normal; }
.hls-money td:first-child, .hls-money th:first-child { text-align: left; }
.hls-money tr.hls-npv td { font-weight: 600; border-top: 1px solid #bdbdbd; }
.hls-counted { font-size: 13px; color: #424242; margin-top: 4px; }
.hls-counted summary { cursor: pointer; color: #1565c0; }
"""


def _redraw() -> None:
    force_update()


# --- small building blocks --------------------------------------------------------------


@solara.component
def ControlInput(control: Control, value: Any, on_value, disabled: bool = False):
    """A slider, selector or switch for one parameter, with its tooltip."""
    label = control.label
    with solara.Tooltip(control.tooltip):
        with solara.Column(gap="0px", classes=[f"hls-control-{control.field}"]):
            if control.kind in ("int", "float"):
                shown = f"{value:g}" if control.kind == "float" else str(value)
                solara.HTML(tag="div", classes=["hls-control-label"], unsafe_innerHTML=(
                    f"{html.escape(label)}: <b>{html.escape(shown)}</b>"))
                slider = solara.SliderInt if control.kind == "int" else solara.SliderFloat
                cast = int if control.kind == "int" else float
                slider("", value=cast(value), min=cast(control.min), max=cast(control.max),
                       step=cast(control.step), on_value=on_value, disabled=disabled)
            elif control.kind == "select":
                labels = [control.option_labels.get(o, o) for o in control.options]
                back = dict(zip(labels, control.options, strict=True))
                solara.Select(label, values=labels,
                              value=control.option_labels.get(value, value),
                              on_value=lambda v: on_value(back.get(v, v)),
                              disabled=disabled)
            else:
                solara.Checkbox(label=label, value=bool(value), on_value=on_value,
                                disabled=disabled)


@solara.component
def PlaceCard(place: dict[str, Any]):
    """The place both worlds share; applies at Reset (written into ``place`` in place,
    which SolaraViz hands to TwinWorlds when it resets)."""
    initial = solara.use_memo(place_defaults, [])
    values, set_values = solara.use_state(initial)

    def change(name: str, control: Control):
        def on_value(v):
            def update(old: dict[str, Any]) -> dict[str, Any]:
                new = {**old, name: control.coerce(v)}
                place.clear()  # the dict SolaraViz passes to TwinWorlds at Reset
                place.update(place_overrides(new))
                return new

            set_values(update)
        return on_value

    with solara.Card("The place", subtitle="Applies to both worlds when you press Reset"):
        for c in PLACE:
            ControlInput(c, values[c.name], change(c.name, c))


@solara.component
def PlaceSidebar(place: dict[str, Any]):
    """The place card, below SolaraViz's own cards in the sidebar. Solara orders sidebar
    content by how deep in the page it is declared, so it is declared one level deeper
    than SolaraViz's."""
    _PlaceSidebar(place)


@solara.component
def _PlaceSidebar(place: dict[str, Any]):
    with solara.Sidebar():
        PlaceCard(place)


@solara.component
def Legend(twin: TwinWorlds, week: int, revision: int):
    parts = "".join(
        f'<span style="margin-right:24px"><span class="hls-swatch" '
        f'style="background:{charts.WORLD_COLOURS[i]}"></span>'
        f'<b>{WORLD_NAMES[i]}</b>: '
        f'{html.escape(REGIME_LABELS.get(twin.regimes[i], twin.regimes[i]))}'
        + (" <i>(levers changed)</i>" if twin.changes[i] else "") + "</span>"
        for i in range(2))
    solara.HTML(tag="div", unsafe_innerHTML=parts, classes=["hls-legend"])


@solara.component
def Figures(twin: TwinWorlds, week: int, revision: int):
    """This week's key figures, both worlds side by side."""
    heads = [charts.headline(w) for w in twin.worlds]
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td>"
        + "".join(f"<td>{html.escape(h.get(k, '–'))}</td>" for h in heads) + "</tr>"
        for k in (heads[0] or heads[1] or {}))
    head = "".join(f'<th style="color:{charts.WORLD_COLOURS[i]}">{WORLD_NAMES[i]}</th>'
                   for i in range(2))
    added = [charts.value_added_text(twin.value_added(i), twin.commissions(i), week)
             for i in range(2)]
    tip = html.escape(charts.VALUE_ADDED_HELP, quote=True)
    rows += (f'<tr class="hls-subhead"><td colspan="3" title="{tip}" style="cursor:help">'
             "Added over no commissioned support (same people, same shocks)</td></tr>")
    rows += "".join(
        f'<tr class="hls-added"><td>{html.escape(k)}</td>'
        + "".join(f"<td>{html.escape(a.get(k, '–'))}</td>" for a in added) + "</tr>"
        for k in charts.VALUE_ADDED_ROWS)
    solara.HTML(tag="div", classes=["hls-figures"], unsafe_innerHTML=(
        f'<div class="hls-week" data-week="{week}" style="font-size:22px;font-weight:600">'
        f"Week {week} of {twin.n_weeks}</div>"
        f'<div class="hls-help">Same seed ({twin.seed}): the same '
        f"{twin.worlds[0].params.place.n_people:,} people arrive with the same needs and "
        f"meet the same life shocks in both worlds, and in a third, unseen world where "
        f"nothing is commissioned.</div>"
        f"<table><tr><th></th>{head}</tr>{rows}</table>"))


# --- levers -------------------------------------------------------------------------------


@solara.component
def GroupFill(group: str, draft: dict[str, Any], set_draft, disabled: bool):
    """Which preset a lever group's settings are taken from: filling the group from a
    preset leaves the other group as it is (the mixed options)."""
    title, words = GROUP_TITLES[group]
    own = "your own settings"
    current = next((p for p in GROUP_PRESETS
                    if fill_group(draft, group, p) == draft), own)

    def choose(p: str):
        if p in GROUP_PRESETS:
            set_draft(lambda d: fill_group(d, group, p))

    solara.HTML(tag="div", classes=["hls-group", f"hls-group-{group}"], unsafe_innerHTML=(
        f"<b>{html.escape(title)}</b>: {html.escape(words)}"))
    with solara.Tooltip(f"Set every {title.lower()} lever below as a preset sets it, and "
                        "keep the other group's levers as they are: competitive procurement "
                        "with collaborative practice is a tender with relational practice in "
                        "its specification; the other way round, a partnership run with "
                        "conventional practice."):
        with solara.Column(gap="0px", classes=[f"hls-fill-{group}"]):
            solara.Select(f"{title} as in", values=[*GROUP_PRESETS, own], value=current,
                          on_value=choose, disabled=disabled)


@solara.component
def LeverCard(twin: TwinWorlds, i: int, message: tuple[str, str], set_message):
    """One world's levers, in their two groups: edit, then apply from next week or run
    again from week 0.

    The draft lives here (a new card, with a fresh draft, for each new world); the last
    message lives in :func:`Levers`, so it outlasts the card.
    """
    current = twin.levers(i)
    draft, set_draft = solara.use_state(current)
    regime, set_regime = solara.use_state(twin.regimes[i])

    def set_lever(name: str, control: Control):
        return lambda v: set_draft(lambda d: {**d, name: control.coerce(v)})

    def choose_preset(r: str):
        set_regime(r)
        set_draft(preset_levers(r))

    def apply():
        try:
            changes = twin.change_levers(i, draft)
        except ParameterError as exc:
            set_message((str(exc), "error"))
            return
        set_message(("Applies from next week: " + "; ".join(changes), "success") if changes
                    else ("Nothing to change.", "info"))
        _redraw()

    def restart():
        try:
            twin.restart_world(i, regime, draft)
        except ParameterError as exc:
            set_message((str(exc), "error"))
            return
        set_message((f"{WORLD_NAMES[i]} ran again from week 0 as "
                     f"{REGIME_NAMES.get(regime, regime)} to week {twin.week}.", "success"))
        _redraw()

    pending = describe_changes(current, draft)
    live = commissions(draft)
    # Starting or stopping all support is a different world, not new terms for contracts.
    can_apply = twin.worlds[i].running and twin.commissions(i) and live
    with solara.Card(twin.label(i), classes=[f"hls-levers-{'ab'[i]}"]):
        with solara.Tooltip("Fill every lever below with a preset's values (no service: "
                            "nothing is commissioned, the baseline every world is measured "
                            "against)"):
            with solara.Column(gap="0px", classes=[f"hls-preset-{'ab'[i]}"]):
                names = [REGIME_NAMES.get(r, r) for r in REGIMES]
                back = dict(zip(names, REGIMES, strict=True))
                solara.Select("Start from the preset", values=names,
                              value=REGIME_NAMES.get(regime, regime),
                              on_value=lambda v: choose_preset(back.get(v, v)))
        if not live:
            solara.HTML(tag="div", classes=["hls-help", "hls-no-service-note"],
                        unsafe_innerHTML=(
                "Nothing is commissioned in the no-service world, so there are no levers to "
                "pull: people meet the same needs and shocks with only ordinary life and "
                "community to help. It is the baseline the figures above measure each world "
                "against. Choose another preset and press <i>Run again from week 0</i> to "
                "commission support here."))
        else:
            for group in GROUP_TITLES:
                GroupFill(group, draft, set_draft, disabled=False)
                for c in levers_of(group):
                    ControlInput(c, draft[c.field], set_lever(c.field, c))
        # Always drawn (empty when nothing is pending), so the buttons below keep their
        # place in the tree and are not rebuilt while someone is about to click them.
        solara.HTML(tag="div", classes=["hls-help", f"hls-pending-{'ab'[i]}"], unsafe_innerHTML=(
            "Not yet applied: " + html.escape("; ".join(pending)) if pending and live
            else ""))
        with solara.Row(gap="8px", style="flex-wrap: wrap"):
            with solara.Tooltip("From next week the commissioner renews every contract in "
                                "force on these terms; the people and the history so far "
                                "stay as they are. (Starting or stopping all support needs "
                                "a run from week 0.)"):
                solara.Button("Apply from next week", color="primary", on_click=apply,
                              disabled=not can_apply, classes=[f"hls-apply-{'ab'[i]}"])
            with solara.Tooltip("Build this world again from week 0 with these levers and "
                                "run it to this week: the same place as if it had always "
                                "been commissioned this way."):
                solara.Button("Run again from week 0", outlined=True, on_click=restart,
                              classes=[f"hls-restart-{'ab'[i]}"])
        text, kind = message
        if text:
            (solara.Error if kind == "error" else solara.Success if kind == "success"
             else solara.Info)(text, dense=True)


@solara.component
def Levers(twin: TwinWorlds):
    """The levers of both worlds, shown on demand (hidden, they cost nothing to redraw)."""
    shown, set_shown = solara.use_state(False)
    messages, set_messages = solara.use_state({})
    with solara.Row(style="align-items: center"):
        solara.Button("Hide the levers" if shown else "Change the levers of either world",
                      icon_name="mdi-tune", outlined=not shown, color="primary",
                      on_click=lambda: set_shown(not shown), classes=["hls-show-levers"])
        solara.HTML(tag="span", classes=["hls-help"], unsafe_innerHTML=(
            "Pause first; hover a lever for what it means."))
    if shown:
        with solara.Columns([1, 1]):
            for i in range(2):
                slot = (id(twin), i)  # a Reset (a new twin) starts with no message

                def set_message(m, slot=slot):
                    set_messages(lambda old: {**old, slot: m})

                # A new card (fresh draft) for each new world (Reset, run again).
                LeverCard(twin, i, messages.get(slot, ("", "info")), set_message).key(
                    f"levers-{i}-{id(twin.worlds[i])}")


# --- charts, network, ticker, person --------------------------------------------------------


@solara.component
def ChartCard(chart: charts.Chart | None, option: dict, height: int = 180):
    key = chart.key if chart else "spend"
    title = chart.title if chart else charts.SPEND_TITLE
    text = chart.help if chart else charts.SPEND_HELP
    with solara.Column(gap="2px", classes=["hls-card", f"hls-chart-{key}"]):
        solara.HTML(tag="p", unsafe_innerHTML=html.escape(title), classes=["hls-chart-title"],
                    attributes={"title": text})
        Echarts(Option(option), height)


@solara.component
def Charts(twin: TwinWorlds, week: int, revision: int):
    solara.HTML(tag="div", unsafe_innerHTML="How the two worlds compare, week by week "
                "<span class='hls-help'>(hover a title for what it measures)</span>",
                classes=["hls-section"])
    with solara.GridFixed(columns=4):
        for c in charts.CHARTS:
            ChartCard(c, charts.line_option(c, twin))
        ChartCard(None, charts.spend_option(twin))


def _money_table(head: str, rows: list[tuple[str, list[str]]], npv_row: str = "") -> str:
    out = [f"<table><tr><th>{html.escape(head)}</th>"]
    out += [f'<th style="color:{charts.WORLD_COLOURS[i]}">{WORLD_NAMES[i]}</th>'
            for i in range(2)]
    out.append("</tr>")
    for label, cells in rows:
        cls = ' class="hls-npv"' if label == npv_row else ""
        out.append(f"<tr{cls}><td>{html.escape(label)}</td>"
                   + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return "".join(out) + "</table>"


@solara.component
def Money(twin: TwinWorlds, case: money.MoneyCase | None, revision: int):
    """The economic case of each world against no service, so far: the headline
    appraisal figures, who pays and who benefits, and what is and is not counted."""
    solara.HTML(tag="div", classes=["hls-section"], unsafe_innerHTML=(
        "Money: is it worth it? <span class='hls-help'>(each world against no commissioned "
        "support, appraised as HM Treasury's Green Book asks)</span>"))
    commissions = [twin.commissions(i) for i in range(2)]
    with solara.Column(gap="2px", classes=["hls-card", "hls-money"]):
        # What tests and users can read: the week the case is worked out to.
        solara.HTML(tag="div", classes=["hls-money-asof"],
                    attributes={"data-weeks": str(case.weeks if case else 0)},
                    unsafe_innerHTML="")
        if case is None:
            text = ("Both worlds are the no-service world: nothing is spent and nothing is "
                    "added, so there is nothing to appraise." if not any(commissions) else
                    f"The economic case is worked out every {money.APPRAISAL_EVERY} weeks: "
                    "press ▶ or Step.")
            solara.HTML(tag="div", classes=["hls-help"], unsafe_innerHTML=html.escape(text))
            return
        texts = [money.figure_texts(case.worlds[i], commissions[i]) for i in range(2)]
        figures = [(k, [t.get(k, "") for t in texts]) for k in money.FIGURE_ROWS]
        with solara.Columns([1, 1]):
            solara.HTML(tag="div", classes=["hls-money-figures"], unsafe_innerHTML=(
                _money_table(f"As of week {case.weeks}", figures,
                             npv_row=money.FIGURE_ROWS[3])))
            solara.HTML(tag="div", classes=["hls-money-payers"], unsafe_innerHTML=(
                _money_table("Who pays (-) and who benefits (+)",
                             money.payer_rows(case, commissions),
                             npv_row="Net present value")))
        solara.HTML(tag="div", classes=["hls-help"], unsafe_innerHTML=html.escape(
            money.basis_text(case, twin.n_weeks)))
        solara.HTML(tag="div", unsafe_innerHTML=money.COUNTED_HTML)


@solara.component
def LotMap(twin: TwinWorlds, i: int, week: int, revision: int):
    """Who holds which lot in world ``i``, coloured by the holder's practice."""
    w = twin.worlds[i]
    cache = solara.use_memo(OptionCache, [])
    option = lots.lot_map_option(w, twin.lot_trackers[i])
    with solara.Column(gap="2px", classes=["hls-card", f"hls-lots-{'ab'[i]}"]):
        solara.HTML(tag="div", classes=["hls-chart-title"], attributes={"title": (
            "Who holds which lot, coloured by the holder's practice; hover a square for "
            "its story")}, unsafe_innerHTML=f"Lots in {html.escape(twin.label(i))}")
        if option is None:
            solara.HTML(tag="div", classes=["hls-help"], unsafe_innerHTML=(
                "Nothing is commissioned here: no lots, and no provider is paid to help. "
                "Organisations with no contract leave the market after a while."))
        else:
            # The same option as last week is the same object: nothing is sent or drawn.
            Echarts(cache.get(option), lots.lot_map_height(w))


@solara.component
def Providers(twin: TwinWorlds, week: int, revision: int):
    text = html.escape(lots.PERFORMANCE_HELP, quote=True)
    solara.HTML(tag="div", classes=["hls-section"], unsafe_innerHTML=(
        "Providers: how good is the practice of whoever holds the work? "
        "<span class='hls-help'>(quality × effort, 1 = an average provider; hover a "
        "square or a marker for its story)</span>"))
    height = max(lots.lot_map_height(w) for w in twin.worlds)
    with solara.Columns([1, 1, 1]):
        with solara.Column(gap="2px", classes=["hls-card", "hls-chart-performance"]):
            solara.HTML(tag="div", classes=["hls-chart-title"], attributes={"title": text},
                        unsafe_innerHTML="Practice of whoever holds the posts")
            Echarts(Option(lots.performance_option(twin, charts.WORLD_COLOURS)), height)
        for i in range(2):
            LotMap(twin, i, week, revision)
    solara.HTML(tag="div", classes=["hls-marks"], unsafe_innerHTML=(
        f"Each square is a lot: a locality and the need it leads on (a whole-person lot "
        f"covers all six). Marks, over the last {lots.MARK_WEEKS} weeks: "
        + html.escape(lots.marks_legend())
        + ". On the chart: ▲ a lot changed hands at a tender, ◆ a review failed, ■ a lot "
          "passed on without a tender, ↑ a provider entered, ↓ one closed or left."))


@solara.component
def NetworkView(twin: TwinWorlds, i: int, week: int, revision: int):
    w = twin.worlds[i]
    sample = network.sample_people(w, twin.person_order, always=(twin.person,))
    g = network.build_graph(w, sample, twin.week_entries[i], twin.person)
    with solara.Column(gap="2px", classes=["hls-card", f"hls-network-{'ab'[i]}"]):
        Echarts(Option(network.graph_option(g, twin.label(i))), 470)
        solara.HTML(tag="div", classes=["hls-help"],
                    unsafe_innerHTML=html.escape(network.caption(g, w)))


@solara.component
def Networks(twin: TwinWorlds, week: int, revision: int):
    solara.HTML(tag="div", classes=["hls-section"], unsafe_innerHTML=(
        "Who works with whom <span class='hls-help'>(organisations on the ring, their "
        "practitioners just outside, people in support beyond them; people waiting inside "
        "the ring; people out of services in the middle; drag to move, scroll to zoom)"
        "</span>"))
    with solara.Columns([1, 1]):
        for i in range(2):
            NetworkView(twin, i, week, revision)


def _ticker_html(twin: TwinWorlds, i: int, routine: bool) -> str:
    tones = TONES if routine else tuple(t for t in TONES if t != "info")
    lines = twin.tickers[i].recent(40, tones=tones)
    if not lines:
        return '<div class="hls-help">Nothing yet: press Step or ▶.</div>'
    out = []
    for line in lines:
        out.append(f'<div style="color:{TONE_COLOURS.get(line.tone, "#000")}">'
                   f'<span class="wk">Week {line.week}</span> {html.escape(line.text)}</div>')
    return "".join(out)


@solara.component
def Tickers(twin: TwinWorlds, week: int, revision: int):
    routine, set_routine = solara.use_state(False)
    with solara.Row(style="align-items: center"):
        solara.HTML(tag="div", classes=["hls-section"], unsafe_innerHTML=(
            "What just happened <span class='hls-help'>(newest first; red: harm, amber: "
            "strain, green: good news)</span>"))
        solara.Checkbox(label="Show routine events too", value=routine,
                        on_value=set_routine)
    with solara.Columns([1, 1]):
        for i in range(2):
            with solara.Column(gap="2px", classes=["hls-card"]):
                solara.HTML(tag="div", unsafe_innerHTML=f"<b>{html.escape(twin.label(i))}</b>")
                solara.HTML(tag="div", classes=["hls-ticker", f"hls-ticker-{'ab'[i]}"],
                            unsafe_innerHTML=_ticker_html(twin, i, routine))


@solara.component
def Person(twin: TwinWorlds, week: int, revision: int):
    """One person's journey so far, told in both worlds."""
    n = twin.worlds[0].people.n

    def follow(p):
        if p is None or not 0 <= int(p) < n:
            return
        twin.follow(int(p))
        _redraw()

    def pick():
        twin.follow(twin.pick_person())
        _redraw()

    with solara.Row(style="align-items: center; flex-wrap: wrap"):
        solara.HTML(tag="div", classes=["hls-section"], unsafe_innerHTML=(
            f"Follow a person: Person {twin.person} "
            "<span class='hls-help'>(the same person in both worlds; marked with a pin "
            "in the network)</span>"))
        solara.InputInt(f"Person (0-{n - 1})", value=twin.person, on_value=follow,
                        style="max-width: 160px", dense=True)
        solara.Button("Pick someone else", outlined=True, on_click=pick,
                      classes=["hls-pick-person"])
    with solara.Columns([1, 1]):
        for i in range(2):
            tr = twin.trackers[i]
            items = "".join(f"<li>{html.escape(s)}</li>" for s in tr.journey())
            with solara.Column(gap="2px", classes=["hls-card"]):
                solara.HTML(tag="div", unsafe_innerHTML=(
                    f"<b>{html.escape(twin.label(i))}</b> · now: {html.escape(tr.now())}"))
                solara.HTML(tag="div", classes=["hls-journey", f"hls-journey-{'ab'[i]}"],
                            unsafe_innerHTML=f"<ol>{items}</ol>")


@solara.component
def Dashboard(twin_ref: solara.Reactive):
    """Everything in the main area, redrawn after each step.

    One component subscribes to Mesa's update counter (SolaraViz bumps it after each
    step, reset and play tick; the dashboard after re-configuring a world), so a step
    costs one render pass."""
    update_counter.get()
    twin: TwinWorlds = twin_ref.value
    week = twin.week

    def listen():  # only where Mesa has no update counter of its own
        if MESA_COUNTER:
            return None
        twin.step_listeners.append(force_update)
        return lambda: twin.step_listeners.remove(force_update)

    solara.use_effect(listen, [twin])
    solara.Style(CSS)
    with solara.Column(gap="8px", style="padding: 4px 8px"):
        # Solara redraws a view only when its arguments change: the week (a step) or the
        # twin's revision (a world re-configured, another person followed).
        rev = twin.revision
        Legend(twin, week, rev)
        Figures(twin, week, rev)
        Levers(twin)
        Charts(twin, week, rev)
        # Worked out once a quarter: between quarters the same case, and no redraw.
        Money(twin, twin.economic_case(), rev)
        Providers(twin, week, rev)
        Networks(twin, week, rev)
        Tickers(twin, week, rev)
        Person(twin, week, rev)
        # Drawn last: tests and the benchmark wait for it to know a step is on screen.
        solara.HTML(tag="div", classes=["hls-drawn"], attributes={"data-week": str(week)},
                    unsafe_innerHTML="")


def model_params(place: dict[str, Any]) -> dict[str, Any]:
    """SolaraViz model parameters: the seed and starting regimes (Mesa inputs) and the
    place (a dict the place card edits in place)."""
    return {
        "seed": Slider("Seed (who lives here)", value=1, min=0, max=99, step=1),
        "world_a": {"type": "Select", "label": "World A starts as", "value": REGIMES[0],
                    "values": list(REGIMES)},
        "world_b": {"type": "Select", "label": "World B starts as", "value": REGIMES[1],
                    "values": list(REGIMES)},
        "place": place,
    }


@solara.component
def Page():
    place = solara.use_memo(lambda: place_overrides(place_defaults()), [])
    twin_ref = solara.use_memo(lambda: solara.reactive(TwinWorlds(place=place)), [])
    solara.Title("hls_sim twin worlds")
    SolaraViz(twin_ref, components=[], model_params=model_params(place), name=TITLE,
              play_interval=150)
    PlaceSidebar(place)
    Dashboard(twin_ref)
