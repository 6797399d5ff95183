"""Twin worlds: two places built from the same seed, so the same people with the same needs
and the same life shocks, commissioned two ways and stepped together.

:class:`TwinWorlds` is itself a Mesa model (SolaraViz steps it, resets it and counts its
steps); each world is a full :class:`hls_sim.HLSModel` with its own Mesa agents. Either
world can be re-configured while the run goes on:

* :meth:`TwinWorlds.change_levers` changes the levers *from next week*, through the
  model's own regime-switch mechanism (``Params.switch_week`` / ``switch_overrides``):
  the commissioner renews every contract in force on the new terms.
* :meth:`TwinWorlds.restart_world` rebuilds one world from week 0 with other levers and
  runs it up to the other world's week: the same place as if it had always been
  commissioned that way.

Behind the two worlds runs a third from the same seed, with no commissioned support at
all (the ``no_service`` preset): :meth:`TwinWorlds.value_added` says what each world
adds over it, for the same people meeting the same shocks, and
:meth:`TwinWorlds.economic_case` what that is worth in a Green Book appraisal (the money
panel). Either world may itself be the no-service world.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from ..model import HLSModel
from ..params import ParameterError, dotted_levers, flat_levers, make_params
from . import money
from .controls import (
    DASHBOARD_PLACE,
    NO_SERVICE,
    REGIME_NAMES,
    REGIMES,
    commissions,
    describe_changes,
    preset_levers,
)
from .lots import LotTracker
from .ticker import PersonTracker, Ticker

WORLD_NAMES = ("World A", "World B")


class TwinWorlds(mesa.Model):
    """Two :class:`HLSModel` worlds from one seed, stepped together.

    Args:
        seed: seeds both worlds (same people, same shocks) and the twin's own choices
            (which people the network view samples, whom to follow).
        world_a, world_b: the preset each world starts under.
        place: parameter overrides for the place both worlds share (dotted names);
            defaults to :data:`hls_sim.dashboard.controls.DASHBOARD_PLACE`.
        follow: the person the follow-a-person panel tells about (default: someone
            with many needs who is there from week 0).
    """

    def __init__(self, seed: int = 1, world_a: str = "competitive",
                 world_b: str = "collaborative", place: dict[str, Any] | None = None,
                 follow: int | None = None):
        super().__init__(rng=int(seed))
        for r in (world_a, world_b):
            if r not in REGIMES:
                raise ParameterError(f"invalid regime {r!r}: allowed {', '.join(REGIMES)}")
        self.seed = int(seed)
        self.overrides: dict[str, Any] = {**DASHBOARD_PLACE, **(place or {})}
        self.regimes = [world_a, world_b]
        self._lock = threading.RLock()
        self.worlds: list[HLSModel] = [self._build(r, None) for r in self.regimes]
        self.tickers = [Ticker(w) for w in self.worlds]
        self.lot_trackers = [LotTracker(w) for w in self.worlds]
        # The counterfactual: the same place, people and shocks, nothing commissioned.
        self.counterfactual: HLSModel = self._build(NO_SERVICE, None)
        # The same order of people in both worlds: the network view samples people in
        # this order, so both worlds show the same people.
        n = self.worlds[0].people.n
        self.person_order = self.rng.permutation(n)
        self.person = self._default_person() if follow is None else int(follow)
        self.trackers = [PersonTracker(w, self.person) for w in self.worlds]
        self.changes: list[list[tuple[int, list[str]]]] = [[], []]
        # Each world's log entries from its latest week (the network view highlights
        # the people they name).
        self.week_entries: list[list[tuple]] = [[], []]
        self.revision = 0  # bumped whenever a world is replaced or re-configured
        self.step_listeners: list[Callable[[], None]] = []  # called after each step
        self._money: tuple[tuple, money.MoneyCase | None] | None = None
        self.running = True

    # --- building --------------------------------------------------------------------

    def world_params(self, regime: str, levers: dict[str, Any] | None) -> dict[str, Any]:
        """The parameter overrides of one world."""
        sc = {**self.overrides, "regime": regime, "name": f"dashboard {regime}"}
        sc.update(dotted_levers(levers or {}))
        return sc

    def _build(self, regime: str, levers: dict[str, Any] | None) -> HLSModel:
        return HLSModel(self.world_params(regime, levers), seed=self.seed)

    def _default_person(self) -> int:
        people = self.worlds[0].people
        first = self.person_order[people.arrival_week[self.person_order] == 0]
        if first.size == 0:
            return int(self.person_order[0])
        cx = people.complexity[first]
        return int(first[np.argmax(cx)])  # the first in the order with the most needs

    # --- reading ---------------------------------------------------------------------

    @property
    def week(self) -> int:
        """Weeks both worlds have run."""
        return min(w.week for w in self.worlds)

    @property
    def n_weeks(self) -> int:
        return self.worlds[0].params.place.n_weeks

    def levers(self, i: int) -> dict[str, Any]:
        """The levers world ``i`` runs under now (or from next week, if just changed)."""
        p = self.worlds[i].params
        if p.switch_week is not None and p.switch_week >= self.worlds[i].week:
            return flat_levers(p.levers_after_switch())
        w = self.worlds[i]
        return {**w.procurement.model_dump(), **w.practice.model_dump()}

    def regime_name(self, i: int) -> str:
        """World ``i``'s preset in a word or two ("no service")."""
        return REGIME_NAMES.get(self.regimes[i], self.regimes[i])

    def label(self, i: int) -> str:
        """"World A: competitive" (with "changed" once its levers were changed)."""
        changed = " (levers changed)" if self.changes[i] else ""
        return f"{WORLD_NAMES[i]}: {self.regime_name(i)}{changed}"

    def commissions(self, i: int) -> bool:
        """Whether world ``i`` commissions any support (False: a no-service world)."""
        return bool(self.worlds[i].procurement.commission_services)

    def value_added(self, i: int) -> dict[str, float] | None:
        """What world ``i`` adds over no commissioned support so far, for the same people
        meeting the same shocks (None for a world that commissions nothing).

        * ``wellbeing_52``: mean wellbeing a year after arrival (0-1), world minus no
          service, over the people who have been in the place a year in both (the same
          people: arrivals and leaving are drawn in advance); ``people_52`` counts them;
        * ``wellbeing_now``: mean wellbeing of everyone in the place this week;
        * ``crises``: crises so far, world minus no service (negative: crises avoided);
          ``crises_without``: crises so far without services.
        """
        if not self.commissions(i):
            return None
        w, base = self.worlds[i], self.counterfactual
        weeks = min(w.week, base.week)
        if weeks == 0:
            return None
        a, b = w.people.wellbeing_h52, base.people.wellbeing_h52
        seen = np.isfinite(a) & np.isfinite(b)
        lv, lb = w.recorder.levels["wellbeing_mean"], base.recorder.levels["wellbeing_mean"]
        crises = int(w.recorder.counts["crises"][:weeks].sum())
        without = int(base.recorder.counts["crises"][:weeks].sum())
        return {
            "wellbeing_52": float((a[seen] - b[seen]).mean()) if seen.any() else float("nan"),
            "people_52": int(seen.sum()),
            "wellbeing_now": float(lv[weeks - 1] - lb[weeks - 1]),
            "crises": float(crises - without),
            "crises_without": float(without),
        }

    def economic_case(self) -> money.MoneyCase | None:
        """Each world's economic case against the no-service world (a Green Book
        appraisal: :mod:`hls_sim.dashboard.money`), as of the last quarter reached
        (:func:`money.as_of`) or the end of the run; worked out once per quarter and
        world configuration, not at every redraw. None before the first quarter."""
        with self._lock:
            weeks = money.as_of(min(self.week, self.counterfactual.week), self.n_weeks)
            # The worlds themselves (not their ids): a world run again is a new model.
            key = (weeks, self.counterfactual, *self.worlds)
            if self._money is None or self._money[0] != key:
                commissions = [self.commissions(i) for i in range(len(self.worlds))]
                case = (money.appraise(self.worlds, self.counterfactual, weeks, commissions)
                        if weeks and any(commissions) else None)
                self._money = (key, case)
            return self._money[1]

    # --- stepping --------------------------------------------------------------------

    def step(self) -> None:
        """One week in both worlds; the tickers and the followed person catch up."""
        with self._lock:
            for i, w in enumerate(self.worlds):
                if w.running:
                    mark = w.log.mark()
                    w.step()
                    self.week_entries[i] = w.log.entries_since(mark)
                    self.tickers[i].update()
                    self.trackers[i].update()
                    self.lot_trackers[i].update()
            if self.counterfactual.running and self.counterfactual.week < self.week:
                self.counterfactual.step()
            self.running = all(w.running for w in self.worlds)
        for listener in list(self.step_listeners):
            listener()

    # --- re-configuring ----------------------------------------------------------------

    def _validated(self, i: int, levers: dict[str, Any], regime: str | None = None
                   ) -> dict[str, Any]:
        regime = regime or self.regimes[i]
        p = make_params(self.world_params(regime, levers))  # raises ParameterError
        return flat_levers(p.levers)

    def change_levers(self, i: int, levers: dict[str, Any]) -> list[str]:
        """Change world ``i``'s levers from next week; return the changes in words.

        Uses the model's regime switch: at the start of next week the commissioner
        renews every contract in force on the new terms (a new length, a new scope),
        and caseloads shrink if reporting grew.
        """
        with self._lock:
            w = self.worlds[i]
            if not w.running:
                raise ParameterError(f"{WORLD_NAMES[i]} has finished its run: press Reset")
            old = self.levers(i)
            new = self._validated(i, {**old, **levers})
            if commissions(new) != commissions(old) or not commissions(old):
                raise ParameterError(
                    f"{WORLD_NAMES[i]}: whether any support is commissioned can change only "
                    "from week 0 (the no-service world has no contracts to renew on new "
                    "terms): use Run again from week 0")
            changes = describe_changes(old, new)
            if not changes:
                return []
            w.params.switch_week = w.week
            w.params.switch_to = self.regimes[i]
            w.params.switch_overrides = dotted_levers(new)
            self.changes[i].append((w.week, changes))
            self.tickers[i].note(f"You changed the levers; from week {w.week}: "
                                 + "; ".join(changes))
            self.revision += 1
            return changes

    def restart_world(self, i: int, regime: str | None = None,
                      levers: dict[str, Any] | None = None) -> None:
        """Rebuild world ``i`` from week 0 under ``regime`` (default: its own) with
        ``levers`` on top, and run it to the week the twins have reached."""
        regime = regime or self.regimes[i]
        if regime not in REGIMES:
            raise ParameterError(f"invalid regime {regime!r}: allowed {', '.join(REGIMES)}")
        levers = self._validated(i, levers or {}, regime)
        changes = describe_changes(preset_levers(regime), levers)
        with self._lock:
            week = self.week
            model = self._build(regime, levers)
            ticker, tracker = Ticker(model), PersonTracker(model, self.person)
            lots = LotTracker(model)
            entries: list[tuple] = []
            for _ in range(week):
                mark = model.log.mark()
                model.step()
                entries = model.log.entries_since(mark)
                ticker.update()
            tracker.update()
            lots.update()
            ticker.note(f"{WORLD_NAMES[i]} was run again from week 0 as "
                        f"{REGIME_NAMES.get(regime, regime)}"
                        + (" with " + "; ".join(changes) if changes else ""), "warn")
            self.worlds[i], self.tickers[i], self.trackers[i] = model, ticker, tracker
            self.lot_trackers[i] = lots
            self.week_entries[i] = entries
            self.regimes[i] = regime
            self.changes[i] = [(0, changes)] if changes else []
            self.running = all(w.running for w in self.worlds)
            self.revision += 1

    def follow(self, person: int) -> None:
        """Follow another person (the same person in both worlds)."""
        with self._lock:
            trackers = [PersonTracker(w, person) for w in self.worlds]
            for t in trackers:
                t.update()
            self.person, self.trackers = int(person), trackers
            self.revision += 1

    def pick_person(self) -> int:
        """Someone else worth following: present now in World A, with many referrals."""
        w = self.worlds[0]
        ppl = w.people
        agents = w.person_agents
        present = np.array([agents[i] is not None for i in self.person_order], bool)
        cand = self.person_order[present]
        cand = cand[cand != self.person]
        if cand.size == 0:
            return self.person
        score = ppl.referrals[cand] * 10 + ppl.complexity[cand]
        top = cand[score >= np.quantile(score, 0.8)]
        return int(top[self.random.randrange(top.size)])
