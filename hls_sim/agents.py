"""Mesa agents: Person, Practitioner, Organisation and Commissioner.

People and practitioners are many, so their state lives in arrays (``hls_sim.state``)
and their weekly dynamics are vectorised in ``hls_sim.mechanisms``; their agents are
real Mesa agents (in ``model.agents``, usable by AgentSet, DataCollector and SolaraViz)
whose attributes read and write their row of those arrays.

Organisations and the commissioner are few; they keep readable ``step`` methods for
their own decisions (experiments, insolvency, tenders, partnership reviews).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .params import DOMAINS
from .state import STATUS_NAMES, wellbeing_of

if TYPE_CHECKING:
    from .model import HLSModel


class Person(mesa.Agent):
    """A person needing support: a view onto row ``idx`` of ``model.people``."""

    def __init__(self, model: HLSModel, idx: int):
        super().__init__(model)
        self.idx = idx

    @property
    def needs(self) -> dict[str, float]:
        """Severity 0-1 of each need domain."""
        return dict(zip(DOMAINS, self.model.people.needs[self.idx].tolist(), strict=True))

    @property
    def wellbeing(self) -> float:
        """Wellbeing 0-1."""
        return float(wellbeing_of(self.model.people.needs[self.idx]))

    @property
    def status(self) -> str:
        return STATUS_NAMES[self.model.people.status[self.idx]]

    @property
    def engagement(self) -> float:
        return float(self.model.people.engagement[self.idx])

    @property
    def relationship(self) -> float:
        """Strength 0-1 of the relationship with the current practitioner."""
        return float(self.model.people.relationship[self.idx])

    @property
    def practitioner(self) -> Practitioner | None:
        post = self.model.people.practitioner[self.idx]
        return self.model.posts.agent[post] if post >= 0 else None

    @property
    def complexity(self) -> int:
        """Number of needs above the threshold at arrival."""
        return int(self.model.people.complexity[self.idx])


class Practitioner(mesa.Agent):
    """A practitioner in post ``post``: a view onto that row of ``model.posts``."""

    def __init__(self, model: HLSModel, post: int):
        super().__init__(model)
        self.post = post

    @property
    def organisation(self) -> Organisation:
        return self.model.orgs[self.model.posts.org[self.post]]

    @property
    def caseload(self) -> int:
        """People on this practitioner's caseload."""
        return int(self.model.posts.caseload[self.post])

    @property
    def stress(self) -> float:
        return float(self.model.posts.stress[self.post])

    @property
    def admin_share(self) -> float:
        """Share 0-1 of working time on admin and reporting last week."""
        return float(self.model.posts.admin_share[self.post])

    @property
    def skill(self) -> dict[str, float]:
        return dict(zip(DOMAINS, self.model.posts.skill[self.post].tolist(), strict=True))

    @property
    def tenure_weeks(self) -> int:
        return int(self.model.week - self.model.posts.hire_week[self.post])


class Organisation(mesa.Agent):
    """A provider (mostly a charity): specialism, contracts, reserves, practice knowledge.

    Money is in whole pence (``reserves``) so accounts balance exactly.
    """

    def __init__(self, model: HLSModel, index: int, specialism: int, locality: int,
                 reserves: int):
        super().__init__(model)
        self.index = index
        self.specialism = specialism
        self.locality = locality
        self.reserves = reserves  # pence
        self.active = True
        self.closed_week: int | None = None
        self.experiment: dict | None = None
        self.experiments_run = 0
        self.experiments_grown = 0

    @property
    def name(self) -> str:
        return f"Organisation {self.index}"

    @property
    def contracts(self) -> list:
        """Active contracts this organisation holds."""
        return self.model.contracts_of(self.index)

    @property
    def staff(self) -> int:
        posts = self.model.posts
        return int(np.count_nonzero(posts.filled & (posts.org == self.index)))

    @property
    def practice(self) -> np.ndarray:
        """Multiplier on progress per domain from this organisation's grown practice."""
        return self.model.practice[self.index]

    def step(self) -> None:
        """Weekly decisions: run or judge a test-and-learn experiment; close if insolvent."""
        if not self.active:
            return
        self._test_and_learn()
        if self.reserves < 0:
            self.model.close_organisation(self)

    def _test_and_learn(self) -> None:
        model, levers, lp = self.model, self.model.levers, self.model.params.learning
        if self.experiment is not None:
            exp = self.experiment
            if model.week - exp["start"] >= lp.experiment_weeks:
                self.experiment = None
                observed = exp["effect"] + model.rng.normal(0.0, lp.experiment_noise_sd)
                d = exp["domain"]
                if observed > 0:  # judged to work: grow it into everyday practice
                    self.practice[d] = np.clip(self.practice[d] * (1 + exp["effect"]), 0.5, 2.0)
                    self.experiments_grown += 1
                    model.grown_practices.append((self.index, d))
                    model.log.org_event(model.week, "experiment_grown", self.index,
                                        f"{DOMAINS[d]} idea grown (true effect "
                                        f"{exp['effect']:+.2f})")
                else:  # failed, and still taught something (seed 001: okay to fail)
                    model.system_learning = min(1.0, model.system_learning + 0.01)
                    model.log.org_event(model.week, "experiment_failed", self.index,
                                        f"{DOMAINS[d]} idea stopped")
            return
        if not levers.test_and_learn or not self.contracts:
            return
        p_start = lp.experiment_rate_per_year / 52.0 * levers.discretion
        if model.random.random() < p_start:
            scope = np.flatnonzero(self.contracts[0].domains)
            d = int(scope[model.random.randrange(scope.size)])
            effect = model.rng.normal(lp.experiment_effect_mean, lp.experiment_effect_sd)
            self.experiment = {"domain": d, "effect": float(effect), "start": model.week}
            self.experiments_run += 1
            model.experiments_started += 1
            model.log.org_event(model.week, "experiment_started", self.index,
                                f"testing a new way of working on {DOMAINS[d]}")


class Commissioner(mesa.Agent):
    """Holds the budget and the regime's levers; lets contracts and stewards the system."""

    def step(self) -> None:
        """Weekly: regime switch, contract ends (tender or review), flexible budget,
        learning meetings."""
        from .mechanisms import commissioning, learning

        model = self.model
        commissioning.apply_switch(model)
        model.meeting_this_week = learning.is_meeting_week(model)
        commissioning.end_contracts(model)
        commissioning.flexible_budget(model)
        learning.learning_meeting(model)
