"""What users read from a run: weekly time series and whole-run summaries.

Weekly levels are recorded into preallocated arrays as the run goes (cheap); rates
that need a window (turnover over 52 weeks, re-referral within 52 weeks of closure,
success rates over 13 weeks of closures) are computed from weekly counts at the end.
Money is reported in pounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .params import N_DOMAINS
from .state import DISENGAGED, IN_SUPPORT, IS_PRESENT, WAITING, wellbeing_of

if TYPE_CHECKING:
    from .model import HLSModel

SUCCESS_WINDOW = 13  # weeks of closures behind each weekly success rate
TURNOVER_WINDOW = 52

# Weekly levels, in the order of the timeseries' columns (after the public contract
# below). The Recorder writes those it computes; mechanisms' own results (money's
# spending columns) take their place in this order, and any other mechanism result
# follows at the end.
LEVELS = (
    "wellbeing_mean", "unmet_need", "waiting_weeks_mean", "crises_per_1000", "disengaged_share",
    "referrals_per_person", "assessments_per_person", "continuity_index", "admin_time_share",
    "practitioner_stress_mean", "organisations_active", "trust_mean", "system_learning",
    "spend_direct", "spend_assessment", "spend_admin", "spend_learning", "spend_bidding",
    "spend_overhead", "reserves_total", "paid_to_providers", "spend_reporting",
    "people_in_place", "wellbeing_sum", "people_waiting", "people_in_support", "practitioners_in_post",
    "caseload_mean", "provider_performance", "transport_barrier", "trials_started", "trials_grown",
)
COUNTS = ("arrived", "crises", "closures", "reported_successes", "verified_successes",
          "leavers", "headcount")

# Columns of Result.timeseries, in order (the public contract of issue 2 first).
TIMESERIES_COLUMNS = (
    "week", "wellbeing_mean", "unmet_need", "waiting_weeks_mean", "crises_per_1000",
    "disengaged_share", "referrals_per_person", "assessments_per_person",
    "rereferral_12m_rate", "continuity_index", "practitioner_turnover_annual",
    "admin_time_share", "practitioner_stress_mean", "organisations_active", "trust_mean",
    "system_learning", "reported_success_rate", "verified_success_rate", "spend_direct",
    "spend_admin", "spend_bidding", "spend_overhead", "reserves_total",
)


class Recorder:
    """Records one row of levels and counts per week into preallocated arrays.

    ``levels`` holds the Recorder's own levels and, as views, every mechanism's weekly
    results (so readers find every weekly figure in one place).
    """

    def __init__(self, model: HLSModel):
        self.model = model
        n = model.params.place.n_weeks
        own = [k for k in LEVELS if not any(k in m.results for m in model.plan)]
        # The levels the Recorder computes are rows of one array, and a week's figures
        # are written as one column of it (each row a level's weekly series, as
        # before): one write a week instead of one per level (with the counts, crises'
        # and money's results written the same way, about 1% of a default run). A
        # level a mechanism of the plan provides itself is written into the
        # mechanism's array instead, one by one.
        self._fast = all(k in own for k in _WRITTEN)
        self._block = np.full((len(_WRITTEN), n), np.nan) if self._fast else None
        rows = dict(zip(_WRITTEN, self._block, strict=True)) if self._fast else {}
        self.levels = {k: rows[k] if k in rows else np.full(n, np.nan) for k in own}
        for m in model.plan:
            self.levels.update(m.results)
        self._counts = np.zeros((len(COUNTS), n), np.int64)
        self.counts = dict(zip(COUNTS, self._counts, strict=True))
        # Working space of kernels.record_people, kept from week to week (first made
        # when needed): at a million people, new arrays of everyone each week were
        # memory the system had to hand over afresh (about a tenth of the kernel's time).
        self._scratch: tuple[np.ndarray, np.ndarray] | None = None

    def record(self) -> None:
        if self.model.kernels is not None:
            self.record_compiled()
            return
        m, t = self.model, self.model.week
        people, posts, lv, tally = m.people, m.posts, self.levels, self.model.tally
        n = m.n_arrived
        status = people.status[:n]
        present = np.flatnonzero(IS_PRESENT[status])
        n_present = max(present.size, 1)
        needs = people.needs[present]
        lv["wellbeing_mean"][t] = wellbeing_of(needs).mean() if present.size else np.nan

        threshold = m.params.people.need_threshold
        total_sig = np.count_nonzero(needs > threshold)
        # Needs worked on this week, with the support step's own weights.
        addressed = 0.0
        if tally.worked is not None and tally.worked[0].size:
            who, w = tally.worked
            addressed = float(((people.needs[who] > threshold) * w).sum())
            tally.worked = None
        in_support = np.flatnonzero(status[present] == IN_SUPPORT)
        lv["unmet_need"][t] = 1.0 - addressed / total_sig if total_sig else 0.0
        waiting = np.flatnonzero(status == WAITING)
        lv["waiting_weeks_mean"][t] = (t - people.wait_since[waiting]).mean() \
            if waiting.size else 0.0
        lv["crises_per_1000"][t] = 1000.0 * tally.crises / n_present
        lv["disengaged_share"][t] = np.count_nonzero(status == DISENGAGED) / n_present
        arrived = max(n, 1)
        lv["referrals_per_person"][t] = tally.referrals / arrived
        lv["assessments_per_person"][t] = tally.assessments / arrived
        sup = present[in_support]
        lv["continuity_index"][t] = (people.longest_run[sup] /
                                     np.maximum(people.support_weeks[sup], 1)).mean() \
            if sup.size else np.nan
        worked_hours = posts.hours_worked.sum()
        lv["admin_time_share"][t] = posts.hours_admin.sum() / worked_hours if worked_hours \
            else 0.0
        filled = posts.filled
        lv["practitioner_stress_mean"][t] = posts.stress[filled].mean() if filled.any() else 0.0
        prov = m.providers
        active = np.flatnonzero(prov.active)
        lv["organisations_active"][t] = active.size
        if active.size > 1:
            sub = prov.trust[np.ix_(active, active)]
            lv["trust_mean"][t] = (sub.sum() - active.size) / (active.size * (active.size - 1))
        else:
            lv["trust_mean"][t] = np.nan
        lv["system_learning"][t] = m.place.system_learning
        lv["reserves_total"][t] = int(prov.reserves[active].sum()) / 100.0
        lv["people_in_place"][t] = present.size
        lv["wellbeing_sum"][t] = float(wellbeing_of(needs).sum()) if present.size else 0.0
        lv["people_waiting"][t] = waiting.size
        lv["people_in_support"][t] = sup.size
        lv["practitioners_in_post"][t] = np.count_nonzero(filled)
        lv["caseload_mean"][t] = posts.caseload[filled].mean() if filled.any() else 0.0
        # The practice of whoever holds the posts (quality x effort, 1 = an average
        # provider), weighted by posts filled.
        lv["provider_performance"][t] = float(prov.performance[posts.org[filled]].mean()) \
            if filled.any() else np.nan
        self._record_place(t)
        self._record_counts(t, n)

    def _working_space(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """kernels.record_people's working space for people 0..n-1: floats, (domains + 2)
        x n, and rows, n."""
        s = self._scratch
        if s is None or s[1].size < n:
            s = self._scratch = (np.empty((N_DOMAINS + 2) * n), np.empty(n, np.int64))
        return s

    def record_compiled(self) -> None:
        """The same record with the compiled kernels (bit-identical): every level of
        ``_WRITTEN`` worked out and written by ``kernels.record_week`` in one call (into
        the week's column of the Recorder's array, or of a one-week array whose figures
        are then written level by level where a mechanism provides a level itself)."""
        m, t, K = self.model, self.model.week, self.model.kernels
        people, posts, tally, prov, place = m.people, m.posts, m.tally, m.providers, m.place
        n = m.n_arrived
        worked = tally.worked if tally.worked is not None else (_NO_ONE, _NO_WEIGHTS)
        tally.worked = None
        if self._fast:
            levels, column = self._block, t
        else:
            levels, column = np.empty((len(_WRITTEN), 1)), 0
        K.record_week(
            people.status, people.needs, n, float(m.params.people.need_threshold), worked[0],
            worked[1], t, people.wait_since, people.longest_run, people.support_weeks,
            *self._working_space(people.n), posts.filled, posts.hours_worked,
            posts.hours_admin, posts.stress, posts.caseload, posts.org, prov.performance,
            prov.active, prov.trust, prov.reserves, tally.crises, tally.referrals,
            tally.assessments, float(place.system_learning),
            float(place.transport_barrier_remaining), tally.trials_started,
            prov.trials_grown, levels, column)
        if not self._fast:  # a mechanism provides one of them: level by level
            for k, v in zip(_WRITTEN, levels[:, 0], strict=True):
                self.levels[k][t] = v
        self._record_counts(t, n)

    def _record_place(self, t: int) -> None:
        """The week's place-level figures (the plain path's; the compiled path writes
        them with its other levels)."""
        m, lv, tally = self.model, self.levels, self.model.tally
        lv["transport_barrier"][t] = m.place.transport_barrier_remaining
        lv["trials_started"][t] = tally.trials_started
        lv["trials_grown"][t] = int(m.providers.trials_grown.sum())

    def _record_counts(self, t: int, n: int) -> None:
        """The week's counts, the same on both paths (one write: see ``__init__``)."""
        tally = self.model.tally
        self._counts[:, t] = (n, tally.crises, tally.closures, tally.reported, tally.verified,
                              tally.leavers, tally.headcount)


# The levels the compiled Recorder writes each week, in the order it writes them: all of
# LEVELS but the money mechanism's (its spending and payments, which it records itself).
_WRITTEN = tuple(k for k in LEVELS if not k.startswith("spend_") and k != "paid_to_providers")
assert _WRITTEN == (  # the order kernels.record_week writes them in
    "wellbeing_mean", "unmet_need", "waiting_weeks_mean", "crises_per_1000",
    "disengaged_share", "referrals_per_person", "assessments_per_person", "continuity_index",
    "admin_time_share", "practitioner_stress_mean", "organisations_active", "trust_mean",
    "system_learning", "reserves_total", "people_in_place", "wellbeing_sum",
    "people_waiting", "people_in_support", "practitioners_in_post", "caseload_mean",
    "provider_performance", "transport_barrier", "trials_started", "trials_grown")
assert COUNTS == ("arrived", "crises", "closures", "reported_successes", "verified_successes",
                  "leavers", "headcount")  # the order _record_counts writes them in


_NO_ONE = np.zeros(0, np.int64)
_NO_WEIGHTS = np.zeros((0, 6))


def _rolling_sum(x: np.ndarray, window: int) -> np.ndarray:
    c = np.cumsum(np.concatenate([[0], x]))
    idx = np.arange(1, x.size + 1)
    return c[idx] - c[np.maximum(idx - window, 0)]


def timeseries(model: HLSModel) -> pd.DataFrame:
    """One row per week: every level, plus the windowed rates.

    Built as numpy columns and turned into a DataFrame once (infinities replaced by NaN
    in numpy): column by column pandas work cost more than the rest of a small run."""
    return pd.DataFrame(timeseries_columns(model))


def timeseries_columns(model: HLSModel) -> dict[str, np.ndarray]:
    """The columns of :func:`timeseries`, in order, as numpy arrays (a sensitivity
    worker's summary reads them without building the table)."""
    rec = model.recorder
    weeks = model.week
    order = [k for k in LEVELS if k in rec.levels] + [k for k in rec.levels if k not in LEVELS]
    cols: dict[str, np.ndarray] = {"week": np.arange(weeks)}
    for k in order:
        cols[k] = rec.levels[k][:weeks]
    c = {k: v[:weeks].astype(float) for k, v in rec.counts.items()}

    leavers = _rolling_sum(c["leavers"], TURNOVER_WINDOW)
    headcount = _rolling_sum(c["headcount"], TURNOVER_WINDOW)
    span = np.minimum(np.arange(1, weeks + 1), TURNOVER_WINDOW)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["practitioner_turnover_annual"] = leavers / (headcount / span) * (52.0 / span)
        closures = _rolling_sum(c["closures"], SUCCESS_WINDOW)
        cols["reported_success_rate"] = _rolling_sum(c["reported_successes"],
                                                     SUCCESS_WINDOW) / closures
        cols["verified_success_rate"] = _rolling_sum(c["verified_successes"],
                                                     SUCCESS_WINDOW) / closures
        # Re-referral: of the cases closed in the 13 weeks ending 52 weeks ago (whose
        # year of follow-up is complete), the share that came back within the year.
        closed = model.tally.closed_by_week[:weeks].astype(float)
        back = model.tally.rereferred_by_closure_week[:weeks].astype(float)
        cl, bk = _rolling_sum(closed, SUCCESS_WINDOW), _rolling_sum(back, SUCCESS_WINDOW)
        rate = np.full(weeks, np.nan)
        lag = 52
        if weeks > lag:
            rate[lag:] = bk[: weeks - lag] / cl[: weeks - lag]
        cols["rereferral_12m_rate"] = rate
    for k, v in cols.items():
        if v.dtype.kind == "f":
            inf = np.isinf(v)
            cols[k] = np.where(inf, np.nan, v) if inf.any() else v
    front = [k for k in TIMESERIES_COLUMNS if k in cols]
    return {k: cols[k] for k in front + [k for k in cols if k not in front]}


def burn_in(model: HLSModel) -> int:
    """Weeks left out of whole-run summaries: the warm-up, at most a quarter of the run."""
    return min(model.params.place.burn_in_weeks, model.week // 4)


Columns = Mapping[str, Any]
"""A table's columns by name: a DataFrame, or a dict of numpy arrays
(:func:`timeseries_columns`, ``result.people_columns``)."""


def _col(table: Columns, name: str) -> np.ndarray:
    return np.asarray(table[name])


def _mean(a: np.ndarray) -> float:
    """Mean skipping NaN, as pandas' ``Series.mean`` computes it without bottleneck (the
    values with NaN as 0, summed, over the count), NaN if none."""
    if a.dtype.kind != "f":
        return float(a.mean()) if a.size else float("nan")
    ok = ~np.isnan(a)
    n = np.count_nonzero(ok)
    return float(np.where(ok, a, 0.0).sum() / n) if n else float("nan")


def summary(model: HLSModel, ts: Columns, people: Columns) -> dict[str, float]:
    """Whole-run figures a policy table would quote (after the burn-in). ``ts`` and
    ``people`` are the timeseries and people tables, or just their columns."""
    b, weeks = burn_in(model), model.week
    rec, ledger = model.recorder, model.ledger
    out: dict[str, float] = {}
    for col in ("wellbeing_mean", "unmet_need", "waiting_weeks_mean", "crises_per_1000",
                "disengaged_share", "continuity_index", "admin_time_share",
                "practitioner_stress_mean", "trust_mean", "system_learning",
                "people_waiting", "people_in_support", "caseload_mean",
                "provider_performance"):
        out[col] = _mean(_col(ts, col)[b:])
    out["referrals_per_person"] = _mean(_col(people, "referrals"))
    out["assessments_per_person"] = _mean(_col(people, "assessments"))
    out["handoffs_per_person"] = _mean(_col(people, "handoffs"))

    cnt = {k: v[b:weeks].sum() for k, v in rec.counts.items()}
    heads = cnt["headcount"] / max(weeks - b, 1)
    out["practitioner_turnover_annual"] = float(
        cnt["leavers"] / heads * 52.0 / max(weeks - b, 1)) if heads else float("nan")
    out["reported_success_rate"] = _ratio(cnt["reported_successes"], cnt["closures"])
    # Honesty of measurement: closures recorded as meeting the contract's measure, and
    # those that truly met it (the same definition in every world); the gap is the share
    # of closures misreported.
    out["verified_success_rate"] = _ratio(cnt["verified_successes"], cnt["closures"])
    out["gaming_gap"] = out["reported_success_rate"] - out["verified_success_rate"]
    end = weeks - 52
    tally = model.tally
    out["rereferral_12m_rate"] = (_ratio(tally.rereferred_by_closure_week[b:end].sum(),
                                         tally.closed_by_week[b:end].sum())
                                  if end > b else float("nan"))
    out["crises_total"] = float(rec.counts["crises"][:weeks].sum())
    out["organisations_active_end"] = float(_col(ts, "organisations_active")[-1])
    prov = model.providers
    out["organisations_closed"] = float(np.count_nonzero(prov.insolvent))  # insolvent
    out["organisations_left_market"] = float(np.count_nonzero(prov.entered & ~prov.active &
                                                             ~prov.insolvent))
    out["organisations_entered"] = float(tally.entrants_total)
    out["tenders_run"] = float(tally.tenders_total)
    out["incumbent_retention"] = _ratio(tally.retained_total, tally.tenders_total)
    out["lots_moved"] = float(tally.lots_moved_total)
    out["direct_awards"] = float(tally.direct_awards_total)
    out["reviews_failed"] = float(tally.reviews_failed_total)
    out["partnership_disputes"] = float(tally.disputes_total)

    out["trials_started"] = float(tally.trials_started)
    out["trials_grown"] = float(model.providers.trials_grown.sum())
    out["learning_meetings"] = float(model.place.meetings_held)
    out["transport_barrier_end"] = float(model.place.transport_barrier_remaining)

    waits = np.concatenate(tally.completed_waits) if tally.completed_waits else np.array([])
    out["wait_to_support_weeks_mean"] = float(waits.mean()) if waits.size else float("nan")
    out["never_reached_share"] = _mean(_col(people, "referrals") == 0)
    out.update(person_outcomes(model, people))

    # Money (pounds), whole run.
    spend = {k: ledger[k] / 100.0 for k in ("direct", "assessment", "admin", "learning",
                                             "overhead", "bidding")}
    # Added left to right, not with sum(): from Python 3.12 sum() adds floats with
    # compensated (Neumaier) summation, so the same run's total differed in its last
    # bits between Python versions.
    total_spend = 0.0
    for v in spend.values():
        total_spend += v
    for k, v in spend.items():
        out[f"spend_{k}_total"] = v
    out["spend_total"] = total_spend
    out["paid_to_providers_total"] = ledger["paid"] / 100.0
    # What the commissioner spends, whole run: contract payments, running tenders and
    # reviews, and a partnership's backbone team (paid from the budget, not to a
    # provider's contract). The economic case's cost is this, week by week.
    # Savings a regime returns to the wider budget (underspend) are not a cost.
    out["commissioning_total"] = ledger["commissioning"] / 100.0
    out["backbone_total"] = ledger["backbone"] / 100.0
    out["commissioner_costs_total"] = (ledger["paid"] + ledger["commissioning"]
                                       + ledger["backbone"]) / 100.0
    out["budget_total"] = ledger["budget"] / 100.0
    out["underspend_total"] = ledger["underspend"] / 100.0
    out["reserves_end"] = float(_col(ts, "reserves_total")[-1])
    out["reserves_written_off"] = ledger["written_off"] / 100.0
    out["reporting_cost_share"] = _ratio(ledger["reporting"], ledger["paid"])
    out["bidding_cost_share"] = _ratio(ledger["bidding"], tally.tendered_value) \
        if tally.tendered_value else 0.0
    out["tenders_run_value"] = tally.tendered_value / 100.0
    out["reserves_withdrawn"] = ledger["withdrawn"] / 100.0
    return out


def person_outcomes(model: HLSModel, people: Columns) -> dict[str, float]:
    """Per-person outcomes at fixed horizons from arrival (first seeking help), over
    everyone who arrived after the burn-in and stayed in the place to the horizon,
    served or not. The same people are observed in every world run from one seed
    (arrivals and leaving are drawn in advance), so worlds compare like with like.

    * ``wellbeing_change_52`` / ``_104``: mean change in wellbeing (0-1) from arrival;
    * ``improved_share_52`` / ``_104``: share whose wellbeing rose by at least
      ``outcomes.meaningful_improvement``;
    * ``crisis_free_weeks_52``: mean weeks without a crisis in the first 52;
    * ``weeks_to_first_help``: mean weeks from arrival to first assessment, counting
      anyone not helped within 52 weeks as 52 (a restricted mean);
    * ``helped_within_52_share``: share assessed within 52 weeks;
    * ``wellbeing_change_52_high_complexity`` / ``_low_complexity``: equity (4+ needs
      against fewer).
    """
    threshold = model.params.outcomes.meaningful_improvement
    b = burn_in(model)
    late = _col(people, "arrival_week") >= b
    out: dict[str, float] = {}
    for h in (52, 104):
        at_h = _col(people, f"wellbeing_h{h}")
        seen = late & ~np.isnan(at_h)
        change = (at_h - _col(people, "wellbeing_start"))[seen]
        out[f"people_observed_{h}"] = float(seen.sum())
        out[f"wellbeing_change_{h}"] = float(change.mean()) if change.size else float("nan")
        out[f"improved_share_{h}"] = float((change >= threshold).mean()) if change.size \
            else float("nan")
        if h == 52:
            crises = _col(people, "crises_h52")[seen]
            out["crisis_free_weeks_52"] = float((52 - crises).mean()) if crises.size \
                else float("nan")
            first = _col(people, "first_help_week")[seen]
            arrival = _col(people, "arrival_week")[seen]
            waited = np.where(first >= 0, np.minimum(first - arrival, 52), 52)
            out["weeks_to_first_help"] = float(waited.mean()) if waited.size else float("nan")
            out["helped_within_52_share"] = float((waited < 52).mean()) if waited.size \
                else float("nan")
            hi = _col(people, "complexity")[seen] >= 4
            out["wellbeing_change_52_high_complexity"] = float(change[hi].mean()) \
                if hi.any() else float("nan")
            out["wellbeing_change_52_low_complexity"] = float(change[~hi].mean()) \
                if (~hi).any() else float("nan")
    return out


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")
