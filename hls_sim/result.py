"""The result of one run: time series, summary, people, events, and journeys in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import metrics
from .events import journey
from .params import DOMAINS, Params
from .state import STATUS_NAMES

if TYPE_CHECKING:
    from .model import HLSModel


@dataclass
class Result:
    """Outputs of one simulation.

    Attributes:
        timeseries: one row per week (money in £ per week, shares 0-1).
        summary: whole-run figures after the burn-in (see ``docs/ODD.md``).
        people: one row per person ever in the system.
        events: the model's event log.
        params: the parameters that produced it; ``seed`` the seed.
    """

    timeseries: pd.DataFrame
    summary: dict[str, float]
    people: pd.DataFrame
    events: pd.DataFrame
    params: Params
    seed: int
    ledger: dict[str, int] = field(default_factory=dict)
    run_seconds: float = float("nan")

    @classmethod
    def from_model(cls, model: HLSModel, run_seconds: float = float("nan")) -> Result:
        # The summary reads the tables' columns as numpy arrays, before pandas holds
        # them (reading 145 columns back out of the DataFrames cost 2-3 ms a run).
        people = people_columns(model, status=True)
        ts = metrics.timeseries_columns(model)
        summary = metrics.summary(model, ts, people)
        return cls(pd.DataFrame(ts), summary, pd.DataFrame(people, copy=False),
                   model.log.to_frame(), model.params, model.seed, dict(model.ledger),
                   run_seconds)

    def journey(self, person: int) -> list[str]:
        """One person's journey through the system, a sentence per event."""
        return journey(self.events, self.people, person, self.params.people.need_threshold)

    def summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"metric": list(self.summary), "value": list(self.summary.values())})

    def __repr__(self) -> str:
        s = self.summary
        return (f"<Result {self.params.name} regime={self.params.regime} seed={self.seed}: "
                f"{len(self.timeseries)} weeks, wellbeing {s['wellbeing_mean']:.3f}, "
                f"turnover {s['practitioner_turnover_annual']:.2f}>")


def people_frame(model: HLSModel) -> pd.DataFrame:
    """One row per person who arrived: complexity, arrival and exit, contacts, support,
    crises, wellbeing at start and end, continuity.

    The columns are handed to pandas without a copy (most are views of the finished
    model's arrays), as the event log's are: the copy pandas makes by default gathers
    them into one new block, which at a million people was 0.8-1.6 s of a 10 s run and
    a few hundred MB of fresh memory at its very end."""
    return pd.DataFrame(people_columns(model, status=True), copy=False)


def people_columns(model: HLSModel, status: bool = False) -> dict[str, Any]:
    """The columns of :func:`people_frame`, in order, as numpy arrays (a sensitivity
    worker's summary reads them without building the table); ``status_end``, a
    categorical, only if ``status``."""
    cols = _people_arrays(model)
    if not status:
        return cols
    codes = model.people.status[: model.n_arrived]
    out: dict[str, Any] = {}
    for name, col in cols.items():
        out[name] = col
        if name == "exit_week":
            out["status_end"] = pd.Categorical.from_codes(codes, STATUS_NAMES)
    return out


def _people_arrays(model: HLSModel) -> dict[str, Any]:
    p, n = model.people, model.n_arrived
    end = p.wellbeing_end[:n].copy()
    still = np.isnan(end)
    # Worked out for everyone who arrived and kept for those still here: the same values
    # as for those alone, without gathering their needs into a new array first.
    end[still] = p.wellbeing(slice(0, n))[still]
    cols: dict[str, Any] = {
        "person": np.arange(n),
        "complexity": p.complexity[:n],
        "locality": p.locality[:n],
        "transport_barrier": p.transport_barrier[:n],
        "arrival_week": p.arrival_week[:n],
        "exit_week": np.where(p.exit_week[:n] >= 0, p.exit_week[:n], -1),
        "referrals": p.referrals[:n], "assessments": p.assessments[:n],
        "handoffs": p.handoffs[:n], "rereferrals": p.rereferrals[:n],
        "practitioners_seen": p.practitioners_seen[:n], "episodes": p.episodes[:n],
        "support_weeks": p.support_weeks[:n], "support_hours": p.support_hours[:n],
        "crises": p.crises[:n],
        "first_help_week": p.first_help_week[:n],
        "wellbeing_h52": p.wellbeing_h52[:n], "wellbeing_h104": p.wellbeing_h104[:n],
        "crises_h52": p.crises_h52[:n], "crises_h104": p.crises_h104[:n],
        "wellbeing_start": p.wellbeing_start[:n], "wellbeing_end": end,
        "continuity": p.continuity()[:n],
    }
    for d, name in enumerate(DOMAINS):
        cols[f"need_{name}_start"] = p.needs_start[:n, d]
    for d, name in enumerate(DOMAINS):
        cols[f"need_{name}_end"] = p.needs[:n, d]
    return cols
