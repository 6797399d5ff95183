"""HLSModel: one place, one commissioning regime, weekly steps.

The model builds the place (people, practitioner posts, organisations, the contract
book, the accounts) and runs the week plan: an ordered list of mechanisms
(``hls_sim.mechanisms``), each with ``init``, ``step``, ``record`` and ``finalize``.
The order of the week is data, not code: pass ``mechanisms=`` to add, replace or
reorder them (see ``hls_sim.mechanisms``). Mechanisms change the place only through
its state objects and the shared operations (``hls_sim.operations``); nothing imports
this module but the layers above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np

from .agents import (
    Commissioner,
    Organisation,
    Person,
    PersonAgents,
    Practitioner,
    PractitionerAgents,
    no_full_collections,
)
from .contracts import Contracts
from .events import EventLog
from .jit import load_kernels
from .mechanisms import Mechanism, default_mechanisms
from .metrics import Recorder
from .operations import caseload_cap
from .params import DOMAINS, N_DOMAINS, Levers, ParameterError, Params, make_params
from .state import (
    LEDGER_KEYS,
    People,
    Performance,
    PlaceState,
    Posts,
    Providers,
    Tally,
)


class HLSModel(mesa.Model):
    """A place whose services for people with multiple and complex needs are commissioned
    under one regime (a set of levers), stepped weekly.

    Args:
        params: a :class:`Params`, a preset name or a dict of overrides.
        seed: seeds ``model.random`` and ``model.rng`` (Mesa's two generators) and the
            exogenous streams of people and shocks, so the same seed gives the same run
            and the same people in every regime.
        mechanisms: the week plan, an ordered list of :class:`Mechanism` (default
            :func:`hls_sim.mechanisms.default_mechanisms`).
        **overrides: further parameter overrides (``place__n_people=2000``).
    """

    def __init__(self, params: Params | str | dict | None = None, seed: int = 0,
                 mechanisms: Sequence[Mechanism] | None = None, **overrides: Any):
        p = make_params(params, **overrides)
        super().__init__(rng=seed)  # Mesa seeds both model.random and model.rng from it
        self.params, self.seed = p, int(seed)
        # The compiled kernels of the hot path (hls_sim.kernels), or None for plain numpy
        # (HLS_SIM_JIT=0); both give bit-identical results. Read once, here.
        self.kernels = load_kernels()
        self.procurement, self.practice = p.procurement, p.practice  # levers in force
        self.week = 0
        place = p.place

        # The place: people, posts, organisations, contracts, accounts.
        self.people = People(p, self.seed)
        # Agents are held in lists, not object arrays: the garbage collector cannot see
        # into a numpy object array, so a model whose agents sat in one (each agent
        # pointing back at the model) was never freed. Person agents are made when first
        # looked at (agents.PersonAgents; the properties below).
        self.person_book = PersonAgents(place.n_people)
        self.n_arrived = 0
        self.posts = Posts(place.n_practitioners * 2)
        self.practitioner_book = PractitionerAgents(self.posts.n)  # made when looked at
        n_org, n_lots = place.n_organisations, place.n_localities * N_DOMAINS
        # Room for one new entrant per lot besides the organisations of week 0.
        self.providers = Providers(n_org, n_org + n_lots, p.learning.trust_initial)
        j = np.arange(n_org)
        self.providers.specialism[:n_org] = j % N_DOMAINS
        self.providers.locality[:n_org] = (j // N_DOMAINS) % place.n_localities
        self.orgs = [Organisation(self, o) for o in range(n_org)]
        self.providers.agent[:n_org] = self.orgs
        self.place = PlaceState()
        self.contracts = Contracts(place.n_localities)
        self.performance = Performance(n_lots, self.providers.n,
                                       p.money.results_success_rate_priced,
                                       p.money.performance_smoothing)
        self.ledger = dict.fromkeys(LEDGER_KEYS, 0)
        self.tally = Tally(place.n_weeks, self.posts.n)
        self.log = EventLog()
        self.commissioner = Commissioner(self)
        self.caseload_cap = caseload_cap(p, self.practice)
        self.routes: np.ndarray | None = None  # referral routes (operations.best_contract)
        self.routes_key: tuple[int, int] | None = None

        # The week plan.
        plan = list(mechanisms) if mechanisms is not None else default_mechanisms()
        names = [m.name for m in plan]
        if len(set(names)) != len(names):
            raise ParameterError("invalid week plan: mechanism names must be unique, got "
                                 + ", ".join(names))
        self.plan = plan
        self.mechanisms = {m.name: m for m in plan}
        for m in plan:
            m.init(self)
        self.recorder = Recorder(self)
        # The mechanisms that record weekly results (most record none: calling their
        # empty ``record`` each week costs more than it looks, between compiled kernels).
        self._recording = [m for m in plan
                           if getattr(m.record, "__func__", None) is not Mechanism.record]
        self.running = place.n_weeks > 0

    @property
    def levers(self) -> Levers:
        """The levers in force this week: procurement and practice together."""
        return Levers(procurement=self.procurement, practice=self.practice)

    # Agent sets, for readers and for Mesa's DataCollector and SolaraViz. Mesa's own
    # readers (agents, agents_by_type, agent_types) first bring the Person and
    # Practitioner agents up to date (agents.PersonAgents, agents.PractitionerAgents):
    # whoever reads the model's agents finds one per person present and one per
    # practitioner in post.
    def _bring_agents_up_to_date(self) -> None:
        self.person_book.sync(self)
        self.practitioner_book.sync(self)

    @property
    def agents(self) -> mesa.agent.AgentSet:
        self._bring_agents_up_to_date()
        return self._all_agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        self._bring_agents_up_to_date()
        return self._agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._bring_agents_up_to_date()
        return list(self._agents_by_type)

    def remove_all_agents(self) -> None:
        self._bring_agents_up_to_date()
        super().remove_all_agents()
        self.person_book.forget(self)
        self.practitioner_book.forget()

    @property
    def person_agents(self) -> list[Person | None]:
        """The Person agent of each person (indexed as ``model.people``), None for
        people not in the place."""
        return self.person_book.sync(self)

    @property
    def practitioner_agents(self) -> list[Practitioner | None]:
        """The Practitioner agent of each post (indexed as ``model.posts``), None for
        a vacant post."""
        return self.practitioner_book.sync(self)

    @property
    def organisations(self) -> mesa.agent.AgentSet:
        return self._agents_by_type[Organisation]  # made when they open, never lazily

    @property
    def practitioners(self) -> mesa.agent.AgentSet:
        self.practitioner_book.sync(self)
        return self._agents_by_type.get(Practitioner,
                                        mesa.agent.AgentSet([], random=self.random))

    @property
    def persons(self) -> mesa.agent.AgentSet:
        return self.agents_by_type.get(Person, mesa.agent.AgentSet([], random=self.random))

    def step(self) -> None:
        """Advance the place by one week: every mechanism of the plan in order, then the
        week's results."""
        self.tally.start_week()
        for m in self.plan:
            m.step(self)
        self.recorder.record()
        for m in self._recording:
            m.record(self)
        self.week += 1
        if self.week >= self.params.place.n_weeks:
            self.running = False
            for m in self.plan:
                m.finalize(self)

    def run(self) -> HLSModel:
        """Run every remaining week. Python's garbage collector makes no full
        collection meanwhile, which would walk every agent alive again and again
        (``agents.no_full_collections``)."""
        with no_full_collections():
            while self.running:
                self.step()
        return self

    def describe(self) -> str:
        pr = self.procurement
        return (f"{self.params.name}: regime {self.params.regime}, {self.params.place.n_people} "
                f"people, {len(self.orgs)} organisations, {self.params.place.n_practitioners} "
                f"posts, contracts {pr.contract_length_weeks} weeks over"
                f" {pr.lot_domains} of "
                f"{len(DOMAINS)} domains")
