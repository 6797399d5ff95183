"""The event ticker ("Organisation 7 lost its contract: 14 people lost their practitioner")
and the follow-a-person panel, both read from the model's own event log.

Each world keeps a :class:`Ticker` and, for the person being followed, a
:class:`PersonTracker`. After every step they read only the log entries added since
their bookmark (``EventLog.mark`` / ``EventLog.entries_since``), so their cost does not
grow with the length of the run.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..events import journey, journey_end
from ..params import DOMAINS
from ..state import STATUS_NAMES, wellbeing_of

if TYPE_CHECKING:
    from ..model import HLSModel

# Tones, most serious first: the order lines are listed within a week.
TONES = ("bad", "warn", "good", "info")

# People events summed over a week: (phrase for n people, tone). Events not listed here
# are either told with an organisation's line (lost_practitioner, service_ended) or are
# too routine for a room (referred, exited).
PEOPLE_PHRASES: dict[str, tuple[str, str]] = {
    "crisis": ("{n} {people} had a crisis", "bad"),
    "lost_in_handoff": ("{n} {people} {were} lost in a hand-off and stopped seeking help", "bad"),
    "gave_up_waiting": ("{n} {people} gave up waiting", "bad"),
    "cold_handoff": ("{n} {people} {were} told to start again with another service", "warn"),
    "rereferred": ("{n} {people} came back within a year of their case closing", "warn"),
    "closed_recorded_success": ("{n} {cases} {were} recorded as a success though the measure "
                                "was not met", "warn"),
    "closed_time_limit": ("{n} {cases} closed because the time limit ran out", "warn"),
    "dropped_out": ("{n} {people} dropped out of support", "warn"),
    "warm_handoff": ("{n} {people} {were} handed on warmly to another service", "good"),
    "closed_measure_met": ("{n} {cases} closed with the contract's measure met", "good"),
    "assessed": ("{n} {people} started support", "info"),
    "arrived": ("{n} {people} arrived needing support", "info"),
}

_LOT_MOVED = re.compile(r"^(?P<lot>.+?) moved to Organisation (?P<new>\d+)"
                        r"(?::\s*(?P<lost>\d+) people)?")
_WON = re.compile(r"^won the (?P<lot>.+?) against (?P<k>\d+) other")
_ENDED = re.compile(r"^(?P<lot>.+?) ended \((?P<why>.+)\)$")
_RESERVES = re.compile(r"reserves of (?P<amount>-?£-?[\d,]+)")
_IDEA = re.compile(r"^(?P<domain>\w+) idea")
_REVIEW = re.compile(r"^(?P<lot>.+?) to be re-let: .*\(seen (?P<seen>-?[\d.]+)\)")
_TOOK_OVER = re.compile(r"^took over the (?P<lot>.+?) when Organisation (?P<old>\d+)")
_GIVEN = re.compile(r"^was given the (?P<lot>.+?) without competition")
_WITHOUT_TENDER = {"emergency_award": _TOOK_OVER, "direct_award": _GIVEN}
_WEEKS = re.compile(r"after (?P<weeks>\d+) weeks")


@dataclass(frozen=True)
class TickerLine:
    """One line of the ticker: the week, the sentence and how it should look."""

    week: int
    text: str
    tone: str = "info"


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _people_text(phrase: str, n: int) -> str:
    return phrase.format(n=n, people=_plural(n, "person", "people"),
                         were=_plural(n, "was", "were"), cases=_plural(n, "case", "cases"))


def _domain_words(name: str) -> str:
    return name.replace("_", " ")


def describe_week(entries: list[tuple], meeting: bool = False) -> list[TickerLine]:
    """One week's log entries told in words, the most serious first.

    ``entries`` are :meth:`hls_sim.events.EventLog.entries_since` tuples (week, event,
    persons, organisations, practitioners, detail), all from the same week.
    """
    if not entries and not meeting:
        return []
    week = int(entries[0][0]) if entries else -1
    people_counts: Counter[str] = Counter()
    # People who lost their practitioner or service, by (organisation, reason).
    lost: Counter[tuple[int, str]] = Counter()
    lost_by_reason: Counter[str] = Counter()
    service_ended = 0
    org_events: list[tuple[str, int, str]] = []
    for _, kind, persons, orgs, _, detail in entries:
        if persons.size and persons[0] < 0:  # organisations' events, a row each
            org_events += [(kind, o, str(detail)) for o in orgs.tolist()]
        elif kind == "lost_practitioner":
            for o, k in zip(*np.unique(orgs, return_counts=True), strict=True):
                lost[(int(o), str(detail))] += int(k)
            lost_by_reason[str(detail)] += int(persons.size)
        elif kind == "service_ended":
            service_ended += int(persons.size)
        else:
            people_counts[kind] += int(persons.size)

    lines: list[TickerLine] = []
    transferred_lots = set()
    # Lots passed on without a tender this week (their holder closed or left, or
    # nobody bid at their tender).
    emergency_lots = {m["lot"] for kind, _, detail in org_events
                      if kind in _WITHOUT_TENDER and (m := _WITHOUT_TENDER[kind].match(detail))}
    told_reasons: set[str] = set()
    leavers: dict[str, list[int]] = defaultdict(list)
    for kind, org, detail in org_events:
        if kind == "lot_transferred":
            m = _LOT_MOVED.match(detail)
            reason = "made redundant after a lost tender"
            told_reasons.add(reason)
            # The lot's own count when the log gives it (an organisation can lose two
            # lots in one week), else everyone its staff left behind this week.
            n = int(m["lost"]) if m and m["lost"] is not None else lost[(org, reason)]
            if m and m["lot"] in emergency_lots:
                text = (f"The {m['lot']} passed from Organisation {org} to Organisation "
                        f"{m['new']} without a tender")
            elif m:
                transferred_lots.add(m["lot"])
                text = (f"Organisation {org} lost its contract for the {m['lot']} to "
                        f"Organisation {m['new']}")
            else:
                text = f"Organisation {org}: {detail}"
            text += (f": {n} {_plural(n, 'person', 'people')} lost their practitioner" if n
                     else ": its staff moved with the work, so nobody lost their practitioner")
            lines.append(TickerLine(week, text, "bad" if n else "warn"))
        elif kind == "organisation_closed":
            m = _RESERVES.search(detail)
            money = f" (reserves {m['amount']})" if m else ""
            lines.append(TickerLine(week, f"Organisation {org} closed: it ran out of money"
                                    f"{money}", "bad"))
        elif kind == "lot_ended":
            m = _ENDED.match(detail)
            what = f"The {m['lot']} ended ({m['why']})" if m else f"A lot ended: {detail}"
            told_reasons.add("lot ended")
            n = service_ended
            service_ended = 0
            if n:
                what += f": {n} {_plural(n, 'person', 'people')} lost their service"
            lines.append(TickerLine(week, what, "bad"))
        elif kind == "emergency_award":
            lines.append(TickerLine(week, f"Organisation {org} {detail}, without a tender "
                                    "(an emergency award)", "warn"))
        elif kind == "direct_award":
            m = _GIVEN.match(detail)
            lot = f"the {m['lot']}" if m else "a lot"
            lines.append(TickerLine(week, f"Nobody bid for {lot}: Organisation {org} was "
                                    "given it without competition", "warn"))
        elif kind == "review_failed":
            m = _REVIEW.match(detail)
            if m:
                text = (f"A review found Organisation {org}'s practice on the {m['lot']} "
                        f"weak (it looked {float(m['seen']):.2f} of an average provider's): "
                        "the lot goes to tender")
            else:
                text = f"Organisation {org} failed a review: {detail}"
            lines.append(TickerLine(week, text, "warn"))
        elif kind == "entered_market":
            lines.append(TickerLine(week, f"A new provider, Organisation {org}, entered the "
                                    "market to bid for work, with its own way of working",
                                    "good"))
        elif kind == "left_market":
            m = _WEEKS.search(detail)
            span = f"{m['weeks']} weeks" if m else "a long time"
            lines.append(TickerLine(week, f"Organisation {org} left the market after {span} "
                                    "without a commissioned contract", "warn"))
        elif kind == "partnership_dispute":
            lines.append(TickerLine(week, "The partnership fell out: trust between partners "
                                    "collapsed, and practice they had shared was lost",
                                    "bad"))
        elif kind == "practitioner_left":  # the detail is the reason
            leavers[detail].append(org)
        elif kind == "partnership_renewed":
            lines.append(TickerLine(week, f"Organisation {org}'s {detail}", "good"))
        elif kind == "trial_started":
            lines.append(TickerLine(week, f"Organisation {org} started {detail}", "info"))
        elif kind == "trial_grown":
            m = _IDEA.match(detail)
            domain = _domain_words(m["domain"]) if m else "an"
            effect = detail[detail.find("("):] if "(" in detail else ""
            lines.append(TickerLine(week, f"Organisation {org} grew its {domain} idea into "
                                    f"everyday practice {effect}".rstrip(), "good"))
        elif kind == "trial_failed":
            m = _IDEA.match(detail)
            domain = _domain_words(m["domain"]) if m else "an"
            lines.append(TickerLine(week, f"Organisation {org} stopped a {domain} idea that "
                                    "did not work, and the place learned from it", "info"))
        elif kind == "system_change":
            lines.append(TickerLine(week, "A " + detail, "good"))
        elif kind == "budget_moved":
            lines.append(TickerLine(week, "The commissioner moved " + detail, "info"))
        elif kind == "regime_switch":
            lines.append(TickerLine(week, "The commissioner changed how services are "
                                    "commissioned: every contract in force was renewed on the "
                                    "new terms", "warn"))
    for kind, org, detail in org_events:
        if kind == "tender_won":
            m = _WON.match(detail)
            if not m:
                text = f"Organisation {org} {detail}"
            else:
                k = int(m["k"])
                rivals = (f"against {k} other {_plural(k, 'bidder', 'bidders')}" if k
                          else "that nobody else bid for")
                verb = "won" if m["lot"] in transferred_lots else "kept"
                text = f"Organisation {org} {verb} the {m['lot']} after a tender {rivals}"
            lines.append(TickerLine(week, text, "info"))
    for reason, orgs in leavers.items():
        if reason in told_reasons:
            continue
        k = len(orgs)
        where = ", ".join(str(o) for o in sorted(set(orgs)))
        n = lost_by_reason.get(reason, 0)
        text = (f"{k} {_plural(k, 'practitioner', 'practitioners')} {reason} "
                f"(Organisation{'s' if len(set(orgs)) > 1 else ''} {where})")
        if n:
            text += f": {n} {_plural(n, 'person', 'people')} lost their practitioner"
        told_reasons.add(reason)
        lines.append(TickerLine(week, text, "bad" if n else "warn"))
    for reason, n in lost_by_reason.items():
        if reason not in told_reasons and n:
            lines.append(TickerLine(week, f"{n} {_plural(n, 'person', 'people')} lost their "
                                    f"practitioner ({reason})", "bad"))
    if service_ended:
        who = _plural(service_ended, "person", "people")
        lines.append(TickerLine(week, f"{service_ended} {who} lost their service and had to "
                                "seek help again", "bad"))
    if meeting:
        lines.append(TickerLine(week, "Practitioners and organisations met to learn together",
                                "good"))
    for kind, (phrase, tone) in PEOPLE_PHRASES.items():
        n = people_counts.get(kind, 0)
        if n:
            lines.append(TickerLine(week, _people_text(phrase, n), tone))
    order = {t: i for i, t in enumerate(TONES)}
    lines.sort(key=lambda line: order.get(line.tone, len(TONES)))
    # Need domains are identifiers in the model ("physical_health lot"): say them in words.
    return [TickerLine(line.week, line.text.replace("_", " "), line.tone) for line in lines]


class Ticker:
    """The latest weeks of one world told in words, newest last."""

    def __init__(self, model: HLSModel, max_lines: int = 5000):
        self.model = model
        self._mark = 0
        self.lines: deque[TickerLine] = deque(maxlen=max_lines)

    def update(self) -> list[TickerLine]:
        """Read what the log gained since the last call; return the new lines."""
        log = self.model.log
        entries = log.entries_since(self._mark)
        self._mark = log.mark()
        by_week: dict[int, list[tuple]] = defaultdict(list)
        for e in entries:
            by_week[int(e[0])].append(e)
        last = self.model.week - 1
        new: list[TickerLine] = []
        for week in sorted(by_week):
            meeting = week == last and bool(getattr(self.model, "meeting_this_week", False))
            new += describe_week(by_week[week], meeting=meeting)
        if last not in by_week and getattr(self.model, "meeting_this_week", False) and last >= 0:
            new += [TickerLine(last, "Practitioners and organisations met to learn together",
                               "good")]
        self.lines.extend(new)
        return new

    def note(self, text: str, tone: str = "warn") -> None:
        """Add the dashboard's own line (a lever change, a restart)."""
        self.lines.append(TickerLine(self.model.week, text, tone))

    def recent(self, n: int = 30, tones: tuple[str, ...] = TONES) -> list[TickerLine]:
        """The ``n`` newest lines of the given tones: newest week first, and within a
        week the most serious first (the order they were told in)."""
        out = []
        for line in reversed(self.lines):
            if line.tone in tones:
                out.append(line)
                if len(out) >= n:
                    break
        out.reverse()
        return sorted(out, key=lambda line: -line.week)


class PersonTracker:
    """One person's events in one world, gathered as the world runs."""

    def __init__(self, model: HLSModel, person: int):
        if not 0 <= person < model.people.n:
            raise ValueError(f"unknown person {person}: allowed 0..{model.people.n - 1}")
        self.model, self.person = model, int(person)
        self._mark = 0
        self.rows: list[tuple[int, str, int, int, str]] = []
        self._told: tuple[int, list[str]] | None = None  # (events told, their sentences)

    def update(self) -> None:
        log, p = self.model.log, self.person
        entries = log.entries_since(self._mark)
        self._mark = log.mark()
        for week, kind, persons, orgs, pracs, detail in entries:
            hit = np.flatnonzero(persons == p)
            for i in hit:
                self.rows.append((int(week), str(kind), int(orgs[i]), int(pracs[i]),
                                  str(detail)))

    def events(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["week", "event", "organisation",
                                                "practitioner", "detail"]).assign(
            person=self.person)

    def person_row(self) -> pd.DataFrame:
        """The columns of :func:`hls_sim.result.people_frame` that a journey reads, for
        this person only (cheap: no table of everyone)."""
        return pd.DataFrame([self._row()])

    def _row(self) -> dict:
        ppl, i = self.model.people, self.person
        exited = not np.isnan(ppl.wellbeing_end[i])
        row = {
            "person": i, "complexity": int(ppl.complexity[i]),
            "wellbeing_start": float(ppl.wellbeing_start[i]),
            "wellbeing_end": float(ppl.wellbeing_end[i]) if exited
            else float(wellbeing_of(ppl.needs[i])),
            "referrals": int(ppl.referrals[i]), "assessments": int(ppl.assessments[i]),
            "practitioners_seen": int(ppl.practitioners_seen[i]),
        }
        for d, name in enumerate(DOMAINS):
            row[f"need_{name}_start"] = float(ppl.needs_start[i, d])
        return row

    def journey(self) -> list[str]:
        """The journey so far, a sentence per event (hls_sim.events.journey).

        The sentences for events are told again only when the person has new events;
        in other weeks only the last sentence (wellbeing so far) is new."""
        m = self.model
        if m.people.arrival_week[self.person] >= m.week and not self.rows:
            return [f"Person {self.person} arrives in week "
                    f"{int(m.people.arrival_week[self.person])}."]
        row = self._row()
        told = self._told
        if told is None or told[0] != len(self.rows):
            lines = journey(self.events(), pd.DataFrame([row]), self.person,
                            m.params.people.need_threshold)
            self._told = told = (len(self.rows), lines[:-1])
        last = journey_end(row)
        return told[1] + [last.replace("went from", "has gone from")
                          .replace(" over ", " so far, over ")]

    def now(self) -> str:
        """Where the person is this week, read from their Mesa agent."""
        m, i = self.model, self.person
        agent = m.person_agents[i]
        status = STATUS_NAMES[m.people.status[i]]
        if agent is None:
            if status == "exited":
                return f"Left the place in week {int(m.people.exit_week[i])}."
            return f"Not yet arrived (arrives in week {int(m.people.arrival_week[i])})."
        text = f"Wellbeing {agent.wellbeing:.2f}. "
        prac = agent.practitioner
        if agent.status == "in_support" and prac is not None:
            return text + (f"In support with practitioner {prac.post} at "
                           f"{prac.organisation.name}; relationship {agent.relationship:.2f}.")
        if agent.status == "waiting":
            weeks = m.week - int(m.people.wait_since[i])
            org = m.contracts.org[m.people.contract[i]] if m.people.contract[i] >= 0 else -1
            at = f" for Organisation {org}" if org >= 0 else ""
            return text + f"Waiting{at} ({max(weeks, 0)} weeks so far)."
        return text + {
            "seeking": "Looking for help.",
            "closed": "Case closed; not in a service.",
            "disengaged": "Disengaged from services.",
        }.get(agent.status, agent.status.replace("_", " ").capitalize() + ".")
