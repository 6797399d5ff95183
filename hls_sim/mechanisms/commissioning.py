"""Mechanism 9, the commissioning cycle: lots, tenders with bid costs and awards, staff
loss and transfer, partnership renewal on review, flexible budgets and regime switches.

Every lot exists in both regimes (one per locality and lead need domain) with the same
first holder and posts, so both regimes start from the same place; the levers decide
a lot's scope, its length, how it is paid and how it is re-let.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..contracts import Contract, lot_domains
from ..params import N_DOMAINS
from ..state import WAITING
from .base import Mechanism
from .workforce import enforce_cap

if TYPE_CHECKING:
    from ..model import HLSModel


def first_holder(model: HLSModel, locality: int, domain: int, count: np.ndarray) -> int:
    """The first holder of a lot: a local specialist in its domain, spreading lots
    across organisations."""
    prov = model.providers
    best, best_key = 0, None
    for o in range(prov.n):
        key = (prov.locality[o] != locality, prov.specialism[o] != domain, count[o], o)
        if best_key is None or key < best_key:
            best, best_key = o, key
    return best


class Commissioning(Mechanism):
    """The commissioner's week: a regime switch if due, contracts that end re-let (by
    tender, or by partnership review), and money moved to where need is."""

    name = "commissioning"
    group = "commissioning"

    def init(self, model: HLSModel) -> None:
        """Let the first lots to the local specialist of each domain; fund the posts."""
        super().init(model)
        self.discount = self.stream(model, "bid_discount")
        self.quality_signal = self.stream(model, "quality_signal")
        self.tupe = self.stream(model, "tupe_transfer")
        place, money, levers = model.params.place, model.params.money, model.levers
        n_lots = place.n_localities * N_DOMAINS
        posts_per_lot = np.full(n_lots, place.n_practitioners // n_lots)
        posts_per_lot[: place.n_practitioners % n_lots] += 1
        value = int(round(money.budget_per_week * 100 / n_lots))
        cursor = 0
        holders = np.zeros(model.providers.n, int)
        for k in range(place.n_localities):
            for d in range(N_DOMAINS):
                i = len(model.contracts)
                org = first_holder(model, k, d, holders)
                holders[org] += 1
                # Stagger first contract ends so tenders spread over the first cycle
                # (assumption): a real place inherits contracts let at different times.
                phases = place.contract_phases
                end = int(levers.contract_length_weeks * (1 + (i % phases)) / phases)
                c = Contract(i, k, d, lot_domains(d, levers.lot_domains), org,
                             int(posts_per_lot[i]), value, value, int(posts_per_lot[i]),
                             0, end, priced_rate=money.results_success_rate_priced)
                model.contracts.add(c)
                sl = slice(cursor, cursor + c.posts)
                model.posts.contract[sl] = i
                model.posts.org[sl] = org
                cursor += c.posts

    def step(self, model: HLSModel) -> None:
        self.apply_switch(model)
        for c in model.contracts:
            if c.active and c.end <= model.week:
                if model.levers.award == "partnership" and model.providers.active[c.org]:
                    self.renew(model, c)
                else:
                    self.tender(model, c)
        self.flexible_budget(model)

    def apply_switch(self, model: HLSModel) -> None:
        """Change the levers at the switch week; contracts in force become the new kind."""
        p = model.params
        if p.switch_week is None or model.week != p.switch_week:
            return
        model.levers = p.levers_after_switch()
        for c in model.contracts:
            if c.active:
                model.contracts.set_scope(c, model.levers.lot_domains)
                model.contracts.extend_to(c, model.week + model.levers.contract_length_weeks)
        enforce_cap(model)
        model.log.org_event(model.week, "regime_switch", -1,
                            f"commissioning switches to {p.switch_to}")

    def renew(self, model: HLSModel, c: Contract) -> None:
        model.contracts.renew(c, model.week, model.levers.contract_length_weeks)
        model.log.org_event(model.week, "partnership_renewed", c.org,
                            f"{c.name} renewed after a learning review")

    def tender(self, model: HLSModel, c: Contract) -> None:
        """Run a tender for lot ``c``: bidders pay to bid, the best price-quality score
        wins; a losing incumbent sheds the lot's staff, some of whom transfer (TUPE)."""
        levers, money, prov, t = model.levers, model.params.money, model.providers, model.week
        contract_total = c.base_value * levers.contract_length_weeks  # pence over the term
        bid_cost = int(round(money.bid_cost_fixed * 100 + money.bid_cost_share * contract_total))
        # Providers bid only if they can afford to; an incumbent that cannot loses the lot.
        bidders = [o for o in range(prov.n) if prov.active[o] and prov.reserves[o] >= bid_cost
                   and (o == c.org or (c.domains[prov.specialism[o]]
                                       and abs(prov.locality[o] - c.locality)
                                       <= model.params.place.bid_reach_localities))]
        model.tally.tendered_value += contract_total
        if not bidders:
            ops.end_lot(model, c, "no bidder")
            return
        # Each bidder's luck for this lot: its discount and the noise in how its
        # reported performance reads (one draw per organisation, per lot).
        u = self.discount.random(t, bidders, sub=c.index)
        noise = self.quality_signal.normal(t, bidders, sub=c.index)
        discounts, quality = [], []
        for k, o in enumerate(bidders):
            ops.pay_bid(model, o, bid_cost)
            hungry = 1.0 if not model.contracts.held_by(o) else money.bid_discount_with_work
            discounts.append(money.max_price_discount * u[k] * hungry)
            quality.append(model.performance.org_rate(o) + money.quality_signal_sd * noise[k])
        discounts, quality = np.array(discounts), np.array(quality)
        price_score = (1 - discounts).min() / (1 - discounts)
        qual_score = np.clip(quality, 1e-6, None) / max(np.clip(quality, 1e-6, None).max(), 1e-6)
        score = levers.price_weight * price_score + (1 - levers.price_weight) * qual_score
        win = int(np.argmax(score))
        winner = bidders[win]
        if len(bidders) > 1:  # bidding against each other erodes trust (mechanism 11)
            sub = np.ix_(bidders, bidders)
            prov.trust[sub] *= 1 - model.params.learning.trust_competition_loss
            np.fill_diagonal(prov.trust, 1.0)
        c.value = int(round(c.base_value * (1 - discounts[win])))
        # Results are re-priced from what the place reported over the last contract period.
        c.priced_rate = max(money.priced_rate_floor, model.performance.place_rate())
        new_posts = int(round(c.base_posts * (1 - discounts[win])))
        model.contracts.renew(c, model.week, levers.contract_length_weeks)
        model.contracts.set_scope(c, levers.lot_domains)
        for o in bidders:
            if o != winner:
                model.log.org_event(model.week, "tender_lost", o, f"lost the {c.name}")
        model.log.org_event(model.week, "tender_won", winner,
                            f"won the {c.name} against {len(bidders) - 1} other bidder(s)")
        ops.move_lot(model, c, winner, new_posts, self.tupe)

    def flexible_budget(self, model: HLSModel) -> None:
        """Quarterly, move vacant posts (and their money) from the contracts with least
        pressure to those with the longest waiting lists (brief mechanism 9)."""
        flex = model.levers.budget_flexibility
        if flex <= 0 or model.week == 0 or model.week % model.levers.budget_review_weeks:
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
                      if c is not dst and c.posts > 1
                      and waiting[c.index] / c.posts < pressure.max()
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
            model.contracts.changed()
