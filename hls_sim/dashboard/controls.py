"""What a trainer can change, in plain words: the commissioning levers of each world and
the main parameters of the place, each with a label, a range and a tooltip.

Tooltips are the parameter's own description and unit from :mod:`hls_sim.params`, so
the dashboard says what the model means and never drifts from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..params import GROUPS, PRESETS, make_params

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
REGIME_LABELS = {
    "competitive": "competitive, short-term (tenders, payment on results)",
    "collaborative": "collaborative, long-term (Human Learning Systems)",
}


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
    Control("commissioning.contract_length_weeks", "Contract length (weeks)", "int", 13, 520,
            13),
    Control("commissioning.lot_domains", "Needs one contract covers (1 = one need, 6 = the "
            "whole person)", "int", 1, 6, 1),
    Control("commissioning.results_share", "Share of pay on reported results", "float", 0, 1,
            0.05),
    Control("commissioning.activity_share", "Share of pay on activity", "float", 0, 1, 0.05),
    Control("commissioning.reporting_burden", "Monitoring and reporting (1 = a typical "
            "tender)", "float", 0, 3, 0.1),
    Control("commissioning.learning_meeting_weeks", "Weeks between learning meetings "
            "(0 = none)", "int", 0, 26, 1),
    Control("commissioning.reflective_hours", "Reflective practice (hours a week)", "float",
            0, 4, 0.25),
    Control("commissioning.discretion", "Practitioners' discretion", "float", 0, 1, 0.05),
    Control("commissioning.episode_limit_weeks", "Longest support episode (weeks)", "int", 4,
            156, 2),
    Control("commissioning.award", "How contracts are re-let", "select",
            options=("price_quality", "partnership"),
            option_labels={"price_quality": "tender on price and quality",
                           "partnership": "renew the partnership on review"}),
    Control("commissioning.price_weight", "Weight on price in a tender", "float", 0, 1, 0.05),
    Control("commissioning.budget_flexibility", "Posts that may move to where need is "
            "(share a review)", "float", 0, 0.1, 0.01),
    Control("commissioning.budget_review_weeks", "Weeks between budget reviews", "int", 4,
            52, 1),
    Control("commissioning.test_and_learn", "Providers may test and learn", "bool"),
)

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


def preset_levers(regime: str) -> dict[str, Any]:
    """Every lever's value under a preset (the competitive one is the defaults)."""
    return make_params(regime).commissioning.model_dump()


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
