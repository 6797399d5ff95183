"""HLSModel: one place, one commissioning regime, weekly steps.

The week, in order (each line is a mechanism module in ``hls_sim.mechanisms``):

1. the commissioner acts: regime switch, contracts ending (tender or partnership
   review), flexible budget, learning meeting                 (commissioning, learning)
2. people arrive; life shocks; untreated needs drift and spill over; crises; exits
                                                                (demand)
3. help-seekers reach services through barriers; referral     (access)
4. waiting lists become caseloads, with creaming under results pay   (allocation)
5. support: progress on needs, relationships, engagement, skill      (support)
6. closure on the contract's measure; reported vs true success; hand-offs  (closure)
7. workforce: time budget, stress, leaving, hiring                   (workforce)
8. organisations: test-and-learn experiments, insolvency             (Organisation.step)
9. money settles: payments, costs by category, reserves              (money)
10. the week's metrics are recorded                                  (metrics)
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from .agents import Commissioner, Organisation, Practitioner
from .events import EventLog
from .mechanisms import (
    access,
    allocation,
    closure,
    commissioning,
    demand,
    learning,
    money,
    support,
    workforce,
)
from .metrics import Recorder
from .params import DOMAINS, N_DOMAINS, Params, make_params
from .state import (
    IN_SUPPORT,
    IS_IN_SERVICE,
    SEEKING,
    STREAM_ORGS,
    WAITING,
    People,
    Posts,
    stream,
)

REREFERRAL_WINDOW = 52  # weeks (calibration_targets.csv row rereferral)
RETURN_PRIORITY_WEEKS = workforce.RETURN_PRIORITY_WEEKS


class HLSModel(mesa.Model):
    """A place whose services for people with multiple and complex needs are commissioned
    under one regime (a set of levers), stepped weekly.

    Args:
        params: a :class:`Params`, a preset name or a dict of overrides.
        seed: seeds ``model.random`` and ``model.rng`` (Mesa's two generators) and the
            exogenous streams of people and shocks, so the same seed gives the same run
            and the same people in every regime.
        **overrides: further parameter overrides (``place__n_people=2000``).
    """

    def __init__(self, params: Params | str | dict | None = None, seed: int = 0,
                 **overrides: Any):
        p = make_params(params, **overrides)
        super().__init__(rng=seed)  # Mesa seeds both model.random and model.rng from it
        self.params, self.seed = p, int(seed)
        self.levers = p.commissioning
        self.week = 0
        place = p.place

        self.people = People(p, self.seed)
        self.person_agents = np.empty(place.n_people, dtype=object)
        self.n_arrived = 0
        self.posts = Posts(place.n_practitioners * 2)
        self.log = EventLog()

        self.orgs = [Organisation(self, j, j % N_DOMAINS, (j // N_DOMAINS) % place.n_localities,
                                  0) for j in range(place.n_organisations)]
        n_org = len(self.orgs)
        self.trust = np.full((n_org, n_org), p.learning.trust_initial)
        np.fill_diagonal(self.trust, 1.0)
        self.practice = np.ones((n_org, N_DOMAINS))
        self.system_learning = 0.0
        self.transport_barrier_remaining = 1.0
        self.commissioner = Commissioner(self)
        self.contracts: list[commissioning.Contract] = []
        commissioning.setup_contracts(self)
        commissioning.contract_arrays(self)
        n_c = len(self.contracts)
        self.c_closures_ema = np.zeros(n_c)
        self.c_reported_ema = np.zeros(n_c)
        self.o_closures_ema = np.zeros(n_org)
        self.o_reported_ema = np.zeros(n_org)

        # Week-0 workforce: every funded post filled. Skills vary between people
        # (an exogenous stream, so both regimes start with the same practitioners).
        self._skill_rng = stream(self.seed, STREAM_ORGS)
        self.ledger = dict.fromkeys(money.LEDGER_KEYS, 0)
        self.week_leavers = 0
        self.hire(np.flatnonzero(self.posts.contract >= 0), initial=True)
        self.time_factor = np.ones(self.posts.n)
        self.week_assessments_by_post = np.zeros(self.posts.n, np.int32)
        self.caseload_cap = workforce.caseload_cap(self)
        self.meeting_this_week = False
        workforce.time_budget(self)

        # Opening reserves: a few weeks of each organisation's costs.
        staff = np.bincount(self.posts.org[self.posts.filled], minlength=n_org)
        mp = p.money
        weekly = staff * mp.salary_per_week * (1 + mp.overhead_rate) + mp.fixed_overhead_per_week
        for o in self.orgs:
            o.reserves = int(round(weekly[o.index] * mp.initial_reserves_weeks * 100))
        self.ledger["initial_reserves"] = sum(o.reserves for o in self.orgs)

        self.closed_by_week = np.zeros(place.n_weeks + 1, np.int64)
        self.rereferred_by_closure_week = np.zeros(place.n_weeks + 1, np.int64)
        self.completed_waits: list[np.ndarray] = []
        self.tendered_value = 0
        self.week_bidding = 0
        self.week_crises = 0
        self.week_closures = self.week_reported = self.week_true = 0
        self.meetings_held = 0
        self.experiments_started = 0
        self.grown_practices: list[tuple[int, int]] = []
        self._routes: np.ndarray | None = None
        self._held: dict[int, list] | None = None
        self.week_present_worst: tuple | None = None
        self.total_referrals = self.total_assessments = 0
        self.week_worked: tuple[np.ndarray, np.ndarray] | None = None
        self.recorder = Recorder(self)
        self.running = place.n_weeks > 0

    # Agent sets, for readers and for Mesa's DataCollector and SolaraViz.
    @property
    def organisations(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[Organisation]

    @property
    def practitioners(self) -> mesa.agent.AgentSet:
        return self.agents_by_type.get(Practitioner, mesa.agent.AgentSet([], random=self.random))

    @property
    def persons(self) -> mesa.agent.AgentSet:
        from .agents import Person
        return self.agents_by_type.get(Person, mesa.agent.AgentSet([], random=self.random))

    def step(self) -> None:
        """Advance the place by one week."""
        self._routes = None  # referral routes follow this week's loads
        self.commissioner.step()  # switch first, so the week runs under its levers
        self._sync_contracts()
        demand.arrive(self)
        demand.shocks(self)
        demand.drift(self)
        demand.crises(self)
        demand.exits(self)
        access.seek_help(self)
        allocation.allocate(self)
        support.work(self)
        closure.close_episodes(self)
        workforce.time_budget(self)
        workforce.stress_and_leaving(self)
        learning.forget(self)
        self.organisations.shuffle_do("step")
        self._sync_contracts()
        money.settle_week(self)
        self.recorder.record()
        self.week += 1
        if self.week >= self.params.place.n_weeks:
            self.running = False

    def run(self) -> HLSModel:
        """Run every remaining week."""
        while self.running:
            self.step()
        return self

    # --- shared operations the mechanisms call -------------------------------------

    def _sync_contracts(self) -> None:
        if self.contracts_changed:
            commissioning.contract_arrays(self)
            self._routes = None
            self._held = None

    def contracts_of(self, org: int) -> list[commissioning.Contract]:
        """Active contracts held by organisation ``org`` (cached until contracts change)."""
        if self.contracts_changed or self._held is None:
            held: dict[int, list] = {}
            for c in self.contracts:
                if c.active:
                    held.setdefault(c.org, []).append(c)
            self._held = held
            if self.contracts_changed:
                self._sync_contracts()
                self._held = held
        return self._held.get(org, [])

    def best_contract(self, locality: np.ndarray, domain: np.ndarray) -> np.ndarray:
        """For each (locality, need domain), the covering contract with most room
        (fewest people per funded place, as at the start of the week); -1 where no
        contract covers it."""
        self._sync_contracts()
        if self._routes is None:
            self._routes = self._route_table()
        return self._routes[locality, domain]

    def _route_table(self) -> np.ndarray:
        people, posts = self.people, self.posts
        n = self.n_arrived
        busy = IS_IN_SERVICE[people.status[:n]]
        n_c = len(self.contracts)
        demand_c = np.bincount(people.contract[:n][busy], minlength=n_c)
        places = np.bincount(posts.contract[posts.filled & (posts.contract >= 0)],
                             minlength=n_c) * self.caseload_cap
        load = demand_c / np.maximum(places, 1) + (places == 0) * 1e6
        masked = np.where(self.c_cover, load[:, None, None], np.inf)
        best = masked.argmin(axis=0)
        return np.where(np.isfinite(masked.min(axis=0)), best, -1)

    def refer(self, who: np.ndarray, via: str, contract: np.ndarray | None = None) -> None:
        """Refer people to a contract's waiting list (routed by their worst need unless
        ``contract`` is given). A referral within a year of a closure is a re-referral."""
        people, t = self.people, self.week
        if who.size == 0:
            return
        if contract is None:
            contract = self.best_contract(people.locality[who], people.needs[who].argmax(axis=1))
        ok = contract >= 0
        who, contract = who[ok], contract[ok]
        if who.size == 0:
            return
        if via != "hand-off":
            cw = people.closed_week[who]
            rr = (cw >= 0) & (t - cw <= REREFERRAL_WINDOW)
            np.add.at(self.rereferred_by_closure_week, cw[rr], 1)
            people.rereferrals[who[rr]] += 1
            people.closed_week[who] = -1
            if rr.any():
                self.log.people_event(t, "rereferred", who[rr])
        people.status[who] = WAITING
        people.contract[who] = contract
        people.wait_since[who] = t
        people.referrals[who] += 1
        self.total_referrals += who.size
        self.log.people_event(t, "referred", who, org=self.c_org[contract], detail=via)

    def end_support(self, who: np.ndarray) -> None:
        """People leave a caseload: the relationship ends with it."""
        people = self.people
        post = people.practitioner[who]
        np.subtract.at(self.posts.caseload, post[post >= 0], 1)
        people.practitioner[who] = -1
        people.relationship[who] = 0.0
        people.run_weeks[who] = 0

    def release_people(self, who: np.ndarray, reason: str | None) -> None:
        """People waiting for or in a service that is ending (or who leave the place)."""
        people = self.people
        in_support = who[people.status[who] == IN_SUPPORT]
        self.end_support(in_support)
        people.contract[who] = -1
        if reason is not None:
            engaged = who[IS_IN_SERVICE[people.status[who]]]
            people.status[engaged] = SEEKING  # they must find help again
            people.wait_since[engaged] = self.week
            self.log.people_event(self.week, "service_ended", engaged, detail=reason)

    def practitioner_leaves(self, post: int | np.ndarray, reason: str) -> int:
        """Practitioners leave their posts; their people lose the relationship and go
        back on the contract's waiting list near the top. Returns people affected."""
        posts, people, t = self.posts, self.people, self.week
        post = np.atleast_1d(np.asarray(post, np.int64))
        post = post[posts.filled[post]]
        if post.size == 0:
            return 0
        posts.filled[post] = False
        posts.vacant_since[post] = t
        posts.stress[post] = 0.0
        posts.caseload[post] = 0
        for p in post:
            agent = posts.agent[p]
            self.log.org_event(t, "practitioner_left", int(posts.org[p]),
                               f"practitioner {p} {reason}")
            if agent is not None:
                agent.remove()
            posts.agent[p] = None
        n = self.n_arrived
        on_caseload = np.isin(people.practitioner[:n], post)
        who = np.flatnonzero(on_caseload & (people.status[:n] == IN_SUPPORT))
        if who.size:
            self.log.people_event(t, "lost_practitioner", who,
                                  org=self.c_org[people.contract[who]],
                                  practitioner=people.practitioner[who], detail=reason)
            people.practitioner[who] = -1
            people.relationship[who] = 0.0
            people.run_weeks[who] = 0
            people.status[who] = WAITING
            people.wait_since[who] = t - RETURN_PRIORITY_WEEKS
            people.engagement[who] = np.maximum(
                0.0, people.engagement[who] - self.params.support.handoff_engagement_loss)
        self.week_leavers += post.size
        return int(who.size)

    def hire(self, post: int | np.ndarray, initial: bool = False) -> None:
        """Fill vacant posts. New practitioners bring skill in their organisation's
        specialism, lifted towards the place's shared knowledge by system learning."""
        posts, lp = self.posts, self.params.learning
        post = np.atleast_1d(np.asarray(post, np.int64))
        if post.size == 0:
            return
        spec = np.array([self.orgs[o].specialism for o in posts.org[post]])
        base = np.full((post.size, N_DOMAINS), lp.skill_general)
        base[np.arange(post.size), spec] = lp.skill_specialist
        rng = self._skill_rng if initial else self.rng
        skill = np.clip(base + rng.normal(0, 0.05, base.shape), 0.05, 0.95)
        filled = np.flatnonzero(posts.filled)
        if self.system_learning > 0 and filled.size:
            best = np.quantile(posts.skill[filled], 0.9, axis=0)
            skill += 0.5 * self.system_learning * np.clip(best - skill, 0, None)
        posts.skill[post] = skill
        posts.filled[post] = True
        posts.stress[post] = 0.1
        posts.insecurity[post] = 0.0
        posts.hire_week[post] = self.week
        posts.caseload[post] = 0
        for p in post:
            posts.agent[p] = Practitioner(self, int(p))

    def close_organisation(self, org: Organisation) -> None:
        """An organisation closes: its lots go elsewhere, its own learning is lost and
        its reserves (or deficit) are written off."""
        org.active = False
        org.closed_week = self.week
        self.log.org_event(self.week, "organisation_closed", org.index,
                           f"{org.name} closed with reserves of £{org.reserves / 100:,.0f}")
        commissioning.reassign_after_closure(self, org.index)
        self.ledger["written_off"] += org.reserves
        org.reserves = 0
        org.experiment = None
        self.practice[org.index] = 1.0
        self.trust[org.index, :] = 0.0
        self.trust[:, org.index] = 0.0
        self.trust[org.index, org.index] = 1.0

    def pay_bid(self, org: Organisation, cost: int) -> None:
        """An organisation pays to bid (pence), out of its reserves."""
        org.reserves -= cost
        self.ledger["bidding"] += cost
        self.week_bidding += cost

    def record_closure_outcomes(self, contract: np.ndarray, org: np.ndarray,
                                reported: np.ndarray) -> None:
        """Smoothed reported success per contract and organisation (what commissioners
        see: it sets results payments and scores tenders). Half-life about 13 weeks."""
        decay = 0.95
        n_c, n_o = len(self.contracts), len(self.orgs)
        self.c_closures_ema = decay * self.c_closures_ema + np.bincount(contract, minlength=n_c)
        self.c_reported_ema = decay * self.c_reported_ema + np.bincount(
            contract, weights=reported, minlength=n_c)
        self.o_closures_ema = decay * self.o_closures_ema + np.bincount(org, minlength=n_o)
        self.o_reported_ema = decay * self.o_reported_ema + np.bincount(
            org, weights=reported, minlength=n_o)

    def contract_reported_rate(self) -> np.ndarray:
        """Reported success rate per contract; the priced rate until there is evidence."""
        prior = self.params.money.results_success_rate_priced
        return (self.c_reported_ema + prior) / (self.c_closures_ema + 1.0)

    def place_reported_rate(self) -> float:
        """Reported success rate across the place, smoothed (what a commissioner sees)."""
        prior = self.params.money.results_success_rate_priced
        return float((self.c_reported_ema.sum() + prior) / (self.c_closures_ema.sum() + 1.0))

    def org_reported_rate(self, org: int) -> float:
        prior = self.params.money.results_success_rate_priced
        return float((self.o_reported_ema[org] + prior) / (self.o_closures_ema[org] + 1.0))

    def describe(self) -> str:
        lv = self.levers
        return (f"{self.params.name}: regime {self.params.regime}, {self.params.place.n_people} "
                f"people, {len(self.orgs)} organisations, {self.params.place.n_practitioners} "
                f"posts, contracts {lv.contract_length_weeks} weeks over {lv.lot_domains} of "
                f"{len(DOMAINS)} domains")
