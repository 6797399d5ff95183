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


class EventLog:
    """Append-only log: week, event, person, organisation, practitioner post, detail.

    Kept as one tuple per entry (a run of rows of one kind): the week, the kind's and
    the detail's codes (numbered as first seen), the number of rows, and the rows'
    persons, organisations and practitioners as arrays; the table unpacks them into
    columns in one pass (``zip``), where reading each entry's kind, size and detail
    back in Python made it cost 12 ms of a default run."""

    keeps_events = True
    """Whether the log keeps what it is given: mechanisms skip preparing entries (who,
    which organisation, which practitioner) for a log that keeps nothing."""

    def __init__(self) -> None:
        # (week, kind code, detail code, rows, persons, organisations, practitioners)
        self._entries: list[tuple] = []
        self._kind_code: dict[str, int] = {}
        self._detail_code: dict[str, int] = {}

    def _entry(self, week: int, kind: str, detail: str, persons: np.ndarray,
               org: np.ndarray, practitioner: np.ndarray) -> None:
        kinds, details = self._kind_code, self._detail_code
        k = kinds.get(kind)
        if k is None:
            k = kinds[kind] = len(kinds)
        d = details.get(detail)
        if d is None:
            d = details[detail] = len(details)
        self._entries.append((week, k, d, len(persons), persons, org, practitioner))

    def people_event(self, week: int, kind: str, persons: np.ndarray,
                     org: np.ndarray | int | None = None,
                     practitioner: np.ndarray | int | None = None, detail: str = "") -> None:
        n = len(persons)
        if n == 0:
            return
        self._entry(week, kind, detail, _own(np.asarray(persons, np.int64)),
                    _column(org, n), _column(practitioner, n))

    def people_events(self, week: int, kinds: tuple[str, ...], counts: np.ndarray,
                      persons: np.ndarray, org: np.ndarray | None = None,
                      practitioner: np.ndarray | None = None, detail: str = "") -> None:
        """Entries of several kinds in one call: the first ``counts[0]`` persons (and
        their organisations and practitioners) are of ``kinds[0]``, the next
        ``counts[1]`` of ``kinds[1]``, and so on. The log reads exactly as if
        :meth:`people_event` had been called for each kind in turn (kinds with nobody
        skipped); one call instead of one per kind is what makes it cheaper (a
        mechanism logging its closures four ways spent more on preparing the four
        entries than on closing the cases)."""
        n = len(persons)
        if n == 0:
            return
        persons = _own(np.asarray(persons, np.int64))
        org, practitioner = _column(org, n), _column(practitioner, n)
        lo = 0
        for kind, k in zip(kinds, np.asarray(counts).tolist(), strict=True):
            if k:
                hi = lo + k
                self._entry(week, kind, detail, persons[lo:hi], org[lo:hi],
                            practitioner[lo:hi])
                lo = hi

    def org_event(self, week: int, kind: str, org: int, detail: str = "") -> None:
        self._entry(week, kind, detail, _NOT_APPLICABLE[:1], np.array([org]),
                    _NOT_APPLICABLE[:1])

    def org_events(self, week: int, kind: str, orgs: np.ndarray,
                   practitioner: np.ndarray | None = None, detail: str = "") -> None:
        """Events of one kind at several organisations in one call, a row each (no
        person; a practitioner post per row where one applies): as many
        :meth:`org_event` calls would log them, but with the post in its own column
        rather than in the detail's words (practitioners leaving, a few a week)."""
        n = len(orgs)
        if n == 0:
            return
        self._entry(week, kind, detail, _column(None, n), _column(orgs, n),
                    _column(practitioner, n))

    def mark(self) -> int:
        """A bookmark: where the log stands now. Pass it to :meth:`entries_since` later
        to read only what was logged after it (the dashboard's ticker reads each week's
        events this way)."""
        return len(self._entries)

    def entries_since(self, mark: int) -> list[tuple]:
        """Entries logged after ``mark``, oldest first, each a tuple
        ``(week, event, persons, organisations, practitioners, detail)`` whose middle
        three are arrays of equal length (-1 where not applicable), one per kind (a
        :meth:`people_events` call gives one entry per kind with anyone). Read only."""
        kinds, details = list(self._kind_code), list(self._detail_code)
        return [(week, kinds[k], persons, org, practitioner, details[d])
                for week, k, d, _, persons, org, practitioner in self._entries[mark:]]

    def to_frame(self) -> pd.DataFrame:
        if not self._entries:
            return pd.DataFrame({"week": [], "event": [], "person": [], "organisation": [],
                                 "practitioner": [], "detail": []})
        weeks, kinds, details, sizes, persons, orgs, practitioners = zip(*self._entries,
                                                                         strict=True)
        sizes = np.array(sizes, np.int64)
        # Each column is built in its final width and handed to pandas without a copy:
        # at a million people the log has millions of rows, and building it with int64
        # intermediates that pandas then copied doubled its memory at the end of a run
        # (1,000,000 people over 52 weeks: 3.9 million rows, 90 MB, peaked at 180 MB,
        # when the run's peak is what the scale target limits).
        return pd.DataFrame({
            "week": np.repeat(np.array(weeks, np.int32), sizes),
            "event": _categorical(self._kind_code, kinds, sizes),
            "person": np.concatenate(persons),
            "organisation": np.concatenate(orgs, dtype=np.int32, casting="unsafe"),
            "practitioner": np.concatenate(practitioners, dtype=np.int32, casting="unsafe"),
            "detail": _categorical(self._detail_code, details, sizes),
        }, copy=False)


class NullLog(EventLog):
    """A log that keeps nothing, for runs whose events nobody reads (a sensitivity
    design keeps only summaries): mechanisms see ``keeps_events`` False and skip
    preparing entries, which is a noticeable part of a small run's week."""

    keeps_events = False

    def people_event(self, *args, **kwargs) -> None:
        pass

    def people_events(self, *args, **kwargs) -> None:
        pass

    def org_event(self, *args, **kwargs) -> None:
        pass

    def org_events(self, *args, **kwargs) -> None:
        pass


def keeps_events(log) -> bool:
    """Whether ``log`` keeps entries (any log without the flag is assumed to)."""
    return getattr(log, "keeps_events", True)


def _categorical(code_of: dict[str, int], codes: tuple[int, ...],
                 sizes: np.ndarray) -> pd.Categorical:
    """Each entry's code (numbered as first seen) repeated over its rows, as a
    categorical whose categories are the names sorted by code point (as ``np.unique``
    sorts strings): the few names are sorted, not the rows."""
    names = sorted(code_of)
    new = np.empty(len(code_of), np.int32)
    for rank, name in enumerate(names):
        new[code_of[name]] = rank
    return pd.Categorical.from_codes(np.repeat(new[np.array(codes, np.intp)], sizes), names)


def _own(a: np.ndarray) -> np.ndarray:
    """``a`` itself, or a copy if it is a view: a compiled kernel returns the first k
    entries of a buffer sized for everyone in the place, and a log that kept the view
    would keep the whole buffer alive for the rest of the run (at a million people,
    gigabytes)."""
    return a if a.base is None else a.copy()


_NOT_APPLICABLE = np.full(4096, -1)
_NOT_APPLICABLE.flags.writeable = False


def _column(x: np.ndarray | int | None, n: int) -> np.ndarray:
    """An entry's organisations or practitioners: its own array; where none applies, a
    read-only view of one shared column of -1 (most entries name no organisation or
    practitioner, and making that column each time was a third of an entry's cost)."""
    if x is None and n <= _NOT_APPLICABLE.size:
        return _NOT_APPLICABLE[:n]
    return _own(_col(x, n))


def _col(x: np.ndarray | int | None, n: int) -> np.ndarray:
    if x is None:
        return np.full(n, -1)
    if isinstance(x, np.ndarray):  # the common case first: np.isscalar costs more
        return x
    if np.isscalar(x):
        return np.full(n, x)
    return np.asarray(x)


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
