"""Mechanism 9, the commissioning cycle: lots, tenders with bid costs and awards, staff
loss and transfer, partnership renewal on review, flexible budgets and regime switches.

Every lot exists in both regimes (one per locality and lead need domain) with the same
first holder and posts, so both regimes start from the same place; the levers decide
a lot's scope, its length, how it is paid and how it is re-let.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..params import DOMAINS, N_DOMAINS
from ..state import IS_IN_SERVICE, WAITING
from . import workforce

if TYPE_CHECKING:
    from ..model import HLSModel

BID_REACH = 1  # providers bid for lots in their own and neighbouring localities (assumption)
REVIEW_WEEKS = 13  # quarterly budget reviews under budget flexibility (assumption)
PRICED_RATE_FLOOR = 0.2  # a commissioner never prices results below this (assumption)


@dataclass
class Contract:
    """One lot: a locality and the need domains it covers, held by one organisation.

    ``value`` is pence per week; ``posts`` the practitioner posts it funds.
    """

    index: int
    locality: int
    lead_domain: int
    domains: np.ndarray
    org: int
    posts: int
    value: int
    base_value: int
    base_posts: int
    start: int
    end: int
    active: bool = True
    priced_rate: float = 0.5  # reported success rate at which results pay in full

    @property
    def name(self) -> str:
        return f"{DOMAINS[self.lead_domain]} lot in locality {self.locality}"


def lot_domains(lead: int, width: int) -> np.ndarray:
    """The domains a lot led by ``lead`` covers: a run of ``width`` related domains."""
    mask = np.zeros(N_DOMAINS, bool)
    mask[(lead + np.arange(width)) % N_DOMAINS] = True
    return mask


def setup_contracts(model: HLSModel) -> None:
    """Let the first lots to the local specialist of each domain; fund the posts."""
    place, money = model.params.place, model.params.money
    levers = model.levers
    n_lots = place.n_localities * N_DOMAINS
    posts_per_lot = np.full(n_lots, place.n_practitioners // n_lots)
    posts_per_lot[: place.n_practitioners % n_lots] += 1
    value = int(round(money.budget_per_week * 100 / n_lots))
    post_cursor = 0
    holders_count = np.zeros(len(model.orgs), int)
    for k in range(place.n_localities):
        for d in range(N_DOMAINS):
            i = len(model.contracts)
            org = _first_holder(model, k, d, holders_count)
            holders_count[org] += 1
            c = Contract(i, k, d, lot_domains(d, levers.lot_domains), org,
                         int(posts_per_lot[i]), value, value, int(posts_per_lot[i]),
                         0, _first_end(model, i),
                         priced_rate=model.params.money.results_success_rate_priced)
            model.contracts.append(c)
            sl = slice(post_cursor, post_cursor + c.posts)
            model.posts.contract[sl] = i
            model.posts.org[sl] = org
            post_cursor += c.posts
    model.contracts_changed = True


def _first_end(model: HLSModel, i: int) -> int:
    """Stagger first contract ends so tenders spread over the first cycle (assumption):
    a real place inherits contracts let at different times."""
    length = model.levers.contract_length_weeks
    return int(length * (1 + (i % 3)) / 3)


def _first_holder(model: HLSModel, k: int, d: int, count: np.ndarray) -> int:
    orgs = model.orgs
    best, best_key = 0, None
    for o in orgs:
        key = (o.locality != k, o.specialism != d, count[o.index], o.index)
        if best_key is None or key < best_key:
            best, best_key = o.index, key
    return best


def contract_arrays(model: HLSModel) -> None:
    """Refresh array views of contracts after any change (tender, closure, switch)."""
    cs = model.contracts
    model.c_org = np.array([c.org for c in cs], np.int32)
    model.c_active = np.array([c.active for c in cs], bool)
    model.c_domains = np.array([c.domains for c in cs], bool)
    model.c_locality = np.array([c.locality for c in cs], np.int32)
    model.c_end = np.array([c.end for c in cs], np.int32)
    cover = np.zeros((len(cs), model.params.place.n_localities, N_DOMAINS), bool)
    for c in cs:
        if c.active:
            cover[c.index, c.locality, c.domains] = True
    model.c_cover = cover
    model.contracts_changed = False


def apply_switch(model: HLSModel) -> None:
    """Change the levers at the switch week; contracts in force become the new kind."""
    p = model.params
    if p.switch_week is None or model.week != p.switch_week:
        return
    model.levers = p.levers_after_switch()
    for c in model.contracts:
        if c.active:
            c.domains = lot_domains(c.lead_domain, model.levers.lot_domains)
            c.end = model.week + model.levers.contract_length_weeks
    model.contracts_changed = True
    workforce.enforce_cap(model)
    model.log.org_event(model.week, "regime_switch", -1,
                        f"commissioning switches to {p.switch_to}")


def end_contracts(model: HLSModel) -> None:
    """Re-let every contract that ends this week: by tender, or by partnership review."""
    for c in model.contracts:
        if c.active and c.end <= model.week:
            if model.levers.award == "partnership" and model.orgs[c.org].active:
                _renew(model, c)
            else:
                tender(model, c)


def _renew(model: HLSModel, c: Contract) -> None:
    c.start, c.end = model.week, model.week + model.levers.contract_length_weeks
    model.c_end[c.index] = c.end
    model.log.org_event(model.week, "partnership_renewed", c.org,
                        f"{c.name} renewed after a learning review")


def tender(model: HLSModel, c: Contract) -> None:
    """Run a tender for lot ``c``: bidders pay to bid, the best price-quality score wins;
    a losing incumbent sheds the lot's staff, some of whom transfer (TUPE)."""
    levers, money = model.levers, model.params.money
    rng = model.rng
    contract_total = c.base_value * levers.contract_length_weeks  # pence over the term
    bid_cost = int(round(money.bid_cost_fixed * 100 + money.bid_cost_share * contract_total))
    # Providers bid only if they can afford to; an incumbent that cannot loses the lot.
    bidders = [o for o in model.orgs if o.active and o.reserves >= bid_cost and (
        o.index == c.org or (c.domains[o.specialism]
                             and abs(o.locality - c.locality) <= BID_REACH))]
    model.tendered_value += contract_total
    if not bidders:
        _reassign(model, c, None, "no bidder")
        return
    discounts, quality = [], []
    for o in bidders:
        model.pay_bid(o, bid_cost)
        hungry = 1.0 if not o.contracts else 0.5  # an organisation without work bids low
        discounts.append(money.max_price_discount * rng.random() * hungry)
        quality.append(model.org_reported_rate(o.index) + rng.normal(0, 0.05))
    discounts, quality = np.array(discounts), np.array(quality)
    price_score = (1 - discounts) .min() / (1 - discounts)
    qual_score = np.clip(quality, 1e-6, None) / max(np.clip(quality, 1e-6, None).max(), 1e-6)
    score = levers.price_weight * price_score + (1 - levers.price_weight) * qual_score
    win = int(np.argmax(score))
    winner = bidders[win]
    ids = [o.index for o in bidders]
    if len(ids) > 1:  # bidding against each other erodes trust (mechanism 11)
        sub = np.ix_(ids, ids)
        model.trust[sub] *= 1 - model.params.learning.trust_competition_loss
        np.fill_diagonal(model.trust, 1.0)
    c.value = int(round(c.base_value * (1 - discounts[win])))
    # Results are re-priced from what the place reported over the last contract period.
    c.priced_rate = max(PRICED_RATE_FLOOR, model.place_reported_rate())
    new_posts = int(round(c.base_posts * (1 - discounts[win])))
    c.start, c.end = model.week, model.week + levers.contract_length_weeks
    c.domains = lot_domains(c.lead_domain, levers.lot_domains)
    for o in bidders:
        if o is not winner:
            model.log.org_event(model.week, "tender_lost", o.index, f"lost the {c.name}")
    model.log.org_event(model.week, "tender_won", winner.index,
                        f"won the {c.name} against {len(bidders) - 1} other bidder(s)")
    _reassign(model, c, winner.index, "tender", new_posts)


def _reassign(model: HLSModel, c: Contract, new_org: int | None, why: str,
              new_posts: int | None = None) -> None:
    """Move lot ``c`` to ``new_org`` (or end it if None), resizing its posts."""
    posts, people = model.posts, model.people
    old_org = c.org
    idx = np.flatnonzero(posts.contract == c.index)
    if new_org is None:
        model.practitioner_leaves(idx, "lot ended")
        posts.contract[idx] = -1
        c.active = False
        model.contracts_changed = True
        affected = np.flatnonzero((people.contract == c.index) & IS_IN_SERVICE[people.status])
        model.release_people(affected, "service ended")
        model.log.org_event(model.week, "lot_ended", old_org, f"{c.name} ended ({why})")
        return
    target = c.base_posts if new_posts is None else new_posts
    if new_org != old_org:
        stay = model.rng.random(idx.size) < model.params.workforce.tupe_share
        lost = model.practitioner_leaves(idx[~stay], "made redundant after a lost tender")
        posts.org[idx] = new_org  # transferred (TUPE) staff now work for the winner
        posts.insecurity[idx] = 0.0
        model.log.org_event(model.week, "lot_transferred", old_org,
                            f"{c.name} moved to Organisation {new_org}: {lost} people lost "
                            "their practitioner")
    # Resize: drop vacant posts first, then filled ones; add new vacant posts if needed.
    if idx.size > target:
        cut = idx[np.argsort(posts.filled[idx], kind="stable")][: idx.size - target]
        model.practitioner_leaves(cut, "post cut")
        posts.contract[cut] = -1
    elif idx.size < target:
        free = np.flatnonzero((posts.contract == -1) & ~posts.filled)[: target - idx.size]
        posts.contract[free] = c.index
        posts.org[free] = new_org
        posts.vacant_since[free] = model.week
    c.org = new_org
    c.posts = int(np.count_nonzero(posts.contract == c.index))
    model.contracts_changed = True


def reassign_after_closure(model: HLSModel, org_index: int) -> None:
    """An organisation closed: its lots go to another provider without a tender
    (an emergency award: a partner in the locality, or the best-placed provider)."""
    for c in model.contracts:
        if c.active and c.org == org_index:
            others = [o for o in model.orgs if o.active and o.index != org_index]
            if not others:
                _reassign(model, c, None, "provider closed, nobody left")
                continue
            best = min(others, key=lambda o: (not c.domains[o.specialism],
                                              o.locality != c.locality, len(o.contracts),
                                              o.index))
            c.end = model.week + model.levers.contract_length_weeks
            model.log.org_event(model.week, "emergency_award", best.index,
                                f"took over the {c.name} when Organisation {org_index} closed")
            _reassign(model, c, best.index, "provider closed", c.posts)


def flexible_budget(model: HLSModel) -> None:
    """Quarterly, move vacant posts (and their money) from the contracts with least
    pressure to those with the longest waiting lists (brief mechanism 9)."""
    flex = model.levers.budget_flexibility
    if flex <= 0 or model.week == 0 or model.week % REVIEW_WEEKS:
        return
    active = [c for c in model.contracts if c.active and c.posts > 0]
    if len(active) < 2:
        return
    people, posts = model.people, model.posts
    waiting = np.bincount(people.contract[people.status == WAITING],
                          minlength=len(model.contracts))
    n_move = int(np.floor(flex * sum(c.posts for c in active)))
    moved = 0
    for _ in range(n_move):  # one post at a time, re-reading pressure after each move
        pressure = np.array([waiting[c.index] / c.posts for c in active])
        dst = active[int(np.argmax(pressure))]
        donors = [c for c in sorted(active, key=lambda c: waiting[c.index] / c.posts)
                  if c is not dst and c.posts > 1 and waiting[c.index] / c.posts < pressure.max()
                  and np.any((posts.contract == c.index) & ~posts.filled)]
        if not donors:
            break
        src = donors[0]
        p = np.flatnonzero((posts.contract == src.index) & ~posts.filled)[0]
        per_post = src.value // src.posts
        src.value -= per_post
        dst.value += per_post
        src.posts -= 1
        dst.posts += 1
        posts.contract[p] = dst.index
        posts.org[p] = dst.org
        moved += 1
    if moved:
        model.log.org_event(model.week, "budget_moved", -1,
                            f"{moved} post(s) moved to where waiting lists are longest")
        model.contracts_changed = True

