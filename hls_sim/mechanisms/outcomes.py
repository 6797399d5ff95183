"""Per-person outcomes at fixed horizons from arrival, the same definition in every
world.

A person's clock starts when they arrive needing support (when they first seek help),
whether or not they are ever served, so people never served count too. At the end of a
person's 52nd and 104th week in the place their wellbeing is recorded; people who leave
the place before a horizon are not observed at it (and, since leaving is drawn in
advance, the same people are observed in every world).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import EXITED
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel

HORIZONS = (52, 104)
"""Weeks from arrival at which each person's outcomes are read (a definition)."""


class PersonOutcomes(Mechanism):
    """Reads each person's wellbeing at the end of their 52nd and 104th week."""

    name = "person_outcomes"
    group = "outcomes"

    def step(self, model: HLSModel) -> None:
        people, t = model.people, model.week
        for h, column in zip(HORIZONS, (people.wellbeing_h52, people.wellbeing_h104),
                             strict=True):
            week = t - h + 1  # arrived in this week: their h-th week ends now
            if week < 0:
                continue
            lo, hi = people.arrival_starts[week], people.arrival_starts[week + 1]
            if model.kernels is not None:
                if hi > lo:
                    model.kernels.horizon_outcomes(int(lo), int(hi), people.status,
                                                   people.needs, column, EXITED)
                continue
            who = np.arange(lo, hi)
            who = who[people.status[who] != EXITED]
            if who.size:
                column[who] = people.wellbeing(who)
