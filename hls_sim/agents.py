"""Mesa agents: Person, Practitioner, Organisation and Commissioner.

The many (people, practitioner posts) and the few (organisations) keep their state in
arrays (``hls_sim.state``), and the week's behaviour lives in the mechanisms of the
week plan (``hls_sim.mechanisms``), which act on whole arrays at once. The agents are
real Mesa agents (in ``model.agents``, usable by AgentSet, DataCollector and SolaraViz)
whose attributes read their row of those arrays: a view, never a second copy. Person
and Practitioner agents are made when something first looks at the model's agents
(:class:`PersonAgents`, :class:`PractitionerAgents`), so a run nobody watches never
pays for them.

This module imports only the state: the model imports it, never the other way round.
"""

from __future__ import annotations

import gc
import itertools
import weakref
from contextlib import contextmanager
from typing import Any

import mesa
import numpy as np

from .params import DOMAINS
from .state import EXITED, STATUS_NAMES, wellbeing_of


@contextmanager
def no_collection_pauses():
    """Hold off Python's cyclic garbage collector while agents are created in bulk.

    Every Mesa agent brings a handful of tracked objects (its attribute dict and the
    weak references of its AgentSets), so creating many triggers a full collection
    again and again, each walking every agent already alive: at 1,000,000 people that
    was 6 of the 10 s spent creating Person agents (benchmarks/README.md). Nothing
    made here is garbage, so no collection is lost; the collector runs as usual after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def no_full_collections():
    """For a whole run: Python's cyclic garbage collector makes its young and middle
    collections as usual but no full collection.

    A run makes almost no cyclic garbage (483 objects were collected in a whole run of
    1,000,000 people over 520 weeks), but each full collection walks every object alive,
    agents included, and Python runs one whenever the objects alive have grown by a
    quarter, which arriving agents kept doing: 20 s of that run's 149 s went to
    collections that found nothing. So the run raises the threshold of the oldest
    generation out of reach and puts it back when it ends or fails: a cycle that a
    mechanism makes and drops within a week (a pandas frame, say) is still collected by
    the young collections; one that lives longer waits for the first full collection
    after the run.

    (Until 2 December the run moved everything alive into the permanent generation at
    each week's end, ``gc.freeze``, and unfroze it at the end. ``gc.unfreeze`` thaws
    everything, so the run stood aside wherever anything was frozen already, and
    CPython 3.12 starts with objects frozen: there it never took effect.)

    It does nothing when the collector is off.
    """
    if not gc.isenabled():
        yield
        return
    young, middle, oldest = gc.get_threshold()
    gc.set_threshold(young, middle, _OUT_OF_REACH)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, oldest)


_OUT_OF_REACH = 2**31 - 1  # middle collections between full ones: never, in a run


class _CountersByModel(weakref.WeakKeyDictionary):
    """Each model's counter of agent ids, holding the model weakly.

    Mesa 3.3 numbers agents from a class-level ``Agent._ids``, a dict keyed by the model
    itself, so every model ever built stayed alive until the process ended (Mesa issue
    3179, fixed in later releases by numbering agents in ``register_agent``): a
    sensitivity worker running thousands of models kept them all, 2.7 MB a quick run,
    and each garbage collection walked them. Where Mesa still reads ``_ids`` it reads
    this one; where it does not, this is unused."""

    def __init__(self) -> None:
        super().__init__()
        self._last: tuple[weakref.ref, Any] | None = None  # agents come model by model

    def __getitem__(self, model: Any):
        last = self._last
        if last is not None and last[0]() is model:
            return last[1]
        try:
            counter = super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
        self._last = (weakref.ref(model), counter)
        return counter


class PlaceAgent(mesa.Agent):
    """A Mesa agent of this model (the base of the four kinds): ids count from 1 in each
    model, as Mesa's do, without keeping the model alive."""

    _ids = _CountersByModel()


class Person(PlaceAgent):
    """A person needing support: a view onto row ``idx`` of ``model.people``."""

    def __init__(self, model: Any, idx: int):
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
        return self.model.practitioner_agents[post] if post >= 0 else None

    @property
    def complexity(self) -> int:
        """Number of needs above the threshold at arrival."""
        return int(self.model.people.complexity[self.idx])


class PersonAgents:
    """The Person agents of one model, made when first looked at.

    A Mesa agent costs its registration (an entry in the model's dict of agents and in
    two weak-reference AgentSets) when made and again when removed: about a tenth of a
    default run, and 5-7 s and several hundred MB of the million-person place, where
    nothing reads them. So people arriving and leaving only move two marks here, and
    the agents are brought up to date whenever the model's agents are read
    (``model.agents``, ``agents_by_type``, ``persons``, ``person_agents``: the model
    calls :meth:`sync`). A reader therefore always finds exactly one agent per person
    present, as if each had been made on arrival and removed on exit; someone who came
    and went between two looks never had one. Agents hold no state of their own (they
    are views onto ``model.people``), and making them draws no random number, so
    results cannot depend on when, or whether, anyone looks.
    """

    def __init__(self, n_people: int):
        self.agents: list[Person | None] = [None] * n_people
        self.made = 0  # people 0 .. made-1 have been looked at since they arrived
        self._left: list[np.ndarray] = []  # indices of people who left since the last look

    def left(self, idx: np.ndarray) -> None:
        """People ``idx`` left the place this week (their agents, if made, go at the
        next look)."""
        if self.made:
            gone = idx[idx < self.made]
            if gone.size:
                self._left.append(gone)

    def sync(self, model: Any) -> list[Person | None]:
        """Make the agents of people who arrived since the last look and are still
        here, remove those of people who left; returns the list, indexed by person."""
        agents = self.agents
        if self._left:
            for gone in self._left:
                for i in gone.tolist():
                    agent = agents[i]
                    if agent is not None:
                        agent.remove()
                        agents[i] = None
            self._left.clear()
        lo, hi = self.made, model.n_arrived
        if hi > lo:
            here = np.flatnonzero(model.people.status[lo:hi] != EXITED) + lo
            with no_collection_pauses():
                for i in here.tolist():
                    agents[i] = Person(model, i)
            self.made = hi
        return agents

    def forget(self, model: Any) -> None:
        """Every agent has been removed (``Model.remove_all_agents``): people here now
        keep none; people arriving later get one."""
        self.agents[:] = [None] * len(self.agents)
        self.made = model.n_arrived
        self._left.clear()


class PractitionerAgents:
    """The Practitioner agents of one model, made when first looked at (as
    :class:`PersonAgents`, for the same reasons: a default run hires about 450
    practitioners and loses about 500, each a Mesa registration nobody reads in a run
    nobody watches).

    Hiring and leaving only note the posts that changed, once somebody has looked; at
    each look the agent of a post that changed goes (it was the practitioner who left)
    and a post filled now gets a new agent (the practitioner who came), so a reader
    finds exactly one agent per practitioner in post, each new hire a new agent.
    """

    def __init__(self, n_posts: int):
        self.agents: list[Practitioner | None] = [None] * n_posts
        self.looked = False
        self._changed: list[np.ndarray] = []  # posts hired into or left since the last look

    def changed(self, posts: np.ndarray) -> None:
        """Practitioners were hired into or left ``posts`` this week."""
        if self.looked:
            self._changed.append(np.array(posts, np.int64))  # a copy: callers' arrays move

    def sync(self, model: Any) -> list[Practitioner | None]:
        """Bring the agents up to date with ``model.posts``; returns the list, indexed
        by post."""
        agents, filled = self.agents, model.posts.filled
        if not self.looked:
            changed = np.flatnonzero(filled)
            self.looked = True
        elif self._changed:
            changed = np.unique(np.concatenate(self._changed))
            self._changed.clear()
        else:
            return agents
        for p in changed.tolist():
            agent = agents[p]
            if agent is not None:
                agent.remove()
                agents[p] = None
            if filled[p]:
                agents[p] = Practitioner(model, p)
        return agents

    def forget(self) -> None:
        """Every agent has been removed (``Model.remove_all_agents``): practitioners in
        post now keep none; those hired later get one."""
        self.agents[:] = [None] * len(self.agents)
        self._changed.clear()


class Practitioner(PlaceAgent):
    """A practitioner in post ``post``: a view onto that row of ``model.posts``."""

    def __init__(self, model: Any, post: int):
        super().__init__(model)
        self.post = post

    @property
    def organisation(self) -> Organisation:
        return self.model.providers.agent[self.model.posts.org[self.post]]

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


class Organisation(PlaceAgent):
    """A provider (mostly a charity): a view onto row ``index`` of ``model.providers``.

    Money is in whole pence (``reserves``) so accounts balance exactly.
    """

    def __init__(self, model: Any, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _rows(self):
        return self.model.providers

    @property
    def name(self) -> str:
        return f"Organisation {self.index}"

    @property
    def specialism(self) -> int:
        """Need domain (index into ``DOMAINS``) the organisation specialises in."""
        return int(self._rows.specialism[self.index])

    @property
    def locality(self) -> int:
        return int(self._rows.locality[self.index])

    @property
    def reserves(self) -> int:
        """Reserves in pence."""
        return int(self._rows.reserves[self.index])

    @property
    def active(self) -> bool:
        return bool(self._rows.active[self.index])

    @property
    def closed_week(self) -> int | None:
        w = int(self._rows.closed_week[self.index])
        return None if w < 0 else w

    @property
    def contracts(self) -> list:
        """Active contracts this organisation holds."""
        return self.model.contracts.held_by(self.index)

    @property
    def staff(self) -> int:
        posts = self.model.posts
        return int(np.count_nonzero(posts.filled & (posts.org == self.index)))

    @property
    def practice(self) -> np.ndarray:
        """Multiplier on progress per domain from this organisation's grown practice."""
        return self._rows.practice[self.index]

    @property
    def trials_run(self) -> int:
        """Test-and-learn trials this organisation has started."""
        return int(self._rows.trials_run[self.index])

    @property
    def trials_grown(self) -> int:
        """Trials judged to work and grown into everyday practice."""
        return int(self._rows.trials_grown[self.index])


class Commissioner(PlaceAgent):
    """The commissioner: holds the budget and pulls the regime's levers.

    Its decisions (tenders, partnership reviews, moving money, convening learning
    meetings) are the commissioning and learning-meeting mechanisms of the week plan.
    """

    @property
    def procurement(self):
        """The procurement levers in force this week."""
        return self.model.procurement

    @property
    def practice(self):
        """The practice levers in force this week."""
        return self.model.practice

    @property
    def budget_per_week(self) -> float:
        """£ per week."""
        return float(self.model.params.money.budget_per_week)
