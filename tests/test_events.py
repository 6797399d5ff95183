"""The event log's table: every entry a row, in the order logged, in the columns' usual
types, and a table of its own (not a view of the log)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hls_sim.events import EventLog, NullLog

KINDS = ["arrived", "crisis", "referred", "exited", "outreach_found"]  # the last unlisted
DETAILS = ["", "crisis", "left the job", "first contact"]

entries = st.lists(st.one_of(
    st.tuples(st.just("people"), st.integers(0, 520), st.sampled_from(KINDS),
              st.lists(st.integers(0, 10**6), min_size=0, max_size=6),
              st.one_of(st.none(), st.integers(-1, 600)),
              st.one_of(st.none(), st.integers(-1, 40_000)), st.sampled_from(DETAILS)),
    st.tuples(st.just("org"), st.integers(0, 520), st.sampled_from(KINDS),
              st.integers(0, 600), st.sampled_from(DETAILS)),
    # org_events: several organisations (a post each, or none) in one call
    st.tuples(st.just("orgs"), st.integers(0, 520), st.sampled_from(KINDS),
              st.lists(st.integers(0, 600), max_size=5), st.booleans(),
              st.sampled_from(DETAILS)),
    # people_events: several kinds in one call (some with nobody), organisations and
    # practitioners per row or none
    st.tuples(st.just("kinds"), st.integers(0, 520),
              st.lists(st.tuples(st.sampled_from(KINDS),
                                 st.lists(st.integers(0, 10**6), max_size=4)),
                       min_size=1, max_size=4, unique_by=lambda g: g[0]),
              st.booleans(), st.booleans(), st.sampled_from(DETAILS)),
), max_size=30)


def _log_into(log, e):
    """Log one drawn entry ``e``; returns its rows as one entry per kind would give them."""
    if e[0] == "people":
        _, week, kind, persons, org, practitioner, detail = e
        log.people_event(week, kind, np.array(persons, np.int64), org=org,
                         practitioner=practitioner, detail=detail)
        return [(week, kind, p, -1 if org is None else org,
                 -1 if practitioner is None else practitioner, detail) for p in persons]
    if e[0] == "org":
        _, week, kind, org, detail = e
        log.org_event(week, kind, org, detail)
        return [(week, kind, -1, org, -1, detail)]
    if e[0] == "orgs":
        _, week, kind, orgs, with_post, detail = e
        posts = np.arange(len(orgs)) * 7 if with_post else None
        log.org_events(week, kind, np.array(orgs, np.int32), practitioner=posts,
                       detail=detail)
        return [(week, kind, -1, o, 7 * k if with_post else -1, detail)
                for k, o in enumerate(orgs)]
    _, week, groups, with_org, with_practitioner, detail = e
    persons = np.array([p for _, g in groups for p in g], np.int64)
    org = (persons % 601).astype(np.int32) if with_org else None
    prac = (persons % 40_001).astype(np.int32) if with_practitioner else None
    log.people_events(week, tuple(k for k, _ in groups),
                      np.array([len(g) for _, g in groups]), persons, org=org,
                      practitioner=prac, detail=detail)
    return [(week, kind, p, p % 601 if with_org else -1,
             p % 40_001 if with_practitioner else -1, detail)
            for kind, g in groups for p in g]


def log_entries(logged):
    """The log of ``logged``, and its rows as one entry per kind would give them."""
    log, rows = EventLog(), []
    for e in logged:
        rows += _log_into(log, e)
    return log, rows


@settings(max_examples=60, deadline=None)
@given(entries)
def test_the_log_table_has_a_row_per_entry_in_order(logged):
    log, rows = log_entries(logged)
    frame = log.to_frame()
    assert list(frame.columns) == ["week", "event", "person", "organisation",
                                   "practitioner", "detail"]
    if not rows:
        assert len(frame) == 0
        return
    expected = pd.DataFrame(rows, columns=frame.columns)
    assert frame["week"].dtype == np.int32 and frame["person"].dtype == np.int64
    assert frame["organisation"].dtype == np.int32 and frame["practitioner"].dtype == np.int32
    for name in ("event", "detail"):
        assert isinstance(frame[name].dtype, pd.CategoricalDtype)
        assert list(frame[name].cat.categories) == sorted(set(expected[name]))
        assert frame[name].astype(str).tolist() == expected[name].tolist()
    for name in ("week", "person", "organisation", "practitioner"):
        assert frame[name].tolist() == expected[name].tolist()
    # The table owns its columns: changing it leaves the log (and a second table) alone.
    frame.loc[:, "person"] = -7
    assert log.to_frame()["person"].tolist() == expected["person"].tolist()


@settings(max_examples=60, deadline=None)
@given(entries, st.integers(0, 30))
def test_entries_since_a_mark_give_every_row_logged_after_it_one_kind_each(logged, cut):
    """What the dashboard reads: the entries after a bookmark, one per kind (a call
    logging several kinds gives one entry per kind with anyone), rows as logged."""
    cut = min(cut, len(logged))
    mark = log_entries(logged[:cut])[0].mark()  # the bookmark after the first ``cut``
    _, rows = log_entries(logged[cut:])
    log, _ = log_entries(logged)
    got = []
    for week, kind, persons, orgs, pracs, detail in log.entries_since(mark):
        assert isinstance(kind, str) and len(persons) == len(orgs) == len(pracs) > 0
        got += [(week, kind, int(p), int(o), int(r), detail)
                for p, o, r in zip(persons, orgs, pracs, strict=True)]
    assert got == [(w, k, int(p), int(o), int(r), d) for w, k, p, o, r, d in rows]


@settings(max_examples=60, deadline=None)
@given(entries, st.lists(st.integers(0, 30), max_size=4))
def test_reading_the_log_while_it_is_written_changes_nothing(logged, reads):
    """The ticker's pattern: entries are read after each bookmark while more are logged
    every read sees exactly the rows logged since its bookmark, and the table at the
    end is the same as that of a log never read."""
    log, got, mark = EventLog(), [], 0
    for i, e in enumerate(logged):
        _log_into(log, e)
        if i in reads:
            for week, kind, persons, orgs, pracs, detail in log.entries_since(mark):
                got += [(week, kind, int(p), int(o), int(r), detail)
                        for p, o, r in zip(persons, orgs, pracs, strict=True)]
            mark = log.mark()
            log.to_frame()
    for week, kind, persons, orgs, pracs, detail in log.entries_since(mark):
        got += [(week, kind, int(p), int(o), int(r), detail)
                for p, o, r in zip(persons, orgs, pracs, strict=True)]
    fresh, rows = log_entries(logged)
    assert got == [(w, k, int(p), int(o), int(r), d) for w, k, p, o, r, d in rows]
    pd.testing.assert_frame_equal(log.to_frame(), fresh.to_frame())



class SmallChunks(EventLog):
    """A log whose chunks fill after a few rows, so that rows run across many chunks."""

    FIRST_CHUNK = 2


@settings(max_examples=60, deadline=None)
@given(entries, st.integers(0, 40))
def test_rows_read_the_same_across_chunks(logged, cut):
    """The table and the entries after any bookmark do not depend on where the log's
    chunks end (a default run fills one or two; a million people, several)."""
    small, rows = SmallChunks(), []
    for e in logged:
        rows += _log_into(small, e)
    plain, _ = log_entries(logged)
    pd.testing.assert_frame_equal(small.to_frame(), plain.to_frame())
    mark = min(cut, len(rows))
    for a, b in zip(small.entries_since(mark), plain.entries_since(mark), strict=True):
        assert a[0:2] == b[0:2] and a[5] == b[5]
        for x, y in zip(a[2:5], b[2:5], strict=True):
            np.testing.assert_array_equal(x, y)
    assert len(small.entries_since(mark)) == len(plain.entries_since(mark))


def test_a_kernel_writes_rows_in_its_room_and_a_log_that_keeps_nothing_gets_none():
    """kernels.log_row: rows written where the log's ``at`` points; a NullLog's room has
    no space and nothing is written; a kernel writing past the room it was given has
    the rows counted, and the log refuses to go on rather than lose them."""
    from hls_sim.kernels import EV_CRISIS, log_row

    log = EventLog()
    rows = log.room(2)
    log_row(rows, log.at, 7, EV_CRISIS, 11, -1, -1, 0)
    log_row(rows, log.at, 7, EV_CRISIS, 12, -1, -1, log.detail("a detail"))
    frame = log.to_frame()
    assert frame["person"].tolist() == [11, 12] and set(frame["event"]) == {"crisis"}
    assert frame["detail"].astype(str).tolist() == ["", "a detail"]

    null = NullLog()
    log_row(null.room(5), null.at, 7, EV_CRISIS, 11, -1, -1, 0)
    assert int(null.at[0]) == 0 and len(null.to_frame()) == 0

    log.at[0] = rows.shape[1]  # the room is full
    log_row(rows, log.at, 7, EV_CRISIS, 13, -1, -1, 0)
    with pytest.raises(RuntimeError, match="past the room"):
        log.to_frame()
