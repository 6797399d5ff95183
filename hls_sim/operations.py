"""Shared operations: what several mechanisms do to people, posts, organisations and
contracts, written once.

Referral, the end of a relationship, release from a service that ends, a practitioner
leaving, hiring, a lot moving to another holder or ending, an organisation closing,
paying to bid. Each takes the model (for its state) as first argument and imports
nothing from the model or the mechanisms: the layers run model -> mechanisms ->
operations -> state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .agents import Organisation
from .contracts import Contract
from .events import keeps_events
from .params import N_DOMAINS, Params, PracticeLevers
from .state import IN_SUPPORT, IS_IN_SERVICE, SEEKING, WAITING
from .streams import Stream

if TYPE_CHECKING:
    from .model import HLSModel

REREFERRAL_WINDOW = 52
"""Weeks after a closure within which a referral counts as a re-referral: a definition
of the measure (calibration_targets.csv row rereferral, 12 months), not a magnitude."""


def caseload_cap(params: Params, practice: PracticeLevers) -> int:
    """Cases a full-time practitioner can hold: hours left after fixed admin and
    reflection, divided by the direct work and recording each case needs. Reporting
    burden therefore eats capacity (brief mechanism 8)."""
    wf, sp = params.workforce, params.support
    free = (wf.hours_per_week - wf.fixed_admin_hours * practice.reporting_burden
            - practice.reflective_hours)
    per_case = sp.direct_hours_per_case + wf.recording_hours_per_case * practice.reporting_burden
    return max(1, int(free // per_case))


# --- routing and referral -------------------------------------------------------------

def best_contract(model: HLSModel, locality: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """For each (locality, need domain), the covering contract with most room (fewest
    people per funded place, as at the first referral of the week or since contracts
    last changed); -1 where no contract covers it."""
    return route_table(model)[locality, domain]


def route_table(model: HLSModel) -> np.ndarray:
    """Per (locality, need domain), the covering contract with most room, -1 where none
    covers it: made at the week's first referral and again whenever contracts change,
    so every referral until then routes by the same table."""
    if model.routes_key != (model.week, model.contracts.version):
        if model.kernels is not None:
            people, posts, contracts = model.people, model.posts, model.contracts
            keep_routes(model, model.kernels.route_table(
                people.status, people.contract, model.n_arrived, posts.contract, posts.filled,
                model.caseload_cap, contracts.cover))
        else:
            keep_routes(model, _route_table(model))
    return model.routes


def referred(model: HLSModel, who: np.ndarray, contract: np.ndarray, rereferred: np.ndarray,
             via: str) -> None:
    """What follows a compiled kernel's referrals (``who`` now waiting on ``contract``;
    ``rereferred`` marks re-referrals): the tally and the event log, as :func:`refer`
    keeps them."""
    if who.size == 0:
        return
    model.tally.referrals += who.size
    if keeps_events(model.log):
        if rereferred.any():
            model.log.people_event(model.week, "rereferred", who[rereferred])
        model.log.people_event(model.week, "referred", who,
                               org=model.contracts.org[contract], detail=via)


def routes_for_week(model: HLSModel) -> tuple[np.ndarray, bool]:
    """For a compiled kernel that routes referrals itself: the route table kept and
    whether it is this week's (made since contracts last changed). If not, the kernel
    makes the table in that same array when it first needs it, and the caller hands it
    to :func:`keep_routes`, so that every referral after it this week routes by the
    same table. (One array kept from week to week: numba hands an array back to Python
    for about 1 us more than a flag, three times a week.)"""
    if model.routes is not None and model.routes_key == (model.week, model.contracts.version):
        return model.routes, True
    shape = (model.contracts.n_localities, N_DOMAINS)
    if model.routes is None or model.routes.shape != shape:
        model.routes, model.routes_key = np.full(shape, -1, np.int64), None
    return model.routes, False


def keep_routes(model: HLSModel, routes: np.ndarray) -> None:
    """Keep ``routes`` as the week's route table (until the contracts change)."""
    model.routes, model.routes_key = routes, (model.week, model.contracts.version)


def _route_table(model: HLSModel) -> np.ndarray:
    people, posts, contracts = model.people, model.posts, model.contracts
    n = model.n_arrived
    busy = IS_IN_SERVICE[people.status[:n]]
    n_c = len(contracts)
    demand_c = np.bincount(people.contract[:n][busy], minlength=n_c)
    places = np.bincount(posts.contract[posts.filled & (posts.contract >= 0)],
                         minlength=n_c) * model.caseload_cap
    load = demand_c / np.maximum(places, 1) + (places == 0) * 1e6
    masked = np.where(contracts.cover, load[:, None, None], np.inf)
    best = masked.argmin(axis=0)
    return np.where(np.isfinite(masked.min(axis=0)), best, -1)


def refer(model: HLSModel, who: np.ndarray, via: str,
          contract: np.ndarray | None = None) -> None:
    """Refer people to a contract's waiting list (routed by their worst need unless
    ``contract`` is given). A referral within a year of a closure is a re-referral."""
    people, t, tally = model.people, model.week, model.tally
    if who.size == 0:
        return
    if contract is None and len(model.contracts) == 0:
        return  # nothing is commissioned: nowhere to refer to
    if model.kernels is not None:
        if contract is None:  # routed by their worst need: one call
            who, contract, rr = model.kernels.refer_routed(
                who.astype(np.int64, copy=False), people.needs, people.locality,
                route_table(model), t, REREFERRAL_WINDOW, via != "hand-off", people.status,
                people.contract, people.wait_since, people.priority, people.referrals,
                people.closed_week, people.rereferrals, tally.rereferred_by_closure_week)
        else:
            ok = contract >= 0
            who, contract = who[ok], contract[ok]
            rr = model.kernels.refer(
                who.astype(np.int64, copy=False), contract.astype(np.int64, copy=False), t,
                REREFERRAL_WINDOW, via != "hand-off", people.status, people.contract,
                people.wait_since, people.priority, people.referrals, people.closed_week,
                people.rereferrals, tally.rereferred_by_closure_week)
        referred(model, who, contract, rr, via)
        return
    if contract is None:
        contract = best_contract(model, people.locality[who], people.needs[who].argmax(axis=1))
    ok = contract >= 0
    who, contract = who[ok], contract[ok]
    if who.size == 0:
        return
    if via != "hand-off":
        cw = people.closed_week[who]
        rr = (cw >= 0) & (t - cw <= REREFERRAL_WINDOW)
        np.add.at(tally.rereferred_by_closure_week, cw[rr], 1)
        people.rereferrals[who[rr]] += 1
        people.closed_week[who] = -1
        if rr.any():
            model.log.people_event(t, "rereferred", who[rr])
    people.status[who] = WAITING
    people.contract[who] = contract
    people.wait_since[who] = t
    people.priority[who] = False
    people.referrals[who] += 1
    tally.referrals += who.size
    model.log.people_event(t, "referred", who, org=model.contracts.org[contract], detail=via)


# --- relationships and services ending ----------------------------------------------------

def end_support(model: HLSModel, who: np.ndarray) -> None:
    """People leave a caseload: the relationship ends with it."""
    people = model.people
    if model.kernels is not None:
        model.kernels.end_support(who, people.practitioner, model.posts.caseload,
                                  people.relationship, people.run_weeks)
        return
    post = people.practitioner[who]
    np.subtract.at(model.posts.caseload, post[post >= 0], 1)
    people.practitioner[who] = -1
    people.relationship[who] = 0.0
    people.run_weeks[who] = 0


def release(model: HLSModel, who: np.ndarray, reason: str | None) -> None:
    """People waiting for or in a service that is ending (or who leave the place)."""
    people = model.people
    end_support(model, who[people.status[who] == IN_SUPPORT])
    people.contract[who] = -1
    if reason is not None:
        engaged = who[IS_IN_SERVICE[people.status[who]]]
        people.status[engaged] = SEEKING  # they must find help again
        people.wait_since[engaged] = model.week
        model.log.people_event(model.week, "service_ended", engaged, detail=reason)


def return_to_waiting_list(model: HLSModel, who: np.ndarray) -> None:
    """People moved off a caseload through no choice of theirs rejoin their contract's
    waiting list with priority (first in line); their new wait is counted from now."""
    people = model.people
    people.status[who] = WAITING
    people.wait_since[who] = model.week
    people.priority[who] = True


def enforce_caseload_cap(model: HLSModel) -> None:
    """If the cap falls (more reporting after a regime switch), each practitioner keeps
    their longest-standing cases and the rest go back to the top of the waiting list."""
    model.caseload_cap = cap = caseload_cap(model.params, model.practice)
    people, posts = model.people, model.posts
    over = np.flatnonzero(posts.caseload > cap)
    if over.size == 0:
        return
    n = model.n_arrived
    who = np.flatnonzero(np.isin(people.practitioner[:n], over) &
                         (people.status[:n] == IN_SUPPORT))
    order = np.lexsort((people.episode_start[who], people.practitioner[who]))
    who = who[order]
    post = people.practitioner[who]
    _, first = np.unique(post, return_index=True)
    rank = np.arange(who.size) - np.repeat(first, np.diff(np.append(first, who.size)))
    move = who[rank >= cap]
    end_support(model, move)
    return_to_waiting_list(model, move)
    model.log.people_event(model.week, "lost_practitioner", move,
                           detail="caseloads cut when reporting grew")


# --- the workforce ------------------------------------------------------------------------

def practitioner_leaves(model: HLSModel, post: int | np.ndarray, reason: str) -> int:
    """Practitioners leave their posts; their people lose the relationship and go back
    on the contract's waiting list near the top. Returns the number of people affected."""
    posts, people, t = model.posts, model.people, model.week
    post = np.atleast_1d(np.asarray(post, np.int64))
    if model.kernels is not None:
        log = model.log
        post, affected = model.kernels.practitioners_leave(
            post, posts.filled, posts.vacant_since, posts.stress, posts.caseload, t,
            model.n_arrived, people.practitioner, people.status, people.relationship,
            people.run_weeks, people.wait_since, people.priority, people.engagement,
            float(model.params.support.handoff_engagement_loss), posts.org,
            model.contracts.org, people.contract, log.room(post.size + model.n_arrived),
            log.at, log.detail(reason))
    else:
        post, who, practitioner = _practitioners_leave(model, post)
        log_leavers(model, post, who, practitioner, reason)
        affected = who.size
    practitioners_gone(model, post)
    return int(affected)


def practitioners_gone(model: HLSModel, post: np.ndarray) -> None:
    """What follows practitioners leaving ``post`` (their posts already vacant, their
    people already back on the waiting list, the event logged): their agents and the
    tally."""
    if post.size:
        model.practitioner_book.changed(post)  # their agents, if made, go at the next look
        model.tally.leavers += post.size


def log_leavers(model: HLSModel, post: np.ndarray, who: np.ndarray,
                practitioner: np.ndarray, reason: str) -> None:
    """The event log of practitioners leaving ``post``, whose people ``who`` lost them
    (``practitioner``: each one's post before), as the compiled path logs it."""
    posts, people, t = model.posts, model.people, model.week
    if post.size and keeps_events(model.log):
        # A row per post, the post in the practitioner column (until 3 December 2026 an
        # entry per post, the post written into the detail: "practitioner 9 left the job").
        model.log.org_events(t, "practitioner_left", posts.org[post], practitioner=post,
                             detail=reason)
        if who.size:
            model.log.people_event(t, "lost_practitioner", who,
                                   org=model.contracts.org[people.contract[who]],
                                   practitioner=practitioner, detail=reason)


def _practitioners_leave(model: HLSModel, post: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``kernels.practitioners_leave`` in numpy: (the filled posts among ``post``, now
    vacant; the people who were in support with them; each one's practitioner before)."""
    posts, people, t = model.posts, model.people, model.week
    post = post[posts.filled[post]]
    posts.filled[post] = False
    posts.vacant_since[post] = t
    posts.stress[post] = 0.0
    posts.caseload[post] = 0
    n = model.n_arrived
    on_caseload = np.isin(people.practitioner[:n], post)
    who = np.flatnonzero(on_caseload & (people.status[:n] == IN_SUPPORT))
    practitioner = people.practitioner[who]
    if who.size:
        people.practitioner[who] = -1
        people.relationship[who] = 0.0
        people.run_weeks[who] = 0
        return_to_waiting_list(model, who)
        people.engagement[who] = np.maximum(
            0.0, people.engagement[who] - model.params.support.handoff_engagement_loss)
    return post, who, practitioner


def hire(model: HLSModel, post: int | np.ndarray, noise: np.ndarray) -> None:
    """Fill vacant posts. New practitioners bring skill in their organisation's
    specialism, lifted towards the place's shared knowledge by system learning.
    ``noise`` is standard normal, one per post and need domain: how each new
    practitioner differs from the typical."""
    posts, lp = model.posts, model.params.learning
    post = np.atleast_1d(np.asarray(post, np.int64))
    if post.size == 0:
        return
    # The place's best practice, which system learning pulls new hires towards (from
    # the practitioners in post before these arrive).
    learning = model.place.system_learning
    best = best_practice(model) if learning > 0 and posts.filled.any() else None
    if model.kernels is not None:
        model.kernels.hire(post, posts.org, model.providers.specialism,
                           np.ascontiguousarray(noise, dtype=float), float(lp.skill_general),
                           float(lp.skill_specialist), float(lp.hire_skill_sd),
                           float(lp.hire_skill_min), float(lp.hire_skill_max),
                           _NO_BEST if best is None else best,
                           float(lp.new_hire_pull * learning), posts.skill, posts.filled,
                           posts.stress, float(model.params.workforce.new_hire_stress),
                           posts.insecurity, posts.hire_week, model.week, posts.caseload)
    else:
        spec = model.providers.specialism[posts.org[post]]
        base = np.full((post.size, N_DOMAINS), lp.skill_general)
        base[np.arange(post.size), spec] = lp.skill_specialist
        skill = np.clip(base + lp.hire_skill_sd * noise, lp.hire_skill_min,
                        lp.hire_skill_max)
        if best is not None:
            skill += lp.new_hire_pull * learning * np.clip(best - skill, 0, None)
        posts.skill[post] = skill
        posts.filled[post] = True
        posts.stress[post] = model.params.workforce.new_hire_stress
        posts.insecurity[post] = 0.0
        posts.hire_week[post] = model.week
        posts.caseload[post] = 0
    model.practitioner_book.changed(post)  # their agents are made when first looked at


_NO_BEST = np.zeros(0)  # kernels.hire: no pull towards best practice


def hire_drawn(model: HLSModel, post: np.ndarray, skill_luck: Stream) -> None:
    """:func:`hire` into ``post`` (int64), each new practitioner's noise drawn from
    ``skill_luck`` this week, one per post and need domain (slot post x domains +
    domain). The compiled kernel draws, works out best practice and hires in one call."""
    if post.size == 0:
        return
    if model.kernels is None:
        hire(model, post, skill_luck.normal(model.week, post[:, None] * N_DOMAINS
                                            + np.arange(N_DOMAINS)))
        return
    posts, lp, learning = model.posts, model.params.learning, model.place.system_learning
    model.kernels.hire_drawn(
        post, skill_luck.week_base(model.week), posts.org, model.providers.specialism,
        float(lp.skill_general), float(lp.skill_specialist), float(lp.hire_skill_sd),
        float(lp.hire_skill_min), float(lp.hire_skill_max), learning > 0,
        float(lp.best_practice_quantile), float(lp.new_hire_pull * learning), posts.skill,
        posts.filled, posts.stress, float(model.params.workforce.new_hire_stress),
        posts.insecurity, posts.hire_week, model.week, posts.caseload)
    model.practitioner_book.changed(post)  # their agents are made when first looked at


def best_practice(model: HLSModel) -> np.ndarray:
    """The place's best practice, which new hires and learning meetings pull towards: per
    need domain, the ``learning.best_practice_quantile`` of the skills of the posts
    filled (at least one must be). The compiled kernel gives numpy's figure bit for bit."""
    posts, q = model.posts, float(model.params.learning.best_practice_quantile)
    if model.kernels is not None:
        return model.kernels.best_practice(posts.skill, posts.filled, q)
    return np.quantile(posts.skill[posts.filled], q, axis=0)


# --- lots changing hands --------------------------------------------------------------

def end_lot(model: HLSModel, c: Contract, why: str) -> None:
    """A lot ends with nobody to hold it: its staff go and its people must seek help.
    The commissioner tenders it again ``market.relet_weeks`` later (the commissioning
    cycle tenders an ended lot when its end week comes)."""
    posts, people = model.posts, model.people
    idx = np.flatnonzero(posts.contract == c.index)
    practitioner_leaves(model, idx, "lot ended")
    posts.contract[idx] = -1
    model.contracts.end(c)
    model.contracts.extend_to(c, model.week + model.params.market.relet_weeks)
    n = model.n_arrived
    if model.kernels is not None:
        affected = model.kernels.in_service_on(people.contract, people.status, n, c.index)
    else:
        affected = np.flatnonzero((people.contract[:n] == c.index) &
                                  IS_IN_SERVICE[people.status[:n]])
    release(model, affected, "service ended")
    model.log.org_event(model.week, "lot_ended", c.org, f"{c.name} ended ({why})")


def move_lot(model: HLSModel, c: Contract, new_org: int, target_posts: int,
             tupe: Stream) -> None:
    """Lot ``c`` passes to ``new_org`` (or stays, when it is the holder) with
    ``target_posts`` funded posts. On a move, some staff transfer with it (TUPE) and
    the rest are made redundant (``tupe`` draws who transfers, one per post); then
    posts are cut (vacant ones first) or added."""
    posts = model.posts
    old_org = c.org
    idx = np.flatnonzero(posts.contract == c.index)
    if new_org != old_org:
        c.moved_week = model.week
        model.tally.lots_moved_total += 1
        # The commissioner's cost of a lot changing hands (exit, TUPE, mobilisation).
        commissioner_cost(model, model.params.market.transition_cost_share * 52 * c.base_value)
        stay = tupe.random(model.week, idx, sub=c.index) < model.params.workforce.tupe_share
        lost = practitioner_leaves(model, idx[~stay], "made redundant after a lost tender")
        posts.org[idx] = new_org  # transferred (TUPE) staff now work for the winner
        posts.insecurity[idx] = 0.0
        model.log.org_event(model.week, "lot_transferred", old_org,
                            f"{c.name} moved to Organisation {new_org}: {lost} people lost "
                            "their practitioner")
    if idx.size > target_posts:
        cut = idx[np.argsort(posts.filled[idx], kind="stable")][: idx.size - target_posts]
        practitioner_leaves(model, cut, "post cut")
        posts.contract[cut] = -1
    elif idx.size < target_posts:
        free = np.flatnonzero((posts.contract == -1) & ~posts.filled)[: target_posts - idx.size]
        posts.contract[free] = c.index
        posts.org[free] = new_org
        posts.vacant_since[free] = model.week
    model.contracts.set_holder(c, new_org, int(np.count_nonzero(posts.contract == c.index)))


def best_placed(model: HLSModel, c: Contract, exclude: int = -1) -> int:
    """The open provider best placed to take lot ``c`` without a tender (``exclude``
    aside), or -1 if none is open: a specialist in a domain the lot covers, then one in
    its locality, then the one holding fewest lots, then the lowest row (lots counted
    when it is asked, so lots passed on one by one spread)."""
    prov, contracts = model.providers, model.contracts
    others = np.flatnonzero(prov.active)
    others = others[others != exclude]
    if others.size == 0:
        return -1
    held = np.bincount(contracts.org[contracts.active], minlength=prov.n)
    return int(others[np.lexsort((others, held[others], prov.locality[others] != c.locality,
                                  ~c.domains[prov.specialism[others]]))[0]])


def emergency_awards(model: HLSModel, closed_org: int, tupe: Stream) -> None:
    """An organisation closed: its lots go to another provider without a tender (an
    emergency award to the best-placed open provider), or end if none is left."""
    for c in model.contracts:
        if not (c.active and c.org == closed_org):
            continue
        best = best_placed(model, c, closed_org)
        if best < 0:
            end_lot(model, c, "provider closed, nobody left")
            continue
        model.contracts.extend_to(c, model.week + model.procurement.contract_length_weeks)
        model.log.org_event(model.week, "emergency_award", best,
                            f"took over the {c.name} when Organisation {closed_org} closed")
        move_lot(model, c, best, c.posts, tupe)


# --- organisations ----------------------------------------------------------------------

def enter_organisation(model: HLSModel, org: int, specialism: int, locality: int,
                       reserves: int) -> None:
    """A new organisation enters the market in row ``org`` (room kept for entrants),
    with ``reserves`` pence of its own money."""
    prov = model.providers
    prov.entered[org] = prov.active[org] = True
    prov.entry_week[org] = model.week
    prov.specialism[org], prov.locality[org] = specialism, locality
    prov.reserves[org] = reserves
    model.ledger["entrant_reserves"] += int(reserves)
    agent = Organisation(model, org)
    prov.agent[org] = agent
    model.orgs.append(agent)
    model.log.org_event(model.week, "entered_market", org,
                        f"Organisation {org} entered the market")


def close_organisation(model: HLSModel, org: int, tupe: Stream, insolvent: bool = True) -> None:
    """An organisation closes (``insolvent``: its reserves, or deficit, are written off)
    or leaves the market (it takes its reserves with it). Its lots go elsewhere and its
    own learning is lost."""
    prov = model.providers
    prov.active[org] = False
    prov.closed_week[org] = model.week
    prov.insolvent[org] = insolvent
    if insolvent:
        model.log.org_event(model.week, "organisation_closed", org,
                            f"Organisation {org} closed with reserves of "
                            f"£{prov.reserves[org] / 100:,.0f}")
    else:
        model.log.org_event(model.week, "left_market", org,
                            f"Organisation {org} left the market after "
                            f"{model.params.market.exit_weeks_without_contract} weeks "
                            "without a commissioned contract")
    emergency_awards(model, org, tupe)
    model.place.partner_failures += 1
    model.ledger["written_off" if insolvent else "withdrawn"] += int(prov.reserves[org])
    prov.reserves[org] = 0
    prov.practice[org] = 1.0
    prov.trust[org, :] = 0.0
    prov.trust[:, org] = 0.0
    prov.trust[org, org] = 1.0


def commissioner_cost(model: HLSModel, pence: float) -> None:
    """The commissioner's own costs (its officers' time, transition costs): pence."""
    amount = int(round(pence))
    model.ledger["commissioning"] += amount
    model.tally.commissioning += amount


def commissioner_hours(model: HLSModel, hours: float) -> None:
    """Commissioner officer time, costed at ``money.commissioner_cost_per_hour``."""
    commissioner_cost(model, hours * model.params.money.commissioner_cost_per_hour * 100)


def pay_bid(model: HLSModel, org: int, cost: int) -> None:
    """An organisation pays to bid (pence), out of its reserves."""
    model.providers.reserves[org] -= cost
    model.ledger["bidding"] += cost
    model.tally.bidding += cost
