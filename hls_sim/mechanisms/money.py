"""Mechanism 12, money: every penny from the commissioner's budget and charitable
income to direct work, assessment, admin and reporting, learning time, overheads,
bidding and reserves. Amounts are whole pence (int64), so accounts balance exactly.

Identities (tested):
  budget paid out + partnership backbone + underspend = budget
  initial reserves + entrants' reserves + contract payments + other income
      = all spending + reserves now + reserves written off at closure
        + reserves withdrawn by organisations that left the market
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import IN_SUPPORT
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel

_NO_PAY = np.zeros(0, np.int64)
_NO_ORG = np.zeros(0, np.int32)
_NO_ACTIVE = np.zeros(0, bool)

CATEGORIES = ("direct", "assessment", "admin", "learning", "overhead", "bidding")


def _pence(x: np.ndarray) -> np.ndarray:
    return np.floor(x).astype(np.int64)


def contract_payments(model: HLSModel) -> np.ndarray:
    """This week's payment to each contract (pence): block, activity and results."""
    n_c = len(model.contracts)
    pay = np.zeros(n_c, np.int64)
    cap = max(model.caseload_cap, 1)
    rate = model.performance.contract_rate()
    used = np.zeros(n_c)
    if model.procurement.activity_share > 0:
        people = model.people
        s = people.status[: model.n_arrived] == IN_SUPPORT
        used = np.bincount(people.contract[: model.n_arrived][s], minlength=n_c)
    block = max(0.0, 1.0 - model.procurement.results_share - model.procurement.activity_share)
    cap_share = model.params.money.results_cap
    for c in model.contracts:
        if not c.active:
            continue
        results = min(cap_share, rate[c.index] / c.priced_rate)
        activity = min(cap_share, used[c.index] / (max(c.posts, 1) * cap))
        pay[c.index] = int(c.value * (block + model.procurement.results_share * results
                                      + model.procurement.activity_share * activity))
    return pay


class Money(Mechanism):
    """The week's accounts settle: the commissioner pays its contracts, organisations
    pay their staff, overheads and monitoring, and reserves take the difference."""

    name = "money"
    group = "money"
    result_names = tuple(f"spend_{k}" for k in CATEGORIES) + (
        "paid_to_providers", "spend_reporting", "spend_commissioning", "spend_backbone")

    def init(self, model: HLSModel) -> None:
        """Opening reserves: a few weeks of each organisation's costs."""
        super().init(model)
        posts, prov, mp = model.posts, model.providers, model.params.money
        staff = np.bincount(posts.org[posts.filled], minlength=prov.n)
        weekly = staff * mp.salary_per_week * (1 + mp.overhead_rate) + mp.fixed_overhead_per_week
        for o in range(prov.n_initial):
            prov.reserves[o] = int(round(weekly[o] * mp.initial_reserves_weeks * 100))
        model.ledger["initial_reserves"] = int(prov.reserves.sum())
        self.week_spend = dict.fromkeys(CATEGORIES, 0)
        self.week_paid = 0
        self._last_reporting = 0  # ledger's reporting total at the end of last week (pence)
        self._pay: np.ndarray | None = None  # kernels.contract_payments' payments (pence)

    def step(self, model: HLSModel) -> None:
        posts, mp, ledger = model.posts, model.params.money, model.ledger
        prov = model.providers
        if model.kernels is not None:
            self.step_compiled(model)
            return
        n_org = prov.n
        week = dict.fromkeys(CATEGORIES, 0)

        pay = contract_payments(model)
        active_org = prov.active.copy()
        income = np.bincount(model.contracts.org, weights=pay, minlength=n_org).astype(np.int64)
        other = np.where(active_org, int(round(mp.other_income_per_week * 100)), 0).astype(
            np.int64)

        # Staff cost per filled post, split by how the hours were used.
        salary = int(round(mp.salary_per_week * 100))
        worked = np.maximum(posts.hours_worked, 1e-12)
        filled = posts.filled
        admin = np.where(filled, _pence(salary * posts.hours_admin / worked), 0)
        assess = np.where(filled, _pence(salary * posts.hours_assess / worked), 0)
        learn = np.where(filled, _pence(salary * posts.hours_learn / worked), 0)
        direct = np.where(filled, salary - admin - assess - learn, 0)
        reporting = _pence(admin * model.params.workforce.funder_share_of_recording)
        org = np.where(filled, posts.org, 0)

        def by_org(x: np.ndarray) -> np.ndarray:
            return np.rint(np.bincount(org, weights=x, minlength=n_org)).astype(np.int64)

        # Learning also costs organisations money beyond staff hours: trials running and
        # managers' time at learning meetings (charged to them this week).
        staff = {"direct": by_org(direct), "assessment": by_org(assess), "admin": by_org(admin),
                 "learning": by_org(learn) + np.where(active_org, prov.week_learning_cost, 0)}
        prov.week_learning_cost[:] = 0
        staff_total = sum(staff.values())
        n_contracts = np.bincount(model.contracts.org[model.contracts.active], minlength=n_org)
        monitoring = n_contracts * int(round(mp.monitoring_return_per_week * 100 *
                                             model.practice.reporting_burden))
        overhead = _pence(mp.overhead_rate * staff_total) + \
            np.where(active_org, int(round(mp.fixed_overhead_per_week * 100)), 0)
        spend = staff_total + monitoring + overhead

        prov.reserves[active_org] += (income + other - spend)[active_org]

        for k in ("direct", "assessment", "learning"):
            week[k] = int(staff[k].sum())
        week["admin"] = int(staff["admin"].sum() + monitoring.sum())
        week["overhead"] = int(overhead.sum())
        week["bidding"] = model.tally.bidding
        # The no-service arm has no budget for these services (nothing to pay for).
        budget = int(round(mp.budget_per_week * 100)) if model.procurement.commission_services \
            else 0
        backbone = model.tally.backbone
        ledger["budget"] += budget
        ledger["paid"] += int(pay.sum())
        ledger["underspend"] += budget - int(pay.sum()) - backbone
        ledger["other_income"] += int(other.sum())
        ledger["reporting"] += int(reporting.sum() + monitoring.sum())
        for k in CATEGORIES:
            if k != "bidding":  # bids are booked when paid (operations.pay_bid)
                ledger[k] += week[k]
        self.week_spend = week
        self.week_paid = int(pay.sum())

    def step_compiled(self, model: HLSModel) -> None:
        """The same step with the compiled kernels (bit-identical)."""
        posts, mp, ledger, prov, K = model.posts, model.params.money, model.ledger, \
            model.providers, model.kernels
        pr, contracts = model.procurement, model.contracts
        items = contracts.items
        n_c = len(items)
        if n_c:
            value, n_posts, priced = contracts.value, contracts.funded_posts, \
                contracts.priced_rate
            c_active, c_org = contracts.active, contracts.org
            used = K.used_places(model.people.status, model.people.contract, model.n_arrived,
                                 n_c) if pr.activity_share > 0 else np.zeros(n_c, np.int64)
            block = max(0.0, 1.0 - pr.results_share - pr.activity_share)
            perf = model.performance
            pay = self._pay
            if pay is None or pay.size != n_c:  # a buffer kept from week to week
                pay = self._pay = np.empty(n_c, np.int64)
            K.contract_payments(value, n_posts, priced, c_active, perf.c_reported,
                                perf.c_closures, float(perf.prior), used, float(block),
                                float(pr.results_share), float(pr.activity_share),
                                float(mp.results_cap), max(model.caseload_cap, 1), pay)
        else:
            pay, c_org, c_active = _NO_PAY, _NO_ORG, _NO_ACTIVE
        totals = K.money(
            pay, c_org, c_active, prov.active.copy(), int(round(mp.other_income_per_week * 100)),
            int(round(mp.salary_per_week * 100)), posts.filled, posts.hours_worked,
            posts.hours_admin, posts.hours_assess, posts.hours_learn, posts.org,
            float(model.params.workforce.funder_share_of_recording), prov.week_learning_cost,
            int(round(mp.monitoring_return_per_week * 100 * model.practice.reporting_burden)),
            float(mp.overhead_rate), int(round(mp.fixed_overhead_per_week * 100)), prov.reserves)
        direct, assess, admin, learn, overhead, reporting, other, paid = totals
        week = {"direct": direct, "assessment": assess, "admin": admin, "learning": learn,
                "overhead": overhead, "bidding": model.tally.bidding}
        budget = int(round(mp.budget_per_week * 100)) if pr.commission_services else 0
        ledger["budget"] += budget
        ledger["paid"] += paid
        ledger["underspend"] += budget - paid - model.tally.backbone
        ledger["other_income"] += other
        ledger["reporting"] += reporting
        for k in CATEGORIES:
            if k != "bidding":
                ledger[k] += week[k]
        self.week_spend = week
        self.week_paid = paid

    def record(self, model: HLSModel) -> None:
        """This week's spending by category and payments, in pounds (in the order of
        ``result_names``)."""
        reporting, tally, spend = model.ledger["reporting"], model.tally, self.week_spend
        self.weekly[:, model.week] = (
            *(spend[k] / 100.0 for k in CATEGORIES), self.week_paid / 100.0,
            (reporting - self._last_reporting) / 100.0, tally.commissioning / 100.0,
            tally.backbone / 100.0)
        self._last_reporting = reporting
