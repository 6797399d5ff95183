"""The arms of a comparison: the options a user names, and the no-service arm beside them.

Every comparison (``hls-sim compare A B``, ``hls-sim run A``) runs, besides the options,
a **no-service arm** on the same replicate seeds: the same place, the same people and
the same life shocks, with no commissioned support (issue 12). Each option's value added
is its paired difference from that arm (common random numbers), and the economic case
(:mod:`hls_sim.appraisal`) is made against it.

The arm is built from the options' own place, not taken from the shipped
``scenarios/no_service.yaml`` (which is the default place): a comparison of two options
in a small place needs no service *in that place*. Levers do nothing once nothing is
commissioned, and the commissioning budget is not spent (nothing is let), so options
that differ only in levers and budget share one arm. Options in different places (other
people, weeks, posts, ...) have no common no-service world; the comparison then runs
without the arm and says why.

:class:`ComparisonEnsemble` records the arm and a requested decomposition in the
manifest, so ``--resume`` finishes both and the report finds them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .. import sizes
from ..params import GROUPS, LEVER_GROUPS, PRESETS, make_params
from ..runner import Ensemble, EnsembleError
from ..runner.work import RunSpec
from ..scenarios import Scenario

NO_SERVICE = "no_service"
"""The arm's name (and the baseline the economic case is made against)."""
IGNORED = ("name", "regime", "switch_week", "switch_to", "switch_overrides",
           "money.budget_per_week")
"""What does not make two options' no-service worlds different: labels, the regime
switch (levers only), and the budget (not spent when nothing is commissioned)."""


def is_no_service(s: Scenario) -> bool:
    """Whether a scenario commissions nothing, ever (no switch into a regime)."""
    return (not s.params.procurement.commission_services) and s.params.switch_week is None


def no_service_like(s: Scenario) -> Scenario:
    """The no-service arm of ``s``'s place: everything but the levers as ``s`` sets it,
    nothing commissioned."""
    content = s.content
    values: dict[str, Any] = {g: content[g] for g in GROUPS if g not in LEVER_GROUPS}
    values.update({"name": NO_SERVICE, "regime": NO_SERVICE,
                   **{g: dict(PRESETS[NO_SERVICE][g]) for g in LEVER_GROUPS}})
    desc = (f"No commissioned support: the same place, people and shocks as {s.name}, for "
            "measuring what each option adds")
    if sizes.small():
        desc += sizes.NOTE
    return Scenario(NO_SERVICE, desc, make_params(values))


def _place_key(s: Scenario) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for g in GROUPS:
        if g in LEVER_GROUPS or g == "appraisal":  # the appraisal does not change a run
            continue
        for k, v in s.content[g].items():
            flat[f"{g}.{k}"] = v
    return {k: v for k, v in flat.items() if k not in IGNORED}


def place_difference(a: Scenario, b: Scenario) -> str | None:
    """The first parameter (besides levers and budget) on which two options' places
    differ, as words, or None when they share a no-service world."""
    ka, kb = _place_key(a), _place_key(b)
    for k in ka:
        if ka[k] != kb.get(k):
            return f"{k} is {ka[k]!r} in {a.name} and {kb.get(k)!r} in {b.name}"
    return None


def with_no_service(options: list[Scenario]) -> tuple[list[Scenario], str | None, str | None]:
    """The scenarios to run (the options, then the no-service arm), the arm's name (None
    when there is none) and, when there is none, why.

    A scenario named ``no_service`` among the options is the arm (it must commission
    nothing). Otherwise the arm is built from the first option's place.

    Raises:
        EnsembleError: a scenario named ``no_service`` that commissions services.
    """
    named = [s for s in options if s.name == NO_SERVICE]
    if named:
        if not is_no_service(named[0]):
            raise EnsembleError(f"the scenario named {NO_SERVICE} commissions services; the "
                                f"name {NO_SERVICE} is kept for the no-service arm (allowed: "
                                "rename the scenario, or set procurement.commission_services: "
                                "false)")
        return options, NO_SERVICE, None
    others = [s for s in options if is_no_service(s)]
    if others:
        return options, None, (f"{others[0].name} commissions nothing, so it is already a "
                               "no-service arm (name it no_service to have each option "
                               "measured against it)")
    for s in options[1:]:
        why = place_difference(options[0], s)
        if why is not None:
            return options, None, ("the options are not in the same place, so no one "
                                   f"no-service arm fits them all ({why})")
    return [*options, no_service_like(options[0])], NO_SERVICE, None


@dataclass
class ComparisonEnsemble(Ensemble):
    """A comparison's runner ensemble: the options and the no-service arm, and in the
    manifest which arm that is, why there is none, and any decomposition asked for (so
    ``--resume`` finishes it and the report finds it)."""

    no_service_arm: str | None = None
    no_service_note: str | None = None
    decompose: dict[str, Any] | None = None
    """``{"by": "groups" | "levers", "a": name, "b": name}``: run after the comparison."""

    def runs(self) -> list[RunSpec]:
        """As :meth:`Ensemble.runs`, without event logs for the no-service arm (the
        journeys follow people through the options)."""
        return [RunSpec(r.scenario, r.replicate, r.seed,
                        tuple(t for t in r.keep if t != "events"))
                if r.scenario == self.no_service_arm else r for r in super().runs()]

    def to_manifest(self) -> dict[str, Any]:
        return {**super().to_manifest(), "no_service_arm": self.no_service_arm,
                "no_service_note": self.no_service_note, "decompose": self.decompose}

    @classmethod
    def from_manifest(cls, m: dict[str, Any]) -> ComparisonEnsemble:
        base = Ensemble.from_manifest(m)
        return cls(**{f.name: getattr(base, f.name) for f in fields(Ensemble)},
                   no_service_arm=m.get("no_service_arm"),
                   no_service_note=m.get("no_service_note"), decompose=m.get("decompose"))


def arm_of(manifest: dict[str, Any]) -> str | None:
    """The no-service arm of a results folder: as recorded, or (folders made before it
    was recorded) a scenario named ``no_service`` that commissions nothing."""
    if "no_service_arm" in manifest:
        return manifest["no_service_arm"]
    for s in manifest.get("scenarios", []):
        proc = s.get("content", {}).get("procurement", {})
        if s["name"] == NO_SERVICE and proc.get("commission_services") is False:
            return NO_SERVICE
    return None


def options_of(manifest: dict[str, Any]) -> list[str]:
    """The options of a results folder (every scenario but the no-service arm), in order."""
    arm = arm_of(manifest)
    return [s["name"] for s in manifest.get("scenarios", []) if s["name"] != arm]
