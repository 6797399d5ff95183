"""The model's own event log, kept as arrays appended once per mechanism per week (so
logging costs little even with many people), and person journeys told in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .params import DOMAINS

PHRASES = {
    "arrived": "arrived in the place needing support",
    "referred": "was referred to {org}{via}",
    "assessed": "was assessed by practitioner {prac} at {org} and started support",
    "crisis": "had a crisis",
    "closed_measure_met": "had their case closed at {org}: the contract's measure was met",
    "closed_time_limit": "had their case closed at {org}: the time limit ran out with needs left",
    "closed_recorded_success": "had their case closed at {org} and recorded as a success, "
                               "though the measure was not met",
    "dropped_out": "dropped out of support at {org}",
    "warm_handoff": "was handed on warmly to {org} for another need",
    "cold_handoff": "was told to start again with {org} for another need",
    "lost_in_handoff": "was lost in a hand-off to {org} and stopped seeking help",
    "lost_practitioner": "lost their practitioner ({detail}) and went back on the waiting list",
    "service_ended": "lost their service ({detail}) and had to seek help again",
    "rereferred": "came back within a year of their case closing (failure demand)",
    "gave_up_waiting": "gave up waiting and stopped seeking help",
    "exited": "left the system",
}


ORGANISATION_KINDS = (
    "practitioner_left", "tender_won", "tender_lost", "direct_award", "emergency_award",
    "lot_ended", "lot_transferred", "entered_market", "organisation_closed", "left_market",
    "review_failed", "partnership_renewed", "partnership_dispute", "budget_moved",
    "regime_switch", "system_change", "trial_started", "trial_grown", "trial_failed",
)
KINDS = tuple(PHRASES) + ORGANISATION_KINDS
"""Every kind of event the model logs, numbered: a kind's code is its place here, fixed,
so that a compiled kernel can write rows itself (``kernels`` holds the same numbers and
checks them against this table when imported). A kind not listed (a mechanism added
later) is numbered after these as first logged."""

KIND = {kind: code for code, kind in enumerate(KINDS)}

COLUMNS = 6
"""A row of the log: week, kind, person, organisation, practitioner post, detail (the
codes of kind and detail; -1 where a person, organisation or post does not apply)."""


class EventLog:
    """Append-only log: week, event, person, organisation, practitioner post, detail.

    Kept as rows of integers in chunks of ``(6, capacity)`` int32 arrays (one column a
    row, so each field is contiguous), written by compiled kernels directly (a kernel is
    given :meth:`room` for as many rows as it can write, and :attr:`at`, the next free
    column) and by Python through :meth:`people_event` and the rest. Until 3 December
    2026 the log was a list of arrays, one entry a call: about 9,500 entries and 40 ms
    of a default run, a tenth of it, went on making, copying and joining them."""

    keeps_events = True
    """Whether the log keeps what it is given: mechanisms skip preparing entries (who,
    which organisation, which practitioner) for a log that keeps nothing."""

    FIRST_CHUNK = 1 << 14
    """Rows in the first chunk (384 kB); each chunk after it is twice the last, or twice
    the room asked for if that is more. Small at first because memory is paid for when
    first touched, and with transparent huge pages a large chunk's first row costs 2 MB
    of zeroing a column (a 6 MB first chunk cost 28 ms of a default run)."""

    def __init__(self) -> None:
        self._full: list[np.ndarray] = []  # earlier chunks, each cut to its rows
        self._before = 0  # rows in the earlier chunks
        self.rows = np.empty((COLUMNS, self.FIRST_CHUNK), np.int32)
        """The chunk being written: ``rows[:, at[0]:]`` is free."""
        self.at = np.zeros(1, np.int64)
        """The next free column of :attr:`rows` (an array, so a kernel can move it)."""
        self._kind_code = dict(KIND)
        self._kinds = list(KINDS)
        self._detail_code = {"": 0}
        self._details = [""]

    def room(self, n: int) -> np.ndarray:
        """The chunk to write into, with room for ``n`` more rows after :attr:`at` (a new
        chunk if the one being written is too full). A kernel given it writes at most
        ``n`` rows; one that would write more counts them without writing (see
        ``kernels.log_row``), and the next call here raises."""
        at = int(self.at[0])
        rows = self.rows
        if at > rows.shape[1]:
            raise RuntimeError(f"event log: {at - rows.shape[1]} row(s) written past the "
                               "room a kernel was given (its bound on rows is wrong)")
        if rows.shape[1] - at < n:
            self._full.append(rows[:, :at])
            self._before += at
            self.rows = rows = np.empty((COLUMNS, max(2 * rows.shape[1], 2 * n)), np.int32)
            self.at[0] = 0
        return rows

    def detail(self, detail: str) -> int:
        """The code of ``detail`` (a kernel writes codes), numbered as first seen."""
        d = self._detail_code.get(detail)
        if d is None:
            d = self._detail_code[detail] = len(self._details)
            self._details.append(detail)
        return d

    def kind(self, kind: str) -> int:
        """The code of event ``kind`` (a kernel writes codes): its place in
        :data:`KINDS`, or for a kind not listed there, numbered after them as first
        seen."""
        k = self._kind_code.get(kind)
        if k is None:
            k = self._kind_code[kind] = len(self._kinds)
            self._kinds.append(kind)
        return k

    def _write(self, week: int, kind, detail: str, persons, org, practitioner,
               n: int) -> None:
        """``n`` rows; ``kind`` a code or an array of codes, the rest arrays or scalars
        (``None``: -1)."""
        rows = self.room(n)
        i = int(self.at[0])
        j = i + n
        rows[0, i:j] = week
        rows[1, i:j] = kind
        rows[2, i:j] = persons
        rows[3, i:j] = -1 if org is None else org
        rows[4, i:j] = -1 if practitioner is None else practitioner
        rows[5, i:j] = self.detail(detail)
        self.at[0] = j

    def people_event(self, week: int, kind: str, persons: np.ndarray,
                     org: np.ndarray | int | None = None,
                     practitioner: np.ndarray | int | None = None, detail: str = "") -> None:
        n = len(persons)
        if n == 0:
            return
        self._write(week, self.kind(kind), detail, persons, org, practitioner, n)

    def people_events(self, week: int, kinds: tuple[str, ...], counts: np.ndarray,
                      persons: np.ndarray, org: np.ndarray | None = None,
                      practitioner: np.ndarray | None = None, detail: str = "") -> None:
        """Entries of several kinds in one call: the first ``counts[0]`` persons (and
        their organisations and practitioners) are of ``kinds[0]``, the next
        ``counts[1]`` of ``kinds[1]``, and so on. The log reads exactly as if
        :meth:`people_event` had been called for each kind in turn."""
        n = len(persons)
        if n == 0:
            return
        codes = np.array([self.kind(k) for k in kinds])
        counts = np.asarray(counts)
        if len(codes) != len(counts):
            raise ValueError(f"{len(kinds)} kinds but {len(counts)} counts")
        self._write(week, np.repeat(codes, counts), detail, persons, org, practitioner, n)

    def org_event(self, week: int, kind: str, org: int, detail: str = "") -> None:
        self._write(week, self.kind(kind), detail, -1, org, None, 1)

    def org_events(self, week: int, kind: str, orgs: np.ndarray,
                   practitioner: np.ndarray | None = None, detail: str = "") -> None:
        """Events of one kind at several organisations in one call, a row each (no
        person; a practitioner post per row where one applies)."""
        n = len(orgs)
        if n == 0:
            return
        self._write(week, self.kind(kind), detail, -1, orgs, practitioner, n)

    def mark(self) -> int:
        """A bookmark: where the log stands now. Pass it to :meth:`entries_since` later
        to read only what was logged after it (the dashboard's ticker reads each week's
        events this way)."""
        return self._before + int(self.at[0])

    def _parts(self, mark: int = 0) -> list[np.ndarray]:
        """The rows from ``mark`` on, chunk by chunk (``(6, rows)`` views)."""
        self.room(0)  # raises if a kernel overran its room
        parts, lo = [], 0
        for chunk in (*self._full, self.rows[:, :int(self.at[0])]):
            hi = lo + chunk.shape[1]
            if hi > mark and chunk.shape[1]:
                parts.append(chunk[:, max(mark - lo, 0):])
            lo = hi
        return parts

    def _column(self, parts: list[np.ndarray], j: int, dtype) -> np.ndarray:
        """Field ``j`` of every row in ``parts``, in a new array of ``dtype``: made
        column by column, never the whole block at once (at a million people a copy of
        every row at the end of a run would add a fifth to the run's peak memory)."""
        if not parts:
            return np.empty(0, dtype)
        return np.concatenate([part[j] for part in parts], dtype=dtype)

    def entries_since(self, mark: int) -> list[tuple]:
        """Entries logged after ``mark``, oldest first, each a tuple
        ``(week, event, persons, organisations, practitioners, detail)`` whose middle
        three are arrays of equal length (-1 where not applicable): one per run of rows
        of the same week, kind and detail. Read only."""
        parts = self._parts(mark)
        if not parts:
            return []
        rows = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        key = rows[[0, 1, 5]]
        starts = np.flatnonzero(np.concatenate(([True], (key[:, 1:] != key[:, :-1]).any(0))))
        ends = np.append(starts[1:], rows.shape[1])
        persons = rows[2].astype(np.int64)
        return [(int(rows[0, a]), self._kinds[rows[1, a]], persons[a:b], rows[3, a:b],
                 rows[4, a:b], self._details[rows[5, a]])
                for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]

    def to_frame(self) -> pd.DataFrame:
        parts = self._parts()
        # Each column is built in its final width and handed to pandas without a copy
        # (at a million people the log has millions of rows).
        return pd.DataFrame({
            "week": self._column(parts, 0, np.int32),
            "event": _categorical(self._kinds, parts, 1),
            "person": self._column(parts, 2, np.int64),
            "organisation": self._column(parts, 3, np.int32),
            "practitioner": self._column(parts, 4, np.int32),
            "detail": _categorical(self._details, parts, 5),
        }, copy=False)


class NullLog(EventLog):
    """A log that keeps nothing, for runs whose events nobody reads (a sensitivity
    design keeps only summaries): mechanisms see ``keeps_events`` False and skip
    preparing entries, and kernels are given a chunk with no room (they write nothing)."""

    keeps_events = False
    FIRST_CHUNK = 0

    def room(self, n: int) -> np.ndarray:
        return _NO_ROOM

    def detail(self, detail: str) -> int:
        return 0

    def people_event(self, *args, **kwargs) -> None:
        pass

    def people_events(self, *args, **kwargs) -> None:
        pass

    def org_event(self, *args, **kwargs) -> None:
        pass

    def org_events(self, *args, **kwargs) -> None:
        pass


_NO_ROOM = np.empty((COLUMNS, 0), np.int32)  # writable: a read-only array is another type to numba


def keeps_events(log) -> bool:
    """Whether ``log`` keeps entries (any log without the flag is assumed to)."""
    return getattr(log, "keeps_events", True)


def _categorical(names: list[str], parts: list[np.ndarray], j: int) -> pd.Categorical:
    """Field ``j`` of the rows in ``parts``, codes numbered as in ``names``, as a
    categorical whose categories are the names used, sorted by code point (as
    ``np.unique`` sorts strings): the few names are sorted, not the rows. The new codes
    are made in the categorical's own width (int8 for fewer than 128 names) straight
    from each chunk, so pandas neither narrows nor checks them again (at a million
    people, 3.9 million rows: 34 -> 19 ms a column, and no int32 copy of the column)."""
    counts = np.zeros(len(names), np.int64)
    for part in parts:
        counts += np.bincount(part[j], minlength=len(names))
    used = np.flatnonzero(counts).tolist()
    order = sorted(used, key=names.__getitem__)  # the codes used, by name
    new = np.full(len(names), -1, np.int8 if len(order) < 128 else np.int32)
    new[order] = np.arange(len(order), dtype=new.dtype)
    codes = (np.concatenate([np.take(new, part[j]) for part in parts]) if parts
             else np.empty(0, new.dtype))
    # validate=False: every code is one of ``order``'s places, by construction.
    return pd.Categorical.from_codes(codes, [names[c] for c in order], validate=False)


def journey(events: pd.DataFrame, people: pd.DataFrame, person: int,
            threshold: float = 0.3) -> list[str]:
    """One person's journey told in words from the event log, a sentence per event."""
    row = people.loc[people["person"] == person]
    if row.empty:
        raise ValueError(f"unknown person {person}: allowed 0..{len(people) - 1}")
    r = row.iloc[0]
    ev = events[events["person"] == person].sort_values("week", kind="stable")
    needs = [d.replace("_", " ") for d in DOMAINS if r.get(f"need_{d}_start", 0) > threshold]
    lines = [f"Person {person} has {int(r['complexity'])} significant need(s)"
             + (f" ({', '.join(needs)})" if needs else "")
             + f" and wellbeing {r['wellbeing_start']:.2f} at arrival."]
    for e in ev.itertuples(index=False):
        org = f"Organisation {e.organisation}" if e.organisation >= 0 else "a service"
        via = "" if not e.detail else f" ({e.detail})"
        text = PHRASES.get(str(e.event), str(e.event)).format(
            org=org, prac=e.practitioner, via=via, detail=e.detail)
        lines.append(f"Week {e.week}: {text}.")
    lines.append(journey_end(r))
    return lines


def journey_end(r) -> str:
    """A journey's last sentence, from a person's row (a people-table row or a dict with
    ``wellbeing_start``, ``wellbeing_end``, ``referrals``, ``assessments`` and
    ``practitioners_seen``)."""
    return (f"Wellbeing went from {r['wellbeing_start']:.2f} to {r['wellbeing_end']:.2f} "
            f"over {int(r['referrals'])} referral(s), {int(r['assessments'])} assessment(s) "
            f"and {int(r['practitioners_seen'])} practitioner(s).")
