"""Mechanism 12, money: every penny from the commissioner's budget and charitable
income to direct work, assessment, admin and reporting, learning time, overheads,
bidding and reserves. Amounts are whole pence (int64), so accounts balance exactly.

Identities (tested):
  budget paid out + underspend = budget
  initial reserves + contract payments + other income
      = all spending + reserves now + reserves written off at closure
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import IN_SUPPORT
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel

CATEGORIES = ("direct", "assessment", "admin", "learning", "overhead", "bidding")


def _pence(x: np.ndarray) -> np.ndarray:
    return np.floor(x).astype(np.int64)


def contract_payments(model: HLSModel) -> np.ndarray:
    """This week's payment to each contract (pence): block, activity and results."""
    lv = model.levers
    n_c = len(model.contracts)
    pay = np.zeros(n_c, np.int64)
    cap = max(model.caseload_cap, 1)
    rate = model.performance.contract_rate()
    used = np.zeros(n_c)
    if lv.activity_share > 0:
        people = model.people
        s = people.status[: model.n_arrived] == IN_SUPPORT
        used = np.bincount(people.contract[: model.n_arrived][s], minlength=n_c)
    block = max(0.0, 1.0 - lv.results_share - lv.activity_share)
    cap_share = model.params.money.results_cap
    for c in model.contracts:
        if not c.active:
            continue
        results = min(cap_share, rate[c.index] / c.priced_rate)
        activity = min(cap_share, used[c.index] / (max(c.posts, 1) * cap))
        pay[c.index] = int(c.value * (block + lv.results_share * results
                                      + lv.activity_share * activity))
    return pay


class Money(Mechanism):
    """The week's accounts settle: the commissioner pays its contracts, organisations
    pay their staff, overheads and monitoring, and reserves take the difference."""

    name = "money"
    group = "money"
    result_names = tuple(f"spend_{k}" for k in CATEGORIES) + ("paid_to_providers",
                                                              "spend_reporting")

    def init(self, model: HLSModel) -> None:
        """Opening reserves: a few weeks of each organisation's costs."""
        super().init(model)
        posts, prov, mp = model.posts, model.providers, model.params.money
        staff = np.bincount(posts.org[posts.filled], minlength=prov.n)
        weekly = staff * mp.salary_per_week * (1 + mp.overhead_rate) + mp.fixed_overhead_per_week
        for o in range(prov.n):
            prov.reserves[o] = int(round(weekly[o] * mp.initial_reserves_weeks * 100))
        model.ledger["initial_reserves"] = int(prov.reserves.sum())
        self.week_spend = dict.fromkeys(CATEGORIES, 0)
        self.week_paid = 0
        self._last_reporting = 0  # ledger's reporting total at the end of last week (pence)

    def step(self, model: HLSModel) -> None:
        posts, mp, lv, ledger = model.posts, model.params.money, model.levers, model.ledger
        prov = model.providers
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

        staff = {"direct": by_org(direct), "assessment": by_org(assess), "admin": by_org(admin),
                 "learning": by_org(learn)}
        staff_total = sum(staff.values())
        n_contracts = np.bincount(model.contracts.org[model.contracts.active], minlength=n_org)
        monitoring = n_contracts * int(round(mp.monitoring_return_per_week * 100 *
                                             lv.reporting_burden))
        overhead = _pence(mp.overhead_rate * staff_total) + \
            np.where(active_org, int(round(mp.fixed_overhead_per_week * 100)), 0)
        spend = staff_total + monitoring + overhead

        prov.reserves[active_org] += (income + other - spend)[active_org]

        for k in ("direct", "assessment", "learning"):
            week[k] = int(staff[k].sum())
        week["admin"] = int(staff["admin"].sum() + monitoring.sum())
        week["overhead"] = int(overhead.sum())
        week["bidding"] = model.tally.bidding
        budget = int(round(mp.budget_per_week * 100))
        ledger["budget"] += budget
        ledger["paid"] += int(pay.sum())
        ledger["underspend"] += budget - int(pay.sum())
        ledger["other_income"] += int(other.sum())
        ledger["reporting"] += int(reporting.sum() + monitoring.sum())
        for k in CATEGORIES:
            if k != "bidding":  # bids are booked when paid (operations.pay_bid)
                ledger[k] += week[k]
        self.week_spend = week
        self.week_paid = int(pay.sum())

    def record(self, model: HLSModel) -> None:
        """This week's spending by category and payments, in pounds."""
        t, r = model.week, self.results
        for k, v in self.week_spend.items():
            r[f"spend_{k}"][t] = v / 100.0
        r["paid_to_providers"][t] = self.week_paid / 100.0
        reporting = model.ledger["reporting"]
        r["spend_reporting"][t] = (reporting - self._last_reporting) / 100.0
        self._last_reporting = reporting
