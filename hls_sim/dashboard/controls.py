"""What a trainer can change, in plain words: the commissioning levers of each world and
the main parameters of the place, each with a label, a range and a tooltip.

Tooltips are the parameter's own description and unit from :mod:`hls_sim.params`, so
the dashboard says what the model means and never drifts from it; levers whose effect
needs more than a definition add a note in plain words. The levers come in the model's
two groups (:data:`hls_sim.params.LEVER_GROUPS`): procurement, how the money is let and
paid, and practice, how the work is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..params import GROUPS, PRESETS, flat_levers, make_params

# The dashboard's default place: one a room can follow (tens of practitioners, hundreds
# of people), like tests/conftest.py's SMALL but run for five years, long enough to see
# contracts end and be re-let.
BUDGET_PER_POST = 725.0  # £/week: the default budget (290,000) over the default 400 posts
DASHBOARD_PLACE: dict[str, Any] = {
    "place.n_people": 800,
    "place.n_weeks": 260,
    "place.n_organisations": 12,
    "place.n_practitioners": 40,
    "place.n_localities": 2,
    "place.burn_in_weeks": 10,
    "money.budget_per_week": 40 * BUDGET_PER_POST,
}
REGIMES = tuple(PRESETS)
NO_SERVICE = "no_service"  # the counterfactual preset: nothing is commissioned
REGIME_LABELS = {
    "competitive": "competitive, short-term (tenders, payment on results)",
    "collaborative": "collaborative, long-term (Human Learning Systems)",
    NO_SERVICE: "no commissioned support (what happens without any)",
}
REGIME_NAMES = {"competitive": "competitive", "collaborative": "collaborative",
                NO_SERVICE: "no service"}
"""Each preset in a word or two, for labels ("World A: no service")."""

GROUP_TITLES = {
    "procurement": ("Procurement", "how the money is let and paid"),
    "practice": ("Practice", "how the work is done"),
}
"""The two lever groups (hls_sim.params.LEVER_GROUPS) in words."""
GROUP_PRESETS = ("competitive", "collaborative")
"""Presets a lever group can be filled from: one group from each gives the mixed options
(tendered contracts with relational practice, a partnership with conventional practice)."""


@dataclass(frozen=True)
class Control:
    """One slider, selector or switch: a dotted parameter name and how to show it."""

    name: str
    label: str
    kind: str  # "int", "float", "select" or "bool"
    min: float = 0
    max: float = 1
    step: float = 1
    options: tuple[str, ...] = ()
    option_labels: dict[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def field(self) -> str:
        return self.name.partition(".")[2]

    @property
    def group(self) -> str:
        """The parameter group: for levers, "procurement" or "practice"."""
        return self.name.partition(".")[0]

    @property
    def tooltip(self) -> str:
        """The parameter's description and unit from hls_sim.params, plus any note."""
        group, _, fname = self.name.partition(".")
        info = GROUPS[group].model_fields[fname]
        extra = info.json_schema_extra or {}
        unit = extra.get("unit", "")
        text = (info.description or "").rstrip(".")
        text = text[:1].upper() + text[1:]
        if unit and unit != "-":
            text += f" ({unit})"
        return text + "." + (f" {self.note}" if self.note else "")

    def coerce(self, value: Any) -> Any:
        if self.kind == "int":
            return int(round(float(value)))
        if self.kind == "float":
            return round(float(value), 6)
        if self.kind == "bool":
            return bool(value)
        return str(value)


LEVERS: tuple[Control, ...] = (
    # Procurement: how the money is let and paid.
    Control("procurement.contract_length_weeks", "Contract length (weeks)", "int", 13, 520,
            13),
    Control("procurement.lot_domains", "Needs one contract covers (1 = one need, 6 = the "
            "whole person)", "int", 1, 6, 1),
    Control("procurement.award", "How contracts are re-let", "select",
            options=("price_quality", "partnership", "alliance"),
            option_labels={"price_quality": "tender on price and quality",
                           "partnership": "renew the partnership on review",
                           "alliance": "tender once, then renew on review"},
            note="An alliance is let by competition once, when each inherited contract "
                 "ends, and then run as a partnership (as Plymouth's complex-needs "
                 "alliance was)."),
    Control("procurement.price_weight", "Weight on price in a tender", "float", 0, 1, 0.05),
    Control("procurement.quality_observability", "How much a tender sees providers' real "
            "quality (0 = only their reported results)", "float", 0, 1, 0.05,
            note="Providers differ in how good their practice is. A tender can pick the "
                 "better ones only as far as it can see that: at 0 it scores quality from "
                 "reported results alone, which payment on results tempts providers to "
                 "inflate; towards 1, site visits, references and case audits see real "
                 "practice."),
    Control("procurement.savings_use", "A lot won below its value", "select",
            options=("return", "reinvest"),
            option_labels={"return": "saving returned to the budget",
                           "reinvest": "saving buys more posts"},
            note="Returned: the winner runs the posts the specification asks for at its "
                 "lower price and the commissioner keeps the difference. More posts: the "
                 "lot keeps its full value and the winner's lower price per post buys "
                 "more of them. Either way a price below the specified price per post "
                 "squeezes the holder's practice."),
    Control("procurement.results_share", "Share of pay on reported results", "float", 0, 1,
            0.05),
    Control("procurement.activity_share", "Share of pay on activity", "float", 0, 1, 0.05),
    Control("procurement.review_rigour", "How hard partnership reviews look (0 = always "
            "renew)", "float", 0, 1, 0.05,
            note="A soft review (0) renews every partner however weak, and lets prices "
                 "creep up at renewal. A rigorous one (1) sees a partner's real practice "
                 "and effort: a weak partner loses its lot to a tender, and being tested "
                 "restores the effort of those who keep theirs."),
    Control("procurement.review_threshold", "How weak a partner must look to lose its lot",
            "float", 0, 0.5, 0.05,
            note="0.1: a partner the review sees more than 10% below an average "
                 "provider's practice loses its lot."),
    Control("procurement.break_clause_weeks", "Break reviews during a contract: every how "
            "many weeks (0 = none)", "int", 0, 260, 13,
            note="A partnership can step in before a contract ends: at each break review "
                 "a weak partner's lot is re-let by tender. 0: reviews only at the end."),
    Control("procurement.budget_flexibility", "Posts that may move to where need is "
            "(share at each review)", "float", 0, 0.1, 0.01),
    Control("procurement.budget_review_weeks", "Weeks between budget reviews", "int", 4, 52,
            1),
    Control("procurement.backbone_share", "Share of the budget for the partnership backbone",
            "float", 0, 0.1, 0.01,
            note="Money for partnership governance and a backbone team, taken from the "
                 "posts the budget funds (0.02: 2% of the budget, about one post in 50)."),
    # Practice: how the work is done.
    Control("practice.episode_limit_weeks", "Longest support episode (weeks)", "int", 4,
            156, 2),
    Control("practice.discretion", "Practitioners' discretion", "float", 0, 1, 0.05),
    Control("practice.learning_meeting_weeks", "Weeks between learning meetings "
            "(0 = none)", "int", 0, 26, 1),
    Control("practice.reflective_hours", "Reflective practice (hours a week)", "float",
            0, 4, 0.25),
    Control("practice.reporting_burden", "Monitoring and reporting (1 = a typical "
            "tender)", "float", 0, 3, 0.1),
    Control("practice.test_and_learn", "Providers may test and learn", "bool"),
)
"""Every lever a trainer can change, procurement first, then practice (``group``)."""

PLACE: tuple[Control, ...] = (
    Control("place.n_people", "People in the place over the run", "int", 100, 5000, 100),
    Control("place.n_practitioners", "Practitioner posts", "int", 10, 150, 5,
            note="The budget follows the number of posts."),
    Control("place.n_organisations", "Organisations (providers)", "int", 3, 40, 1),
    Control("place.n_localities", "Neighbourhoods", "int", 1, 6, 1),
    Control("place.n_weeks", "Weeks to run", "int", 52, 520, 26),
    Control("money.budget_per_week", "Budget per funded post (£ a week)", "float", 400, 1200,
            25, note=f"Set per post here and multiplied by the number of posts; "
            f"£{BUDGET_PER_POST:.0f} funds a post with its overheads."),
    Control("people.need_mean_severity", "How severe needs are on arrival (0-1)", "float",
            0.2, 0.7, 0.02),
    Control("people.shock_rate_per_year", "Life shocks per person a year", "float", 0, 4,
            0.25),
    Control("people.transport_barrier_share", "Share who find it hard to reach services",
            "float", 0, 0.8, 0.05),
)
LEVER_BY_FIELD = {c.field: c for c in LEVERS}


def levers_of(group: str) -> tuple[Control, ...]:
    """The controls of one lever group, in the order shown."""
    return tuple(c for c in LEVERS if c.group == group)


def preset_levers(regime: str) -> dict[str, Any]:
    """Every lever's value under a preset (the competitive one is the defaults)."""
    return flat_levers(make_params(regime).levers)


def fill_group(levers: dict[str, Any], group: str, preset: str) -> dict[str, Any]:
    """``levers`` with one group's controls taken from ``preset`` (the other group, and
    whether anything is commissioned at all, unchanged)."""
    source = preset_levers(preset)
    return {**levers, **{c.field: source[c.field] for c in levers_of(group)}}


def commissions(levers: dict[str, Any]) -> bool:
    """Whether these levers commission any support (False: the no-service world)."""
    return bool(levers.get("commission_services", True))


def place_defaults() -> dict[str, Any]:
    """The place card's starting values (budget shown per post)."""
    p = make_params(dict(DASHBOARD_PLACE))
    values = {c.name: getattr(getattr(p, c.name.partition(".")[0]), c.field) for c in PLACE}
    values["money.budget_per_week"] = BUDGET_PER_POST
    return values


def place_overrides(values: dict[str, Any]) -> dict[str, Any]:
    """Parameter overrides for a place card's values (the budget scaled to the posts)."""
    out = dict(DASHBOARD_PLACE)
    out.update({k: v for k, v in values.items() if k != "money.budget_per_week"})
    per_post = values.get("money.budget_per_week", BUDGET_PER_POST)
    out["money.budget_per_week"] = float(per_post) * int(out["place.n_practitioners"])
    return out


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Lever changes in words: "Contract length (weeks) 156 → 52"."""
    out = []
    for c in LEVERS:
        a, b = old.get(c.field), new.get(c.field)
        if a != b:
            out.append(f"{c.label}: {_fmt(c, a)} → {_fmt(c, b)}")
    return out


def _fmt(c: Control, v: Any) -> str:
    if c.kind == "select":
        return c.option_labels.get(v, str(v))
    if c.kind == "bool":
        return "yes" if v else "no"
    if c.kind == "float":
        return f"{v:g}"
    return str(v)
