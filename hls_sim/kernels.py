"""Compiled kernels of the weekly hot path: each fuses one mechanism's per-person (or
per-post) work into a single loop, so a week costs a few calls instead of hundreds of
small numpy calls on short arrays.

Every kernel computes exactly what the plain numpy code of its mechanism computes,
operation for operation and in the same order, so the two paths give bit-identical
results (a test runs the golden cases on both). Rules kept throughout:

* arithmetic is written in the order numpy evaluates the vectorised expression
  (left to right, with Python scalars combined first where the numpy code does so);
* sums over need domains go column by column from the first (as ``state.row_sum``);
  sums over many values use :func:`pairwise_sum`, numpy's own pairwise summation;
* ``x ** e`` goes through :func:`npow`, which takes numpy's shortcuts (``e == 2`` is
  ``x * x``, ``e == 0.5`` a square root);
* random numbers come from the same counter-based streams (``hls_sim.streams``): a
  kernel is given the stream's 64-bit ``base`` for the week and draws slot ``i``'s
  number with :func:`uniform`, exactly as ``Stream.random`` does;
* people are visited in index order, so arrays of people come out in the order
  ``np.flatnonzero`` gives, and accumulations (``np.bincount``, ``np.add.at``) add in
  the same order;
* a choice made person by person on something that follows no pattern (a need in the
  lot's scope, a transport barrier, a significant need, a status) is written without a
  branch: the value loaded either way and then chosen (``v = a[i]; v if c else 0.0``,
  which the compiler turns into a select), or read from a two-entry table by the flag.
  Written as ``a[i] if c else 0.0``, the compiler jumps over the load, and in a run (not
  in a replay of one call, which trains the processor on it) many of those jumps are
  mispredicted: support and the Recorder lost a quarter of their time so
  (``benchmarks/profile_branches.py`` lists such jumps; :func:`by_flag` makes a table).

Mesa agents and anything touching Python objects stay in the mechanisms; kernels take
and return arrays. The event log is arrays too: a kernel writes its rows itself
(:func:`log_row`) into the chunk ``EventLog.room`` gives, in the order the plain path
logs them. ``python -m hls_sim.warm`` compiles (or
loads from the cache) every kernel by running a small model, and reports the time.
"""

from __future__ import annotations

import math

import numpy as np

try:  # numba is a dependency, but the plain path (hls_sim.jit) must work without it
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None
from .events import KIND
from .state import (
    CLOSED,
    DISENGAGED,
    IN_SUPPORT,
    IS_IN_SERVICE,
    IS_NOT_IN_SUPPORT,
    IS_OUT_OF_SERVICE,
    IS_PRESENT,
    IS_REACHABLE_IN_CRISIS,
    SEEKING,
    WAITING,
    status_mask,
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0 ** -53
ND = 6  # need domains (params.N_DOMAINS; untreated_row is written out for six)


def _external_ndtri():
    """SciPy's ``ndtri`` (the inverse normal CDF under ``Stream.normal``) as a function a
    kernel can call: the same C function the ufunc runs, so the same numbers. It is
    called by a symbol registered with LLVM here, at import, rather than by its address
    (a ctypes function), which numba will not cache on disk."""
    from scipy.special import ndtri

    if numba is None:  # pragma: no cover - exercised only where numba is missing
        return ndtri
    import llvmlite.binding
    from numba.extending import get_cython_function_address

    llvmlite.binding.add_symbol(
        "hls_sim_ndtri", get_cython_function_address("scipy.special.cython_special", "ndtri"))
    return numba.types.ExternalFunction("hls_sim_ndtri",
                                        numba.types.float64(numba.types.float64))


ndtri = _external_ndtri()

# Status lookup tables as globals (numba freezes them as constants).
_PRESENT = IS_PRESENT.copy()
_NOT_IN_SUPPORT = IS_NOT_IN_SUPPORT.copy()
_OUT_OF_SERVICE = IS_OUT_OF_SERVICE.copy()
_REACHABLE = IS_REACHABLE_IN_CRISIS.copy()
_IN_SERVICE = IS_IN_SERVICE.copy()
_IN_SUPPORT = status_mask(IN_SUPPORT)
_SEEKING = status_mask(SEEKING)
_WAITING = status_mask(WAITING)

# Compiled into the kernels that call them, never called from Python by a run (so a process that
# loads its callers from the on-disk cache never compiles these on their own).
HELPERS = ("_bits53", "uniform", "by_flag", "who_with", "tendered_next", "npow", "_block_sum", "pairwise_sum", "wellbeing_row",
           "untreated_row", "_untreated_one", "clip01", "closure_select",
           "record_performance", "outside_worst", "worst_domain", "on_caseloads",
           "trust_sum", "post_effect", "contract_factor", "_holders", "_something_happens",
           "_quiet_turn", "closure_close", "closure_finish", "handoffs", "log_by_kind", "refer",
           "staff_turnover", "vacancies_filled", "crises", "access", "route_and_refer",
           "week_routes", "need_columns_into", "untreated_columns", "who_with_into",
           "_support_whole_block", "_supported", "_exposure_codes",
           "exposure_by_post", "rank_pair", "_rank_bucket", "normal",
           "providers_quiet", "organisation_order", "partners",
           "record_people", "record_posts", "record_organisations", "log_row",
           "log_referred", "_matched_before", "_sift_down", "route_table_into", "status_bits")


# Event kinds as the log numbers them (events.KINDS), written out here rather than read
# from it, because numba bakes a global into the compiled code it caches, and its cache
# knows only this file; the check below fails at import if the two tables ever differ.
EV_ARRIVED, EV_REFERRED, EV_ASSESSED, EV_CRISIS = 0, 1, 2, 3
EV_CLOSED = 4  # 4-7: closed_measure_met, closed_time_limit, closed_recorded_success,
# dropped_out (closure's kinds, in closure.CLOSURE_KINDS order)
EV_HANDOFF = 8  # 8-10: warm_handoff, cold_handoff, lost_in_handoff (HANDOFF_KINDS order)
EV_LOST_PRACTITIONER, EV_REREFERRED, EV_GAVE_UP, EV_EXITED = 11, 13, 14, 15
EV_PRACTITIONER_LEFT = 16
_EVENT_CODES = {"arrived": EV_ARRIVED, "referred": EV_REFERRED, "assessed": EV_ASSESSED,
                "crisis": EV_CRISIS, "closed_measure_met": EV_CLOSED,
                "closed_time_limit": EV_CLOSED + 1, "closed_recorded_success": EV_CLOSED + 2,
                "dropped_out": EV_CLOSED + 3, "warm_handoff": EV_HANDOFF,
                "cold_handoff": EV_HANDOFF + 1, "lost_in_handoff": EV_HANDOFF + 2,
                "lost_practitioner": EV_LOST_PRACTITIONER, "rereferred": EV_REREFERRED,
                "gave_up_waiting": EV_GAVE_UP, "exited": EV_EXITED,
                "practitioner_left": EV_PRACTITIONER_LEFT}
if any(KIND[kind] != code for kind, code in _EVENT_CODES.items()):  # pragma: no cover
    raise ImportError("hls_sim.kernels: event codes differ from events.KINDS")


AWARD_CODES = {"price_quality": 0, "alliance": 1, "partnership": 2}
"""How the kernels read ``procurement.award`` (a number, not a string)."""


def award_code(award: str) -> int:
    """``procurement.award`` as the kernels take it (:data:`AWARD_CODES`)."""
    return AWARD_CODES[award]


def njit(fn):
    """Compile ``fn`` with numba, cached on disk; without numba, return it unchanged.

    No fast-math: floating-point operations are done exactly as written, in the order
    written, as numpy does them, so results match the plain path bit for bit.
    ``error_model="numpy"``: division by zero gives inf or nan as in numpy.
    """
    if numba is None:
        return fn
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)


# --- shared helpers -----------------------------------------------------------------------

@njit
def _bits53(base, slot):
    """The 53 random bits of ``slot`` given the week's ``base`` (uint64), as float:
    SplitMix64's output of ``slot * golden + base`` (``streams.Stream._bits``)."""
    x = np.uint64(slot) * _GOLDEN + base
    x ^= x >> _S30
    x *= _C1
    x ^= x >> _S27
    x *= _C2
    x ^= x >> _S31
    return float(x >> _S11)


@njit
def uniform(base, slot):
    """Stream draw of ``slot`` (as ``Stream.random``) given the week's ``base`` (uint64)."""
    return _bits53(base, slot) * _TO_UNIT


@njit
def normal(base, slot):
    """Standard normal draw of ``slot`` (as ``Stream.normal``) given the week's ``base``."""
    return ndtri((_bits53(base, slot) + 0.5) * _TO_UNIT)


@njit
def by_flag(if_false, if_true):
    """A two-entry table, read as ``table[np.intp(flag)]``: the value chosen by a flag
    without a branch (the compiler makes ``x if flag else y`` a jump when the flag is a
    load, which the processor mispredicts where flags follow no pattern)."""
    table = np.empty(2)
    table[0], table[1] = if_false, if_true
    return table


@njit
def stream_units(base, slots, half):
    """``Stream.random`` (``half`` 0) or the uniform in (0, 1) under ``Stream.normal``
    (``half`` 0.5) for each slot: (53 bits + half) x 2**-53, as the numpy code computes
    it (the uint64 bits converted to float exactly, then ``half`` added)."""
    out = np.empty(slots.size)
    for k in range(slots.size):
        out[k] = (_bits53(base, slots[k]) + half) * _TO_UNIT
    return out


@njit
def who_with(status, n, table):
    """The rows 0..n-1 whose status ``table`` marks (one flag per status code), in
    order. Written without a branch on anyone's status: who is present, in support or
    waiting follows no pattern a processor can predict, and a kernel that branched on it
    person by person lost about a third of its time in a run to mispredicted branches
    (crises 31 -> 19 us a call). A replay of the same call learns the pattern, which is
    why micro-benchmarks missed it."""
    return who_with_into(status, n, table, np.empty(n, np.int64))


@njit
def who_with_into(status, n, table, out):
    """:func:`who_with` written into ``out`` (at least ``n`` long; its first entries are
    returned): for kernels whose caller keeps a buffer from week to week, since at a
    million people a new array of everyone each week is 8 MB of memory the system has to
    hand over afresh (page faults were a tenth of such a run)."""
    bits = status_bits(table)
    m = 0
    for i in range(n):
        out[m] = i
        m += (bits >> status[i]) & 1
    return out[:m]


@njit
def status_bits(table):
    """A status table (``state.status_mask``) as the bits of one integer: bit ``s`` set
    where ``table[s]``. A scan over people tests ``(bits >> status) & 1``, two
    operations on a register, where looking each status up in the table was a load a
    person: a scan of everyone took about twice as long (6.7 against 3.0 us for 7,000
    people, on the scan each of seven kernels makes a week)."""
    bits = 0
    for s in range(table.size):
        if table[s]:
            bits |= 1 << s
    return bits


@njit
def tendered_next(award, lettings):
    """``contracts.tendered_next`` for one lot let ``lettings`` times: price-quality lots
    are always tendered again, an alliance's only after its first letting, partnerships
    never (``award`` as :func:`award_code` gives it)."""
    if award == 0:
        return True
    if award == 1:
        return lettings == 0
    return False


@njit
def npow(x, e):
    """``x ** e`` as numpy computes it for an array and a scalar exponent."""
    if e == 2.0:
        return x * x
    if e == 0.5:
        return math.sqrt(x)
    if e == -1.0:
        return 1.0 / x
    return x ** e


@njit
def _block_sum(a, lo, n):
    """numpy's pairwise summation of a block of at most 128 values (eight accumulators)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0 = a[lo]
    r1 = a[lo + 1]
    r2 = a[lo + 2]
    r3 = a[lo + 3]
    r4 = a[lo + 4]
    r5 = a[lo + 5]
    r6 = a[lo + 6]
    r7 = a[lo + 7]
    i = 8
    m = n - (n % 8)
    while i < m:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit
def pairwise_sum(a, lo, n):
    """numpy's pairwise summation of ``a[lo:lo+n]`` (float64), bit for bit: blocks of at
    most 128 values summed with eight accumulators, longer runs split in two (at half
    the length, rounded down to a multiple of eight) and the halves added. Written with
    an explicit stack rather than recursion (a recursive function in numba's on-disk
    cache crashed when called from another compiled function)."""
    if n <= 128:
        return _block_sum(a, lo, n)
    s_lo = np.empty(64, np.int64)
    s_n = np.empty(64, np.int64)
    s_stage = np.zeros(64, np.int64)  # 0: to split, 1: left half pending, 2: right pending
    s_left = np.empty(64)
    top = 0
    s_lo[0] = lo
    s_n[0] = n
    val = 0.0
    have = False  # a finished value waits to be delivered to the frame on top
    while True:
        if have:
            if top < 0:
                return val
            if s_stage[top] == 1:
                s_left[top] = val
                s_stage[top] = 2
                n2 = s_n[top] // 2
                n2 -= n2 % 8
                top += 1
                s_lo[top] = s_lo[top - 1] + n2
                s_n[top] = s_n[top - 1] - n2
                s_stage[top] = 0
                have = False
            else:
                val = s_left[top] + val
                top -= 1
            continue
        cn = s_n[top]
        if cn <= 128:
            val = _block_sum(a, s_lo[top], cn)
            top -= 1
            have = True
        else:
            s_stage[top] = 1
            n2 = cn // 2
            n2 -= n2 % 8
            top += 1
            s_lo[top] = s_lo[top - 1]
            s_n[top] = n2
            s_stage[top] = 0


@njit
def wellbeing_row(needs, i):
    """``state.wellbeing_of`` for person ``i``: one minus the root mean square need."""
    s = needs[i, 0] * needs[i, 0] + needs[i, 1] * needs[i, 1]
    for d in range(2, ND):
        s += needs[i, d] * needs[i, d]
    return 1.0 - math.sqrt(s / ND)


@njit
def _untreated_one(s0, s1, s2, s3, s4, s5, weights, j, v, thr, drift, recovery):
    """Need ``j`` (severity ``v``) of ``untreated_row``: spill-over from the significant
    needs ``s0..s5`` (0 where not significant), plus drift, minus recovery."""
    acc = s0 * weights[0, j]
    acc += s1 * weights[1, j]
    acc += s2 * weights[2, j]
    acc += s3 * weights[3, j]
    acc += s4 * weights[4, j]
    acc += s5 * weights[5, j]
    acc += drift if v > thr else 0.0
    return acc - recovery * v


@njit
def untreated_row(needs, i, thr, weights, drift, recovery):
    """``demand.untreated_change`` for person ``i``, as a tuple of ND values.

    Held in registers rather than written to scratch arrays: a store to an array can
    alias ``needs`` for the compiler, which then reloads every value (a third of
    NeedDrift's time). The arithmetic and its order are unchanged."""
    v0, v1, v2 = needs[i, 0], needs[i, 1], needs[i, 2]
    v3, v4, v5 = needs[i, 3], needs[i, 4], needs[i, 5]
    s0 = v0 if v0 > thr else 0.0
    s1 = v1 if v1 > thr else 0.0
    s2 = v2 if v2 > thr else 0.0
    s3 = v3 if v3 > thr else 0.0
    s4 = v4 if v4 > thr else 0.0
    s5 = v5 if v5 > thr else 0.0
    return (_untreated_one(s0, s1, s2, s3, s4, s5, weights, 0, v0, thr, drift, recovery),
            _untreated_one(s0, s1, s2, s3, s4, s5, weights, 1, v1, thr, drift, recovery),
            _untreated_one(s0, s1, s2, s3, s4, s5, weights, 2, v2, thr, drift, recovery),
            _untreated_one(s0, s1, s2, s3, s4, s5, weights, 3, v3, thr, drift, recovery),
            _untreated_one(s0, s1, s2, s3, s4, s5, weights, 4, v4, thr, drift, recovery),
            _untreated_one(s0, s1, s2, s3, s4, s5, weights, 5, v5, thr, drift, recovery))


@njit
def clip01(x):
    return min(max(x, 0.0), 1.0)


@njit
def need_columns_into(needs, who, v):
    """The needs of ``who`` laid out by need into the first ``len(who)`` columns of
    ``v`` (ND x block): the layout in which the compiler works on several people at
    once (SIMD) in a loop over people, doing each person's arithmetic exactly as
    written, where row by row it does one at a time."""
    for k in range(who.size):
        i = who[k]
        for d in range(ND):
            v[d, k] = needs[i, d]


# People per block in the kernels worked out by need: each scratch array (needs x block
# x 8 bytes) is 3 KB, so support's six of them stay in the first-level cache (32 KB
# here) with the rows they are gathered from. Replayed on 46 captured weeks of a
# competitive default run, alternating with 256 (12 KB arrays), five times: support
# 0.96-0.98 of its time (median 0.97), need drift 0.94-1.01 (median 0.98); 128 and 32
# gained less (once each: 0.97 / 0.99 and 0.98 / 0.98).
_BLOCK = 64


@njit
def untreated_columns(v, m, thr, weights, drift, recovery, out):
    """``untreated_row`` for the first ``m`` columns of ``v`` (needs by need,
    ``need_columns_into``), into ``out`` (the same shape): the same operations in the
    same order for each person, several people at a time."""
    v0, v1, v2, v3, v4, v5 = v[0], v[1], v[2], v[3], v[4], v[5]
    for j in range(ND):
        w0, w1, w2 = weights[0, j], weights[1, j], weights[2, j]
        w3, w4, w5 = weights[3, j], weights[4, j], weights[5, j]
        vj, oj = v[j], out[j]
        for k in range(m):
            acc = (v0[k] if v0[k] > thr else 0.0) * w0
            acc += (v1[k] if v1[k] > thr else 0.0) * w1
            acc += (v2[k] if v2[k] > thr else 0.0) * w2
            acc += (v3[k] if v3[k] > thr else 0.0) * w3
            acc += (v4[k] if v4[k] > thr else 0.0) * w4
            acc += (v5[k] if v5[k] > thr else 0.0) * w5
            x = vj[k]
            acc += drift if x > thr else 0.0
            oj[k] = acc - recovery * x


# --- demand -------------------------------------------------------------------------------

@njit
def need_drift(status, needs, n, thr, weights, drift, recovery):
    """NeedDrift: untreated needs of everyone not in support drift and spill over.

    Worked out by need across people, a block of people at a time (``need_columns_into``,
    ``untreated_columns``): the compiler then does several people's arithmetic at once
    (SIMD), each exactly as ``untreated_row`` does it; blocks keep the scratch arrays
    small enough to stay in the fastest cache (whole-week scratch arrays evicted other
    data and made the run slower)."""
    who = who_with(status, n, _NOT_IN_SUPPORT)
    v = np.empty((ND, _BLOCK))
    change = np.empty((ND, _BLOCK))
    for lo in range(0, who.size, _BLOCK):
        block = who[lo:lo + _BLOCK]
        m = block.size
        need_columns_into(needs, block, v)
        untreated_columns(v, m, thr, weights, drift, recovery, change)
        for k in range(m):
            i = block[k]
            for d in range(ND):
                needs[i, d] = clip01(v[d, k] + change[d, k])


@njit
def life_shocks(person, domain, status, needs, size):
    """Life shocks of the week. As numpy's fancy assignment does, two shocks to the same
    need in one week count once (each new value is read from the old needs)."""
    new = np.empty(person.size)
    for k in range(person.size):
        new[k] = min(1.0, needs[person[k], domain[k]] + size)
    for k in range(person.size):
        i = person[k]
        if _PRESENT[status[i]]:
            needs[i, domain[k]] = new[k]


@njit
def crises(status, needs, n, base, hazard, exponent, week, arrival_week, crises_count,
           crises_h52, crises_h104, engagement, floor_engagement, by_domain):
    """Crises: who has one this week (and the domain of their worst need); the counts.
    Returns (everyone hit, those among them reachable in crisis)."""
    hit = np.empty(n, np.int64)
    m = 0
    for d in range(ND):
        by_domain[d] = 0
    for i in who_with(status, n, _PRESENT):
        u = uniform(base, i)
        # Needs are in [0, 1], so hazard x worst ** exponent <= hazard: a draw at or
        # above the hazard cannot be a crisis (skips the power for most people).
        if exponent >= 0.0 and not u < hazard:
            continue
        worst = needs[i, 0]
        for d in range(1, ND):
            if needs[i, d] > worst:
                worst = needs[i, d]
        if u < hazard * npow(worst, exponent):
            hit[m] = i
            m += 1
    hit = hit[:m]
    out = np.empty(m, np.int64)
    r = 0
    for k in range(m):
        i = hit[k]
        best = 0
        for d in range(1, ND):
            if needs[i, d] > needs[i, best]:
                best = d
        by_domain[best] += 1
        crises_count[i] += 1
        weeks_in = week - arrival_week[i]
        if weeks_in < 52:
            crises_h52[i] += 1
        if weeks_in < 104:
            crises_h104[i] += 1
        if _REACHABLE[status[i]]:
            out[r] = i
            r += 1
    out = out[:r]
    for k in range(r):
        i = out[k]
        engagement[i] = max(engagement[i], floor_engagement)
    return hit, out


# --- access -------------------------------------------------------------------------------

@njit
def access(status, needs, engagement, distrust, transport_barrier, wait_since, n, week,
           representation, help_seeking, base_again, access_rate, penalty, base_reach):
    """Access: people out of services with a severe need seek help again; help-seekers
    reach a service. Returns those who reached one (to be referred)."""
    again = np.empty(n, np.int64)
    m = 0
    for i in who_with(status, n, _OUT_OF_SERVICE):
        s = status[i]
        worst = needs[i, 0]
        for d in range(1, ND):
            if needs[i, d] > worst:
                worst = needs[i, d]
        # Drawn for everyone out of services and kept without a branch: whose need
        # is severe, and whose draw falls under the chance, follow no pattern.
        e = engagement[i]  # loaded either way: the compiler then selects, not branches
        p = help_seeking * (e if s == DISENGAGED else 1.0)
        again[m] = i
        m += (worst >= representation) & (uniform(base_again, i) < p)
    for k in range(m):
        status[again[k]] = SEEKING
        wait_since[again[k]] = week
    reached = np.empty(n, np.int64)
    r = 0
    penalty_if = by_flag(0.0, penalty)  # read by the flag, not chosen by a branch
    for i in who_with(status, n, _SEEKING):
        tp = penalty_if[np.intp(transport_barrier[i])]
        p = access_rate * (1 - distrust[i]) * (1 - tp)
        reached[r] = i
        r += uniform(base_reach, i) < p
    return reached[:r]


# --- the event log ------------------------------------------------------------------------

@njit
def log_row(rows, at, week, kind, person, org, practitioner, detail):
    """One row of the event log (``events.EventLog``): written at column ``at[0]`` of
    ``rows`` (the chunk ``EventLog.room`` gave, with room for the rows the caller may
    write), ``at[0]`` moved on. A log that keeps nothing gives a chunk with no room, and
    nothing is written. Past the room (a caller's bound on its rows is wrong) the row is
    counted but not written, and the log raises at its next use."""
    i = at[0]
    if i < rows.shape[1]:
        rows[0, i] = week
        rows[1, i] = kind
        rows[2, i] = person
        rows[3, i] = org
        rows[4, i] = practitioner
        rows[5, i] = detail
        at[0] = i + 1
    elif rows.shape[1] > 0:
        at[0] = i + 1


@njit
def log_referred(rows, at, week, who, contract, rereferred, c_org, detail):
    """The rows ``operations.referred`` logs for referrals made in a kernel: the
    re-referrals among ``who`` first, then every referral with its contract's
    organisation and ``detail`` (the code of how they came). At most twice ``who.size``
    rows."""
    if rows.shape[1] == 0:
        return
    for k in range(who.size):
        if rereferred[k]:
            log_row(rows, at, week, EV_REREFERRED, who[k], -1, -1, 0)
    for k in range(who.size):
        log_row(rows, at, week, EV_REFERRED, who[k], c_org[contract[k]], -1, detail)


# --- referral -----------------------------------------------------------------------------

@njit
def route_table(status, contract, n, posts_contract, posts_filled, cap, cover):
    """``operations._route_table``: per (locality, domain) the covering contract with
    the least load, -1 where none covers it."""
    routes = np.empty((cover.shape[1], cover.shape[2]), np.int64)
    route_table_into(status, contract, n, posts_contract, posts_filled, cap, cover, routes)
    return routes


@njit
def route_table_into(status, contract, n, posts_contract, posts_filled, cap, cover, routes):
    """:func:`route_table` written into ``routes`` (localities x domains, int64)."""
    n_c = cover.shape[0]
    demand = np.zeros(n_c, np.int64)
    for i in who_with(status, n, _IN_SERVICE):
        demand[contract[i]] += 1
    places = np.zeros(n_c, np.int64)
    for p in range(posts_contract.size):
        if posts_filled[p] and posts_contract[p] >= 0:
            places[posts_contract[p]] += 1
    load = np.empty(n_c)
    for c in range(n_c):
        pl = places[c] * cap
        load[c] = demand[c] / max(pl, 1) + (1e6 if pl == 0 else 0.0)
    n_loc, n_dom = cover.shape[1], cover.shape[2]
    for k in range(n_loc):
        for d in range(n_dom):
            best = -1
            for c in range(n_c):
                if cover[c, k, d] and (best < 0 or load[c] < load[best]):
                    best = c
            routes[k, d] = best


@njit
def worst_domain(needs, who):
    out = np.empty(who.size, np.int64)
    for k in range(who.size):
        i = who[k]
        best = 0
        for d in range(1, ND):
            if needs[i, d] > needs[i, best]:
                best = d
        out[k] = best
    return out


@njit
def refer(who, contract, week, window, count_rereferral, status, people_contract,
          wait_since, priority, referrals, closed_week, rereferrals, rereferred_by_week):
    """``operations.refer`` for people with a route (``contract >= 0`` already kept).
    Returns the mask of those who were re-referred (within ``window`` weeks of a
    closure), when ``count_rereferral``."""
    rr = np.zeros(who.size, np.bool_)
    if count_rereferral:
        for k in range(who.size):
            i = who[k]
            cw = closed_week[i]
            if cw >= 0 and week - cw <= window:
                rr[k] = True
                rereferred_by_week[cw] += 1
                rereferrals[i] += 1
        for k in range(who.size):
            closed_week[who[k]] = -1
    for k in range(who.size):
        i = who[k]
        status[i] = WAITING
        people_contract[i] = contract[k]
        wait_since[i] = week
        priority[i] = False
        referrals[i] += 1
    return rr


@njit
def refer_routed(who, needs, locality, routes, week, window, count_rereferral, status,
                 people_contract, wait_since, priority, referrals, closed_week, rereferrals,
                 rereferred_by_week):
    """``operations.refer`` for people routed by their worst need, in one call: each
    one's worst domain (``worst_domain``), the contract the week's route table gives
    for it and their locality, those with no route dropped, then ``refer``. Returns
    (the people referred, their contracts, the re-referral mask)."""
    worst = worst_domain(needs, who)
    kept = np.empty_like(who)
    con = np.empty(who.size, np.int64)
    m = 0
    for k in range(who.size):
        c = routes[locality[who[k]], worst[k]]
        if c >= 0:
            kept[m] = who[k]
            con[m] = c
            m += 1
    kept = kept[:m]
    con = con[:m]
    rr = refer(kept, con, week, window, count_rereferral, status, people_contract,
               wait_since, priority, referrals, closed_week, rereferrals, rereferred_by_week)
    return kept, con, rr


@njit
def week_routes(routes, routes_valid, status, people_contract, n, posts_contract,
                posts_filled, cap, cover):
    """The week's route table for a kernel about to route referrals: ``routes`` as it
    is if it is this week's (``routes_valid``), else made now, in ``routes``, from the
    state now (``route_table``), as ``operations.route_table`` makes it at the week's
    first referral. Returns whether it was made here (for the caller to keep)."""
    if routes_valid:
        return False
    route_table_into(status, people_contract, n, posts_contract, posts_filled, cap, cover,
                     routes)
    return True


@njit
def route_and_refer(who, needs, locality, routes, routes_valid, n, posts_contract,
                    posts_filled, cap, cover, week, window, count_rereferral, status,
                    people_contract, wait_since, priority, referrals, closed_week,
                    rereferrals, rereferred_by_week):
    """``operations.refer`` routed by worst need, for a kernel that refers the people it
    picked: the week's route table (made here, from the state now, if no referral has
    made it yet this week: ``routes_valid`` False) and ``refer_routed``. Nobody to refer,
    no table made. Returns (the people referred, their contracts, the re-referral mask,
    whether the table was made here, in ``routes``)."""
    if who.size == 0:
        return who, who, np.zeros(0, np.bool_), False
    made = week_routes(routes, routes_valid, status, people_contract, n, posts_contract,
                       posts_filled, cap, cover)
    kept, con, rr = refer_routed(who, needs, locality, routes, week, window, count_rereferral,
                                 status, people_contract, wait_since, priority, referrals,
                                 closed_week, rereferrals, rereferred_by_week)
    return kept, con, rr, made


@njit
def crises_week(status, needs, n, base, hazard, exponent, week, arrival_week, crises_count,
                crises_h52, crises_h104, engagement, floor_engagement, by_domain, refer_on,
                locality, routes, routes_valid, posts_contract, posts_filled, cap, cover,
                window, people_contract, wait_since, priority, referrals, closed_week,
                rereferrals, rereferred_by_week, c_org, rows, at, detail):
    """Crises (``crises``) and the crisis referrals of those reachable, routed by their
    worst need (``route_and_refer``; none where nothing is commissioned: ``refer_on``
    False), in one call, each crisis and referral logged (at most three rows a person
    present; ``detail``: the referrals' code). Returns (the number hit, the number
    referred, whether the route table was made here, in ``routes``)."""
    hit, out = crises(status, needs, n, base, hazard, exponent, week, arrival_week,
                      crises_count, crises_h52, crises_h104, engagement, floor_engagement,
                      by_domain)
    if rows.shape[1]:
        for k in range(hit.size):
            log_row(rows, at, week, EV_CRISIS, hit[k], -1, -1, 0)
    if not refer_on:
        out = out[:0]
    kept, con, rr, made = route_and_refer(
        out, needs, locality, routes, routes_valid, n, posts_contract, posts_filled, cap,
        cover, week, window, True, status, people_contract, wait_since, priority,
        referrals, closed_week, rereferrals, rereferred_by_week)
    log_referred(rows, at, week, kept, con, rr, c_org, detail)
    return hit.size, kept.size, made


@njit
def access_week(status, needs, engagement, distrust, transport_barrier, wait_since, n, week,
                representation, help_seeking, base_again, access_rate, penalty, base_reach,
                refer_on, locality, routes, routes_valid, posts_contract, posts_filled, cap,
                cover, window, people_contract, priority, referrals, closed_week,
                rereferrals, rereferred_by_week, c_org, rows, at, detail):
    """Access (``access``) and the first-contact referrals of those who reached a service
    (``route_and_refer``; none where nothing is commissioned: ``refer_on`` False), in
    one call, the referrals logged (at most two rows a person). Returns (the number
    referred, whether the route table was made here, in ``routes``)."""
    reached = access(status, needs, engagement, distrust, transport_barrier, wait_since, n,
                     week, representation, help_seeking, base_again, access_rate, penalty,
                     base_reach)
    if not refer_on:
        reached = reached[:0]
    kept, con, rr, made = route_and_refer(
        reached, needs, locality, routes, routes_valid, n, posts_contract, posts_filled,
        cap, cover, week, window, True, status, people_contract, wait_since, priority,
        referrals, closed_week, rereferrals, rereferred_by_week)
    log_referred(rows, at, week, kept, con, rr, c_org, detail)
    return kept.size, made


@njit
def end_support(who, practitioner, caseload, relationship, run_weeks):
    """``operations.end_support``: people leave a caseload."""
    for k in range(who.size):
        i = who[k]
        p = practitioner[i]
        if p >= 0:
            caseload[p] -= 1
        practitioner[i] = -1
        relationship[i] = 0.0
        run_weeks[i] = 0


@njit
def on_caseloads(practitioner, status, n, leaving):
    """People in support whose post is marked in ``leaving`` (posts losing their
    practitioner)."""
    out = np.empty(n, np.int64)
    m = 0
    for i in range(n):  # without a branch per person (who_with says why)
        p = practitioner[i]
        out[m] = i
        m += (p >= 0) & leaving[p if p >= 0 else 0] & (status[i] == IN_SUPPORT)
    return out[:m]


@njit
def practitioners_leave(post, filled, vacant_since, stress, caseload, week, n, practitioner,
                        status, relationship, run_weeks, wait_since, priority, engagement,
                        engagement_loss, posts_org, c_org, people_contract, rows, at, detail):
    """``operations.practitioner_leaves``: the filled posts among ``post`` fall vacant;
    the people in support with them (``on_caseloads``) lose the relationship, go back to
    the top of their contract's waiting list and lose some engagement. Logged as
    ``operations.log_leavers`` logs it (a row a post left, then a row a person affected;
    ``detail``: the code of the reason). Returns (the posts left, the number of people
    affected)."""
    kept = np.empty_like(post)
    m = 0
    for k in range(post.size):  # which were filled, read before any is emptied
        if filled[post[k]]:
            kept[m] = post[k]
            m += 1
    kept = kept[:m]
    leaving = np.zeros(filled.size, np.bool_)
    for k in range(m):
        p = kept[k]
        filled[p] = False
        vacant_since[p] = week
        stress[p] = 0.0
        caseload[p] = 0
        leaving[p] = True
    if m == 0:
        return kept, 0
    who = on_caseloads(practitioner, status, n, leaving)
    prac = np.empty(who.size, np.int32)
    for k in range(who.size):
        i = who[k]
        prac[k] = practitioner[i]
        practitioner[i] = -1
        relationship[i] = 0.0
        run_weeks[i] = 0
        status[i] = WAITING
        wait_since[i] = week
        priority[i] = True
        engagement[i] = max(0.0, engagement[i] - engagement_loss)
    if rows.shape[1]:
        for k in range(m):
            log_row(rows, at, week, EV_PRACTITIONER_LEFT, -1, posts_org[kept[k]], kept[k],
                    detail)
        for k in range(who.size):
            log_row(rows, at, week, EV_LOST_PRACTITIONER, who[k], c_org[people_contract[who[k]]],
                    prac[k], detail)
    return kept, who.size


@njit
def in_service_on(contract, status, n, c):
    """People waiting for or in support on contract ``c``."""
    out = np.empty(n, np.int64)
    m = 0
    for i in range(n):  # without a branch per person (who_with says why)
        out[m] = i
        m += (contract[i] == c) & _IN_SERVICE[status[i]]
    return out[:m]


# --- allocation ---------------------------------------------------------------------------

@njit
def allocation_waiting(status, engagement, contract, n, loss, dropout, week, rows, at,
                       waiting):
    """Waiting costs engagement; some give up (logged, a row each). Those still waiting
    are written to the first entries of ``waiting`` (int64, at least ``n``, a buffer the
    caller keeps); returns how many."""
    left = np.empty(n, np.int64)
    m = 0
    g = 0
    for i in who_with(status, n, _WAITING):  # no branch on each person's status
        e = max(0.0, engagement[i] - loss)
        engagement[i] = e
        if e < dropout:
            left[g] = i
            g += 1
            status[i] = DISENGAGED
            contract[i] = -1
        else:
            waiting[m] = i
            m += 1
    if rows.shape[1]:
        for k in range(g):
            log_row(rows, at, week, EV_GAVE_UP, left[k], -1, -1, 0)
    return m


@njit
def free_places(filled, posts_contract, caseload, cap, free):
    """Free places on each post, written into ``free`` (int64, one a post): the cap less
    its caseload, at least 0, where the post is filled and funded, else 0. Returns
    whether there are any."""
    n_posts = filled.size
    any_free = False
    for p in range(n_posts):
        free[p] = 0
        if filled[p] and posts_contract[p] >= 0:
            free[p] = max(cap - caseload[p], 0)
            any_free = any_free or free[p] > 0
    return any_free


_SHORT_LIST = 32  # allocation_assign orders waiting lists at most this long by insertion


@njit
def _matched_before(late, neg, a, b):
    """Whether entry ``a`` of a contract's waiting list is matched before entry ``b``:
    the priority flag first, then the higher priority (``neg`` is minus it), then the
    earlier on the list (the numpy code's stable ``np.lexsort``)."""
    if late[a] != late[b]:
        return late[a] < late[b]
    if neg[a] != neg[b]:
        return neg[a] < neg[b]
    return a < b


@njit
def _sift_down(heap, size, k, late, neg):
    """Restore the heap ``heap[:size]`` (the entry matched first at the top) below
    position ``k``."""
    while True:
        child = 2 * k + 1
        if child >= size:
            return
        if child + 1 < size and _matched_before(late, neg, heap[child + 1], heap[child]):
            child += 1
        if not _matched_before(late, neg, heap[child], heap[k]):
            return
        tmp = heap[k]
        heap[k] = heap[child]
        heap[child] = tmp
        k = child


@njit
def allocation_assign(waiting, free, posts_contract, n_c, week, wait_since, flag,
                      contract, complexity, pressure_weeks, who, post):
    """Match waiting people to free places, in the order the numpy code's
    ``np.lexsort`` gives (contract, priority flag first, longest priority): (person,
    post) pairs written to the first entries of ``who`` and ``post`` (int64, at least
    ``waiting.size``, buffers the caller keeps); returns how many."""
    # Free places, by (contract, place number, post).
    n_posts = free.size
    count_c = np.zeros(n_c + 1, np.int64)
    for p in range(n_posts):
        if free[p] > 0:
            count_c[posts_contract[p] + 1] += free[p]
    slot_start = np.zeros(n_c, np.int64)
    total = 0
    for c in range(n_c):
        slot_start[c] = total
        total += count_c[c + 1]
    slots_per_c = count_c[1:]
    slot_post = np.empty(total, np.int64)
    # posts of each contract in increasing order
    npc = np.zeros(n_c, np.int64)
    for p in range(n_posts):
        if free[p] > 0:
            npc[posts_contract[p]] += 1
    pstart = np.zeros(n_c + 1, np.int64)
    for c in range(n_c):
        pstart[c + 1] = pstart[c] + npc[c]
    plist = np.empty(pstart[n_c], np.int64)
    fill = pstart[:n_c].copy()
    maxfree = np.zeros(n_c, np.int64)
    for p in range(n_posts):
        if free[p] > 0:
            c = posts_contract[p]
            plist[fill[c]] = p
            fill[c] += 1
            if free[p] > maxfree[c]:
                maxfree[c] = free[p]
    for c in range(n_c):
        s = slot_start[c]
        for k in range(maxfree[c]):
            for j in range(pstart[c], pstart[c + 1]):
                p = plist[j]
                if free[p] > k:
                    slot_post[s] = p
                    s += 1
    # Waiting people in order: contract, priority flag first, then priority (desc),
    # ties by index (the numpy code's np.lexsort). Each contract's list is ordered on
    # its own and only as far as it has free places: a long list with a few places
    # (the usual week in a large place) has those few picked one by one.
    m = waiting.size
    gstart = np.zeros(n_c + 1, np.int64)
    for k in range(m):
        gstart[contract[waiting[k]] + 1] += 1
    for c in range(n_c):
        gstart[c + 1] += gstart[c]
    # Each person's priority is worked out here, in one pass over the list in the
    # people's order, not contract by contract: at a million people a contract's list
    # is scattered over the whole population, and gathering the priorities contract by
    # contract cost half the kernel in cache misses.
    grouped = np.empty(m, np.int64)
    grouped_neg = np.empty(m)  # minus the priority
    grouped_late = np.empty(m, np.int64)  # 0 for the priority flag, 1 otherwise
    gfill = gstart[:n_c].copy()
    for k in range(m):  # stable: index order within each contract
        i = waiting[k]
        c = contract[i]
        g = gfill[c]
        grouped[g] = i
        prio = float(week - wait_since[i])
        if pressure_weeks > 0:
            prio = prio + pressure_weeks * (1.0 - complexity[i] / ND)
        grouped_neg[g] = -prio
        grouped_late[g] = 0 if flag[i] else 1
        gfill[c] = g + 1
    short = np.empty(_SHORT_LIST, np.int64)
    t = 0
    for c in range(n_c):
        mc = gstart[c + 1] - gstart[c]
        take = min(slots_per_c[c], mc)
        if take == 0:
            continue
        members = grouped[gstart[c]:gstart[c + 1]]
        neg = grouped_neg[gstart[c]:gstart[c + 1]]
        late = grouped_late[gstart[c]:gstart[c + 1]]
        if take * 8 < mc:
            # A few places for a long list: the first ``take`` taken off a heap, in
            # time proportional to the list plus take x log(list), where until 3
            # December 2026 each place was found by a pass over the whole list
            # (take x list; measured, the heap alone gained little: the cost was in
            # gathering the priorities, now done above).
            heap = np.arange(mc)
            for k in range(mc // 2 - 1, -1, -1):
                _sift_down(heap, mc, k, late, neg)
            size = mc
            for r in range(take):
                best = heap[0]
                size -= 1
                heap[0] = heap[size]
                _sift_down(heap, size, 0, late, neg)
                who[t] = members[best]
                post[t] = slot_post[slot_start[c] + r]
                t += 1
        elif mc <= _SHORT_LIST:
            # A short list (under competition the usual one: about three people, some
            # forty lists a week) put in order by insertion, in the order
            # _matched_before defines, which is the two stable sorts' below: no new
            # arrays, where the sorts made four a list (about a microsecond each list).
            for r in range(mc):
                short[r] = r
            for r in range(1, mc):
                x = short[r]
                j = r - 1
                while j >= 0 and _matched_before(late, neg, x, short[j]):
                    short[j + 1] = short[j]
                    j -= 1
                short[j + 1] = x
            for r in range(take):
                who[t] = members[short[r]]
                post[t] = slot_post[slot_start[c] + r]
                t += 1
        else:
            order = np.argsort(neg, kind="mergesort")
            order = order[np.argsort(late[order], kind="mergesort")]
            for r in range(take):
                who[t] = members[order[r]]
                post[t] = slot_post[slot_start[c] + r]
                t += 1
    return t


@njit
def allocation_start(who, post, week, status, flag, first_help, practitioner,
                     relationship, run_weeks, episode_start, episode_wellbeing, needs,
                     episodes, assessments, seen, engagement, cost, caseload,
                     assessed_by_post, wait_since, contract, c_org, rows, at):
    """Start support for the matched people, each logged as assessed (their contract's
    organisation, their practitioner's post); returns their completed waits."""
    waits = np.empty(who.size, np.int64)
    for k in range(who.size):
        i = who[k]
        waits[k] = week - wait_since[i]
        status[i] = IN_SUPPORT
        flag[i] = False
        if first_help[i] < 0:
            first_help[i] = week
        practitioner[i] = post[k]
        relationship[i] = 0.0
        run_weeks[i] = 0
        episode_start[i] = week
        episode_wellbeing[i] = wellbeing_row(needs, i)
        episodes[i] += 1
        assessments[i] += 1
        seen[i] += 1
        engagement[i] = max(0.0, engagement[i] - cost)
        caseload[post[k]] += 1
        assessed_by_post[post[k]] += 1
    if rows.shape[1]:
        for k in range(who.size):
            log_row(rows, at, week, EV_ASSESSED, who[k], c_org[contract[who[k]]], post[k], 0)
    return waits


# --- support ------------------------------------------------------------------------------

@njit
def _supported(i, k, rel, eng, att, tf, relationship, engagement, rel_weeks,
               engagement_gain, support_weeks, run_weeks, longest_run, support_hours,
               direct_hours):
    """Person ``i`` (entry ``k`` of a block of ``support``) after a week of support: the
    relationship and engagement grown, the weeks and hours of support counted."""
    r = rel[k]
    relationship[i] = r + (1 - r) / rel_weeks
    e = eng[k]
    engagement[i] = e + engagement_gain * r * (1 - e) * att[k]
    support_weeks[i] += 1
    run_weeks[i] += 1
    longest_run[i] = max(longest_run[i], run_weeks[i])
    support_hours[i] += direct_hours * tf[k]


@njit
def _support_whole_block(block, practitioner, nd, pe, rel, eng, cx, att, tf, needs,
                         relationship, engagement, parking_scale, pushing_scale,
                         progress_per_week, rel_floor, coverage_exponent, thr, rel_weeks,
                         engagement_gain, support_weeks, run_weeks, longest_run,
                         support_hours, direct_hours, exposure, by_post):
    """``support`` for a block in which every need of everyone is worked on in full
    (whole-person contracts: every weight 1), person by person: nothing is left
    untreated, so laying the work out by need gains nothing over the row. The same
    arithmetic, in the same order, as ``support``'s by-need path. Exposure is added to
    each practitioner's row here, unless ``by_post`` (``_exposure_codes`` has coded it)."""
    for k in range(block.size):
        i = block[k]
        p = practitioner[i]
        # Every weight is 1, and 1 x a need is the need exactly, so the weighted burden
        # (the by-need path's focus) is the burden itself, bit for bit.
        burden = nd[0, k] + nd[1, k]
        for d in range(2, ND):
            burden += nd[d, k]
        coverage = burden / max(burden, 1e-12) if burden > 0 else 1.0
        expected = 1.0 - cx[k] / ND
        parking = parking_scale * (1.0 - expected)
        pushing = 1.0 + pushing_scale * expected
        effect = (progress_per_week * (rel_floor + (1 - rel_floor) * rel[k]) * eng[k]
                  * npow(coverage, coverage_exponent) * (1.0 - clip01(parking)) * pushing
                  * tf[k] * att[k])
        denom = max(burden, 1e-12)
        for d in range(ND):
            share = nd[d, k] / denom
            needs[i, d] = clip01(nd[d, k] - effect * share * pe[d, k])
        _supported(i, k, rel, eng, att, tf, relationship, engagement, rel_weeks,
                   engagement_gain, support_weeks, run_weeks, longest_run, support_hours,
                   direct_hours)
        if not by_post:
            for d in range(ND):
                exposure[p, d] += 1.0 if nd[d, k] > thr else 0.0


@njit
def support(status, n, practitioner, contract, scope, discretion, needs, relationship,
            engagement, transport_barrier, penalty, complexity, parking_scale,
            pushing_scale, progress_per_week, rel_floor, coverage_exponent, time_factor,
            post_effect, thr, weights, drift, recovery, rel_weeks, engagement_gain,
            support_weeks, run_weeks, longest_run, support_hours, direct_hours,
            skill, learn_rate, exposure_cases, who_out, w_out, by_post):
    """Support: a week of work with everyone on a caseload. The people worked with and
    the weight of work on each of their needs are written to the first rows of
    ``who_out`` (int64, at least ``n``) and ``w_out`` (at least ``n`` x ND), buffers the
    caller keeps from week to week (see :func:`who_with_into`); returns how many.

    Each person's arithmetic is the plain path's, in its order. It is worked out by need
    across people, a block at a time, as in ``need_drift``: gather the block, compute
    (several people at once), then write back, and sum practitioners' exposure (whose
    order matters) person by person in the original order: added to each practitioner's
    row as each person is worked with, or with ``by_post`` (a place whose posts'
    exposure rows outgrow the cache) coded per person (``_exposure_codes``) and summed
    post by post after the week's work (``exposure_by_post``): the same values in the
    same order for each post."""
    who = who_with_into(status, n, _IN_SUPPORT, who_out)
    w_all = w_out[:who.size]
    if who.size == 0:
        return 0
    n_posts = skill.shape[0]
    exposure = np.zeros((n_posts, ND))
    codes = np.empty(who.size if by_post else 0, np.int16)
    nd, w = np.empty((ND, _BLOCK)), np.empty((ND, _BLOCK))
    pe, change, after = np.empty((ND, _BLOCK)), np.empty((ND, _BLOCK)), np.empty((ND, _BLOCK))
    rel, eng, cx = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK)
    att, tf, focus = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK)
    coverage, effect = np.empty(_BLOCK), np.empty(_BLOCK)
    whole = np.empty(_BLOCK, np.bool_)  # every need worked on in full (whole-person)
    # A need's weight and a person's attendance read from two-entry tables by a flag
    # (in scope, transport barrier) rather than chosen by a branch: under narrow lots
    # whose needs are in scope follows no pattern the processor can predict.
    weight_if = by_flag(discretion, 1.0)
    penalty_if = by_flag(0.0, penalty)
    for lo in range(0, who.size, _BLOCK):
        block = who[lo:lo + _BLOCK]
        m = block.size
        # Gather: needs, weights of work, the practitioner's effect per need, and the
        # rest of what the week's work depends on.
        need_columns_into(needs, block, nd)
        partial = False
        for k in range(m):
            i = block[k]
            p = practitioner[i]
            c = contract[i]
            all_in = True
            for d in range(ND):
                wd = weight_if[np.intp(scope[c, d])]
                w[d, k] = wd
                w_all[lo + k, d] = wd
                pe[d, k] = post_effect[p, d]
                all_in = all_in and wd == 1.0
            whole[k] = all_in
            partial = partial or not all_in
            rel[k] = relationship[i]
            eng[k] = engagement[i]
            cx[k] = complexity[i]
            att[k] = 1.0 - penalty_if[np.intp(transport_barrier[i])]
            tf[k] = time_factor[p]
        if by_post:
            _exposure_codes(nd, w, m, thr, codes, lo)
        if not partial:
            _support_whole_block(block, practitioner, nd, pe, rel, eng, cx, att, tf, needs,
                                 relationship, engagement, parking_scale, pushing_scale,
                                 progress_per_week, rel_floor, coverage_exponent, thr,
                                 rel_weeks, engagement_gain, support_weeks, run_weeks,
                                 longest_run, support_hours, direct_hours, exposure,
                                 by_post)
            continue
        # Coverage: the share of the burden of need the contract lets them work on.
        n0, n1, n2, n3, n4, n5 = nd[0], nd[1], nd[2], nd[3], nd[4], nd[5]
        w0, w1, w2, w3, w4, w5 = w[0], w[1], w[2], w[3], w[4], w[5]
        for k in range(m):
            burden = n0[k] + n1[k]
            burden += n2[k]
            burden += n3[k]
            burden += n4[k]
            burden += n5[k]
            wn = w0[k] * n0[k] + w1[k] * n1[k]  # row_sum(w * needs), in its order
            wn += w2[k] * n2[k]
            wn += w3[k] * n3[k]
            wn += w4[k] * n4[k]
            wn += w5[k] * n5[k]
            focus[k] = wn
            coverage[k] = wn / max(burden, 1e-12) if burden > 0 else 1.0
        if coverage_exponent == 0.5:  # npow's own case, written out so it runs as SIMD
            for k in range(m):
                coverage[k] = math.sqrt(coverage[k])
        else:
            for k in range(m):
                coverage[k] = npow(coverage[k], coverage_exponent)
        for k in range(m):
            expected = 1.0 - cx[k] / ND
            parking = parking_scale * (1.0 - expected)
            pushing = 1.0 + pushing_scale * expected
            effect[k] = (progress_per_week * (rel_floor + (1 - rel_floor) * rel[k])
                         * eng[k] * coverage[k] * (1.0 - clip01(parking)) * pushing
                         * tf[k] * att[k])
        # Needs after the week: progress on each need by its share of the focus; needs
        # not worked on in full also drift and spill over (the untreated change, times
        # 1 - weight). Under a whole-person contract it is not added at all.
        untreated_columns(nd, m, thr, weights, drift, recovery, change)
        for d in range(ND):
            nd_d, w_d, pe_d, ch_d, after_d = nd[d], w[d], pe[d], change[d], after[d]
            for k in range(m):
                share = (w_d[k] * nd_d[k]) / max(focus[k], 1e-12)
                x = nd_d[k] - effect[k] * share * pe_d[k]
                if not whole[k]:
                    x = x + ch_d[k] * (1 - w_d[k])
                after_d[k] = clip01(x)
        # Write back, person by person.
        for k in range(m):
            i = block[k]
            p = practitioner[i]
            for d in range(ND):
                needs[i, d] = after[d, k]
            _supported(i, k, rel, eng, att, tf, relationship, engagement, rel_weeks,
                       engagement_gain, support_weeks, run_weeks, longest_run,
                       support_hours, direct_hours)
            if not by_post:
                for d in range(ND):
                    # The weight loaded whether or not the need is significant: the
                    # compiler then selects instead of branching (which needs are
                    # significant follows no pattern the processor can predict).
                    wd = w[d, k]
                    exposure[p, d] += wd if nd[d, k] > thr else 0.0
    if by_post:
        exposure_by_post(who, practitioner, codes, discretion, exposure)
    for p in range(n_posts):
        for d in range(ND):
            s = skill[p, d]
            skill[p, d] = s + learn_rate * min(exposure[p, d] / exposure_cases, 1.0) * (1 - s)
    return who.size


@njit
def _exposure_codes(nd, w, m, thr, codes, lo):
    """Each person's exposure code for ``exposure_by_post``: bit ``d`` set if need ``d``
    is significant (``nd``, needs before the week's work), bit ``ND + d`` if it is
    worked on in full (``w`` 1; else the discretion), for the ``m`` people of a block
    at ``codes[lo:lo + m]``."""
    for k in range(m):
        code = 0
        for d in range(ND):
            code |= (1 << d) if nd[d, k] > thr else 0
            code |= (1 << (ND + d)) if w[d, k] == 1.0 else 0
        codes[lo + k] = code


@njit
def exposure_by_post(who, practitioner, codes, discretion, exposure):
    """Practitioners' exposure from each person's code (``_exposure_codes``), added post
    by post.

    ``support`` adds ``weight if significant else 0.0`` to the practitioner's row
    person by person; at a large place those rows lie scattered over more memory than
    the cache holds, and their read-modify-writes at random were about half of
    support's time at a million people. Here the codes are grouped by post with a
    stable counting sort (each post's people stay in row order), then each post's row
    is summed in one place: every row gets the same values in the same order, so the
    same sums, bit for bit."""
    n_posts = exposure.shape[0]
    # One array of positions (fresh memory is dear at this size): each post's count,
    # then where its people start, then, as they are placed, where its people end.
    at = np.zeros(n_posts + 1, np.int32)
    for k in range(who.size):
        at[practitioner[who[k]] + 1] += 1
    for p in range(n_posts):
        at[p + 1] += at[p]
    grouped = np.empty(who.size, np.int16)
    for k in range(who.size):
        p = practitioner[who[k]]
        grouped[at[p]] = codes[k]
        at[p] += 1
    lo = 0
    for p in range(n_posts):
        hi = at[p]
        for j in range(lo, hi):
            c = grouped[j]
            for d in range(ND):
                # support adds 0.0 for a need that is not significant: a row starts at
                # +0.0 and never goes below it, so leaving that addition out changes no bit.
                if (c >> d) & 1:
                    exposure[p, d] += 1.0 if (c >> (ND + d)) & 1 else discretion
        lo = hi


@njit
def post_effect(skill, posts_org, posts_contract, practice, performance, factor, out):
    """Per post and domain, into ``out`` (posts x ND): skill x the organisation's
    practice x (its performance x what its contract does to it)."""
    n_posts = skill.shape[0]
    for p in range(n_posts):
        o = max(posts_org[p], 0)
        f = performance[o] * factor[max(posts_contract[p], 0)]
        for d in range(ND):
            out[p, d] = skill[p, d] * (practice[o, d] * f)


@njit
def contracts_post_effect(skill, posts_org, posts_contract, practice, quality, effort,
                          lettings, award, price_ratio, moved_week, week, contestability,
                          squeeze, mobilisation_weeks, mobilisation_loss, out):
    """Support's per-post multiplier in one call, into ``out`` (posts x ND, a buffer the
    caller keeps): what each contract does to its practitioners' progress
    (``contract_factor``; 1 where nothing is commissioned), then ``post_effect`` with
    each organisation's performance (quality x effort)."""
    if lettings.size:
        factor = contract_factor(lettings, award, price_ratio, moved_week, week,
                                 contestability, squeeze, mobilisation_weeks,
                                 mobilisation_loss)
    else:
        factor = np.ones(1)
    post_effect(skill, posts_org, posts_contract, practice, quality * effort, factor, out)


# --- closure ------------------------------------------------------------------------------

@njit
def closure_select(status, n, contract, scope, needs, success_threshold, episode_start,
                   week, limit, engagement, dropout_engagement, base_dropout, dropout_chance,
                   base_gaming, gaming_chance):
    """Who closes this week and how: returns (who, met, dropout, gamed)."""
    who = np.empty(n, np.int64)
    met = np.empty(n, np.bool_)
    drop = np.empty(n, np.bool_)
    gamed = np.empty(n, np.bool_)
    m = 0
    for i in who_with(status, n, _IN_SUPPORT):
        c = contract[i]
        worst = needs[i, 0] if scope[c, 0] else 0.0
        for d in range(1, ND):
            v = needs[i, d] if scope[c, d] else 0.0
            if v > worst:
                worst = v
        is_met = worst < success_threshold
        timeout = (week - episode_start[i]) >= limit
        is_drop = engagement[i] < dropout_engagement and uniform(base_dropout, i) < dropout_chance
        if is_met or timeout or is_drop:
            who[m] = i
            met[m] = is_met
            drop[m] = is_drop
            gamed[m] = (not is_met) and (not is_drop) and \
                uniform(base_gaming, i) < gaming_chance
            m += 1
    return who[:m], met[:m], drop[:m], gamed[:m]


@njit
def record_performance(contract, org, reported, decay, c_closures, c_reported, o_closures,
                       o_reported):
    """``state.Performance.record`` in place: decay, then this week's closures added in
    order (as ``np.bincount`` does)."""
    bc = np.zeros(c_closures.size)
    br = np.zeros(c_closures.size)
    bo = np.zeros(o_closures.size)
    bor = np.zeros(o_closures.size)
    for k in range(contract.size):
        bc[contract[k]] += 1.0
        br[contract[k]] += 1.0 if reported[k] else 0.0
        bo[org[k]] += 1.0
        bor[org[k]] += 1.0 if reported[k] else 0.0
    for c in range(c_closures.size):
        c_closures[c] = decay * c_closures[c] + bc[c]
        c_reported[c] = decay * c_reported[c] + br[c]
    for o in range(o_closures.size):
        o_closures[o] = decay * o_closures[o] + bo[o]
        o_reported[o] = decay * o_reported[o] + bor[o]


@njit
def outside_worst(who, needs, contract, scope, dropout, threshold):
    """Candidates for referral on (a severe need outside the contract's scope): their
    positions in ``who`` and the domain of the worst such need."""
    cand = np.empty(who.size, np.int64)
    dom = np.empty(who.size, np.int64)
    m = 0
    for k in range(who.size):
        if dropout[k]:
            continue
        i = who[k]
        c = contract[k]
        best = 0
        worst = needs[i, 0] if not scope[c, 0] else 0.0
        for d in range(1, ND):
            v = needs[i, d] if not scope[c, d] else 0.0
            if v > worst:
                worst = v
                best = d
        if worst >= threshold:
            cand[m] = k
            dom[m] = best
            m += 1
    return cand[:m], dom[:m]


@njit
def handoffs(persons, from_org, to_org, trust, warm_trust, base_loss, loss, warm_loss_factor,
             engagement, engagement_loss, warm_engagement_factor, handoff_count, gain):
    """Hand-offs: who is lost, engagement lost on the way, trust built between the two
    organisations of each kept hand-off. Returns (warm, lost)."""
    m = persons.size
    warm = np.empty(m, np.bool_)
    lost = np.empty(m, np.bool_)
    for k in range(m):
        tr = trust[from_org[k], to_org[k]]
        warm[k] = tr >= warm_trust
        lost[k] = uniform(base_loss, persons[k]) < loss * (1 - tr) * (
            warm_loss_factor if warm[k] else 1.0)
    for k in range(m):
        i = persons[k]
        engagement[i] = max(0.0, engagement[i] - engagement_loss * (
            warm_engagement_factor if warm[k] else 1.0))
        handoff_count[i] += 1
    # np.add.at(trust, (a, b), gain * (1 - trust[a, b])) for a->b then b->a: the
    # increments of each pass read trust as it was before that pass.
    for direction in range(2):
        inc = np.empty(m)
        for k in range(m):
            a, b = (from_org[k], to_org[k]) if direction == 0 else (to_org[k], from_org[k])
            inc[k] = gain * (1 - trust[a, b])
        for k in range(m):
            if lost[k]:
                continue
            a, b = (from_org[k], to_org[k]) if direction == 0 else (to_org[k], from_org[k])
            trust[a, b] += inc[k]
    for a in range(trust.shape[0]):
        for b in range(trust.shape[1]):
            trust[a, b] = clip01(trust[a, b])
    return warm, lost


@njit
def closure_close(status, n, contract, scope, needs, success_threshold, episode_start, week,
                  limit, engagement, dropout_engagement, base_dropout, dropout_chance,
                  base_gaming, gaming_chance, contracts_org, decay, c_closures, c_reported,
                  o_closures, o_reported, practitioner, caseload, relationship, run_weeks,
                  refer_on_threshold):
    """Closure's first half in one call: who closes and how (``closure_select``), the
    commissioner's record of it (``record_performance``), their caseloads ended
    (``end_support``) and who among them has a severe need outside the contract's scope
    (``outside_worst``), each exactly as those kernels do it, in the same order.

    Returns (who, met, dropout, gamed, contract, org, practitioner, reported, verified,
    candidates, their worst domains): ``practitioner`` is each one's practitioner before
    the caseload ended (for the event log); ``reported`` and ``verified`` are counts."""
    who, met, drop, gamed = closure_select(
        status, n, contract, scope, needs, success_threshold, episode_start, week, limit,
        engagement, dropout_engagement, base_dropout, dropout_chance, base_gaming,
        gaming_chance)
    m = who.size
    con = np.empty(m, np.int32)  # the dtypes of people.contract, contracts.org and
    org = np.empty(m, np.int32)  # people.practitioner, as the numpy code had them
    prac = np.empty(m, np.int32)
    reported = np.empty(m, np.bool_)
    n_reported = 0
    n_verified = 0
    for k in range(m):
        i = who[k]
        con[k] = contract[i]
        org[k] = contracts_org[con[k]]
        prac[k] = practitioner[i]
        kept_measure = met[k] and not drop[k]
        reported[k] = kept_measure or gamed[k]
        n_reported += reported[k]
        n_verified += kept_measure
    if m:
        record_performance(con, org, reported, decay, c_closures, c_reported, o_closures,
                           o_reported)
        end_support(who, practitioner, caseload, relationship, run_weeks)
    cand, dom = outside_worst(who, needs, con, scope, drop, refer_on_threshold)
    return who, met, drop, gamed, con, org, prac, n_reported, n_verified, cand, dom


@njit
def closure_finish(who, rest_disengaged, onward, status, closed_week, week):
    """Everyone closing who was not referred on: closed, or disengaged if they dropped
    out or were lost in a hand-off. Returns how many."""
    m = 0
    for k in range(who.size):
        if onward[k]:
            continue
        i = who[k]
        status[i] = DISENGAGED if rest_disengaged[k] else CLOSED
        closed_week[i] = week
        m += 1
    return m


@njit
def log_by_kind(rows, at, week, first_kind, n_kinds, code, persons, org, practitioner):
    """Rows of several kinds (``first_kind + code[k]``), grouped by kind in code order,
    each kind's rows in the order given (as ``EventLog.people_events`` takes them);
    ``practitioner`` of length 0 for none."""
    if rows.shape[1] == 0:
        return
    for j in range(n_kinds):
        for k in range(code.size):
            if code[k] == j:
                log_row(rows, at, week, first_kind + j, persons[k], org[k],
                        practitioner[k] if practitioner.size else -1, 0)


@njit
def closure_week(status, n, contract, scope, needs, success_threshold, episode_start, week,
                 limit, engagement, dropout_engagement, base_dropout, dropout_chance,
                 base_gaming, gaming_chance, contracts_org, decay, c_closures, c_reported,
                 o_closures, o_reported, practitioner, caseload, relationship, run_weeks,
                 refer_on_threshold, locality, routes, routes_valid, posts_contract,
                 posts_filled, cap, cover, trust, warm_trust, base_loss, loss,
                 warm_loss_factor, engagement_loss, warm_engagement_factor, handoff_count,
                 gain, window, wait_since, priority, referrals, closed_week, rereferrals,
                 rereferred_by_week, rows, at, handoff_detail):
    """Closure's whole week in one call, as ``Closure.step`` does it in numpy and in the
    same order: who closes and how, the commissioner's record and the caseloads ended
    (``closure_close``); for those with a severe need outside the contract's scope, the
    covering contract with most room (the week's route table, made here if no referral
    has made it yet this week: ``routes_valid`` False), the hand-off (``handoffs``) and
    the referral of those not lost (``refer``, not counted as re-referrals); then everyone
    not referred on closed or disengaged (``closure_finish``).

    Logged as the plain path logs them (at most three rows a person): the closures by
    kind (``closure.CLOSURE_KINDS``), the referrals on (``handoff_detail``: the code of
    "hand-off"), the hand-offs by kind (``closure.HANDOFF_KINDS``, to the receiving
    organisation).

    Returns (closures, reported, verified, referred on, whether the route table was
    made here, in ``routes``, closed): ``closed`` is how many were closed without a
    referral on."""
    who, met, drop, gamed, con, org, prac, n_reported, n_verified, cand, dom = closure_close(
        status, n, contract, scope, needs, success_threshold, episode_start, week, limit,
        engagement, dropout_engagement, base_dropout, dropout_chance, base_gaming,
        gaming_chance, contracts_org, decay, c_closures, c_reported, o_closures,
        o_reported, practitioner, caseload, relationship, run_weeks, refer_on_threshold)
    m = who.size
    code = np.empty(m, np.int64)  # closure.closure_kind
    for k in range(m):
        code[k] = 3 if drop[k] else (2 if gamed[k] else (0 if met[k] else 1))
    log_by_kind(rows, at, week, EV_CLOSED, 4, code, who, org, prac)
    onward = np.zeros(m, np.bool_)
    rest_disengaged = drop.copy()
    made = False
    n_referred = 0
    if cand.size:
        made = week_routes(routes, routes_valid, status, contract, n, posts_contract,
                           posts_filled, cap, cover)
        target = np.empty(cand.size, np.int64)
        keep = 0
        for j in range(cand.size):  # operations.best_contract; those with no route dropped
            c = routes[locality[who[cand[j]]], dom[j]]
            if c >= 0:
                cand[keep] = cand[j]
                target[keep] = c
                keep += 1
        cand, target = cand[:keep], target[:keep]
        handed = np.empty(keep, np.int64)
        from_org = np.empty(keep, np.int32)
        to_org = np.empty(keep, np.int32)
        for j in range(keep):
            handed[j] = who[cand[j]]
            from_org[j] = org[cand[j]]
            to_org[j] = contracts_org[target[j]]
        warm, lost = handoffs(handed, from_org, to_org, trust, warm_trust, base_loss, loss,
                              warm_loss_factor, engagement, engagement_loss,
                              warm_engagement_factor, handoff_count, gain)
        n_kept = 0
        for j in range(keep):
            n_kept += not lost[j]
        referred = np.empty(n_kept, np.int64)
        targets = np.empty(n_kept, np.int64)
        r = 0
        for j in range(keep):
            if not lost[j]:
                referred[r] = handed[j]
                targets[r] = target[j]
                r += 1
        refer(referred, targets, week, window, False, status, contract, wait_since, priority,
              referrals, closed_week, rereferrals, rereferred_by_week)
        n_referred = referred.size
        if rows.shape[1]:  # referred on, never counted as re-referred: no such rows
            log_referred(rows, at, week, referred, targets, np.zeros(n_referred, np.bool_),
                         contracts_org, handoff_detail)
        h_code = np.empty(keep, np.int64)  # closure.handoff_kind
        for j in range(keep):
            h_code[j] = 2 if lost[j] else (0 if warm[j] else 1)
            if lost[j]:
                rest_disengaged[cand[j]] = True
            else:
                onward[cand[j]] = True
        log_by_kind(rows, at, week, EV_HANDOFF, 3, h_code, handed, to_org, handed[:0])
    closed = closure_finish(who, rest_disengaged, onward, status, closed_week, week)
    return m, n_reported, n_verified, n_referred, made, closed


# --- workforce ----------------------------------------------------------------------------

@njit
def time_budget(status, practitioner, n, caseload, fixed_admin, recording, burden,
                assessed_by_post, assessment_hours, learn, direct_hours, hours, filled,
                time_factor, admin_share, hours_admin, hours_assess, hours_learn,
                hours_worked, load):
    """TimeBudget: each post's hours by use this week (in place)."""
    for p in range(caseload.size):
        caseload[p] = 0
    for i in who_with(status, n, _IN_SUPPORT):
        caseload[practitioner[i]] += 1
    for p in range(caseload.size):
        case = caseload[p]
        admin = (fixed_admin + case * recording) * burden
        assess = assessed_by_post[p] * assessment_hours
        direct_need = case * direct_hours
        room = max(hours - admin - assess - learn, 0.0)
        time_factor[p] = min(room / max(direct_need, 1e-12), 1.0) if direct_need > 0 else 1.0
        worked = max(admin + assess + learn + direct_need, hours)
        f = filled[p]
        admin_share[p] = admin / worked if f else 0.0
        hours_admin[p] = admin if f else 0.0
        hours_assess[p] = assess if f else 0.0
        hours_learn[p] = learn if f else 0.0
        hours_worked[p] = worked if f else 0.0
        load[p] = (admin + assess + learn + direct_need) / hours


@njit
def staff_turnover(filled, posts_contract, end_week, lettings, award, week, horizon,
                   soft_insecurity, insecurity, load, load_threshold, admin_share, stress,
                   from_load, from_admin, from_insecurity, relief, stress_weeks,
                   base_leaving, stress_leaving, insecurity_leaving, base_leave):
    """StaffTurnover's per-post part: insecurity, stress and who leaves. ``award``:
    0 price_quality, 1 alliance, 2 partnership. Returns (headcount, leavers)."""
    n_posts = filled.size
    leavers = np.empty(n_posts, np.int64)
    n_leave = 0
    headcount = 0
    for p in range(n_posts):
        if not filled[p]:
            continue
        headcount += 1
        c = posts_contract[p]
        left = end_week[c] - week
        tender = tendered_next(award, lettings[c])
        ramp = clip01(1.0 - left / horizon)
        ins = ramp * (1.0 if tender else soft_insecurity)
        insecurity[p] = ins
        stressors = (from_load * max(load[p] - load_threshold, 0.0)
                     + from_admin * admin_share[p] + from_insecurity * ins)
        target = stressors * (1.0 - relief)
        s = stress[p]
        s = clip01(s + (clip01(target) - s) / stress_weeks)
        stress[p] = s
        hazard = base_leaving + stress_leaving * s + insecurity_leaving * ins
        if uniform(base_leave, p) < hazard:
            leavers[n_leave] = p
            n_leave += 1
    return headcount, leavers[:n_leave]


@njit
def vacancies_filled(filled, posts_contract, base_fill, fill_chance):
    hires = np.empty(filled.size, np.int64)
    m = 0
    for p in range(filled.size):
        if not filled[p] and posts_contract[p] >= 0 and uniform(base_fill, p) < fill_chance:
            hires[m] = p
            m += 1
    return hires[:m]


@njit
def staff_week(filled, posts_contract, end_week, lettings, award, week, horizon,
               soft_insecurity, insecurity, load, load_threshold, admin_share, stress,
               from_load, from_admin, from_insecurity, relief, stress_weeks, base_leaving,
               stress_leaving, insecurity_leaving, base_leave, vacant_since, caseload, n,
               practitioner, status, relationship, run_weeks, wait_since, priority,
               engagement, engagement_loss, base_fill, fill_chance, posts_org, c_org,
               people_contract, rows, at, detail, left_out, hires_out):
    """StaffTurnover's week up to hiring, in one call and in its order: insecurity,
    stress and who leaves (``staff_turnover``), their posts vacant and their people
    back on the waiting list (``practitioners_leave``), then which vacant posts are
    filled this week (``vacancies_filled``, a post left this week among them).

    The posts left and the posts to hire into are written to the first entries of
    ``left_out`` and ``hires_out`` (int64, one a post, buffers the caller keeps).
    Returns (headcount, posts left, the number of people affected, posts to hire into),
    the posts as counts; the leavers logged by ``practitioners_leave``."""
    headcount, leavers = staff_turnover(
        filled, posts_contract, end_week, lettings, award, week, horizon, soft_insecurity,
        insecurity, load, load_threshold, admin_share, stress, from_load, from_admin,
        from_insecurity, relief, stress_weeks, base_leaving, stress_leaving,
        insecurity_leaving, base_leave)
    left, affected = practitioners_leave(
        leavers, filled, vacant_since, stress, caseload, week, n, practitioner, status,
        relationship, run_weeks, wait_since, priority, engagement, engagement_loss,
        posts_org, c_org, people_contract, rows, at, detail)
    hires = vacancies_filled(filled, posts_contract, base_fill, fill_chance)
    for k in range(left.size):
        left_out[k] = left[k]
    for k in range(hires.size):
        hires_out[k] = hires[k]
    return headcount, left.size, affected, hires.size


# --- metrics ------------------------------------------------------------------------------

@njit
def record_people(status, needs, n, thr, worked_who, worked_w, week, wait_since,
                  longest_run, support_weeks, scratch, scratch_rows):
    """The Recorder's per-person figures, with numpy's sums. Returns (wellbeing sum,
    present, significant needs, needs addressed, waiting, total wait, disengaged,
    continuity sum, in support). ``scratch`` (float, at least (ND + 2) x ``n``) and
    ``scratch_rows`` (int64, at least ``n``) are working space the Recorder keeps from
    week to week (see :func:`who_with_into`)."""
    wb = scratch[:n]
    sig = 0
    disengaged = 0
    waiting = 0
    wait_total = 0
    cont = scratch[n:2 * n]
    n_sup = 0
    # Counts are added as 0 or 1 rather than branched on: which of a person's needs are
    # significant, and whether someone present is in support, follow no pattern the
    # processor can predict (a third of this kernel's time went on mispredicted
    # branches). Continuity is computed for everyone present and kept for those in
    # support (the same values, in the same order, as computing it for them alone).
    present = scratch_rows[:n]
    n_present = 0
    present_bits = status_bits(_PRESENT)
    for i in range(n):
        s = status[i]
        # Counted without a branch too: under competition waiting lists are long, and
        # who is waiting follows no pattern the processor can predict.
        is_waiting = s == WAITING
        waiting += is_waiting
        wait_total += (week - wait_since[i]) * is_waiting
        present[n_present] = i  # who_with's pass, done here with the waiting count
        n_present += (present_bits >> s) & 1
    # Wellbeing and significant needs a block of people at a time, laid out by need
    # (need_columns_into): the compiler then works out several people's square roots
    # at once (SIMD), each as wellbeing_row does it; person by person it did one at a
    # time (the kernel took a tenth longer on a default-place week).
    nd = np.empty((ND, _BLOCK))
    present = present[:n_present]
    for lo in range(0, n_present, _BLOCK):
        block = present[lo:lo + _BLOCK]
        mb = block.size
        need_columns_into(needs, block, nd)
        n0, n1, n2, n3, n4, n5 = nd[0], nd[1], nd[2], nd[3], nd[4], nd[5]
        for k in range(mb):
            sq = n0[k] * n0[k] + n1[k] * n1[k]
            sq += n2[k] * n2[k]
            sq += n3[k] * n3[k]
            sq += n4[k] * n4[k]
            sq += n5[k] * n5[k]
            wb[lo + k] = 1.0 - math.sqrt(sq / ND)
            sig += ((n0[k] > thr) + (n1[k] > thr) + (n2[k] > thr) + (n3[k] > thr)
                    + (n4[k] > thr) + (n5[k] > thr))
        for k in range(mb):
            i = block[k]
            s = status[i]
            disengaged += s == DISENGAGED
            cont[n_sup] = longest_run[i] / max(support_weeks[i], 1)
            n_sup += s == IN_SUPPORT
    addressed = 0.0
    if worked_who.size:
        prod = scratch[2 * n:2 * n + worked_who.size * ND]
        for k in range(worked_who.size):
            i = worked_who[k]
            for d in range(ND):
                # The weight loaded either way, so the compiler selects rather than
                # branches on whether the need is significant (as in support).
                wd = worked_w[k, d]
                prod[k * ND + d] = wd if needs[i, d] > thr else 0.0
        addressed = pairwise_sum(prod, 0, prod.size)
    return (pairwise_sum(wb, 0, n_present), n_present, sig, addressed, waiting, wait_total,
            disengaged, pairwise_sum(cont, 0, n_sup), n_sup)


@njit
def record_posts(filled, hours_worked, hours_admin, stress, caseload, posts_org, performance):
    """The Recorder's per-post figures: (hours worked, admin hours, stress sum, filled,
    caseload sum, provider performance sum), with numpy's sums."""
    n_posts = filled.size
    st = np.empty(n_posts)
    pf = np.empty(n_posts)
    m = 0
    cases = 0
    for p in range(n_posts):
        if filled[p]:
            st[m] = stress[p]
            pf[m] = performance[posts_org[p]]
            cases += caseload[p]
            m += 1
    return (pairwise_sum(hours_worked, 0, n_posts), pairwise_sum(hours_admin, 0, n_posts),
            pairwise_sum(st, 0, m), m, cases, pairwise_sum(pf, 0, m))


@njit
def rank_pair(values, n, k, counts, picked):
    """The values of rank ``k`` and ``k + 1`` (0 = the least; ``k + 1 < n``) among
    ``values[:n]``, by bucketing: each value's bucket, ``int((value - least) x
    buckets / range)``, never decreases as the value grows (each operation rounds
    monotonically), so counting the values per bucket finds the bucket holding rank
    ``k`` and the one holding rank ``k + 1``, and only the few values in those buckets
    (and any between) are sorted. Which values hold those ranks does not depend on the
    method, ties included. ``counts`` (int64, at least ``_RANK_BUCKETS + 1``) and
    ``picked`` (float, at least ``n``) are scratch.

    Until 3 December 2026 this was Wirth's selection, partitioning in place: its
    comparisons go either way at random on fresh skills, and a processor that cannot
    predict them took 32 us for the six domains of 400 posts (7 us on the same skills
    replayed); a new hire asks for best practice most weeks."""
    least = values[0]
    most = values[0]
    for j in range(1, n):
        x = values[j]
        least = min(least, x)
        most = max(most, x)
    if least == most:
        return least, least
    scale = _RANK_BUCKETS / (most - least)
    if not scale < math.inf:  # a range too small to divide: one bucket, all sorted
        scale = 0.0
    for b in range(_RANK_BUCKETS + 1):
        counts[b] = 0
    for j in range(n):
        counts[_rank_bucket(values[j], least, scale)] += 1
    # The buckets holding ranks k and k + 1, and how many values lie below the first.
    below = 0
    first = 0
    while below + counts[first] <= k:
        below += counts[first]
        first += 1
    last = first
    through = below + counts[first]
    while through <= k + 1:
        last += 1
        through += counts[last]
    m = 0
    for j in range(n):
        b = _rank_bucket(values[j], least, scale)
        if first <= b <= last:  # rare: a branch that is almost always predicted
            picked[m] = values[j]
            m += 1
    for i in range(1, m):  # insertion sort of the few
        x = picked[i]
        j = i - 1
        while j >= 0 and x < picked[j]:
            picked[j + 1] = picked[j]
            j -= 1
        picked[j + 1] = x
    return picked[k - below], picked[k - below + 1]


_RANK_BUCKETS = 256  # buckets of rank_pair: about two values each for 400 posts


@njit
def _rank_bucket(x, least, scale):
    """``rank_pair``'s bucket of ``x`` (0 to ``_RANK_BUCKETS``): never smaller for a
    larger ``x``."""
    return min(int((x - least) * scale), _RANK_BUCKETS)


@njit
def record_week(status, needs, n, thr, worked_who, worked_w, week, wait_since, longest_run,
                support_weeks, scratch, scratch_rows, filled, hours_worked, hours_admin,
                stress, caseload, posts_org, performance, active, trust, reserves, crises,
                referrals, assessments, system_learning, transport_barrier, trials_started,
                trials_grown, levels, column):
    """The Recorder's week: :func:`record_people`, :func:`record_posts` and
    :func:`record_organisations`, then each level worked out as ``Recorder.record``
    does and written into ``levels[:, column]`` in the order of ``metrics._WRITTEN``
    (a test holds the two orders together). Divisions by a count of nothing give the
    plain path's figure (NaN for a mean of nobody's wellbeing, continuity, trust or
    performance; 0 for the others)."""
    (wb_sum, n_in_place, total_sig, addressed, n_waiting, wait_total, n_disengaged,
     continuity_sum, n_sup) = record_people(status, needs, n, thr, worked_who, worked_w,
                                            week, wait_since, longest_run, support_weeks,
                                            scratch, scratch_rows)
    worked_hours, admin_hours, stress_sum, n_filled, cases, performance_sum = record_posts(
        filled, hours_worked, hours_admin, stress, caseload, posts_org, performance)
    n_active, trust_total, reserves_total = record_organisations(active, trust, reserves)
    n_present = max(n_in_place, 1)
    arrived = max(n, 1)
    grown = 0
    for o in range(trials_grown.size):
        grown += trials_grown[o]
    out = levels[:, column]
    out[0] = wb_sum / n_in_place if n_in_place else np.nan  # wellbeing_mean
    out[1] = 1.0 - addressed / total_sig if total_sig else 0.0  # unmet_need
    out[2] = wait_total / n_waiting if n_waiting else 0.0  # waiting_weeks_mean
    out[3] = 1000.0 * crises / n_present  # crises_per_1000
    out[4] = n_disengaged / n_present  # disengaged_share
    out[5] = referrals / arrived  # referrals_per_person
    out[6] = assessments / arrived  # assessments_per_person
    out[7] = continuity_sum / n_sup if n_sup else np.nan  # continuity_index
    out[8] = admin_hours / worked_hours if worked_hours else 0.0  # admin_time_share
    out[9] = stress_sum / n_filled if n_filled else 0.0  # practitioner_stress_mean
    out[10] = n_active  # organisations_active
    out[11] = ((trust_total - n_active) / (n_active * (n_active - 1)) if n_active > 1
               else np.nan)  # trust_mean
    out[12] = system_learning
    out[13] = reserves_total / 100.0  # reserves_total
    out[14] = n_in_place  # people_in_place
    out[15] = wb_sum if n_in_place else 0.0  # wellbeing_sum
    out[16] = n_waiting  # people_waiting
    out[17] = n_sup  # people_in_support
    out[18] = n_filled  # practitioners_in_post
    out[19] = cases / n_filled if n_filled else 0.0  # caseload_mean
    out[20] = performance_sum / n_filled if n_filled else np.nan  # provider_performance
    out[21] = transport_barrier
    out[22] = trials_started
    out[23] = grown  # trials_grown


@njit
def best_practice(skill, filled, q):
    """``np.quantile(skill[filled], q, axis=0)`` (numpy's default, linear method), bit
    for bit: per need domain, the sorted skills of the posts filled, the virtual index
    (n - 1) x q, and numpy's interpolation between its two neighbours (``a + (b - a) t``,
    or ``b - (b - a)(1 - t)`` where t >= 0.5; the largest value at or past the end).
    The two neighbours are the values of rank ``below`` and ``below + 1``
    (:func:`rank_pair`). The filled posts' skills are gathered once, a row per domain
    (twice as fast as ``np.partition`` on each domain's gathered column, and a
    collaborative run asks about 450 times)."""
    n = 0
    for p in range(filled.size):
        n += filled[p]
    out = np.empty(ND)
    values = np.empty((ND, n))
    k = 0
    for p in range(filled.size):
        if filled[p]:
            for d in range(ND):
                values[d, k] = skill[p, d]
            k += 1
    virtual = (n - 1) * q
    below = int(math.floor(virtual))
    t = virtual - below
    counts = np.empty(_RANK_BUCKETS + 1, np.int64)
    picked = np.empty(n)
    for d in range(ND):
        v = values[d]
        if virtual >= n - 1:
            out[d] = v.max()
            continue
        a, b = rank_pair(v, n, below, counts, picked)
        diff = b - a
        out[d] = b - diff * (1 - t) if t >= 0.5 else a + diff * t
    return out


@njit
def hire(post, posts_org, specialism, noise, general, specialist, sd, low, high, best, pull,
         skill, filled, stress, new_stress, insecurity, hire_week, week, caseload):
    """``operations.hire``: each new practitioner's skill (general, or specialist in
    their organisation's specialism, plus ``sd`` x noise, clipped to [low, high], then
    pulled ``pull`` of the way up to ``best`` where ``best`` is given), and their post
    filled afresh."""
    for k in range(post.size):
        p = post[k]
        spec = specialism[posts_org[p]]
        for d in range(ND):
            base = specialist if d == spec else general
            s = min(max(base + sd * noise[k, d], low), high)
            if best.size:
                s += pull * max(best[d] - s, 0.0)
            skill[p, d] = s
    for k in range(post.size):
        p = post[k]
        filled[p] = True
        stress[p] = new_stress
        insecurity[p] = 0.0
        hire_week[p] = week
        caseload[p] = 0


@njit
def hire_drawn(post, base, posts_org, specialism, general, specialist, sd, low, high,
               learnt, q, pull, skill, filled, stress, new_stress, insecurity, hire_week,
               week, caseload):
    """``operations.hire_drawn``: :func:`hire` with each new practitioner's noise drawn
    here from the stream whose week ``base`` is given (slot post x domains + domain, as
    ``Stream.normal`` draws them), and the best practice (where the place has ``learnt``
    something and a post is filled) worked out here from the posts filled before these.
    One call where the mechanism made four (the draws, the quantile, the hire)."""
    noise = np.empty((post.size, ND))
    for k in range(post.size):
        for d in range(ND):
            noise[k, d] = normal(base, post[k] * ND + d)
    best = best_practice(skill, filled, q) if learnt and filled.any() else np.empty(0)
    hire(post, posts_org, specialism, noise, general, specialist, sd, low, high, best, pull,
         skill, filled, stress, new_stress, insecurity, hire_week, week, caseload)


@njit
def trust_sum(trust, active):
    """Sum of the trust matrix among active organisations (numpy's sum of the
    sub-matrix)."""
    a = active.size
    sub = np.empty(a * a)
    for x in range(a):
        for y in range(a):
            sub[x * a + y] = trust[active[x], active[y]]
    return pairwise_sum(sub, 0, a * a)


@njit
def partners(c_org, c_active, n_orgs):
    """The organisations holding a contract in force, ascending (``sorted({c.org for c
    in contracts if c.active})``)."""
    holds = _holders(n_orgs, c_org, c_active)
    return np.flatnonzero(holds)


@njit
def learning_meeting(c_org, c_active, trust, learning, learning_gain, trust_weight,
                     trust_gain, learning_cost, meeting_cost, effort, challenge, skill,
                     filled, q, reflection, practice, spread_gain, spread):
    """A learning meeting's arithmetic (``LearningMeetings.step`` up to the barriers),
    among the partners (:func:`partners`): the place's learning, from ``learning``,
    grows with the partners' mean trust; trust among them grows; their managers' time
    (``meeting_cost`` pence each) and peer challenge to effort; every practitioner
    pulled towards best practice by the new learning; and the lead's grown practice
    spread to partners by domain, in proportion to trust (as it was before this
    meeting) and ``spread`` (spread rate x adoption fidelity). Returns (partners, the
    place's learning after); with no partners, nothing is changed."""
    members = partners(c_org, c_active, trust.shape[0])
    m = members.size
    if m == 0:
        return 0, learning
    before = np.empty((m, m))
    for x in range(m):
        for y in range(m):
            before[x, y] = trust[members[x], members[y]]
    mean_trust = (pairwise_sum(before.ravel(), 0, m * m) - m) / max(m * (m - 1), 1)
    learning = learning + learning_gain * (1 - learning) * (
        (1 - trust_weight) + trust_weight * mean_trust)
    for x in range(m):
        for y in range(m):
            trust[members[x], members[y]] = before[x, y] + trust_gain * (1 - before[x, y])
    for x in range(m):
        o = members[x]
        learning_cost[o] += meeting_cost
        effort[o] += challenge * (1.0 - effort[o])
    if filled.any():
        best = best_practice(skill, filled, q)
        pull = reflection * learning
        for p in range(filled.size):
            if filled[p]:
                for d in range(ND):
                    skill[p, d] += pull * max(best[d] - skill[p, d], 0.0)
    column = np.empty(m)
    for d in range(ND):
        lead = 0  # the first partner with the most grown practice in this domain
        for x in range(1, m):
            if practice[members[x], d] > practice[members[lead], d]:
                lead = x
        top = practice[members[lead], d]
        for x in range(m):
            column[x] = practice[members[x], d]
        for x in range(m):
            o = members[x]
            gain = max(spread * before[x, lead] * (top - column[x]), 0.0)
            practice[o, d] = column[x] + gain
            spread_gain[o, d] += gain
    return m, learning


@njit
def budget_moves(active, waiting, c_posts, c_value, vacant, n_move, posts_contract,
                 posts_filled, posts_org, c_org):
    """``Commissioning.flexible_budget``'s moves, one post at a time as it makes them:
    the contract with the longest waiting list per post (the first such among
    ``active``, the contracts in force with posts, in index order) takes a vacant post
    and its money from the least pressed contract below it that has a vacant post and
    more than one post (the first in ``active`` order on a tie, as a stable sort gives).
    ``c_posts``, ``c_value`` (pence a week), ``vacant`` and the posts' contract and
    holder are updated in place. Returns the number of posts moved."""
    moved = 0
    for _ in range(n_move):
        dst = -1
        top = 0.0
        for c in active:
            r = waiting[c] / c_posts[c]
            if dst < 0 or r > top:
                dst, top = c, r
        src = -1
        low = 0.0
        for c in active:
            if c == dst or c_posts[c] <= 1 or vacant[c] <= 0:
                continue
            r = waiting[c] / c_posts[c]
            if r < top and (src < 0 or r < low):
                src, low = c, r
        if src < 0:
            break
        p = 0
        while posts_contract[p] != src or posts_filled[p]:
            p += 1
        vacant[src] -= 1
        vacant[dst] += 1
        per_post = c_value[src] // c_posts[src]
        c_value[src] -= per_post
        c_value[dst] += per_post
        c_posts[src] -= 1
        c_posts[dst] += 1
        posts_contract[p] = dst
        posts_org[p] = c_org[dst]
        moved += 1
    return moved


@njit
def tender_bids(active, incumbent, lot_domains, lot_locality, specialism, locality, reach,
                reserves, bid_cost, c_org, c_active, discount_base, quality_base,
                max_discount, discount_with_work, o_reported, o_closures, prior,
                signal_sd, performance, observability, price_weight, incumbent_advantage,
                trust, trust_loss):
    """``Commissioning.tender``'s bids and scoring for one lot: the open organisations
    that may bid (the incumbent, and those whose specialism the lot covers within
    ``reach`` localities) and can afford to, in row order; each pays ``bid_cost``
    (pence) out of ``reserves``; its discount (hungrier without a contract in force) and
    the noise in how its reported success and its practice read are drawn from the
    lot's bases (slot = the organisation's row); the best price-quality score wins (the
    incumbent's advantage added; the first best on a tie); and bidding against each
    other erodes trust among them (the trust matrix's diagonal set to 1 after).
    Returns (the bidders, the winner's position among them, its discount); no bidders:
    (empty, -1, 0.0), nothing changed."""
    n = active.size
    bidders = np.empty(n, np.int64)
    m = 0
    for o in range(n):
        if not active[o]:
            continue
        if o == incumbent or (lot_domains[specialism[o]] and
                              abs(locality[o] - lot_locality) <= reach):
            if reserves[o] >= bid_cost:
                bidders[m] = o
                m += 1
    if m == 0:
        return bidders[:0], -1, 0.0
    bidders = bidders[:m]
    holds = _holders(n, c_org, c_active)
    discounts = np.empty(m)
    reported = np.empty(m)
    practice = np.empty(m)
    for k in range(m):
        o = bidders[k]
        reserves[o] -= bid_cost
        u = uniform(discount_base, o)
        z = normal(quality_base, o)
        hungry = discount_with_work if holds[o] else 1.0
        discounts[k] = max_discount * u * hungry
        rate = (o_reported[o] + prior) / (o_closures[o] + 1.0)
        reported[k] = max(rate + signal_sd * z, 1e-6)
        practice[k] = max(performance[o] + signal_sd * z, 1e-6)
    lowest = 1 - discounts[0]
    top_reported = reported[0]
    top_practice = practice[0]
    for k in range(1, m):
        lowest = min(lowest, 1 - discounts[k])
        top_reported = max(top_reported, reported[k])
        top_practice = max(top_practice, practice[k])
    win = 0
    best = 0.0
    for k in range(m):
        price_score = lowest / (1 - discounts[k])
        quality_score = ((1 - observability) * reported[k] / top_reported
                         + observability * practice[k] / top_practice)
        score = price_weight * price_score + (1 - price_weight) * quality_score
        if bidders[k] == incumbent:
            score += incumbent_advantage
        if k == 0 or score > best:
            win = k
            best = score
    if m > 1:
        keep = 1 - trust_loss
        for x in range(m):
            for y in range(m):
                trust[bidders[x], bidders[y]] *= keep
        for o in range(trust.shape[0]):
            trust[o, o] = 1.0
    return bidders, win, discounts[win]


@njit
def record_organisations(active, trust, reserves):
    """The Recorder's per-organisation figures: (open organisations, the sum of trust
    among them as ``trust_sum`` adds it, their reserves in pence)."""
    idx = np.flatnonzero(active)
    total = 0
    for k in range(idx.size):
        total += reserves[idx[k]]
    return idx.size, trust_sum(trust, idx) if idx.size > 1 else 0.0, total


@njit
def exits(out, status, practitioner, caseload, relationship, run_weeks, contract, exit_week,
          wellbeing_end, needs, week, exited, rows, at):
    """Exits: people leave the place (``operations.release`` without a reason, then
    their exit is recorded and logged)."""
    for k in range(out.size):
        i = out[k]
        if status[i] == IN_SUPPORT:
            p = practitioner[i]
            if p >= 0:
                caseload[p] -= 1
            practitioner[i] = -1
            relationship[i] = 0.0
            run_weeks[i] = 0
    for k in range(out.size):
        i = out[k]
        contract[i] = -1
        status[i] = exited
        exit_week[i] = week
        wellbeing_end[i] = wellbeing_row(needs, i)
        log_row(rows, at, week, EV_EXITED, i, -1, -1, 0)


@njit
def horizon_outcomes(lo, hi, status, needs, column, exited):
    """PersonOutcomes: wellbeing of people who arrived in one week, at a horizon."""
    for i in range(lo, hi):
        if status[i] != exited:
            column[i] = wellbeing_row(needs, i)


@njit
def effort_and_drift(drift, c_active, lettings, award, c_org, prov_active, effort, decay,
                     practice, spread_gain):
    """EffortAndDrift: untested organisations lose effort; grown practice fades."""
    if drift > 0 and c_active.size:
        tested = np.zeros(effort.size, np.bool_)
        for c in range(c_active.size):
            if c_active[c] and tendered_next(award, lettings[c]):
                tested[c_org[c]] = True
        for o in range(effort.size):
            if prov_active[o] and not tested[o]:
                effort[o] *= 1.0 - drift
    if decay > 0:
        for o in range(practice.shape[0]):
            for d in range(practice.shape[1]):
                practice[o, d] -= decay * (practice[o, d] - 1.0)
                spread_gain[o, d] *= 1.0 - decay


# --- money and the market ----------------------------------------------------------------

@njit
def _holders(n, c_org, c_active):
    """Which of ``n`` organisations hold a contract in force."""
    holds = np.zeros(n, np.bool_)
    for c in range(c_org.size):
        if c_active[c]:
            holds[c_org[c]] = True
    return holds


@njit
def _something_happens(o, holds, reserves, last_held, entry_week, trial_domain,
                       trial_start, week, exit_weeks, trial_weeks, test_and_learn, start_base,
                       p_start):
    """Whether open organisation ``o``'s turn this week needs the mechanism's Python:
    its trial is judged or starts, it closes (reserves gone) or leaves the market (no
    contract for ``exit_weeks``)."""
    if trial_domain[o] >= 0:
        if week - trial_start[o] >= trial_weeks:
            return True  # a trial is judged
    elif test_and_learn and holds[o] and uniform(start_base, o) < p_start:
        return True  # a trial starts (``start_base``: the trial-start stream's week base)
    if reserves[o] < 0:
        return True  # closes
    return not holds[o] and week - max(last_held[o], entry_week[o]) >= exit_weeks


@njit
def _quiet_turn(o, holds, trial_domain, learning_cost, trial_cost, last_held, week):
    """What the loop does for an organisation to which nothing happens: a running
    trial's cost; the week it last held a contract."""
    if trial_domain[o] >= 0:
        learning_cost[o] += trial_cost
    if holds[o]:
        last_held[o] = week


@njit
def providers_quiet(active, reserves, last_held, entry_week, c_org, c_active, trial_domain,
                    trial_start, week, exit_weeks, trial_weeks, test_and_learn, start_base,
                    p_start, learning_cost, trial_cost):
    """ProviderDecisions in a quiet week. If nothing happens to any open organisation
    (``_something_happens``), do what the mechanism's loop would do for each
    (``_quiet_turn``) and return True: in such a week nothing one organisation does
    changes another's turn, so the drawn order does not matter (and is not drawn).
    Else change nothing and return False (the turns are taken in the drawn order)."""
    n = active.size
    holds = _holders(n, c_org, c_active)
    for o in range(n):
        if active[o] and _something_happens(
                o, holds, reserves, last_held, entry_week, trial_domain, trial_start, week,
                exit_weeks, trial_weeks, test_and_learn, start_base, p_start):
            return False
    for o in range(n):
        if active[o]:
            _quiet_turn(o, holds, trial_domain, learning_cost, trial_cost, last_held, week)
    return True


TRIAL_GROWN, TRIAL_FAILED, TRIAL_STARTED = 0, 1, 2
"""The trial events :func:`providers_turns` reports (its ``ev_kind``)."""


@njit
def providers_turns(order, start, active, reserves, last_held, entry_week, c_org, c_active,
                    trial_domain, trial_start, week, exit_weeks, trial_weeks, test_and_learn,
                    start_base, p_start, learning_cost, trial_cost, c_domains, trial_effect,
                    domain_base, effect_base, judgement_base, effect_mean, effect_sd,
                    optimism, noise_sd, fidelity, practice_min, practice_max, practice,
                    trials_run, trials_grown, failed_learning, system_learning, ev_org,
                    ev_kind, ev_domain, ev_effect):
    """ProviderDecisions' turns from ``order[start]`` on, each as ``turn`` takes it,
    trials included (``test_and_learn``: a running trial's cost; a trial judged, with
    its draw from ``judgement_base``, and grown or failed; a trial started, its domain
    and true effect drawn from ``domain_base`` and ``effect_base``), until the first
    organisation that closes (reserves gone) or leaves the market: its trial part is
    done, the rest of its turn is left to the mechanism's Python (closing moves lots and
    staff), and the next call reads the contracts afresh.

    The trial events are written in turn order into ``ev_org``, ``ev_kind``
    (``TRIAL_GROWN``, ``TRIAL_FAILED``, ``TRIAL_STARTED``), ``ev_domain`` and
    ``ev_effect`` (the true effect of a trial judged), at most one per organisation,
    for the mechanism to log and count. Returns (the closing organisation's position,
    or ``order.size``; the events written; system learning after failed trials taught
    the place)."""
    holds = _holders(active.size, c_org, c_active)
    n_ev = 0
    for k in range(start, order.size):
        o = order[k]
        if not active[o]:
            continue
        if trial_domain[o] >= 0:
            learning_cost[o] += trial_cost  # a running trial costs staff time
            if week - trial_start[o] >= trial_weeks:
                d = trial_domain[o]
                effect = trial_effect[o]
                trial_domain[o] = -1
                # Judged noisily, and hopefully: some harmful ideas look like successes.
                observed = effect + optimism + noise_sd * normal(judgement_base, o)
                if observed > 0:
                    practice[o, d] = min(max(practice[o, d] * (1 + effect * fidelity),
                                             practice_min), practice_max)
                    trials_grown[o] += 1
                    ev_kind[n_ev] = TRIAL_GROWN
                else:
                    system_learning = min(1.0, system_learning + failed_learning)
                    ev_kind[n_ev] = TRIAL_FAILED
                ev_org[n_ev] = o
                ev_domain[n_ev] = d
                ev_effect[n_ev] = effect
                n_ev += 1
        elif test_and_learn and holds[o] and uniform(start_base, o) < p_start:
            # Its first contract in force (``Contracts.held_by``) sets the trial's scope.
            c = 0
            while not (c_active[c] and c_org[c] == o):
                c += 1
            width = 0
            for d in range(ND):
                width += c_domains[c, d]
            pick = int(uniform(domain_base, o) * width)
            d = -1
            for j in range(ND):
                if c_domains[c, j]:
                    if pick == 0:
                        d = j
                        break
                    pick -= 1
            trial_domain[o] = d
            trial_effect[o] = effect_mean + effect_sd * normal(effect_base, o)
            trial_start[o] = week
            trials_run[o] += 1
            ev_org[n_ev] = o
            ev_kind[n_ev] = TRIAL_STARTED
            ev_domain[n_ev] = d
            ev_effect[n_ev] = 0.0
            n_ev += 1
        if reserves[o] < 0 or (not holds[o] and
                               week - max(last_held[o], entry_week[o]) >= exit_weeks):
            return k, n_ev, system_learning
        if holds[o]:
            last_held[o] = week
    return order.size, n_ev, system_learning


@njit
def providers_week(order_base, active, reserves, last_held, entry_week, c_org, c_active,
                   trial_domain, trial_start, week, exit_weeks, trial_weeks, test_and_learn,
                   start_base, p_start, learning_cost, trial_cost, c_domains, trial_effect,
                   domain_base, effect_base, judgement_base, effect_mean, effect_sd,
                   optimism, noise_sd, fidelity, practice_min, practice_max, practice,
                   trials_run, trials_grown, failed_learning, system_learning, ev_org,
                   ev_kind, ev_domain, ev_effect, order_out):
    """ProviderDecisions' week in one call: a quiet week done at once
    (:func:`providers_quiet`, no order drawn), else the week's order drawn from
    ``order_base`` (:func:`organisation_order`) and the turns taken up to the first
    organisation that closes or leaves (:func:`providers_turns`). The order is written
    to the first entries of ``order_out`` (int64, one an organisation, a buffer the
    caller keeps). Returns (the order's length, 0 in a quiet week; then what
    ``providers_turns`` returns)."""
    if providers_quiet(active, reserves, last_held, entry_week, c_org, c_active,
                       trial_domain, trial_start, week, exit_weeks, trial_weeks,
                       test_and_learn, start_base, p_start, learning_cost, trial_cost):
        return 0, 0, 0, system_learning
    order = organisation_order(order_base, active.size, active)
    for j in range(order.size):
        order_out[j] = order[j]
    k, n_ev, learning = providers_turns(
        order, 0, active, reserves, last_held, entry_week, c_org, c_active, trial_domain,
        trial_start, week, exit_weeks, trial_weeks, test_and_learn, start_base, p_start,
        learning_cost, trial_cost, c_domains, trial_effect, domain_base, effect_base,
        judgement_base, effect_mean, effect_sd, optimism, noise_sd, fidelity, practice_min,
        practice_max, practice, trials_run, trials_grown, failed_learning, system_learning,
        ev_org, ev_kind, ev_domain, ev_effect)
    return order.size, k, n_ev, learning


@njit
def organisation_order(base, n, active):
    """ProviderDecisions' order of the week: the rows 0..n-1 sorted by their uniform draw
    (a stable sort, as ``np.argsort(kind="stable")``), keeping the active ones."""
    u = np.empty(n)
    for i in range(n):
        u[i] = uniform(base, i)
    order = np.argsort(u, kind="mergesort")
    m = 0
    for k in range(n):
        if active[order[k]]:
            order[m] = order[k]
            m += 1
    return order[:m]


@njit
def contract_payments(value, posts, priced_rate, active, c_reported, c_closures, prior, used,
                      block, results_share, activity_share, cap_share, cap, pay):
    """``money.contract_payments``: this week's payment to each contract (pence), into
    ``pay`` (int64, one a contract, a buffer the caller keeps), with each contract's
    reported success rate worked out here as ``Performance.contract_rate`` does."""
    n_c = value.size
    for c in range(n_c):
        pay[c] = 0
        if not active[c]:
            continue
        rate = (c_reported[c] + prior) / (c_closures[c] + 1.0)
        results = min(cap_share, rate / priced_rate[c])
        activity = min(cap_share, used[c] / (max(posts[c], 1) * cap))
        pay[c] = int(value[c] * (block + results_share * results + activity_share * activity))


@njit
def used_places(status, contract, n, n_c):
    used = np.zeros(n_c, np.int64)
    for i in who_with(status, n, _IN_SUPPORT):
        used[contract[i]] += 1
    return used


@njit
def money(pay, c_org, c_active, active_org, other_pence, salary, filled, hours_worked,
          hours_admin, hours_assess, hours_learn, posts_org, funder_share, learning_cost,
          monitoring_pence, overhead_rate, fixed_pence, reserves):
    """The week's accounts (``Money.step``), in whole pence: reserves move in place.
    Returns (direct, assessment, admin, learning, overhead, reporting, other income),
    each summed over organisations (admin and reporting include monitoring returns),
    then the week's payments to contracts, summed: a tuple of integers, which numba
    hands back to Python for a fraction of an array's cost (about 1 us here)."""
    n_org = reserves.size
    income = np.zeros(n_org, np.int64)
    for c in range(pay.size):
        income[c_org[c]] += pay[c]
    direct = np.zeros(n_org, np.int64)
    assess = np.zeros(n_org, np.int64)
    admin = np.zeros(n_org, np.int64)
    learn = np.zeros(n_org, np.int64)
    reporting = 0
    for p in range(filled.size):
        if not filled[p]:
            continue
        worked = max(hours_worked[p], 1e-12)
        a = np.int64(math.floor(salary * hours_admin[p] / worked))
        s = np.int64(math.floor(salary * hours_assess[p] / worked))
        ln = np.int64(math.floor(salary * hours_learn[p] / worked))
        o = posts_org[p]
        direct[o] += salary - a - s - ln
        assess[o] += s
        admin[o] += a
        learn[o] += ln
        reporting += np.int64(math.floor(a * funder_share))
    n_contracts = np.zeros(n_org, np.int64)
    for c in range(c_org.size):
        if c_active[c]:
            n_contracts[c_org[c]] += 1
    totals = np.zeros(8, np.int64)
    for c in range(pay.size):
        totals[7] += pay[c]
    for o in range(n_org):
        if active_org[o]:
            learn[o] += learning_cost[o]
        staff_total = direct[o] + assess[o] + admin[o] + learn[o]
        monitoring = n_contracts[o] * monitoring_pence
        overhead = np.int64(math.floor(overhead_rate * staff_total)) + (
            fixed_pence if active_org[o] else 0)
        spend = staff_total + monitoring + overhead
        other = other_pence if active_org[o] else 0
        if active_org[o]:
            reserves[o] += income[o] + other - spend
        totals[0] += direct[o]
        totals[1] += assess[o]
        totals[2] += admin[o] + monitoring
        totals[3] += learn[o]
        totals[4] += overhead
        totals[5] += monitoring
        totals[6] += other
        learning_cost[o] = 0
    totals[5] += reporting
    return (totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], totals[6],
            totals[7])


@njit
def contract_factor(lettings, award, price_ratio, moved_week, week, contestability,
                    squeeze, mobilisation_weeks, mobilisation_loss):
    """``support.contract_factor``: per contract, the multiplier on its practitioners'
    progress (a tender in prospect, a price squeeze, a new holder mobilising)."""
    n_c = lettings.size
    out = np.empty(n_c)
    for c in range(n_c):
        tender = tendered_next(award, lettings[c])
        f = 1.0 + contestability * (1.0 if tender else 0.0)
        shortfall = clip01(1.0 - price_ratio[c])
        f *= max(1.0 - squeeze * shortfall, 0.0)
        if mobilisation_weeks > 0:
            since = week - moved_week[c]
            f *= 1.0 - mobilisation_loss * clip01(1.0 - since / mobilisation_weeks)
        out[c] = f
    return out
