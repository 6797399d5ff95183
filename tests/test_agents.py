"""Mesa agents stay real agents: AgentSet, DataCollector and views onto the arrays."""

from __future__ import annotations

import mesa
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import hls_sim
from hls_sim.agents import Commissioner, Organisation, Person, Practitioner

from .conftest import small


def test_agent_sets_and_views():
    m = hls_sim.HLSModel(small(), seed=2)
    for _ in range(20):
        m.step()
    types = m.agents_by_type
    assert len(types[Commissioner]) == 1
    assert len(types[Organisation]) == 12
    assert len(types[Practitioner]) == int(m.posts.filled.sum())
    present = np.isin(m.people.status[: m.n_arrived], (1, 2, 3, 4, 5))
    assert len(types[Person]) == int(present.sum())
    person = next(iter(types[Person]))
    assert 0 <= person.wellbeing <= 1 and set(person.needs) == set(hls_sim.params.DOMAINS)
    assert person.status in ("seeking", "waiting", "in_support", "closed", "disengaged")
    busy = m.practitioners.select(lambda a: a.caseload > 0)
    assert len(busy) > 0
    assert all(a.organisation.active for a in busy)
    assert m.practitioners.agg("caseload", sum) == int(m.posts.caseload.sum())


@settings(max_examples=12, deadline=None)
@given(looks=st.lists(st.booleans(), min_size=30, max_size=30))
def test_person_and_practitioner_agents_are_made_when_looked_at(looks):
    """Person and Practitioner agents are made when the model's agents are first read,
    not on arrival or hiring (a run nobody watches never pays for them): whichever weeks
    somebody looks, and through whichever reader, they find exactly one Person agent per
    person present and one Practitioner agent per practitioner in post (a new one for
    each hire), each a view onto its own row, ids unique; and the run's results are the
    same as a run nobody looked at."""
    watched = hls_sim.HLSModel(small(), seed=4)
    unwatched = hls_sim.HLSModel(small(), seed=4)
    readers = (lambda m: list(m.agents_by_type.get(Person, [])),
               lambda m: list(m.persons),
               lambda m: [a for a in m.agents if isinstance(a, Person)],
               lambda m: [a for a in m.person_agents if a is not None])
    seen: dict[tuple[int, int], object] = {}
    for week, look in enumerate(looks):
        watched.step()
        unwatched.step()
        if look:
            persons = readers[week % len(readers)](watched)
            present = np.flatnonzero(np.isin(watched.people.status[: watched.n_arrived],
                                             (1, 2, 3, 4, 5)))
            assert sorted(a.idx for a in persons) == present.tolist()
            assert all(watched.person_agents[a.idx] is a for a in persons)
            ids = [a.unique_id for a in watched.agents]
            assert len(ids) == len(set(ids))
            in_post = watched.practitioners
            assert sorted(a.post for a in in_post) == \
                np.flatnonzero(watched.posts.filled).tolist()
            for a in in_post:
                assert watched.practitioner_agents[a.post] is a
                # the practitioner hired into a post since the last look is a new agent
                assert seen.setdefault((a.post, int(watched.posts.hire_week[a.post])),
                                       a) is a
    # nobody looked: no Person or Practitioner agent was made
    assert unwatched.person_book.made == 0 and not unwatched.practitioner_book.looked
    assert not any(isinstance(a, (Person, Practitioner)) for a in unwatched._all_agents)
    for name in ("status", "needs", "exit_week", "wellbeing_end"):
        assert np.array_equal(getattr(watched.people, name), getattr(unwatched.people, name),
                              equal_nan=True)
    assert watched.ledger == unwatched.ledger


def test_removing_all_agents_leaves_none_for_the_people_present():
    m = hls_sim.HLSModel(small(), seed=4)
    for _ in range(8):
        m.step()
    m.remove_all_agents()
    assert len(m.agents) == 0 and not any(m.person_agents)
    assert not any(m.practitioner_agents)
    for _ in range(8):
        m.step()
    assert all(a.idx >= 0 for a in m.persons)  # people arriving later have agents again
    assert len(m.persons) == sum(a is not None for a in m.person_agents)
    assert len(m.practitioners) == sum(a is not None for a in m.practitioner_agents)


def test_datacollector_reads_agents():
    m = hls_sim.HLSModel(small(), seed=2)
    dc = mesa.DataCollector(
        model_reporters={"learning": lambda m: m.place.system_learning},
        agenttype_reporters={Practitioner: {"stress": "stress", "caseload": "caseload"}},
    )
    for _ in range(5):
        m.step()
        dc.collect(m)
    df = dc.get_agenttype_vars_dataframe(Practitioner)
    assert {"stress", "caseload"} <= set(df.columns)
    assert len(dc.get_model_vars_dataframe()) == 5


def test_a_finished_model_is_freed():
    """Nothing outside a model keeps it alive once its user lets go: not Mesa 3.3's
    class-level id counters, not the lists that hold its agents. A sensitivity worker
    runs thousands of models; each one kept grew the worker by megabytes a run."""
    import gc
    import weakref

    def run_one(seed: int) -> weakref.ref:
        model = hls_sim.HLSModel(small(), seed=seed)
        for _ in range(10):
            model.step()
        ids = [a.unique_id for a in model.agents]
        assert len(ids) == len(set(ids)) and min(ids) == 1  # ids still count from 1
        return weakref.ref(model)

    refs = [run_one(seed) for seed in range(3)]
    gc.collect()
    assert all(r() is None for r in refs)


def test_a_run_makes_no_full_collection_and_restores_the_collector():
    """In ``HLSModel.run`` the collector makes no full collection (each walked every
    agent alive: a seventh of a run at 1,000,000 people), still collects the cycles a
    mechanism makes and drops within a week, and is left as it was found: after a run,
    after a run that failed, when objects were frozen already (CPython 3.12 starts with
    some) and when the collector was off. The same weeks stepped outside ``run`` do make
    full collections, so the test can tell."""
    import gc
    import weakref

    from hls_sim import mechanisms

    class Cycle:
        pass

    seen: list[bool] = []
    kept_alive: list = []

    class MakesGarbage(mechanisms.Mechanism):
        name = "makes_garbage"

        def __init__(self, fail_in_week: int | None = None) -> None:
            super().__init__()
            self.fail_in_week = fail_in_week

        def step(self, model) -> None:
            a, b = Cycle(), Cycle()
            a.other, b.other = b, a  # freed only by the collector
            dropped = weakref.ref(a)
            del a, b
            junk = [[] for _ in range(5_000)]  # enough new objects to start a collection
            del junk
            seen.append(dropped() is None)
            # What grows the oldest generation as arriving agents do: objects that live on.
            kept_alive.append([[] for _ in range(60_000)])
            if model.week == self.fail_in_week:
                raise RuntimeError("a mechanism failed")

    def model(fail_in_week: int | None = None):
        plan = mechanisms.insert_after(mechanisms.default_mechanisms(), "access",
                                       MakesGarbage(fail_in_week))
        return hls_sim.HLSModel(small(), seed=1, mechanisms=plan, place__n_weeks=6)

    full: list[int] = []

    def count_full(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    thresholds = gc.get_threshold()
    gc.callbacks.append(count_full)
    try:
        stepped = model()
        while stepped.running:
            stepped.step()
        assert full, "stepping outside run should have made a full collection"
        kept_alive.clear()
        gc.collect()
        full.clear()
        seen.clear()
        model().run()
        assert not full and len(seen) == 6 and all(seen)
        assert gc.isenabled() and gc.get_threshold() == thresholds
        try:
            model(fail_in_week=3).run()
        except RuntimeError:
            pass
        assert gc.get_threshold() == thresholds
        frozen_before = gc.get_freeze_count()
        gc.freeze()
        try:
            model().run()
            assert gc.get_threshold() == thresholds
            assert gc.get_freeze_count() >= frozen_before  # left alone
        finally:
            gc.unfreeze()
        gc.disable()
        try:
            model().run()
            assert not gc.isenabled() and gc.get_threshold() == thresholds
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(count_full)
        kept_alive.clear()
