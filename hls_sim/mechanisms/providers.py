"""Organisations' own weekly decisions: test-and-learn trials, closing when the money
runs out, and leaving the market after a long time without a commissioned contract.

Test and learn (seed 003): an organisation with permission tries a new way of working
on one need for a while, judges it (noisily), and grows what seems to work into its
everyday practice; a trial that fails still teaches the place something (seed 001:
it is okay to fail).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import operations as ops
from ..params import DOMAINS
from .base import Mechanism

if TYPE_CHECKING:
    from ..model import HLSModel


_NO_BASE = np.uint64(0)  # the kernels' trial-start draws when no trial can start


class ProviderDecisions(Mechanism):
    """Each open organisation, in a random order drawn afresh each week: run or judge its trial; close if its
    reserves are gone; leave the market if it has held no commissioned contract for
    ``market.exit_weeks_without_contract`` weeks (an organisation kept open only by
    charitable income is no longer a provider of these services)."""

    name = "providers"
    group = "learning"

    def init(self, model: HLSModel) -> None:
        super().init(model)
        n = model.providers.n
        self.trial_domain = np.full(n, -1, np.int32)  # -1: no trial running
        self.trial_effect = np.zeros(n)  # true effect, share of progress
        self.trial_start = np.zeros(n, np.int32)
        self.start_luck = self.stream(model, "trial_start")
        self.domain_luck = self.stream(model, "trial_domain")
        self.effect_luck = self.stream(model, "trial_effect")
        self.judgement_luck = self.stream(model, "trial_judgement")
        self.tupe = self.stream(model, "tupe_transfer")
        self.order_luck = self.stream(model, "organisation_order")
        self.last_held = np.zeros(n, np.int32)  # last week each held a contract
        # kernels.providers_week's order of turns, kept from week to week (numba hands
        # an array back to Python for about 1 us more than a count).
        self._order = np.empty(n, np.int64)
        # kernels.providers_turns' trial events (organisation, kind, domain, effect), at
        # most one per organisation a call.
        self._events = (np.empty(n, np.int64), np.empty(n, np.int8), np.empty(n, np.int64),
                        np.empty(n))

    def step(self, model: HLSModel) -> None:
        prov, t = model.providers, model.week
        # A trial's luck is drawn for an organisation when its turn needs it (a draw
        # depends only on the week and the organisation's row, so when it is drawn
        # changes nothing). Until 3 December 2026 four draws for every organisation
        # were made each week trials could happen, for the two or three organisations a
        # week whose turn used them.
        if model.kernels is not None:
            self.step_compiled(model)
            return
        # A random order over every provider row, drawn from this mechanism's own
        # stream (not the AgentSet's shuffle, which draws from the model's shared
        # generator): the same organisation goes first in both worlds of a comparison.
        # Organisations closed before the week began are left out at once (closing one
        # now closes no other, so the check inside the loop is only for safety).
        order = np.argsort(self.order_luck.random(t, np.arange(prov.n)), kind="stable")
        for o in order[prov.active[order]].tolist():
            self.turn(model, o)

    def turn(self, model: HLSModel, o: int) -> None:
        """Organisation ``o``'s turn of the week: its trial, then whether it closes (no
        reserves), still holds a contract, or leaves the market."""
        if not model.providers.active[o]:
            return
        if model.practice.test_and_learn or self.trial_domain[o] >= 0:
            self.test_and_learn(model, o)  # (else it does nothing)
        self.after_trial(model, o)

    def after_trial(self, model: HLSModel, o: int) -> None:
        """The rest of ``o``'s turn: close if its reserves are gone; else note that it
        holds a contract, or leave the market after too long without one."""
        prov, t = model.providers, model.week
        if prov.reserves[o] < 0:
            self.trial_domain[o] = -1
            ops.close_organisation(model, o, self.tupe, insolvent=True)
        elif model.contracts.held_by(o):
            self.last_held[o] = t
        elif t - max(int(self.last_held[o]), int(prov.entry_week[o])) >= \
                model.params.market.exit_weeks_without_contract:
            # Counted from the later of its last contract and its entry: a new
            # entrant has its first tender rounds to win work before it leaves.
            self.trial_domain[o] = -1
            ops.close_organisation(model, o, self.tupe, insolvent=False)

    def step_compiled(self, model: HLSModel) -> None:
        """The same step with the compiled kernels (bit-identical):
        ``kernels.providers_week`` does a quiet week at once (nothing happens to any
        organisation, so the order does not matter and is not drawn), else draws the
        order and takes the turns, trials included, up to the next organisation that
        closes or leaves the market. Most weeks: this one call."""
        m, k, n_events, learning = model.kernels.providers_week(
            self.order_luck.week_base(model.week), *self._kernel_state(model),
            *self._trial_state(model), self._order)
        self._after_kernel(model, self._order[:m], k, n_events, learning)

    def turns_compiled(self, model: HLSModel, order: np.ndarray, start: int) -> None:
        """The turns in ``order`` from position ``start`` with the compiled kernels
        (``kernels.providers_turns``), as ``step_compiled`` goes on after a closing."""
        k, n_events, learning = model.kernels.providers_turns(
            order, start, *self._kernel_state(model), *self._trial_state(model))
        self._after_kernel(model, order, k, n_events, learning)

    def _after_kernel(self, model: HLSModel, order: np.ndarray, k: int, n_events: int,
                      learning: float) -> None:
        """After the kernels' turns: the place's learning, the trial events logged (in
        turn order, before anything a closing logs), then the rest of the turn of the
        organisation at ``order[k]`` in Python, if any, and the turns after it (the
        state read afresh: a closing may have moved a lot)."""
        model.place.system_learning = learning
        if n_events:
            self._log_trials(model, n_events)
        if k < order.size:
            self.after_trial(model, int(order[k]))
            self.turns_compiled(model, order, k + 1)

    def _trial_state(self, model: HLSModel) -> tuple:
        """What the providers' turn kernels read and change of trials, after
        ``_kernel_state``'s: scopes, true effects, this week's draws, the learning
        levers, practice and the counts, the place's learning and the event buffers."""
        lp, prov, t = model.params.learning, model.providers, model.week
        return (model.contracts.domains, self.trial_effect, self.domain_luck.week_base(t),
                self.effect_luck.week_base(t), self.judgement_luck.week_base(t),
                float(lp.trial_effect_mean), float(lp.trial_effect_sd),
                float(lp.trial_optimism), float(lp.trial_noise_sd),
                float(lp.adoption_fidelity), float(lp.practice_min),
                float(lp.practice_max), prov.practice, prov.trials_run, prov.trials_grown,
                float(lp.failed_trial_learning), float(model.place.system_learning),
                *self._events)

    def _log_trials(self, model: HLSModel, n: int) -> None:
        """The first ``n`` trial events ``kernels.providers_turns`` wrote: counted, and
        logged as ``test_and_learn`` logs them."""
        K = model.kernels
        for o, kind, d, effect in zip(*(a[:n].tolist() for a in self._events), strict=True):
            if kind == K.TRIAL_GROWN:
                _grown(model, o, d, effect)
            elif kind == K.TRIAL_FAILED:
                _failed(model, o, d)
            else:
                _started(model, o, d)

    def _kernel_state(self, model: HLSModel) -> tuple:
        """What the providers' kernels read and change, in their argument order (after
        ``order_base`` for ``providers_week``, ``order`` and ``start`` for
        ``providers_turns``): the organisations, who holds a contract, trials, this
        week's trial-start draws and the levers' figures."""
        prov, lp, contracts = model.providers, model.params.learning, model.contracts
        trials = model.practice.test_and_learn
        return (prov.active, prov.reserves, self.last_held, prov.entry_week, contracts.org,
                contracts.active, self.trial_domain, self.trial_start, model.week,
                int(model.params.market.exit_weeks_without_contract), int(lp.trial_weeks),
                bool(trials), self.start_luck.week_base(model.week) if trials else _NO_BASE,
                float(lp.trial_rate_per_year / 52.0 * model.practice.discretion),
                prov.week_learning_cost, int(round(lp.trial_cost_per_week * 100)))

    def test_and_learn(self, model: HLSModel, o: int) -> None:
        lp, prov, t = model.params.learning, model.providers, model.week
        if self.trial_domain[o] >= 0:
            # A running trial costs staff time to design, run and judge.
            prov.week_learning_cost[o] += int(round(lp.trial_cost_per_week * 100))
            if t - self.trial_start[o] < lp.trial_weeks:
                return
            d, effect = int(self.trial_domain[o]), float(self.trial_effect[o])
            self.trial_domain[o] = -1
            # Judged noisily, and hopefully: some harmful ideas look like successes.
            observed = effect + lp.trial_optimism + \
                lp.trial_noise_sd * self.judgement_luck.normal_one(t, o)
            if observed > 0:  # judged to work: grow it into everyday practice, in part
                prov.practice[o, d] = np.clip(prov.practice[o, d] *
                                              (1 + effect * lp.adoption_fidelity),
                                              lp.practice_min, lp.practice_max)
                prov.trials_grown[o] += 1
                _grown(model, o, d, effect)
            else:  # failed, and still taught something (seed 001: okay to fail)
                model.place.system_learning = min(1.0, model.place.system_learning +
                                                   lp.failed_trial_learning)
                _failed(model, o, d)
            return
        held = model.contracts.held_by(o)
        if not model.practice.test_and_learn or not held:
            return
        p_start = lp.trial_rate_per_year / 52.0 * model.practice.discretion
        if self.start_luck.one(t, o) < p_start:
            scope = np.flatnonzero(held[0].domains)
            d = int(scope[int(self.domain_luck.one(t, o) * scope.size)])
            self.trial_domain[o] = d
            self.trial_effect[o] = lp.trial_effect_mean + \
                lp.trial_effect_sd * self.effect_luck.normal_one(t, o)
            self.trial_start[o] = t
            prov.trials_run[o] += 1
            _started(model, o, d)


# What a trial's outcome leaves besides the arrays, on both paths: the tally and the log.

def _grown(model: HLSModel, o: int, d: int, effect: float) -> None:
    model.tally.grown_practices.append((o, d))
    model.log.org_event(model.week, "trial_grown", o,
                        f"{DOMAINS[d]} idea grown (true effect {effect:+.2f})")


def _failed(model: HLSModel, o: int, d: int) -> None:
    model.log.org_event(model.week, "trial_failed", o, f"{DOMAINS[d]} idea stopped")


def _started(model: HLSModel, o: int, d: int) -> None:
    model.tally.trials_started += 1
    model.log.org_event(model.week, "trial_started", o,
                        f"testing a new way of working on {DOMAINS[d]}")
