"""The mechanisms of the brief, each an object with one interface
(:class:`~hls_sim.mechanisms.base.Mechanism`), and the week plan: the ordered list of
mechanisms the model runs each week.

The default week, in order:

==================  =====================================================  ==========
mechanism           what happens                                           brief
==================  =====================================================  ==========
commissioning       regime switch; contracts ending re-let by tender or     9
                    partnership review; money moved to where need is
learning_meetings   partners meet to learn; barriers surface and change     10, 11
arrivals            people arrive needing support                           1
life_shocks         life events worsen a need                               1
need_drift          untreated needs drift and spill over                    1
crises              crises, and crisis referrals                            1, 6
exits               people leave the place or leave services recovered      1
access              help-seekers reach services through barriers            2
allocation          waiting lists become caseloads (creaming)               4
support             a week's work on needs (parking)                        5
closure             closure, reported vs true success, hand-offs            3, 6, 7
time_budget         practitioners' hours by use                             8
staff_turnover      stress, leaving and hiring                              8
forgetting          place learning fades                                    10
providers           organisations' trials (test and learn); insolvency      10, 9
money               payments and spending settle                            12
==================  =====================================================  ==========

Add or replace a mechanism from outside the package without touching the model::

    plan = insert_after(default_mechanisms(), "access", MyOutreach())
    plan = replace(default_mechanisms(), "crises", MyCrises())
    model = hls_sim.HLSModel("competitive", seed=1, mechanisms=plan)
"""

from __future__ import annotations

from collections.abc import Sequence

from .access import Access
from .allocation import Allocation
from .base import Mechanism
from .closure import Closure
from .commissioning import Commissioning
from .demand import Arrivals, Crises, Exits, LifeShocks, NeedDrift
from .learning import Forgetting, LearningMeetings
from .money import Money
from .providers import ProviderDecisions
from .support import Support
from .workforce import StaffTurnover, TimeBudget

DEFAULT_PLAN: tuple[type[Mechanism], ...] = (
    Commissioning, LearningMeetings, Arrivals, LifeShocks, NeedDrift, Crises, Exits, Access,
    Allocation, Support, Closure, TimeBudget, StaffTurnover, Forgetting, ProviderDecisions,
    Money,
)


def default_mechanisms() -> list[Mechanism]:
    """A fresh instance of each mechanism of the default week, in order."""
    return [cls() for cls in DEFAULT_PLAN]


def _position(plan: Sequence[Mechanism], name: str) -> int:
    for i, m in enumerate(plan):
        if m.name == name:
            return i
    raise ValueError(f"no mechanism named {name!r} in the plan; allowed: "
                     + ", ".join(m.name for m in plan))


def insert_after(plan: Sequence[Mechanism], name: str, mechanism: Mechanism) -> list[Mechanism]:
    """A copy of ``plan`` with ``mechanism`` run right after the one named ``name``."""
    i = _position(plan, name)
    return [*plan[: i + 1], mechanism, *plan[i + 1:]]


def insert_before(plan: Sequence[Mechanism], name: str, mechanism: Mechanism) -> list[Mechanism]:
    """A copy of ``plan`` with ``mechanism`` run right before the one named ``name``."""
    i = _position(plan, name)
    return [*plan[:i], mechanism, *plan[i:]]


def replace(plan: Sequence[Mechanism], name: str, mechanism: Mechanism) -> list[Mechanism]:
    """A copy of ``plan`` with the mechanism named ``name`` replaced by ``mechanism``."""
    i = _position(plan, name)
    return [*plan[:i], mechanism, *plan[i + 1:]]


def remove(plan: Sequence[Mechanism], name: str) -> list[Mechanism]:
    """A copy of ``plan`` without the mechanism named ``name``."""
    i = _position(plan, name)
    return [*plan[:i], *plan[i + 1:]]


__all__ = ["Mechanism", "DEFAULT_PLAN", "default_mechanisms", "insert_after", "insert_before",
           "replace", "remove", "Access", "Allocation", "Arrivals", "Closure", "Commissioning",
           "Crises", "Exits", "Forgetting", "LearningMeetings", "LifeShocks", "Money",
           "NeedDrift", "ProviderDecisions", "StaffTurnover", "Support", "TimeBudget"]
