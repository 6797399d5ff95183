"""Decomposition of a difference: how much of B - A each group of levers (or lever) makes.

``hls-sim compare A B --decompose groups`` answers the scrutiny committee's question
"what exactly made the difference?". Of the paired difference B - A in each headline
outcome, it attributes a share to each *player* with Shapley values:

Players
    A and B are first resolved to their full parameters (presets and ``extends``
    expanded), so a preset is never a player, only the levers it sets. Every parameter
    on which A and B differ belongs to exactly one player, so the decomposition is
    complete:

    * ``groups``: one player per group of :data:`hls_sim.params.LEVER_NAMES`
      (procurement, practice) with at least one differing lever; any other differing
      parameter goes to one player ``other`` (and the notes say which);
    * ``levers``: one player per differing parameter.

    In both modes a regime switch (``switch_week``, ``switch_to``, ``switch_overrides``)
    is one player, ``regime switch``: together they set every lever from the switch week
    on, so taking one without the others is not a scenario. The scenario's ``name`` and
    its ``regime`` label are not players: once resolved, a preset's effect is entirely in
    the lever values it set, which are compared one by one (every mixed scenario keeps A's
    label; a test checks that the label changes no result).

Coalitions
    For a set S of players, the mixed scenario is A with B's values for the parameters of
    S; the empty set is A and the set of all players is B. Every mixed scenario is run as
    a scenario of one runner ensemble, on the same replicate seeds (common random
    numbers: replicate r of every mix meets the same people and shocks), through any of
    the runner's executors, stored batch by batch and resumable. Only summaries are kept.

    Up to :data:`EXACT_MAX_PLAYERS` players every one of the 2^k coalitions runs (exact
    enumeration). Beyond that, :data:`PERMUTATIONS` orderings of the players are sampled,
    half of them at random and the other half their reverses (antithetic: an ordering and
    its reverse together give the exact Shapley value of any game with at most pairwise
    interactions, so only interactions of three or more players are left to sampling),
    and only the distinct coalitions along them run, plus each player alone.

Values
    Per replicate r and outcome m, with v_r(S) the outcome of coalition S's run,
    player i's Shapley value is

        phi_i = sum over S not holding i of |S|! (k - |S| - 1)! / k! [v(S + i) - v(S)]

    (exact weights; sampled: the mean of i's marginal contribution over the orderings).
    Either way the values of a replicate sum to v(all) - v(none) = B - A, the paired
    difference. Across replicates: the mean with a bootstrap 95% interval (the BCa
    bootstrap of :func:`hls_sim.analysis.compare.paired_differences`, so the total's
    interval is the comparison's), resampling replicates. The *interaction share* is how
    much of the total the players' solo effects (B's values for that player alone,
    v({i}) - v(none)) leave unexplained: (total - sum of solo effects) / total, as a
    ratio of means over replicates with a paired bootstrap interval. Negative: the players
    overlap (together they do less than the sum of their solo effects).

Files, in ``<results>/shapley/`` (written atomically after the runs):

    values.parquet/.csv        outcome x player: mean, interval, solo effect, sampling error
    totals.parquet/.csv        per outcome: A, B, B - A, interaction and its share
    per_replicate.parquet      outcome x replicate x player: Shapley value and solo effect
    summary.md                 one sentence per outcome, and the notes

The waterfall figures are drawn by :mod:`hls_sim.report.decompose_figures` (the report
layer, above this one).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..params import GROUPS, LEVER_NAMES, make_params, parameter_names
from ..params import ParameterError as _ParameterError
from ..runner import Ensemble, EnsembleError, resume_ensemble, run_ensemble
from ..runner.store import ResultsStore, write_atomic, write_parquet_atomic
from ..runner.work import RunBatch, RunOutput
from ..scenarios import Scenario
from .compare import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, HEADLINE, _interval

MODES = ("groups", "levers")
"""What a player is: a group of levers (``LEVER_GROUPS``), or one parameter."""
METHODS = ("auto", "exact", "sampled")
EXACT_MAX_PLAYERS = 6
"""``auto`` enumerates every coalition up to this many players (2^6 = 64 scenarios)."""
EXACT_LIMIT = 12
"""``exact`` is refused beyond this many players (2^12 = 4,096 scenarios per replicate)."""
PERMUTATIONS = 32
"""Orderings sampled beyond EXACT_MAX_PLAYERS: 16 at random, each with its reverse."""
ORDERING_STREAM = 0x5A4B1E
"""Mixed with the ensemble's root seed to draw the orderings (their own stream)."""
LABELS = ("name", "regime")
"""Resolved parameters that only label a scenario (never players)."""
SWITCH = ("switch_week", "switch_to", "switch_overrides")
"""The regime switch's parameters: one player."""
SWITCH_PLAYER = "regime switch"
OTHER_PLAYER = "other"
FOLDER = "shapley"
"""Sub-folder of the results folder holding the decomposition's tables and figures."""
CONFIDENCE = 0.95


class DecomposeError(EnsembleError):
    """A decomposition that cannot be made (one line: what was wrong, what is allowed)."""


class IncompleteError(DecomposeError):
    """The runs are saved, but too many failed (or are unfinished) to decompose anything:
    not bad input, so the command line exits 1 and says to resume."""


@dataclass(frozen=True)
class Player:
    """Whoever gets a share of the difference: a lever group, one lever, the regime
    switch, or every other differing parameter.

    Attributes:
        name: ``procurement``, ``practice``, ``regime switch``, ``other``, or a dotted
            parameter name (``levers`` mode).
        kind: ``group``, ``lever``, ``switch`` or ``other``.
        parameters: the dotted parameters that take B's values when the player joins.
    """

    name: str
    kind: str
    parameters: tuple[str, ...]

    @property
    def label(self) -> str:
        """The player in words (sentences, figures)."""
        if self.kind == "group":
            return f"{self.name} levers"
        if self.kind == "switch":
            return "the regime switch"
        if self.kind == "other":
            return "other parameters"
        return self.name.partition(".")[2] or self.name

    @property
    def plural(self) -> bool:
        return self.kind in ("group", "other")


# ---------------------------------------------------------------------------------------
# Players and coalitions


def flat_content(scenario: Scenario | Mapping[str, Any]) -> dict[str, Any]:
    """A scenario's resolved parameters by dotted name (``practice.discretion``);
    top-level ones (``regime``, ``switch_overrides``) as they are."""
    content = scenario.content if isinstance(scenario, Scenario) else dict(scenario)
    flat: dict[str, Any] = {}
    for key, value in content.items():
        if key in GROUPS and isinstance(value, Mapping):
            for sub, v in value.items():
                flat[f"{key}.{sub}"] = v
        else:
            flat[key] = value
    return flat


def check_lever_groups(groups: Mapping[str, Sequence[str]] = LEVER_NAMES) -> None:
    """Every lever of every group is a parameter, in one group only, and not a label."""
    known = set(parameter_names())
    seen: dict[str, str] = {}
    for g, levers in groups.items():
        if g in (SWITCH_PLAYER, OTHER_PLAYER):
            raise DecomposeError(f"lever group name {g!r} is reserved")
        for lever in levers:
            if lever not in known or lever in LABELS or lever in SWITCH:
                raise DecomposeError(f"lever group {g} names {lever!r}, which is not a "
                                     "lever (allowed: dotted parameter names, e.g. "
                                     "practice.discretion)")
            if lever in seen:
                raise DecomposeError(f"lever {lever} is in two groups ({seen[lever]} and "
                                     f"{g}): a lever belongs to one group")
            seen[lever] = g


def find_players(a: Scenario, b: Scenario, by: str = "groups") -> tuple[list[Player], list[str]]:
    """The players of a decomposition of B - A, and notes on how they were formed.

    Raises:
        DecomposeError: an unknown mode, or A and B with the same parameters.
    """
    if by not in MODES:
        raise DecomposeError(f"invalid decomposition {by!r}: allowed {', '.join(MODES)}")
    check_lever_groups()
    fa, fb = flat_content(a), flat_content(b)
    keys = list(fa) + [k for k in fb if k not in fa]
    differ = [k for k in keys if k not in LABELS and fa.get(k) != fb.get(k)]
    notes: list[str] = []
    if not differ:
        label = (" (only their regime labels differ, and a label changes nothing once "
                 "its levers are set)" if fa.get("regime") != fb.get("regime") else "")
        raise DecomposeError(f"{a.name} and {b.name} have the same parameters{label}: "
                             "there is no difference to decompose (allowed: two scenarios "
                             "that differ in at least one parameter)")
    if fa.get("regime") != fb.get("regime"):
        notes.append(f"The regime labels differ ({fa.get('regime')} and {fb.get('regime')}); "
                     "a label is not a player: its preset's levers are compared one by one.")
    switching = any(k in SWITCH for k in differ)
    rest = [k for k in differ if k not in SWITCH]
    players: list[Player] = []
    if by == "groups":
        for g, levers in LEVER_NAMES.items():
            mine = tuple(k for k in levers if k in rest)
            if mine:
                players.append(Player(g, "group", mine))
        grouped = {k for levers in LEVER_NAMES.values() for k in levers}
        other = tuple(k for k in rest if k not in grouped)
    else:
        players = [Player(k, "lever", (k,)) for k in rest]
        other = ()
    if switching:
        players.append(Player(SWITCH_PLAYER, "switch", SWITCH))
        notes.append("The regime switch (switch_week, switch_to, switch_overrides) is one "
                     "player: together they set every lever from the switch week on.")
    if other:
        players.append(Player(OTHER_PLAYER, "other", other))
        notes.append(f"{len(other)} differing parameter(s) in no lever group form the player "
                     f"'other', so the decomposition is complete: {', '.join(other)}.")
    return players, notes


def bits(mask: int, k: int) -> str:
    """A coalition as 0s and 1s, player 0 first (1: the player has B's values)."""
    return "".join("1" if mask >> i & 1 else "0" for i in range(k))


def coalition_name(mask: int, k: int) -> str:
    """The coalition's scenario name in the runner ensemble (file-safe, distinct)."""
    return f"c{bits(mask, k)}"


def coalition_scenario(a: Scenario, b: Scenario, players: Sequence[Player],
                       mask: int) -> Scenario:
    """A with B's values for the parameters of the players in ``mask``.

    Raises:
        DecomposeError: the mix is not a valid scenario (e.g. a cross-parameter rule).
    """
    k = len(players)
    fa, fb = flat_content(a), flat_content(b)
    values = {key: v for key, v in fa.items() if key != "name"}
    joined = [p for i, p in enumerate(players) if mask >> i & 1]
    for p in joined:
        for key in p.parameters:
            values[key] = fb.get(key)
    name = coalition_name(mask, k)
    try:
        params = make_params({**values, "name": name})
    except _ParameterError as exc:
        who = ", ".join(p.name for p in joined)
        raise DecomposeError(f"{a.name} with {b.name}'s {who} is not a valid scenario "
                             f"({exc}), so this difference cannot be decomposed that way; "
                             "try --decompose groups") from None
    if not joined:
        desc = f"{a.name} ({a.name} with none of {b.name}'s values)"
    elif len(joined) == k:
        desc = f"{b.name} ({a.name} with all of {b.name}'s values)"
    else:
        desc = f"{a.name} with {b.name}'s {', '.join(p.name for p in joined)}"
    return Scenario(name, desc, params)


def sample_orderings(k: int, n: int, seed: int) -> np.ndarray:
    """``n`` orderings of ``k`` players: ``n/2`` at random, then their reverses in the same
    order (ordering j and j + n/2 are a pair)."""
    _check_permutations(n)
    rng = np.random.default_rng(np.random.SeedSequence([ORDERING_STREAM, seed]))
    half = np.array([rng.permutation(k) for _ in range(n // 2)], dtype=int)
    return np.concatenate([half, half[:, ::-1]])


def _check_permutations(n: Any) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 2 or n % 2:
        raise DecomposeError(f"invalid permutations={n!r}: allowed an even whole number "
                             ">= 2 (each sampled ordering runs with its reverse)")


def coalitions_of(k: int, orderings: np.ndarray | None) -> list[int]:
    """The coalitions to run (as bit masks, ascending): all 2^k, or the empty and full
    sets, each player alone (for solo effects) and every prefix of every ordering."""
    if orderings is None:
        return list(range(2 ** k))
    masks = {0, 2 ** k - 1} | {1 << i for i in range(k)}
    for order in orderings:
        mask = 0
        for i in order:
            mask |= 1 << int(i)
            masks.add(mask)
    return sorted(masks)


# ---------------------------------------------------------------------------------------
# Shapley values of a game given on its coalitions


def shapley_exact(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values of every player, for many games at once.

    Args:
        values: shape (2^k, R): v(S) for every coalition S (bit i of the row index:
            player i is in S), for R games (replicates).

    Returns:
        shape (k, R); each column sums to values[-1] - values[0] (up to rounding).
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    k = n.bit_length() - 1
    if n != 2 ** k:
        raise ValueError(f"expected 2^k coalitions, got {n}")
    masks = np.arange(n)
    size = np.array([bin(m).count("1") for m in range(n)])
    weight = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k)
                       for s in range(k)]) if k else np.zeros(0)
    out = np.empty((k, *values.shape[1:]))
    for i in range(k):
        without = masks[(masks >> i & 1) == 0]
        # Marginal contributions first, then weights: less cancellation than weighting
        # the levels, so the values sum to the total to within rounding of the differences.
        marginal = values[without | (1 << i)] - values[without]
        out[i] = np.tensordot(weight[size[without]], marginal, axes=1)
    return out


def ordering_contributions(values: Mapping[int, np.ndarray], orderings: np.ndarray
                           ) -> np.ndarray:
    """Each player's marginal contribution along each ordering.

    Args:
        values: v(S) by bit mask, each an array of R games; must hold every prefix.
        orderings: shape (n, k).

    Returns:
        shape (n, k, R); the mean over the first axis estimates the Shapley values, and
        every ordering's contributions sum to v(all) - v(none).
    """
    n, k = orderings.shape
    first = np.asarray(values[0], dtype=float)
    out = np.empty((n, k, *first.shape))
    for j, order in enumerate(orderings):
        mask, prev = 0, first
        for i in order:
            mask |= 1 << int(i)
            cur = np.asarray(values[mask], dtype=float)
            out[j, int(i)] = cur - prev
            prev = cur
    return out


# ---------------------------------------------------------------------------------------
# Planning and running


@dataclass
class DecompositionEnsemble(Ensemble):
    """The runner ensemble of a decomposition: one scenario per coalition (summaries
    only), and the decomposition's plan in the manifest (for resume and analysis)."""

    decomposition: dict[str, Any] = field(default_factory=dict)
    reuse: list[tuple[str, Path, str]] = field(default_factory=list)
    """(coalition, comparison folder, scenario there): runs copied before the rest run."""

    def prepare(self, store: ResultsStore) -> None:
        """Copy the reused A and B summaries in as finished runs of their coalitions."""
        specs = {(s.scenario, s.replicate): s for s in self.runs()}
        reused = []
        for coalition, folder, scenario in self.reuse:
            summary = ResultsStore(folder).table("summary")
            runs = ResultsStore(folder).runs().set_index(["scenario", "replicate"])
            rows = summary[summary["scenario"] == scenario]
            for r, row in rows.groupby("replicate"):
                spec = specs.get((coalition, int(r)))
                if spec is None or int(row["seed"].iloc[0]) != spec.seed:
                    continue
                reused.append(RunOutput(spec, {"summary": row.assign(scenario=coalition)},
                                        float(runs.loc[(scenario, r), "run_seconds"]),
                                        f"reused from {folder}"))
        if reused:
            store.save_batch(RunBatch.of(reused))

    def to_manifest(self) -> dict[str, Any]:
        return {**super().to_manifest(), "decomposition": self.decomposition}

    @classmethod
    def from_manifest(cls, m: dict[str, Any]) -> DecompositionEnsemble:
        if "decomposition" not in m:
            raise DecomposeError(f"{m.get('name')}: not a decomposition's results folder "
                                 "(its manifest has no decomposition plan)")
        base = Ensemble.from_manifest(m)
        return cls(**{f.name: getattr(base, f.name) for f in fields(Ensemble)},
                   decomposition=m["decomposition"])


def plan(a: Scenario, b: Scenario, by: str = "groups", *, replicates: int = 10,
         seed: int = 0, method: str = "auto", permutations: int = PERMUTATIONS,
         model: str = "hls_sim", outcomes: Sequence[str] | None = None,
         name: str | None = None, reuse: str | Path | None = None) -> DecompositionEnsemble:
    """Check everything and build the ensemble of a decomposition; writes nothing.

    Args:
        a, b: the two scenarios; the difference decomposed is B - A.
        by: ``"groups"`` or ``"levers"`` (see :data:`MODES`).
        replicates: replicate seeds (shared by every coalition).
        seed: root seed (the same as a comparison's gives the same A and B runs).
        method: ``"auto"`` (exact up to EXACT_MAX_PLAYERS), ``"exact"``, ``"sampled"``.
        permutations: orderings sampled when sampled (even; half are reverses).
        model: the runner's model (``"hls_sim"`` or ``module:function``).
        outcomes: summary metrics to decompose (default: the headline outcomes the
            model reports, or all its numeric outputs if it reports none of them).
        reuse: a comparison's results folder holding A and B (the same parameters, seeds,
            model and hls_sim version): their finished runs are copied in, not run again.

    Raises:
        DecomposeError: bad mode or method, A equal to B, a mix that is not valid, a
            ``reuse`` folder that does not hold A and B as run here.
    """
    if method not in METHODS:
        raise DecomposeError(f"invalid method {method!r}: allowed {', '.join(METHODS)}")
    _check_permutations(permutations)
    players, notes = find_players(a, b, by)
    k = len(players)
    exact = method == "exact" or (method == "auto" and k <= EXACT_MAX_PLAYERS)
    if exact and k > EXACT_LIMIT:
        raise DecomposeError(f"{k} players is too many to enumerate every coalition "
                             f"(2^{k} scenarios; allowed up to {EXACT_LIMIT} players): use "
                             "method 'sampled' or 'auto'")
    orderings = None if exact else sample_orderings(k, permutations, seed)
    masks = coalitions_of(k, orderings)
    mixes = [coalition_scenario(a, b, players, m) for m in masks]
    fa, fb = flat_content(a), flat_content(b)
    spec = {
        "version": 1, "by": by, "method": "exact" if exact else "sampled",
        "a": {"name": a.name, "description": a.description, "hash": a.hash},
        "b": {"name": b.name, "description": b.description, "hash": b.hash},
        "players": [{"name": p.name, "kind": p.kind, "parameters": list(p.parameters),
                     "a": {key: fa.get(key) for key in p.parameters},
                     "b": {key: fb.get(key) for key in p.parameters}} for p in players],
        "coalitions": [{"scenario": coalition_name(m, k), "mask": m, "bits": bits(m, k)}
                       for m in masks],
        "permutations": None if exact else int(len(orderings)),
        "orderings": None if exact else orderings.tolist(),
        "outcomes": list(outcomes) if outcomes is not None else None,
        "notes": notes,
    }
    exp = DecompositionEnsemble(
        mixes, replicates=replicates, seed=seed,
        name=name or f"decompose-{a.name}-vs-{b.name}",
        question=f"What makes the difference between {a.name} and {b.name}?",
        event_replicates=0, kind="decompose", keep=(), model=model, decomposition=spec)
    if reuse is not None:
        exp.reuse = _reusable(Path(reuse), a, b, exp)
        spec["reused_from"] = str(reuse)
        spec["notes"].append(f"The runs of {a.name} and {b.name} are the comparison's in "
                             f"{reuse} (same parameters and seeds), not run again.")
    return exp


def _reusable(folder: Path, a: Scenario, b: Scenario, exp: DecompositionEnsemble
              ) -> list[tuple[str, Path, str]]:
    """Where A's and B's runs can be copied from a comparison, or a one-line refusal."""
    from .. import __version__

    store = ResultsStore(folder)
    if not store.exists():
        raise DecomposeError(f"{folder}: not a results folder (no manifest.json), so its "
                             "runs cannot be reused")
    m = store.read_manifest()
    made_by = m.get("versions", {}).get("hls_sim")
    if made_by != __version__ or m.get("model", "hls_sim") != exp.model:
        raise DecomposeError(f"{folder} was made by hls_sim {made_by} with model "
                             f"{m.get('model', 'hls_sim')}; its runs cannot stand in for "
                             f"this hls_sim {__version__} with model {exp.model}")
    by_hash = {s["hash"]: s["name"] for s in m.get("scenarios", [])}
    k = len(exp.decomposition["players"])
    out = []
    for s, mask in ((a, 0), (b, 2 ** k - 1)):
        if s.hash not in by_hash:
            raise DecomposeError(f"{folder} holds no scenario with {s.name}'s parameters, "
                                 "so its runs cannot be reused")
        out.append((coalition_name(mask, k), folder, by_hash[s.hash]))
    if m.get("root_seed") != exp.seed:
        raise DecomposeError(f"{folder} was run from another root seed "
                             f"({m.get('root_seed')}, here {exp.seed}): its runs are not "
                             "on this decomposition's replicate seeds")
    return out


def decompose(a: Scenario, b: Scenario, by: str = "groups", *, replicates: int = 10,
              seed: int = 0, workers: int | None = None, dask: str | None = None,
              out: str | Path | None = None, progress: bool = True, method: str = "auto",
              permutations: int = PERMUTATIONS, model: str = "hls_sim",
              outcomes: Sequence[str] | None = None,
              reuse: str | Path | None = None) -> Decomposition:
    """Run every coalition on the runner, then compute and write the decomposition.

    Everything is checked before anything is written (see :func:`plan` for the
    arguments); ``out`` is a new or empty folder (default
    ``results/decompose-A-vs-B-<timestamp>``); ``workers`` and ``dask`` choose the
    executor as for :func:`hls_sim.runner.run_ensemble`. The tables go to
    ``out/shapley/``; runs that failed are listed in ``Decomposition.failures`` and the
    replicates they belong to are left out. ``reuse``: a finished comparison of A and B
    on the same seeds (``hls-sim compare A B`` just run), whose runs of A and B are
    copied in rather than run again.

    Raises:
        DecomposeError: bad input (before anything is written), or no replicate with
            every coalition finished (after the runs: they are saved, resume them).
    """
    exp = plan(a, b, by, replicates=replicates, seed=seed, method=method,
               permutations=permutations, model=model, outcomes=outcomes, reuse=reuse)
    done = run_ensemble(exp, out, workers=workers, dask=dask, progress=progress)
    return analyse(done.path)


def resume_decomposition(path: str | Path, *, workers: int | None = None,
                         dask: str | None = None, progress: bool = True) -> Decomposition:
    """Finish an interrupted decomposition (only the missing runs), then analyse it."""
    store = ResultsStore(Path(path))
    if store.exists() and "decomposition" not in store.read_manifest():
        raise DecomposeError(f"{path}: not a decomposition's results folder (its manifest "
                             "has no decomposition plan)")
    done = resume_ensemble(path, workers=workers, dask=dask, progress=progress,
                             factory=DecompositionEnsemble.from_manifest)
    return analyse(done.path)


# ---------------------------------------------------------------------------------------
# Analysis


@dataclass
class Decomposition:
    """A decomposition of B - A, read back or just computed.

    Attributes:
        path: the results folder (its tables are in ``path / "shapley"``).
        a, b: the two scenarios' names.
        by: ``groups`` or ``levers``.
        method: ``exact`` or ``sampled``; ``permutations``: orderings sampled, if so.
        players: in the order of the coalitions' bits.
        values: outcome x player (tidy): ``mean``, ``ci_low``, ``ci_high`` (the Shapley
            value, in the outcome's stored unit), ``solo_mean`` and interval (B's values
            for this player alone), ``sampling_se`` (sampled orderings only),
            ``order`` (position in the waterfall), ``replicates``.
        totals: one row per outcome: ``a_mean``, ``b_mean``, ``total_mean`` (B - A) and
            interval, ``interaction_mean`` and interval, ``interaction_share`` and
            interval, ``replicates``, and how to show it (``label``, ``fmt``, ``scale``,
            ``better``).
        per_replicate: outcome x replicate x player: ``value``, ``solo``.
        notes: how the players were formed, and anything left out.
        failures: runs that failed (their replicates are left out).
    """

    path: Path
    a: str
    b: str
    by: str
    method: str
    permutations: int | None
    players: list[Player]
    values: pd.DataFrame
    totals: pd.DataFrame
    per_replicate: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path / FOLDER

    @property
    def outcomes(self) -> list[str]:
        return list(self.totals["outcome"])

    def sentence(self, outcome: str, most: int = 4) -> str:
        """The decomposition of one outcome in plain words."""
        t = self.totals.set_index("outcome").loc[outcome]
        rows = self.values[self.values["outcome"] == outcome]
        rows = rows.reindex(rows["mean"].abs().sort_values(ascending=False).index)
        label = {p.name: p for p in self.players}
        fmt = _formatter(t["fmt"], t["scale"])
        head = (f"{t['label']}: of the {fmt(t['total_mean'])} change from {self.a} to "
                f"{self.b}{_between(fmt, t['total_ci_low'], t['total_ci_high'])}")
        parts = []
        for n, (_, r) in enumerate(rows.head(most).iterrows()):
            p = label[r["player"]]
            verb = (" account for" if p.plural else " accounts for") if n == 0 else ""
            parts.append(f"{p.label}{verb} {fmt(r['mean'])}"
                         f"{_between(fmt, r['ci_low'], r['ci_high'])}")
        if len(rows) > most:
            rest = rows.iloc[most:]
            parts.append(f"the other {len(rest)} together {fmt(rest['mean'].sum())}")
        text = f"{head}, {', '.join(parts)}"
        if self.method == "sampled":
            # The intervals are over replicates; the orderings' own sampling error is
            # separate (not in them), so it is stated beside them.
            worst = 1.96 * float(rows["sampling_se"].max())
            text += (f" (from {self.permutations} sampled orderings: each value also "
                     f"within about ±{fmt(worst)[1:]} of its exact Shapley value)")
        if len(self.players) == 1:
            return text + " (one player, so no interaction)."
        return f"{text}; {_interaction_words(t, fmt)}."

    def sentences(self) -> dict[str, str]:
        return {o: self.sentence(o) for o in self.outcomes}

    def text(self) -> str:
        """Every outcome's sentence, then the notes (what ``summary.md`` holds)."""
        how = ("every coalition of players run (exact Shapley values)" if self.method == "exact"
               else f"Shapley values estimated from {self.permutations} sampled orderings "
                    "of the players (half of them reverses of the others)")
        n = int(self.totals["replicates"].max()) if len(self.totals) else 0
        lines = [f"# Decomposition of {self.b} - {self.a} by {self.by}", "",
                 f"Players: {', '.join(p.name for p in self.players)}; {how}; {n} paired "
                 "replicates; intervals are bootstrap 95% intervals over replicates.", ""]
        lines += [f"- {s}" for s in self.sentences().values()]
        if self.notes:
            lines += ["", "Notes:", ""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def analyse(path: str | Path, outcomes: Sequence[str] | None = None) -> Decomposition:
    """Compute a decomposition from its finished runs and write its tables.

    Raises:
        DecomposeError: not a decomposition's folder, or no replicate has every
            coalition's run finished (and no outcome could be decomposed).
    """
    path = Path(path)
    store = ResultsStore(path)
    manifest = store.read_manifest()
    spec = manifest.get("decomposition")
    if spec is None:
        raise DecomposeError(f"{path}: not a decomposition's results folder (its manifest "
                             "has no decomposition plan)")
    players = [Player(p["name"], p["kind"], tuple(p["parameters"])) for p in spec["players"]]
    k = len(players)
    summary = store.table("summary")
    failures = store.failures()
    notes = list(spec.get("notes", []))
    by_name = {c["scenario"]: c["mask"] for c in spec["coalitions"]}
    names = list(by_name)
    if len(summary):
        summary = summary[summary["scenario"].isin(names)]
    complete = (summary.groupby("replicate")["scenario"].nunique()
                if len(summary) else pd.Series(dtype=int))
    reps = sorted(int(r) for r in complete.index[complete == len(names)])
    if not reps:
        raise IncompleteError(f"{path}: no replicate has every coalition's run finished "
                              f"({len(failures)} run(s) failed), so nothing can be "
                              f"decomposed; see {path / 'failures'}, then --resume {path}")
    planned = manifest.get("replicates", len(reps))
    if len(reps) < planned:
        notes.append(f"{planned - len(reps)} of {planned} replicates left out: some of "
                     "their coalitions' runs failed or have not finished.")
    summary = summary[summary["replicate"].isin(reps)]
    metrics = _outcome_metrics(summary, outcomes or spec.get("outcomes"))
    orderings = np.array(spec["orderings"], dtype=int) if spec["orderings"] else None

    value_rows, total_rows, rep_frames = [], [], []
    for metric in metrics:
        wide = summary.pivot(index="scenario", columns="replicate", values=metric)
        wide = wide.reindex(names)[reps].astype(float)
        ok = np.isfinite(wide.to_numpy()).all(axis=0)
        if not ok.any():
            notes.append(f"{metric}: not decomposed (not finite in any replicate).")
            continue
        used = [r for r, good in zip(reps, ok, strict=True) if good]
        v = {by_name[s]: wide.loc[s, used].to_numpy() for s in names}
        if orderings is None:
            phi = shapley_exact(np.stack([v[m] for m in range(2 ** k)]))
            se = np.full(k, np.nan)
        else:
            contrib = ordering_contributions(v, orderings)
            phi = contrib.mean(axis=0)
            se = _antithetic_se(contrib.mean(axis=2))
        base, full = v[0], v[2 ** k - 1]
        total = full - base
        solo = np.stack([v[1 << i] - base for i in range(k)])
        interaction = total - solo.sum(axis=0)
        o = _outcome_info(metric)
        order = _waterfall_order(phi.mean(axis=1), spec["by"])
        for i, p in enumerate(players):
            lo, hi = _interval(phi[i], CONFIDENCE)
            slo, shi = _interval(solo[i], CONFIDENCE)
            value_rows.append({
                "outcome": metric, "label": o["label"], "player": p.name, "kind": p.kind,
                "parameters": ", ".join(p.parameters), "order": order[i],
                "mean": float(phi[i].mean()), "ci_low": lo, "ci_high": hi,
                "solo_mean": float(solo[i].mean()), "solo_ci_low": slo, "solo_ci_high": shi,
                "sampling_se": float(se[i]), "replicates": len(used)})
        tlo, thi = _interval(total, CONFIDENCE)
        ilo, ihi = _interval(interaction, CONFIDENCE)
        share, slo, shi = _share(interaction, total)
        total_rows.append({
            "outcome": metric, **o, "a": spec["a"]["name"], "b": spec["b"]["name"],
            "a_mean": float(base.mean()), "b_mean": float(full.mean()),
            "total_mean": float(total.mean()), "total_ci_low": tlo, "total_ci_high": thi,
            "solo_sum_mean": float(solo.sum(axis=0).mean()),
            "interaction_mean": float(interaction.mean()), "interaction_ci_low": ilo,
            "interaction_ci_high": ihi, "interaction_share": share,
            "interaction_share_ci_low": slo, "interaction_share_ci_high": shi,
            "replicates": len(used), "method": spec["method"]})
        rep_frames.append(pd.DataFrame({
            "outcome": metric, "replicate": np.repeat(used, k).astype(int),
            "player": [p.name for p in players] * len(used),
            "value": phi.T.ravel(), "solo": solo.T.ravel()}))
    if not total_rows:
        raise DecomposeError(f"{path}: none of the outcomes {', '.join(metrics)} could be "
                             "decomposed (not finite in any replicate)")
    dec = Decomposition(path, spec["a"]["name"], spec["b"]["name"], spec["by"],
                        spec["method"], spec["permutations"], players,
                        pd.DataFrame(value_rows), pd.DataFrame(total_rows),
                        pd.concat(rep_frames, ignore_index=True), notes, failures)
    _write(dec)
    return dec


def load_decomposition(path: str | Path) -> Decomposition:
    """Read a decomposition's tables back (as :func:`analyse` wrote them)."""
    path = Path(path)
    store = ResultsStore(path)
    spec = store.read_manifest().get("decomposition")
    if spec is None:
        raise DecomposeError(f"{path}: not a decomposition's results folder (its manifest "
                             "has no decomposition plan)")
    folder = path / FOLDER
    try:
        values, totals, per_rep = (pd.read_parquet(folder / f"{t}.parquet")
                                   for t in ("values", "totals", "per_replicate"))
        notes = json.loads((folder / "notes.json").read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: the decomposition has not been analysed yet (no "
                                f"{FOLDER}/ tables); analyse it first") from None
    players = [Player(p["name"], p["kind"], tuple(p["parameters"])) for p in spec["players"]]
    return Decomposition(path, spec["a"]["name"], spec["b"]["name"], spec["by"],
                         spec["method"], spec["permutations"], players, values, totals,
                         per_rep, notes, store.failures())


def _write(dec: Decomposition) -> None:
    folder = dec.folder
    for name, df in (("values", dec.values), ("totals", dec.totals)):
        write_parquet_atomic(folder / f"{name}.parquet", df)
        write_atomic(folder / f"{name}.csv", df.to_csv(index=False))
    write_parquet_atomic(folder / "per_replicate.parquet", dec.per_replicate)
    write_atomic(folder / "notes.json", json.dumps(dec.notes, indent=1) + "\n")
    write_atomic(folder / "summary.md", dec.text())


def _outcome_metrics(summary: pd.DataFrame, wanted: Sequence[str] | None) -> list[str]:
    numeric = [c for c in summary.columns
               if c not in ("scenario", "replicate", "seed", "sample")
               and summary[c].dtype.kind in "fiub"]
    if wanted:
        missing = [m for m in wanted if m not in numeric]
        if missing:
            raise DecomposeError(f"outcome(s) {', '.join(missing)} are not numeric outputs "
                                 f"of these runs (allowed: {', '.join(numeric)})")
        return list(wanted)
    headline = [o.metric for o in HEADLINE if o.metric in numeric]
    return headline or numeric


def _outcome_info(metric: str) -> dict[str, Any]:
    for o in HEADLINE:
        if o.metric == metric:
            return {"label": o.label, "fmt": o.fmt, "scale": o.scale, "better": o.better}
    return {"label": metric, "fmt": "{:.4g}", "scale": 1.0, "better": ""}


def _waterfall_order(means: np.ndarray, by: str) -> list[int]:
    """Position of each player in the waterfall: groups keep their order (the same in
    every outcome's figure); single levers go largest first."""
    if by == "groups":
        return list(range(len(means)))
    rank = np.argsort(-np.abs(means), kind="stable")
    order = np.empty(len(means), dtype=int)
    order[rank] = np.arange(len(means))
    return order.tolist()


def _antithetic_se(contrib: np.ndarray) -> np.ndarray:
    """Standard error of the ordering-sampled Shapley values (replicate means), from the
    spread over antithetic pairs (ordering j with its reverse j + n/2)."""
    n = contrib.shape[0]
    pairs = (contrib[: n // 2] + contrib[n // 2:]) / 2
    if pairs.shape[0] < 2:
        return np.full(contrib.shape[1], np.nan)
    return pairs.std(axis=0, ddof=1) / np.sqrt(pairs.shape[0])


def _share(interaction: np.ndarray, total: np.ndarray) -> tuple[float, float, float]:
    """Interaction as a share of the total (ratio of means), with a paired bootstrap
    interval (BCa, or percentile where BCa is undefined)."""
    t = float(total.mean())
    if t == 0 or not np.isfinite(t):
        return np.nan, np.nan, np.nan
    point = float(interaction.mean()) / t
    if total.size < 2:
        return point, np.nan, np.nan
    if np.ptp(interaction) == 0 and np.ptp(total) == 0:
        return point, point, point

    def ratio(i: np.ndarray, d: np.ndarray, axis: int = -1) -> np.ndarray:
        return i.mean(axis=axis) / d.mean(axis=axis)

    lo = hi = np.nan
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        for how in ("BCa", "percentile"):
            res = stats.bootstrap((interaction, total), ratio, paired=True, vectorized=True,
                                  confidence_level=CONFIDENCE, method=how,
                                  n_resamples=BOOTSTRAP_RESAMPLES,
                                  rng=np.random.default_rng(BOOTSTRAP_SEED))
            lo, hi = res.confidence_interval
            if np.isfinite(lo) and np.isfinite(hi):
                break
    return point, float(lo), float(hi)


def _formatter(fmt: str, scale: float):
    signed = fmt if fmt.startswith("{:+") else fmt.replace("{:", "{:+", 1)

    def f(v: float) -> str:
        return signed.format(v * scale) if np.isfinite(v) else "n/a"
    return f


def _between(fmt, lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f" ({fmt(lo)} to {fmt(hi)})"


def share_is_clear(t: Mapping[str, Any]) -> bool:
    """Whether an outcome's interaction share means something: the total's interval
    leaves out zero (a share of a change that may be nothing is not quoted)."""
    lo, hi = t["total_ci_low"], t["total_ci_high"]
    return bool(np.isfinite(t["interaction_share"]) and np.isfinite(lo) and np.isfinite(hi)
                and (lo > 0 or hi < 0))


def _interaction_words(t: pd.Series, fmt) -> str:
    if share_is_clear(t):
        return (f"interaction {t['interaction_share']:.0%} of the change"
                + _between(lambda v: f"{v:.0%}", t["interaction_share_ci_low"],
                           t["interaction_share_ci_high"]))
    return (f"interaction {fmt(t['interaction_mean'])}"
            f"{_between(fmt, t['interaction_ci_low'], t['interaction_ci_high'])}"
            " (no share: the change itself is not clear)")
