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

if TYPE_CHECKING:
    from ..model import HLSModel

CATEGORIES = ("direct", "assessment", "admin", "learning", "overhead", "bidding")
LEDGER_KEYS = CATEGORIES + ("paid", "other_income", "budget", "underspend", "written_off",
                            "initial_reserves", "reporting")
RESULTS_CAP = 1.5  # results pay at most 150% of their share (assumption)


def _pence(x: np.ndarray) -> np.ndarray:
    return np.floor(x).astype(np.int64)


def contract_payments(model: HLSModel) -> np.ndarray:
    """This week's payment to each contract (pence): block, activity and results."""
    lv = model.levers
    n_c = len(model.contracts)
    pay = np.zeros(n_c, np.int64)
    cap = max(model.caseload_cap, 1)
    rate = model.contract_reported_rate()
    used = np.zeros(n_c)
    if lv.activity_share > 0:
        people = model.people
        s = people.status[: model.n_arrived] == IN_SUPPORT
        used = np.bincount(people.contract[: model.n_arrived][s], minlength=n_c)
    block = max(0.0, 1.0 - lv.results_share - lv.activity_share)
    for c in model.contracts:
        if not c.active:
            continue
        results = min(RESULTS_CAP, rate[c.index] / c.priced_rate)
        activity = min(RESULTS_CAP, used[c.index] / (max(c.posts, 1) * cap))
        pay[c.index] = int(c.value * (block + lv.results_share * results
                                      + lv.activity_share * activity))
    return pay


def settle_week(model: HLSModel) -> None:
    posts, mp, lv, ledger = model.posts, model.params.money, model.levers, model.ledger
    n_org = len(model.orgs)
    week = dict.fromkeys(CATEGORIES, 0)

    pay = contract_payments(model)
    active_org = np.array([o.active for o in model.orgs])
    income = np.bincount(model.c_org, weights=pay, minlength=n_org).astype(np.int64)
    other = np.where(active_org, int(round(mp.other_income_per_week * 100)), 0).astype(np.int64)

    # Staff cost per filled post, split by how the hours were used.
    salary = int(round(mp.salary_per_week * 100))
    worked = np.maximum(model.hours_worked, 1e-12)
    filled = posts.filled
    admin = np.where(filled, _pence(salary * model.hours_admin / worked), 0)
    assess = np.where(filled, _pence(salary * model.hours_assess / worked), 0)
    learn = np.where(filled, _pence(salary * model.hours_learn / worked), 0)
    direct = np.where(filled, salary - admin - assess - learn, 0)
    reporting = _pence(admin * model.params.workforce.funder_share_of_recording)
    org = np.where(filled, posts.org, 0)

    def by_org(x: np.ndarray) -> np.ndarray:
        return np.rint(np.bincount(org, weights=x, minlength=n_org)).astype(np.int64)

    staff = {"direct": by_org(direct), "assessment": by_org(assess), "admin": by_org(admin),
             "learning": by_org(learn)}
    staff_total = sum(staff.values())
    n_contracts = np.bincount(model.c_org[model.c_active], minlength=n_org)
    monitoring = n_contracts * int(round(mp.monitoring_return_per_week * 100 *
                                         lv.reporting_burden))
    overhead = _pence(mp.overhead_rate * staff_total) + \
        np.where(active_org, int(round(mp.fixed_overhead_per_week * 100)), 0)
    spend = staff_total + monitoring + overhead

    for o in model.orgs:
        if o.active:
            o.reserves += int(income[o.index] + other[o.index] - spend[o.index])

    for k in ("direct", "assessment", "learning"):
        week[k] = int(staff[k].sum())
    week["admin"] = int(staff["admin"].sum() + monitoring.sum())
    week["overhead"] = int(overhead.sum())
    week["bidding"] = model.week_bidding
    budget = int(round(mp.budget_per_week * 100))
    ledger["budget"] += budget
    ledger["paid"] += int(pay.sum())
    ledger["underspend"] += budget - int(pay.sum())
    ledger["other_income"] += int(other.sum())
    ledger["reporting"] += int(reporting.sum() + monitoring.sum())
    for k in CATEGORIES:
        if k != "bidding":  # bids are booked when paid (Model.pay_bid)
            ledger[k] += week[k]
    model.week_spend = week
    model.week_paid = int(pay.sum())
    model.week_bidding = 0
