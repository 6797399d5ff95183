"""Warm the compiled kernels' on-disk cache: ``python -m hls_sim.warm`` (``make`` runs it).

Compiling every kernel takes a few tens of seconds; numba then keeps the machine code
on disk (``hls_sim/__pycache__``, or ``NUMBA_CACHE_DIR``), and every later process,
pool and Dask workers included, loads it from there instead of compiling again. Small
models of both regimes (with a switch, so every mechanism's kernels run) are run with
the kernels on, once with the full event log and once as a sensitivity worker runs
(no event log kept), so that every kernel is compiled for the argument types a run
gives it; then one paid on activity, and the kernels a small run rarely reaches (a
tender, a lot ending with nobody to hold it, a caseload ended other than by closure, a
practitioner leaving other than by turnover, best practice asked from Python,
organisations' turns after one closed, a referral from Python) are called on their
own. A test checks that every kernel is compiled by the end. This module runs
a model, so it sits at the top of the layers (import-linter).
"""

from __future__ import annotations

import time

import numpy as np

from . import jit, operations
from .events import NullLog
from .model import HLSModel


def warm(verbose: bool = False) -> float:
    """Compile every kernel (or load it from the on-disk cache); returns the seconds."""
    start = time.perf_counter()
    was = jit.enabled()
    jit.set_enabled(True)
    try:
        for scenario, other in (("competitive", "collaborative"),
                                ("collaborative", "competitive")):
            for keep_events in (True, False):
                model = HLSModel(scenario, seed=0, place__n_people=200, place__n_weeks=60,
                                 switch_week=30, switch_to=other)
                if not keep_events:
                    model.log = NullLog()
                model.run()
        # Paid on activity (a lever neither preset pulls, but a sensitivity design may).
        model = HLSModel("competitive", seed=0, place__n_people=200, place__n_weeks=8,
                         procurement__activity_share=0.2)
        model.run()
        # A lot ending with nobody to hold it (rare in a small run): its people, with the
        # argument types end_lot gives.
        model.kernels.in_service_on(model.people.contract, model.people.status,
                                    model.n_arrived, 0)
        # Caseloads ended other than by closure (a lot or an organisation ending, people
        # leaving the place while in support, caseloads cut): operations.end_support.
        model.kernels.end_support(np.zeros(0, np.int64), model.people.practitioner,
                                  model.posts.caseload, model.people.relationship,
                                  model.people.run_weeks)
        # Practitioners leaving other than by turnover (a lot or an organisation
        # ending; turnover's own leavers go in kernels.staff_week): none here, so
        # nothing changes, with the argument types operations.practitioner_leaves gives.
        operations.practitioner_leaves(model, np.zeros(0, np.int64), "lot ended")
        # A tender (the small runs end before any lot's term does).
        commissioner = next(m for m in model.plan if m.name == "commissioning")
        commissioner.tender(model, model.contracts[0])
        # Best practice asked from Python (by a hire into a place that has learnt
        # something before its first week; the weeks' own are worked out inside
        # kernels.hire_drawn and kernels.learning_meeting).
        operations.best_practice(model)
        # Organisations' turns after one closed mid-week (kernels.providers_turns; the
        # week's first turns go in kernels.providers_week): no turns left here.
        providers = next(m for m in model.plan if m.name == "providers")
        providers.turns_compiled(model, np.zeros(0, np.int64), 0)
        # Referral from Python (a mechanism added to the plan may refer people; the
        # default week's referrals are made inside crises_week, access_week and
        # closure_week): the route table, and nobody referred.
        people, tally = model.people, model.tally
        model.kernels.refer_routed(
            np.zeros(0, np.int64), people.needs, people.locality, operations.route_table(model),
            model.week, operations.REREFERRAL_WINDOW, True, people.status, people.contract,
            people.wait_since, people.priority, people.referrals, people.closed_week,
            people.rereferrals, tally.rereferred_by_closure_week)
    finally:
        jit.set_enabled(was)
    seconds = time.perf_counter() - start
    if verbose:
        print(f"hls_sim kernels ready in {seconds:.1f} s")
    return seconds


if __name__ == "__main__":
    warm(verbose=True)
