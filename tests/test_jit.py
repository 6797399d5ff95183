"""The compiled kernels (hls_sim.kernels) and plain numpy give bit-identical results.

Every golden case runs on both paths: all three tables and the summary must be equal
exactly (not merely to the golden files' rounding), and the plain path must also match
the pinned golden files (test_golden runs the default, compiled path). Property tests
check the kernels' building blocks against numpy on random inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import hls_sim
from hls_sim import jit
from hls_sim.streams import Stream

from .golden.cases import CASES, TABLES, fingerprint, run_case

HERE = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not jit.AVAILABLE, reason="numba is not installed")


def _run(name: str, compiled: bool) -> hls_sim.Result:
    was = jit.enabled()
    jit.set_enabled(compiled)
    try:
        return run_case(name)
    finally:
        jit.set_enabled(was)


@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_and_plain_paths_are_bit_identical(name):
    plain, compiled = _run(name, False), _run(name, True)
    assert_same_results(plain, compiled)
    # and the plain path alone matches the pinned golden files
    pinned = json.loads((HERE / f"{name}.json").read_text())
    got = fingerprint(plain)
    assert got["summary"] == pinned["summary"]
    assert got["hashes"] == pinned["hashes"]


# Small places where the rarer paths of the week run often (seed 5, 156 weeks):
# "closures" has 17 organisations closing, 45 emergency and 11 direct awards, 139
# practitioners leaving and 57 hand-offs; "trials_and_moves" 43 trials (38 judged),
# re-lets and a provider leaving the market; "switch" a regime switch with both.
RARE_PATHS = {
    "closures": {"regime": "competitive", "money.budget_per_week": 14_000.0,
                 "procurement.contract_length_weeks": 52},
    "trials_and_moves": {"regime": "collaborative", "procurement.budget_flexibility": 0.2,
                         "learning.trial_rate_per_year": 3.0},
    "switch": {"regime": "competitive", "switch_week": 40, "switch_to": "collaborative"},
}
SMALL_PLACE = {"place.n_people": 500, "place.n_weeks": 156, "place.n_organisations": 10,
               "place.n_practitioners": 40, "place.n_localities": 2,
               "place.burn_in_weeks": 13, "money.budget_per_week": 29_000.0}


@pytest.mark.parametrize("name", sorted(RARE_PATHS))
def test_both_paths_agree_where_rare_events_are_common(name):
    params = {**SMALL_PLACE, **RARE_PATHS[name]}
    was = jit.enabled()
    try:
        jit.set_enabled(False)
        plain = hls_sim.run(params, seed=5)
        jit.set_enabled(True)
        compiled = hls_sim.run(params, seed=5)
    finally:
        jit.set_enabled(was)
    assert_same_results(plain, compiled)


def assert_same_results(plain: hls_sim.Result, other: hls_sim.Result) -> None:
    """Every table and every summary figure equal to the bit (NaN equal to NaN)."""
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(plain, table), getattr(other, table),
                                      check_exact=True)
    assert plain.summary.keys() == other.summary.keys()
    for k, v in plain.summary.items():
        w = other.summary[k]
        assert v == w or (v != v and w != w), f"{k}: plain {v!r}, other {w!r}"


@pytest.mark.parametrize("name", [*sorted(RARE_PATHS), "collaborative", "discretion"])
def test_exposure_summed_by_post_is_exposure_summed_as_it_goes(name, monkeypatch):
    """Support sums practitioners' exposure post by post at a large place
    (``kernels.exposure_by_post``) and as it goes at a small one: forced here at a small
    place (whole-person and narrow lots, several discretions), the compiled path
    summing by post gives the plain path's results to the bit."""
    from hls_sim.mechanisms import support

    params = {**SMALL_PLACE, **RARE_PATHS.get(name, {})}
    if name == "collaborative":
        params["regime"] = "collaborative"
    if name == "discretion":
        params.update({"regime": "competitive", "practice.discretion": 0.37})
    was = jit.enabled()
    try:
        jit.set_enabled(False)
        plain = hls_sim.run(params, seed=5)
        jit.set_enabled(True)
        monkeypatch.setattr(support, "EXPOSURE_BY_POST_ABOVE_BYTES", 0)
        by_post = hls_sim.run(params, seed=5)
    finally:
        jit.set_enabled(was)
    assert_same_results(plain, by_post)


def test_both_paths_agree_with_exponents_numpy_computes_by_cpu():
    """A coverage and a crisis exponent off numpy's exact paths (a sensitivity design
    varies them): needs after a year are the same to the bit on both paths, on any CPU
    (with numpy's own array power, one progress value in twenty differed in the last
    bit on a machine with AVX-512)."""
    from .conftest import small

    needs = []
    for compiled in (False, True):
        was = jit.enabled()
        jit.set_enabled(compiled)
        try:
            m = hls_sim.HLSModel(small(**{"support.coverage_exponent": 0.7,
                                          "people.crisis_exponent": 3.3}), seed=5)
            for _ in range(52):
                m.step()
            needs.append(m.people.needs.copy())
        finally:
            jit.set_enabled(was)
    assert np.array_equal(needs[0], needs[1])


def test_the_environment_switch_turns_the_kernels_off():
    code = ("import hls_sim; from hls_sim import jit; m = hls_sim.HLSModel('competitive', "
            "place__n_people=50, place__n_weeks=2); print(jit.enabled(), m.kernels is None)")
    for value, expect in (("0", "False True"), ("1", "True False")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**os.environ, "HLS_SIM_JIT": value}, cwd=ROOT, check=True)
        assert out.stdout.split() == expect.split()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=700))
def test_pairwise_sum_is_numpys_sum(values):
    from hls_sim.kernels import pairwise_sum

    a = np.array(values, dtype=float)
    assert pairwise_sum(a, 0, a.size) == a.sum()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.booleans(), min_size=7, max_size=7),
       st.lists(st.integers(0, 6), max_size=400), st.integers(0, 400))
def test_a_scan_over_people_finds_the_rows_its_status_table_marks(table, status, n):
    """who_with_into tests each status's bit in an integer made from the table
    (status_bits); the rows it finds, in order, are numpy's for the table itself."""
    from hls_sim.kernels import status_bits, who_with_into
    from hls_sim.state import STATUS_NAMES

    assert len(STATUS_NAMES) == 7  # the statuses the strategy draws
    table = np.array(table)
    status = np.array(status, dtype=np.int8)
    n = min(n, status.size)
    out = np.full(max(n, 1), -1, np.int64)
    found = who_with_into(status, n, table, out)
    assert found.tolist() == np.flatnonzero(table[status[:n]]).tolist()
    assert status_bits(table) == sum(1 << s for s in range(7) if table[s])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 600), st.integers(0, 5),
       st.lists(st.integers(0, 10**7), min_size=1, max_size=50))
def test_kernel_draws_are_the_streams_draws(seed, week, sub, slots):
    from hls_sim.kernels import uniform

    s = Stream(seed, "test.decision")
    expect = s.random(week, np.array(slots), sub)
    base = np.uint64(s.base(week, sub))
    assert [uniform(base, x) for x in slots] == expect.tolist()
    assert s.one(week, slots[0], sub) == expect[0]
    assert s.normal_one(week, slots[0], sub) == s.normal(week, np.array(slots), sub)[0]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 40_000), st.lists(st.integers(0, 40_000), max_size=300))
def test_ordering_weeks_by_radix_is_numpys_stable_order(largest, weeks):
    """People are built with their exits and life shocks in week order: the 16-bit
    radix sort must give numpy's stable order of the 64-bit weeks."""
    from hls_sim.state import stable_order_of_weeks

    week = np.minimum(np.array(weeks, np.int64), largest)
    assert np.array_equal(stable_order_of_weeks(week, largest),
                          np.argsort(week, kind="stable"))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(0, 3000), st.integers(0, 5),
       st.lists(st.integers(0, 2**40), max_size=30), st.booleans())
def test_a_stream_draws_the_same_numbers_with_the_kernels(seed, week, sub, slots, grid):
    """A model running the kernels gives its streams the kernels, which draw uniform
    and normal numbers in one call: they must be the plain stream's numbers, in the
    slots' shape."""
    from hls_sim import kernels

    slots = np.array(slots, np.int64)
    if grid:  # a (people, domains) grid of slots, as a hire draws
        slots = slots[:, None] * 6 + np.arange(6)
    plain, compiled = Stream(seed, "d"), Stream(seed, "d", kernels=kernels)
    for draw in ("random", "normal"):
        a = getattr(plain, draw)(week, slots, sub)
        b = getattr(compiled, draw)(week, slots, sub)
        assert a.shape == b.shape == slots.shape
        assert np.array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64 - 1), st.lists(st.integers(0, 5000), min_size=1, max_size=8))
def test_a_streams_table_of_week_bases_is_its_base(seed, weeks):
    """The kernels take each week's base from a table computed with numpy's wrapping
    uint64 arithmetic; it must be the base Python's integers give, in any week order
    (the table grows when a later week is asked for)."""
    s = Stream(seed, "test.decision")
    for week in weeks:
        got = s.week_base(week)
        assert isinstance(got, np.uint64)
        assert int(got) == s.base(week)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.sampled_from([0.5, 2.0, 4.0, 1.0, 0.37, 3.0, -1.0]))
@example(5e-324, -1.0)  # the smallest subnormal: its reciprocal overflows to inf
def test_npow_is_the_plain_paths_power(x, e):
    """The kernels and the plain path raise to a power alike on every machine: numpy's
    array power, SIMD code chosen by the CPU (SVML where there is AVX-512), differs from
    the C library's in the last bit for about one value in twenty, so the plain path
    uses numpy only for the exponents it computes exactly (``state.power``)."""
    from hls_sim.kernels import npow
    from hls_sim.state import power

    if x == 0.0 and e < 0:
        return
    # A subnormal x to the power -1 is infinite on both paths, which numpy reports as
    # an overflow (a warning only: the values are compared as they are).
    with np.errstate(over="ignore"):
        assert npow(x, e) == power(np.array([x]), e)[0] == power(np.array([[x, x]]), e)[0, 1]
        np.testing.assert_array_max_ulp(power(np.array([x]), e), np.array([x]) ** e, maxulp=1)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.one_of(st.integers(1, 60), st.integers(300, 900)), st.one_of(
    st.sampled_from([0.0, 0.25, 0.5, 0.75, 0.9, 1.0]), st.floats(0.0, 1.0)), st.booleans(),
    st.sampled_from(["shuffled", "ascending", "descending"]))
def test_best_practice_is_numpys_quantile(seed, n_posts, q, ties, order):
    """The skill new hires are pulled towards: the kernel's quantile of the filled
    posts' skills is numpy's (linear method) bit for bit, ties, one post filled, skills
    already in order (the worst case of a selection's pivot), and the ends (q = 0,
    q = 1, an index landing exactly on a post) included; places of a few posts and of
    hundreds (several skills to a bucket in ``rank_pair``)."""
    from hls_sim.kernels import best_practice

    rng = np.random.default_rng(seed)
    skill = rng.uniform(0.05, 1.0, (n_posts, 6))
    if ties:
        skill = np.round(skill, 1)
    if order != "shuffled":
        skill = np.sort(skill, axis=0)[::1 if order == "ascending" else -1]
    filled = rng.random(n_posts) < 0.7
    filled[rng.integers(n_posts)] = True
    np.testing.assert_array_equal(best_practice(skill, filled, q),
                                  np.quantile(skill[filled], q, axis=0))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=60), st.booleans())
def test_a_kernel_logs_rows_of_several_kinds_as_the_log_groups_them(codes, with_practitioner):
    """How closure_week logs the week's closures and hand-offs: grouped by kind in code
    order, each kind's rows in the order given, exactly the rows EventLog.people_events
    writes for the same closures (the plain path's call), empty kinds and no rows at all
    included."""
    from hls_sim.events import KINDS, EventLog
    from hls_sim.kernels import EV_CLOSED, log_by_kind

    code = np.array(codes, np.int64)
    persons = np.arange(100, 100 + code.size, dtype=np.int64)
    org = (persons % 7).astype(np.int32)
    prac = persons % 11 if with_practitioner else persons[:0]
    compiled, plain = EventLog(), EventLog()
    log_by_kind(compiled.room(code.size), compiled.at, 5, EV_CLOSED, 4, code, persons, org,
                prac)
    order = np.argsort(code, kind="stable")
    plain.people_events(5, KINDS[EV_CLOSED:EV_CLOSED + 4], np.bincount(code, minlength=4),
                        persons[order], org=org[order],
                        practitioner=prac[order] if with_practitioner else None)
    pd.testing.assert_frame_equal(compiled.to_frame(), plain.to_frame())


def _assign_with_numpy(waiting, free, posts_contract, n_c, week, wait_since, flag,
                       contract, complexity, pressure_weeks):
    """The plain path's matching (mechanisms.allocation), on bare arrays."""
    slot_post = np.repeat(np.arange(free.size), free)
    slot_no = np.arange(slot_post.size) - np.repeat(np.cumsum(free) - free, free)
    slot_contract = posts_contract[slot_post]
    order = np.lexsort((slot_post, slot_no, slot_contract))
    slot_post, slot_contract = slot_post[order], slot_contract[order]
    slots_per_c = np.bincount(slot_contract, minlength=n_c)
    slot_start = np.cumsum(slots_per_c) - slots_per_c
    wc = contract[waiting]
    priority = (week - wait_since[waiting]).astype(float)
    if pressure_weeks > 0:
        priority = priority + pressure_weeks * (1.0 - complexity[waiting] / 6)
    order = np.lexsort((-priority, ~flag[waiting], wc))
    waiting, wc = waiting[order], wc[order]
    counts = np.bincount(wc, minlength=n_c)
    rank = np.arange(waiting.size) - np.repeat(np.cumsum(counts) - counts, counts)
    take = rank < slots_per_c[wc]
    return waiting[take], slot_post[slot_start[wc[take]] + rank[take]]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 30),
       st.integers(0, 400), st.sampled_from([0.0, 0.0, 3.5]))
def test_matching_waiting_people_to_places_is_the_numpy_matching(seed, n_c, n_posts,
                                                                   n_people, weeks):
    """allocation_assign (which orders each contract's list only as far as it has
    places, picking a few places from a long list one by one) matches the plain
    path's three stable sorts, order included, with ties in priority."""
    from hls_sim import kernels

    rng = np.random.default_rng(seed)
    posts_contract = rng.integers(-1, n_c, n_posts)
    free = np.where(posts_contract >= 0, rng.integers(0, 3, n_posts) * rng.integers(0, 2, n_posts), 0)
    contract = rng.integers(0, n_c, n_people)
    waiting = np.flatnonzero(rng.random(n_people) < 0.8)
    wait_since = rng.integers(0, 12, n_people)  # few distinct waits: many ties
    flag = rng.random(n_people) < 0.2
    complexity = rng.integers(0, 7, n_people)
    args = (waiting, free.astype(np.int64), posts_contract, n_c, 12, wait_since, flag,
            contract, complexity, weeks)
    who, post = np.empty(n_people, np.int64), np.empty(n_people, np.int64)
    m = kernels.allocation_assign(*args, who, post)
    who, post = who[:m], post[:m]
    want_who, want_post = _assign_with_numpy(*args)
    assert np.array_equal(who, want_who) and np.array_equal(post, want_post)


def test_a_log_that_keeps_nothing_changes_no_result():
    """Mechanisms skip preparing log entries for a NullLog (a sensitivity worker's); the
    run's weekly figures and summary must not move."""
    from hls_sim import metrics
    from hls_sim.events import NullLog
    from hls_sim.model import HLSModel
    from hls_sim.result import people_frame

    case = CASES["competitive_tight_s3"]
    full = run_case("competitive_tight_s3")
    model = HLSModel(case["scenario"], seed=case["seed"])
    model.log = NullLog()
    model.run()
    ts = metrics.timeseries(model)
    pd.testing.assert_frame_equal(ts, full.timeseries, check_exact=True)
    summary = metrics.summary(model, ts, people_frame(model))
    assert summary.keys() == full.summary.keys()
    assert all(v == full.summary[k] or (v != v and full.summary[k] != full.summary[k])
               for k, v in summary.items())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), max_size=300),
       st.lists(st.integers(0, 50), max_size=300))
def test_the_summarys_mean_is_pandas_mean(floats, ints):
    """The summary takes means of numpy columns (no table is built for a sensitivity
    worker), skipping NaN exactly as pandas' ``Series.mean`` does, to the bit."""
    from hls_sim.metrics import _mean

    for values in (np.array(floats, float), np.array(ints, np.int64),
                   np.array(ints, np.int64) == 0):
        want, got = float(pd.Series(values).mean()), _mean(values)
        assert want == got or (want != want and got != got)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_sensitivity_workers_summary_is_the_results_summary(name):
    """A sensitivity worker computes the summary from the model's columns, without
    building the timeseries and people tables (and without an event log); every
    figure must equal the Result's, which is computed from the tables, to the bit."""
    from hls_sim.runner.models import HLSSimModel
    from hls_sim.runner.work import RunSpec

    case = CASES[name]
    full = run_case(name)
    adapter = HLSSimModel("hls_sim")
    row = adapter.simulate(case["scenario"], RunSpec(name, 0, case["seed"],
                                                     keep=()))["summary"].to_pandas().iloc[0]
    for k, v in full.summary.items():
        w = row[k]
        assert v == w or (v != v and w != w), f"{k}: table {v!r}, columns {w!r}"


def _run_in_worker(keep_events: bool) -> dict[str, int]:
    """A small run in a worker process, as a pool worker runs it (with or without the
    event log); returns what the worker compiled and loaded on the way."""
    from hls_sim.events import NullLog
    from hls_sim.model import HLSModel

    before = jit.cache_stats()
    model = HLSModel("collaborative", seed=4, place__n_people=300, place__n_weeks=60,
                     switch_week=30, switch_to="competitive")
    if not keep_events:
        model.log = NullLog()
    model.run()
    after = jit.cache_stats()
    return {k: after[k] - before[k] for k in after}


def test_a_forkserver_pool_worker_loads_the_kernels_without_compiling():
    """A worker started from a fork server (a fresh interpreter, as the runner's pool
    uses once threads exist, and Dask's LocalCluster) compiles nothing: every kernel it
    runs comes from the on-disk cache that make (or this module's runs) filled."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _run_in_worker(True), _run_in_worker(False)  # the cache holds every kernel by now
    ctx = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        got = list(pool.map(_run_in_worker, [True, False]))
    assert all(g["cache_misses"] == 0 for g in got), got
    assert sum(g["cache_hits"] for g in got) > 10, got


def test_a_new_process_loads_the_kernels_without_compiling():
    """Compiled once per machine: after this module's runs (or make) filled the cache, a
    fresh process (as a pool or Dask worker is) loads every kernel it uses from disk."""
    _run("competitive_s0", True)  # the cache holds every kernel a model uses by now
    code = ("import hls_sim; from hls_sim import kernels\n"
            "hls_sim.run('competitive', seed=3, place__n_people=300, place__n_weeks=60)\n"
            "hls_sim.run('collaborative', seed=3, place__n_people=300, place__n_weeks=60)\n"
            "fs = [getattr(kernels, n) for n in dir(kernels)]\n"
            "fs = [f for f in fs if hasattr(f, 'stats')]\n"
            "print(sum(sum(f.stats.cache_hits.values()) for f in fs),"
            " sum(sum(f.stats.cache_misses.values()) for f in fs))")
    out = _in_a_new_process(code)
    hits, misses = (int(x) for x in out.split())
    assert hits > 10 and misses == 0, out


def test_warming_compiles_every_kernel():
    """``python -m hls_sim.warm`` (run by make) reaches every compiled kernel, so no
    worker compiles one later: a kernel it misses shows here with no signature."""
    code = ("from hls_sim import kernels, warm\n"
            "warm.warm()\n"
            "fs = {n: getattr(kernels, n) for n in dir(kernels)}\n"
            "print(' '.join(sorted(n for n, f in fs.items()\n"
            "                      if hasattr(f, 'stats') and not f.signatures\n"
            "                      and n not in kernels.HELPERS)))")
    missed = _in_a_new_process(code).strip()
    assert missed == "", f"kernels warm never runs: {missed}"


def _in_a_new_process(code: str) -> str:
    """What ``code`` prints, run by a fresh interpreter with the kernels on."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "HLS_SIM_JIT": "1"}, cwd=ROOT,
                          check=True).stdout


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60))
def test_flexible_budget_moves_the_same_posts_and_money_compiled_or_plain(seed, n_move):
    """Commissioning.flexible_budget's moves (kernels.budget_moves against the plain
    loop), from a collaborative place's contracts with waiting lists, vacancies, posts
    and values drawn at random: the same posts move to the same contracts, with the
    same money, in the same number."""
    from hls_sim import HLSModel
    from hls_sim.mechanisms.commissioning import Commissioning

    def place():
        model = HLSModel("collaborative", seed=0, place__n_people=200, place__n_weeks=4)
        rng = np.random.default_rng(seed)
        for c in model.contracts:
            c.posts = int(rng.integers(0, 9))
            c.value = int(rng.integers(0, 10**9))
            c.active = bool(rng.random() < 0.9)
        model.contracts.changed()
        posts = model.posts
        posts.filled[:] = rng.random(posts.n) < 0.6
        active = [c for c in model.contracts if c.active and c.posts > 0]
        waiting = rng.integers(0, 40, len(model.contracts)).astype(np.int64)
        vacant = np.bincount(posts.contract[~posts.filled & (posts.contract >= 0)],
                             minlength=len(model.contracts))
        return model, (model, active, waiting, vacant, n_move)

    compiled, args = place()
    moved = Commissioning.budget_moves_compiled(*args)
    plain, args = place()
    assert moved == Commissioning.budget_moves(*args)
    for a, b in zip(compiled.contracts, plain.contracts, strict=True):
        assert (a.posts, a.value) == (b.posts, b.value)
    np.testing.assert_array_equal(compiled.posts.contract, plain.posts.contract)
    np.testing.assert_array_equal(compiled.posts.org, plain.posts.org)


def test_a_run_that_keeps_no_events_keeps_the_same_tables():
    """The runner gives a run whose events table is not kept a log that keeps nothing
    (a comparison's replicates after the first few); its timeseries, people and summary
    must equal those of the same run with its events kept, to the bit."""
    from hls_sim.runner.models import HLSSimModel
    from hls_sim.runner.work import RunSpec

    case = CASES["competitive_tight_s3"]
    adapter = HLSSimModel("hls_sim")
    tables = {keep: adapter.simulate(case["scenario"], RunSpec("a", 0, case["seed"],
                                                               keep=keep))
              for keep in (("timeseries", "people"), ("timeseries", "people", "events"))}
    without, with_events = tables.values()
    assert "events" not in without and len(with_events["events"]) > 0
    for name in ("summary", "timeseries", "people"):
        assert without[name].equals(with_events[name]), name
