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
from ..contracts import Contract, lot_domains, tendered_next
from ..params import N_DOMAINS
from ..state import WAITING
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


def first_holder(model: HLSModel, locality: int, domain: int, count: np.ndarray) -> int:
    """The first holder of a lot: a local specialist in its domain, spreading lots
    across organisations."""
    prov = model.providers
    o = np.arange(prov.n_initial)
    # In its locality first, then a specialist in its domain, then the one with fewest
    # lots so far, then the lowest row.
    return int(o[np.lexsort((o, count[o], prov.specialism[o] != domain,
                             prov.locality[o] != locality))[0]])


_MOST_PENCE = int(np.iinfo(np.int64).max)  # the most a kernel's pence can hold


class Commissioning(Mechanism):
    """The commissioner's week: a regime switch if due; contracts that end re-let, by
    tender or by partnership review (and break reviews mid-contract); money moved to
    where need is; the commissioner's own costs (tenders, reviews, monitoring, the
    partnership backbone).

    Tenders select on price and on a quality score that reads providers' true quality
    of practice only as far as ``procurement.quality_observability`` lets it (the rest
    is their reported, gameable, results); the incumbent has an advantage; new
    organisations may enter to bid. A lot won below its value keeps the posts the
    specification asks for (the saving returned to the wider budget) or buys more of
    them (``procurement.savings_use``), and the price cut squeezes the holder's
    practice. A partnership review renews unless a rigorous enough review sees a weak
    partner, whose lot then goes to tender; soft reviews let prices creep up.
    """

    name = "commissioning"
    group = "procurement"

    def init(self, model: HLSModel) -> None:
        """Let the first lots to the local specialist of each domain; fund the posts."""
        super().init(model)
        self._first_end, self._first_end_version = 0, -1  # see first_end
        self.discount = self.stream(model, "bid_discount")
        self.quality_signal = self.stream(model, "quality_signal")
        self.review_signal = self.stream(model, "review_signal")
        self.entry = self.stream(model, "market_entry")
        self.tupe = self.stream(model, "tupe_transfer")
        if not model.procurement.commission_services:
            return  # the no-service arm: nothing is let, no post is funded
        place, money = model.params.place, model.params.money
        n_lots = place.n_localities * N_DOMAINS
        # A partnership backbone is paid from the budget, so fewer posts are funded.
        funded = 1.0 - model.procurement.backbone_share
        # Each lot owns a fixed block of post slots, sized as if the whole budget
        # bought posts; a backbone leaves the end of each block unfunded. The same
        # slot is then the same post (and the same practitioner) in every world of a
        # comparison, whatever the backbone takes (common random numbers).
        block = np.full(n_lots, place.n_practitioners // n_lots)
        block[: place.n_practitioners % n_lots] += 1
        block_start = np.concatenate(([0], np.cumsum(block)[:-1]))
        n_posts = int(round(place.n_practitioners * funded))
        posts_per_lot = np.full(n_lots, n_posts // n_lots)
        posts_per_lot[: n_posts % n_lots] += 1
        posts_per_lot = np.minimum(posts_per_lot, block)
        value = int(round(money.budget_per_week * funded * 100 / n_lots))
        holders = np.zeros(model.providers.n, int)
        for k in range(place.n_localities):
            for d in range(N_DOMAINS):
                i = len(model.contracts)
                org = first_holder(model, k, d, holders)
                holders[org] += 1
                # Stagger first contract ends so tenders spread over the first cycle
                # (assumption): a real place inherits contracts let at different times.
                phases = place.contract_phases
                end = int(model.procurement.contract_length_weeks * (1 + (i % phases)) / phases)
                c = Contract(i, k, d, lot_domains(d, model.procurement.lot_domains), org,
                             int(posts_per_lot[i]), value, value, int(posts_per_lot[i]),
                             0, end, priced_rate=money.results_success_rate_priced)
                model.contracts.add(c)
                sl = slice(block_start[i], block_start[i] + c.posts)
                model.posts.contract[sl] = i
                model.posts.org[sl] = org

    def step(self, model: HLSModel) -> None:
        self.apply_switch(model)
        pr, t = model.procurement, model.week
        for c in (model.contracts if pr.break_clause_weeks or self.first_end(model) <= t
                  else ()):  # most weeks no lot ends and nothing is due
            if not c.active:
                if c.end <= t:  # a lot that ended with nobody to hold it: tendered again
                    self.tender(model, c)
                continue
            if c.end <= t:
                if tendered_next(pr.award, c.lettings) or not model.providers.active[c.org]:
                    self.tender(model, c)
                elif self.review(model, c):
                    self.renew(model, c)
                else:
                    self.tender(model, c)
            elif (pr.break_clause_weeks and not tendered_next(pr.award, c.lettings)
                  and t - c.last_review >= pr.break_clause_weeks):
                if not self.review(model, c):  # step in: the weak partner's lot is re-let
                    self.tender(model, c)
        self.flexible_budget(model)
        self.running_costs(model)

    def first_end(self, model: HLSModel) -> int:
        """The earliest end week of any lot, ended or not (a lot that ended with nobody
        to hold it is tendered again at its end week), recomputed only when the
        contract book changes (every change to an end week moves its version)."""
        book = model.contracts
        if self._first_end_version != book.version:
            self._first_end = min((c.end for c in book), default=1 << 62)
            self._first_end_version = book.version
        return self._first_end

    def apply_switch(self, model: HLSModel) -> None:
        """Change the levers at the switch week; contracts in force become the new kind."""
        p = model.params
        if p.switch_week is None or model.week != p.switch_week:
            return
        levers = p.levers_after_switch()
        model.procurement, model.practice = levers.procurement, levers.practice
        for c in model.contracts:
            if c.active:
                model.contracts.set_scope(c, model.procurement.lot_domains)
                model.contracts.extend_to(c, model.week + model.procurement.contract_length_weeks)
        ops.enforce_caseload_cap(model)
        model.log.org_event(model.week, "regime_switch", -1,
                            f"commissioning switches to {p.switch_to}")

    # --- partnership reviews ----------------------------------------------------------

    def review(self, model: HLSModel, c: Contract) -> bool:
        """A partnership review of lot ``c``: does its holder keep it?

        The review sees the holder's performance (quality x effort, 1 = an average
        provider) only as far as its rigour lets it: what it sees is
        ``1 + rigour x (performance - 1)`` plus noise, and a holder seen below
        ``1 - review_threshold`` loses the lot. A soft review (rigour 0) always renews;
        a rigorous one also renews the holder's effort (it is tested).
        """
        pr, prov, t = model.procurement, model.providers, model.week
        c.last_review = t
        model.tally.reviews_total += 1
        ops.commissioner_hours(model, model.params.money.review_hours * pr.review_rigour)
        o = c.org
        noise = model.params.money.quality_signal_sd * float(
            self.review_signal.normal(t, np.array([o]), sub=c.index)[0])
        seen = 1.0 + pr.review_rigour * (prov.performance[o] - 1.0 + noise)
        prov.effort[o] += pr.review_rigour * (1.0 - prov.effort[o])
        if seen >= 1.0 - pr.review_threshold:
            return True
        model.tally.reviews_failed_total += 1
        model.log.org_event(t, "review_failed", o, f"{c.name} to be re-let: the review found "
                            f"its practice weak (seen {seen:.2f})")
        model.place.partner_failures += 1
        return False

    def renew(self, model: HLSModel, c: Contract) -> None:
        """Renew a partnership contract. A soft review lets its price creep up."""
        creep = model.params.market.price_creep * (1.0 - model.procurement.review_rigour)
        if creep > 0:
            c.value = int(round(c.value * (1.0 + creep)))
        model.contracts.renew(c, model.week, model.procurement.contract_length_weeks)
        model.log.org_event(model.week, "partnership_renewed", c.org,
                            f"{c.name} renewed after a learning review")

    # --- tenders ----------------------------------------------------------------------

    def enter_market(self, model: HLSModel, c: Contract) -> int | None:
        """A new organisation may enter to bid for lot ``c``: a specialist in its lead
        need, in its locality, with its own (newly drawn) quality of practice."""
        mk, prov, t = model.params.market, model.providers, model.week
        if self.entry.one(t, c.index) >= mk.entry_per_tender:
            return None
        free = np.flatnonzero(~prov.entered)
        if free.size == 0:
            return None  # no room left for entrants (one per lot): documented limit
        o = int(free[0])
        mp = model.params.money
        weekly = c.base_posts * mp.salary_per_week * (1 + mp.overhead_rate) + \
            mp.fixed_overhead_per_week
        reserves = int(round(weekly * mk.entrant_reserves_weeks * 100))
        ops.enter_organisation(model, o, c.lead_domain, c.locality, reserves)
        model.tally.entrants_total += 1
        return o

    def tender(self, model: HLSModel, c: Contract) -> None:
        """Run a tender for lot ``c``: bidders pay to bid, the best price-quality score
        wins; a losing incumbent sheds the lot's staff, some of whom transfer (TUPE)."""
        money, prov, t, pr = model.params.money, model.providers, model.week, model.procurement
        contract_total = c.base_value * pr.contract_length_weeks  # pence over the term
        bid_cost = int(round(money.bid_cost_fixed * 100 + money.bid_cost_share * contract_total))
        self.enter_market(model, c)
        model.tally.tenders_total += 1
        ops.commissioner_hours(model, money.tender_admin_hours)
        model.tally.tendered_value += contract_total
        if model.kernels is not None:
            bidders, win, d = self.bids_compiled(model, c, bid_cost)
        else:
            bidders, win, d = self.bids(model, c, bid_cost)
        if not bidders:
            self.direct_award(model, c)
            return
        winner = bidders[win]
        if winner == c.org:
            model.tally.retained_total += 1
        # The specified posts at the bid price: the saving goes back to the wider
        # budget, or buys more posts on this lot at the same unit price.
        if pr.savings_use == "reinvest":
            c.value = c.base_value
            new_posts = int(round(c.base_posts / (1 - d)))
        else:
            c.value = int(round(c.base_value * (1 - d)))
            new_posts = c.base_posts
        self.let_afresh(model, c)
        prov.effort[winner] = 1.0  # a tender tests the winner afresh
        for o in bidders:
            if o != winner:
                model.log.org_event(t, "tender_lost", o, f"lost the {c.name}")
        model.log.org_event(t, "tender_won", winner,
                            f"won the {c.name} against {len(bidders) - 1} other bidder(s)")
        ops.move_lot(model, c, winner, new_posts, self.tupe)

    def bids(self, model: HLSModel, c: Contract, bid_cost: int
             ) -> tuple[list[int], int, float]:
        """Lot ``c``'s bids and scoring: (the bidders, the winner's position among them,
        its discount); no bidders: ([], -1, 0.0). Bidders pay ``bid_cost`` (pence)."""
        money, prov, t, pr = model.params.money, model.providers, model.week, model.procurement
        mk = model.params.market
        # Providers bid only if they can afford to; an incumbent that cannot loses the lot.
        # The incumbent, and organisations in the lot's domains within reach.
        open_ = np.flatnonzero(prov.active)
        eligible = (open_ == c.org) | (c.domains[prov.specialism[open_]] & (
            np.abs(prov.locality[open_] - c.locality) <= model.params.place.bid_reach_localities))
        bidders = open_[eligible & (prov.reserves[open_] >= bid_cost)].tolist()
        if not bidders:
            return [], -1, 0.0
        # Each bidder's luck for this lot: its discount and the noise in how its
        # reported performance and its practice read (one draw per organisation, per lot).
        u = self.discount.random(t, bidders, sub=c.index)
        noise = self.quality_signal.normal(t, bidders, sub=c.index)
        discounts, reported, practice = [], [], []
        for k, o in enumerate(bidders):
            ops.pay_bid(model, o, bid_cost)
            hungry = 1.0 if not model.contracts.held_by(o) else money.bid_discount_with_work
            discounts.append(money.max_price_discount * u[k] * hungry)
            reported.append(model.performance.org_rate(o) + money.quality_signal_sd * noise[k])
            practice.append(prov.performance[o] + money.quality_signal_sd * noise[k])
        discounts = np.array(discounts)
        reported = np.clip(np.array(reported), 1e-6, None)
        practice = np.clip(np.array(practice), 1e-6, None)
        price_score = (1 - discounts).min() / (1 - discounts)
        quality_score = ((1 - pr.quality_observability) * reported / reported.max()
                         + pr.quality_observability * practice / practice.max())
        score = pr.price_weight * price_score + (1 - pr.price_weight) * quality_score
        score[np.array(bidders) == c.org] += mk.incumbent_advantage
        win = int(np.argmax(score))
        if len(bidders) > 1:  # bidding against each other erodes trust (mechanism 11)
            sub = np.ix_(bidders, bidders)
            prov.trust[sub] *= 1 - model.params.learning.trust_competition_loss
            np.fill_diagonal(prov.trust, 1.0)
        return bidders, win, float(discounts[win])

    def bids_compiled(self, model: HLSModel, c: Contract, bid_cost: int
                      ) -> tuple[list[int], int, float]:
        """:meth:`bids` with the compiled kernels (``kernels.tender_bids``, bit-identical:
        about 70 us of numpy and Python a tender before)."""
        money, prov, t, pr = model.params.money, model.providers, model.week, model.procurement
        perf, contracts, place = model.performance, model.contracts, model.params.place
        # The kernel takes 64-bit integers. A reach past the last locality and a bid cost
        # past any reserves mean what the plain path makes of them (every locality; no
        # bidder), so they are capped rather than refused (a scenario may set either
        # beyond reason: tests/test_bad_input.py).
        reach = min(place.bid_reach_localities, place.n_localities)
        bidders, win, d = model.kernels.tender_bids(
            prov.active, c.org, c.domains, c.locality, prov.specialism, prov.locality, reach,
            prov.reserves, min(bid_cost, _MOST_PENCE), contracts.org,
            contracts.active, np.uint64(self.discount.base(t, c.index)),
            np.uint64(self.quality_signal.base(t, c.index)), float(money.max_price_discount),
            float(money.bid_discount_with_work), perf.o_reported, perf.o_closures,
            float(perf.prior), float(money.quality_signal_sd), prov.performance,
            float(pr.quality_observability), float(pr.price_weight),
            float(model.params.market.incumbent_advantage), prov.trust,
            float(model.params.learning.trust_competition_loss))
        paid = bid_cost * bidders.size  # what operations.pay_bid books, all bidders at once
        model.ledger["bidding"] += paid
        model.tally.bidding += paid
        return bidders.tolist(), int(win), float(d)

    def let_afresh(self, model: HLSModel, c: Contract) -> None:
        """Lot ``c`` let again after a tender or a direct award: from now for a full term,
        its scope as the levers set it, and results re-priced from what the place
        reported over the last contract period."""
        pr = model.procurement
        c.priced_rate = max(model.params.money.priced_rate_floor,
                            model.performance.place_rate())
        model.contracts.renew(c, model.week, pr.contract_length_weeks)
        model.contracts.set_scope(c, pr.lot_domains)

    def direct_award(self, model: HLSModel, c: Contract) -> None:
        """A tender nobody bid for: the commissioner lets lot ``c`` without competition,
        as procurement rules allow when an open tender draws no bids (Public Contracts
        Regulations 2015, regulation 32(2)(a), on the tender's terms), to its holder if
        it is still open, else to the best-placed open provider
        (``operations.best_placed``), at the lot's specified price and posts. Nobody
        pays to bid, and its people keep their service. With no open provider at all the
        lot ends, and is tendered again ``market.relet_weeks`` later."""
        t = model.week
        holder = c.org if c.active and model.providers.active[c.org] else \
            ops.best_placed(model, c)
        if holder < 0:
            ops.end_lot(model, c, "no bidder and no provider open")
            return
        model.tally.direct_awards_total += 1
        c.value = c.base_value
        self.let_afresh(model, c)
        model.log.org_event(t, "direct_award", holder,
                            f"was given the {c.name} without competition: nobody bid at "
                            "its tender")
        ops.move_lot(model, c, holder, c.base_posts, self.tupe)

    # --- money ------------------------------------------------------------------------

    def flexible_budget(self, model: HLSModel) -> None:
        """At each budget review, move vacant posts (and their money) from the contracts
        with least pressure to those with the longest waiting lists (brief mechanism 9)."""
        flex = model.procurement.budget_flexibility
        if flex <= 0 or model.week == 0 or model.week % model.procurement.budget_review_weeks:
            return
        active = [c for c in model.contracts if c.active and c.posts > 0]
        if len(active) < 2:
            return
        people, posts = model.people, model.posts
        waiting = np.bincount(people.contract[people.status == WAITING],
                              minlength=len(model.contracts))
        n_move = int(np.floor(flex * sum(c.posts for c in active)))
        # Vacant posts per contract, kept up to date as posts move (a moved post stays
        # vacant): the donor is the first contract, least pressed first, with a vacant
        # post to give, so only contracts up to it are looked at.
        vacant = np.bincount(posts.contract[~posts.filled & (posts.contract >= 0)],
                             minlength=len(model.contracts))
        if model.kernels is not None and max(c.value for c in model.contracts) < _MOST_PENCE // 2:
            moved = self.budget_moves_compiled(model, active, waiting, vacant, n_move)
        else:
            moved = self.budget_moves(model, active, waiting, vacant, n_move)
        if moved:
            model.log.org_event(model.week, "budget_moved", -1,
                                f"{moved} post(s) moved to where waiting lists are longest")
            model.contracts.changed()

    @staticmethod
    def budget_moves_compiled(model: HLSModel, active: list, waiting: np.ndarray,
                              vacant: np.ndarray, n_move: int) -> int:
        """:meth:`budget_moves` in one call (``kernels.budget_moves``; bit-identical);
        the contracts' posts and value written back after it."""
        contracts, posts = model.contracts, model.posts
        c_posts = np.array([c.posts for c in contracts], np.int64)
        c_value = np.array([c.value for c in contracts], np.int64)
        moved = model.kernels.budget_moves(
            np.array([c.index for c in active], np.int64), waiting, c_posts, c_value,
            vacant, n_move, posts.contract, posts.filled, posts.org, contracts.org)
        for c in active:
            c.posts, c.value = int(c_posts[c.index]), int(c_value[c.index])
        return int(moved)

    @staticmethod
    def budget_moves(model: HLSModel, active: list, waiting: np.ndarray,
                     vacant: np.ndarray, n_move: int) -> int:
        """Up to ``n_move`` vacant posts and their money moved, one at a time, from the
        least pressed contract to the one with the longest waiting list per post.
        Returns the number moved."""
        posts = model.posts
        moved = 0
        for _ in range(n_move):  # one post at a time, re-reading pressure after each move
            pressure = np.array([waiting[c.index] / c.posts for c in active])
            dst = active[int(np.argmax(pressure))]
            top = pressure.max()
            src = next((c for c in sorted(active, key=lambda c: waiting[c.index] / c.posts)
                        if c is not dst and c.posts > 1
                        and waiting[c.index] / c.posts < top and vacant[c.index] > 0), None)
            if src is None:
                break
            p = np.flatnonzero((posts.contract == src.index) & ~posts.filled)[0]
            vacant[src.index] -= 1
            vacant[dst.index] += 1
            per_post = src.value // src.posts
            src.value -= per_post
            dst.value += per_post
            src.posts -= 1
            dst.posts += 1
            posts.contract[p] = dst.index
            posts.org[p] = dst.org
            moved += 1
        return moved

    def running_costs(self, model: HLSModel) -> None:
        """The commissioner's weekly costs: reading monitoring returns, and the
        partnership backbone (paid from the budget)."""
        mp, pr = model.params.money, model.procurement
        n_active = int(np.count_nonzero(model.contracts.active))  # (a view kept by version)
        ops.commissioner_hours(model, mp.monitoring_hours_per_contract * n_active *
                               model.practice.reporting_burden)
        if pr.commission_services and pr.backbone_share > 0:
            backbone = int(round(mp.budget_per_week * pr.backbone_share * 100))
            model.ledger["backbone"] += backbone
            model.tally.backbone = backbone
