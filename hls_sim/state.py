"""Array-held state for the many: people and practitioner posts.

Following Covasim/Starsim, each attribute of the many is one numpy array indexed by
person (or post), so a weekly step costs a few vectorised operations rather than a
Python call per agent. Mesa agents (``hls_sim.agents``) are thin views onto a row.

People are generated up front from their own random stream (``people_stream``): with
the same seed, every regime sees the same people arriving in the same week with the
same needs, barriers and life shocks (common random numbers).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .params import N_DOMAINS, Params

# Person status codes.
NOT_ARRIVED, SEEKING, WAITING, IN_SUPPORT, CLOSED, DISENGAGED, EXITED = range(7)
STATUS_NAMES = ("not_arrived", "seeking", "waiting", "in_support", "closed", "disengaged",
                "exited")
PRESENT = (SEEKING, WAITING, IN_SUPPORT, CLOSED, DISENGAGED)


def status_mask(*codes: int) -> np.ndarray:
    """A lookup table: ``status_mask(A, B)[status]`` is True where status is A or B.
    Indexing a 7-entry table is much faster than ``np.isin`` in the weekly step."""
    table = np.zeros(len(STATUS_NAMES), bool)
    table[list(codes)] = True
    return table


IS_PRESENT = status_mask(*PRESENT)
IS_OUT_OF_SERVICE = status_mask(CLOSED, DISENGAGED)
IS_IN_SERVICE = status_mask(WAITING, IN_SUPPORT)
IS_NOT_IN_SUPPORT = status_mask(SEEKING, WAITING, CLOSED, DISENGAGED)
IS_REACHABLE_IN_CRISIS = status_mask(CLOSED, DISENGAGED, SEEKING)

# Independent random streams spawned from the run's seed. The people stream and the
# organisation stream are exogenous (identical across regimes); every behavioural
# decision draws from its own counter-based stream (``hls_sim.streams``), never from
# the Mesa model's generator.
STREAM_PEOPLE, STREAM_ORGS = 1, 2

# Spill-over between domains (row = need that worsens, column = need that pushes it).
# Order: mental health, substance use, housing, debt, physical health, isolation.
# Assumption, after the brief's example (debt worsens mental health); rows sum to 1.
SPILLOVER = np.array([
    [0.0, 0.25, 0.2, 0.25, 0.1, 0.2],   # mental health <- substance, housing, debt...
    [0.4, 0.0, 0.2, 0.1, 0.1, 0.2],     # substance use <- mental health
    [0.15, 0.25, 0.0, 0.5, 0.0, 0.1],   # housing <- debt, substance use
    [0.3, 0.3, 0.2, 0.0, 0.1, 0.1],     # debt <- mental health, substance use
    [0.3, 0.35, 0.25, 0.0, 0.0, 0.1],   # physical health <- substance, housing
    [0.5, 0.15, 0.1, 0.1, 0.15, 0.0],   # isolation <- mental health
])


def stream(seed: int, key: int) -> np.random.Generator:
    """A generator for one named stream of a run, independent of every other stream."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(key,)))


def row_sum(x: np.ndarray) -> np.ndarray:
    """Sum over need domains of an (n, domains) array, added column by column from the
    first (((x0 + x1) + x2) + ...). The order is fixed here, not left to a BLAS
    library (whose matrix-vector kernels add in an order of their own that changes
    with the array's length and the CPU), so that the compiled kernels
    (``hls_sim.kernels``) add in exactly the same order and give bit-identical results."""
    out = x[:, 0] + x[:, 1]
    for d in range(2, x.shape[1]):
        out += x[:, d]
    return out


def row_max(x: np.ndarray) -> np.ndarray:
    """Maximum over need domains of an (n, domains) array (fast form of ``x.max(1)``)."""
    return np.maximum.reduce([x[:, d] for d in range(x.shape[1])]) if x.ndim == 2 else x.max()


def power(x: np.ndarray, e: float) -> np.ndarray:
    """``x ** e`` elementwise, computed as the compiled kernels compute it (``npow``),
    whatever the CPU.

    numpy raises an array to a general power with SIMD code chosen by the CPU (on a
    machine with AVX-512, Intel's SVML), which differs from the C library's ``pow`` in
    the last bit for about one value in twenty; the kernels use the C library's. So the
    exponents numpy computes exactly (2, 0.5, -1) go to numpy, and any other to
    ``math.pow`` value by value: the plain path is the reference, and its results must
    not depend on the machine it runs on.
    """
    if e == 2.0:
        return x * x
    if e == 0.5:
        return np.sqrt(x)
    if e == -1.0:
        return 1.0 / x
    return np.fromiter(map(math.pow, x.ravel().tolist(), itertools.repeat(float(e))), np.float64,
                       count=x.size).reshape(x.shape)


def stable_order_of_weeks(week: np.ndarray, largest: int) -> np.ndarray:
    """``np.argsort(week, kind="stable")`` for weeks in [0, largest]: the same order
    (a stable order is unique), with the weeks as 16-bit integers where they fit, for
    which numpy sorts by radix, five to ten times faster than a merge sort of 64-bit
    integers (most of building the people of a large place)."""
    if 0 <= largest < 2**15:
        week = week.astype(np.int16)
    return np.argsort(week, kind="stable")


def wellbeing_of(needs: np.ndarray) -> np.ndarray:
    """Wellbeing 0-1 from need severities: one minus their root mean square.

    The root mean square weighs a severe need more than several mild ones (assumption).
    """
    if needs.ndim == 1:
        return 1.0 - np.sqrt(np.mean(needs * needs))
    # row_sum(needs * needs), a domain at a time: the same squares added in the same
    # order, without a temporary as large as ``needs`` (fresh memory at large sizes).
    total = needs[:, 0] * needs[:, 0]
    for d in range(1, needs.shape[1]):
        total += needs[:, d] * needs[:, d]
    total /= needs.shape[1]
    np.sqrt(total, out=total)
    return np.subtract(1.0, total, out=total)


@dataclass
class Shocks:
    """Pre-drawn life shocks: person, week and domain, sorted by week."""

    person: np.ndarray
    week: np.ndarray
    domain: np.ndarray
    starts: np.ndarray  # index of first shock in each week (length n_weeks + 1)

    def in_week(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.starts[week], self.starts[week + 1]
        return self.person[lo:hi], self.domain[lo:hi]


class People:
    """State of every person ever in the system, one array per attribute.

    Units: severities and wellbeing 0-1, weeks as integers since the run began,
    support hours in hours.
    """

    def __init__(self, params: Params, seed: int):
        pp, place = params.people, params.place
        rng = stream(seed, STREAM_PEOPLE)
        n, weeks = place.n_people, place.n_weeks
        self.n = n

        # Arrivals: an initial cohort at week 0, the rest spread evenly over the run.
        n0 = int(round(place.initial_share * n))
        later = np.sort(rng.integers(0, weeks, n - n0)) if weeks > 0 else np.zeros(n - n0, int)
        self.arrival_week = np.concatenate([np.zeros(n0, np.int32), later.astype(np.int32)])
        self.arrival_starts = np.searchsorted(self.arrival_week, np.arange(weeks + 1))
        self.locality = rng.integers(0, place.n_localities, n).astype(np.int32)

        # Correlated needs: a shared latent factor plus domain noise, mapped to 0-1.
        rho = pp.need_correlation
        latent = rng.standard_normal((n, 1))
        # A logistic link keeps severities in (0, 1) with the chosen mean.
        mu = np.log(pp.need_mean_severity / (1 - pp.need_mean_severity))
        # needs = 1 / (1 + exp(-(mu + spread * (sqrt(rho) latent + sqrt(1 - rho) noise)))),
        # worked out in place in one array: the same operations on the same values (a sum
        # or product in either order is the same number), without the seven temporary
        # arrays of people x domains that the expression would make, each of them fresh
        # memory (at a million people, 48 MB each and over a second of building).
        z = rng.standard_normal((n, N_DOMAINS))
        z *= np.sqrt(1 - rho)
        z += np.sqrt(rho) * latent
        z *= pp.need_spread
        z += mu
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1.0
        self.needs = np.divide(1.0, z, out=z)
        self.needs_start = self.needs.copy()
        self.complexity = (self.needs > pp.need_threshold).sum(axis=1).astype(np.int8)
        self.transport_barrier = rng.random(n) < pp.transport_barrier_share
        a = pp.distrust_concentration
        self.distrust = np.clip(rng.beta(a, a * (1 - pp.distrust_mean) / pp.distrust_mean, n)
                                if pp.distrust_mean > 0 else np.zeros(n), 0, 1)
        k = pp.engagement_concentration
        self.engagement = rng.beta(k * pp.engagement_mean, k * (1 - pp.engagement_mean), n)

        # Leaving the place (moving, prison, death): a week drawn in advance, so the same
        # people leave in the same week in every world (-1: not within the run).
        stay = rng.geometric(pp.exit_hazard_per_week, n) if pp.exit_hazard_per_week > 0 \
            else np.full(n, weeks + 1)
        leave = self.arrival_week.astype(np.int64) + stay
        self.leave_week = np.where(leave < weeks, leave, -1).astype(np.int32)
        order = stable_order_of_weeks(np.where(self.leave_week >= 0, self.leave_week,
                                               weeks + 1), weeks + 1)
        n_leaving = int(np.count_nonzero(self.leave_week >= 0))
        self.leaving_order = order[:n_leaving].astype(np.int64)
        self.leave_starts = np.searchsorted(self.leave_week[self.leaving_order],
                                            np.arange(weeks + 1))

        # Life shocks, drawn per person over their time in the run.
        years_left = (weeks - self.arrival_week) / 52.0
        k = rng.poisson(pp.shock_rate_per_year * years_left)
        person = np.repeat(np.arange(n, dtype=np.int64), k)
        span = np.maximum(weeks - self.arrival_week[person], 1)
        week = (self.arrival_week[person] + (rng.random(person.size) * span).astype(np.int64))
        order = stable_order_of_weeks(week, weeks)
        self.shocks = Shocks(person[order], week[order].astype(np.int32),
                             rng.integers(0, N_DOMAINS, person.size)[order].astype(np.int8),
                             np.searchsorted(week[order], np.arange(weeks + 1)))

        # Dynamic state.
        self.status = np.full(n, NOT_ARRIVED, np.int8)
        self.relationship = np.zeros(n)
        self.practitioner = np.full(n, -1, np.int32)
        self.contract = np.full(n, -1, np.int32)
        self.wait_since = np.zeros(n, np.int32)
        self.episode_start = np.zeros(n, np.int32)
        self.episode_wellbeing = np.zeros(n)
        self.closed_week = np.full(n, -1, np.int32)  # last closure with no onward referral
        self.exit_week = np.full(n, -1, np.int32)  # week they left the place, -1 if not
        self.wellbeing_start = wellbeing_of(self.needs)
        self.wellbeing_end = np.full(n, np.nan)
        for name in ("referrals", "assessments", "practitioners_seen", "crises", "episodes",
                     "rereferrals", "handoffs", "support_weeks", "run_weeks", "longest_run"):
            setattr(self, name, np.zeros(n, np.int32))
        self.support_hours = np.zeros(n)
        # Moved off a caseload through no choice of their own: first in line when they
        # rejoin the waiting list (waits are still measured from real time).
        self.priority = np.zeros(n, bool)
        # Per-person outcomes at fixed horizons from arrival (first seeking help), the
        # same definition in every world; NaN / -1 until observed.
        self.first_help_week = np.full(n, -1, np.int32)  # first assessment
        self.wellbeing_h52 = np.full(n, np.nan)
        self.wellbeing_h104 = np.full(n, np.nan)
        self.crises_h52 = np.zeros(n, np.int32)  # crises in the first 52 weeks
        self.crises_h104 = np.zeros(n, np.int32)

    def wellbeing(self, idx: np.ndarray | slice = slice(None)) -> np.ndarray:
        return wellbeing_of(self.needs[idx])

    def continuity(self) -> np.ndarray:
        """Usual-provider continuity per person: the longest unbroken run with one
        practitioner as a share of all weeks in support (NaN if never supported)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.support_weeks > 0,
                            self.longest_run / np.maximum(self.support_weeks, 1), np.nan)


class Posts:
    """Practitioner posts: funded or not, filled or vacant, and the practitioner in them.

    A post belongs to a contract (``contract``, -1 when unfunded) and so to an
    organisation. When a practitioner leaves, the post stays and falls vacant.
    Units: skill, stress and insecurity 0-1; tenure in weeks.
    """

    def __init__(self, n_posts: int):
        self.n = n_posts
        self.contract = np.full(n_posts, -1, np.int32)
        self.org = np.full(n_posts, -1, np.int32)
        self.filled = np.zeros(n_posts, bool)
        self.skill = np.zeros((n_posts, N_DOMAINS))
        self.stress = np.zeros(n_posts)
        self.insecurity = np.zeros(n_posts)
        self.hire_week = np.zeros(n_posts, np.int32)
        self.caseload = np.zeros(n_posts, np.int32)
        self.admin_share = np.zeros(n_posts)
        # This week's time budget (hours; zero where vacant) and the share 0-1 of the
        # direct time each case needs that the practitioner can give (``time_factor``).
        self.time_factor = np.ones(n_posts)
        self.hours_admin = np.zeros(n_posts)
        self.hours_assess = np.zeros(n_posts)
        self.hours_learn = np.zeros(n_posts)
        self.hours_worked = np.zeros(n_posts)
        self.load = np.zeros(n_posts)  # hours demanded / contracted hours
        self.vacant_since = np.zeros(n_posts, np.int32)


class Providers:
    """Organisations (providers): who they are, their money, and what lies between them.

    One row per organisation that is or may be in the place: the first ``n_initial``
    are there at week 0, the rest are room for new entrants (``entered`` False until
    one arrives). Closed organisations keep their row. Money is in whole pence (int64)
    so accounts balance exactly. ``trust`` is organisation x organisation (0-1,
    diagonal 1); ``practice`` is organisation x need domain, a multiplier on progress
    from the organisation's own grown practice (1 = none); ``spread_gain`` is the part
    of it copied from partners. ``quality`` is a persistent multiplier on progress (its
    quality of practice, mean 1) and ``effort`` one that erodes where nothing tests it.
    """

    def __init__(self, n_initial: int, capacity: int, trust_initial: float):
        n = capacity
        self.n = n
        self.n_initial = n_initial
        self.specialism = np.zeros(n, np.int32)
        self.locality = np.zeros(n, np.int32)
        self.reserves = np.zeros(n, np.int64)
        self.entered = np.arange(n) < n_initial
        self.active = self.entered.copy()
        self.entry_week = np.where(self.entered, 0, -1).astype(np.int32)
        self.closed_week = np.full(n, -1, np.int32)
        self.insolvent = np.zeros(n, bool)  # closed because its reserves ran out
        self.trust = np.full((n, n), trust_initial)
        np.fill_diagonal(self.trust, 1.0)
        self.practice = np.ones((n, N_DOMAINS))
        self.spread_gain = np.zeros((n, N_DOMAINS))
        self.quality = np.ones(n)
        self.effort = np.ones(n)
        self.week_learning_cost = np.zeros(n, np.int64)  # pence this week: trials, meetings
        self.trials_run = np.zeros(n, np.int32)  # test-and-learn trials started
        self.trials_grown = np.zeros(n, np.int32)  # trials grown into everyday practice
        self.agent: list = [None] * n  # the Organisation agent of each row (a list, as above)

    @property
    def performance(self) -> np.ndarray:
        """How well each organisation's practice works now, relative to the average
        provider (quality times effort)."""
        return self.quality * self.effort


@dataclass
class PlaceState:
    """What the place as a whole knows and has changed (system stewardship).

    ``system_learning`` 0-1; ``transport_barrier_remaining`` the share 0-1 of the
    transport barrier's effect left after system changes.
    """

    system_learning: float = 0.0
    transport_barrier_remaining: float = 1.0
    meeting_this_week: bool = False
    meetings_held: int = 0
    partner_failures: int = 0  # partners failing a review or closing, not yet answered


class Tally:
    """Counts the shared operations and mechanisms keep for the results.

    Weekly counts are reset by the model at the start of each week; ``*_by_week``
    arrays are indexed by week; totals run over the whole run.
    """

    def __init__(self, n_weeks: int, n_posts: int):
        self.closed_by_week = np.zeros(n_weeks + 1, np.int64)
        self.rereferred_by_closure_week = np.zeros(n_weeks + 1, np.int64)
        self.completed_waits: list[np.ndarray] = []
        self.referrals = 0
        self.assessments = 0
        self.tendered_value = 0  # pence of contract value put out to tender
        # Run totals of the market's events.
        self.tenders_total = self.retained_total = self.lots_moved_total = 0
        self.entrants_total = self.disputes_total = 0
        self.reviews_total = self.reviews_failed_total = 0
        self.direct_awards_total = 0  # lots let without competition: nobody bid
        self.trials_started = 0
        self.grown_practices: list[tuple[int, int]] = []
        self.assessments_by_post = np.zeros(n_posts, np.int32)
        self.worked: tuple[np.ndarray, np.ndarray] | None = None  # (people, weights) worked on
        self.start_week()

    def start_week(self) -> None:
        self.crises = 0
        self.closures = self.reported = self.verified = 0
        self.leavers = 0
        self.headcount = 0
        self.bidding = 0  # pence paid to bid this week
        self.commissioning = 0  # pence of the commissioner's own costs this week
        self.backbone = 0  # pence of the budget spent on the partnership backbone
        self.tenders = self.reviews = self.lots_moved = self.entrants = self.disputes = 0


LEDGER_KEYS = ("direct", "assessment", "admin", "learning", "overhead", "bidding", "paid",
               "other_income", "budget", "underspend", "written_off", "withdrawn",
               "initial_reserves", "entrant_reserves", "reporting", "commissioning",
               "backbone")
"""The accounts (pence, whole run): spending by category, what the commissioner paid,
providers' other income, the budget and its underspend, reserves written off at
closures and at week 0, reserves organisations took with them when they left the
market, the reserves new entrants brought, the part of admin that exists only to report
to funders, the commissioner's own costs (tenders, reviews, monitoring, meetings, lots
changing hands) and the partnership backbone paid from the budget."""


class Performance:
    """Reported success as a commissioner sees it: closures and reported successes per
    contract and per organisation, exponentially smoothed (half-life about 13 weeks at
    ``decay`` 0.95). It sets results payments and scores tenders. ``prior`` is the
    priced success rate, used until there is evidence."""

    def __init__(self, n_contracts: int, n_orgs: int, prior: float, decay: float):
        self.prior, self.decay = prior, decay
        self.c_closures = np.zeros(n_contracts)
        self.c_reported = np.zeros(n_contracts)
        self.o_closures = np.zeros(n_orgs)
        self.o_reported = np.zeros(n_orgs)

    def record(self, contract: np.ndarray, org: np.ndarray, reported: np.ndarray) -> None:
        """This week's closures (contract and organisation of each) and whether each
        was reported a success."""
        d, n_c, n_o = self.decay, self.c_closures.size, self.o_closures.size
        self.c_closures = d * self.c_closures + np.bincount(contract, minlength=n_c)
        self.c_reported = d * self.c_reported + np.bincount(contract, weights=reported,
                                                            minlength=n_c)
        self.o_closures = d * self.o_closures + np.bincount(org, minlength=n_o)
        self.o_reported = d * self.o_reported + np.bincount(org, weights=reported,
                                                            minlength=n_o)

    def contract_rate(self) -> np.ndarray:
        """Reported success rate per contract."""
        return (self.c_reported + self.prior) / (self.c_closures + 1.0)

    def place_rate(self) -> float:
        """Reported success rate across the place."""
        return float((self.c_reported.sum() + self.prior) / (self.c_closures.sum() + 1.0))

    def org_rate(self, org: int) -> float:
        return float((self.o_reported[org] + self.prior) / (self.o_closures[org] + 1.0))
