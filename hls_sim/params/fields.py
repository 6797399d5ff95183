"""The building blocks of parameter groups: the field helper that records each
parameter's unit and source, the need domains, and the sources cited by name."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Rows of ../shared/evidence/calibration_targets.csv, cited by name in sources.
CAL = "calibration_targets.csv"
EV = "mechanism_evidence.csv row"  # ../shared/evidence/mechanism_evidence.csv, cited by id
SEED_CORNWALL = "seed 000 (People in Mind, Cornwall)"
SEED_LGA = "seed 001 (LGA: HLS with charities)"
SEED_NOTTS = "seed 003 (Nottinghamshire one-minute guide)"
SEED_SCOT = "seed 004 (HLS in Scotland: experiments, assess-do-refer)"

DOMAINS: tuple[str, ...] = (
    "mental_health",
    "substance_use",
    "housing",
    "debt",
    "physical_health",
    "isolation",
)
"""Need domains, ordered so neighbours are related (a lot covering k domains takes a run)."""
N_DOMAINS = len(DOMAINS)


def P(default: Any, unit: str, source: str, description: str,
      prior: tuple[float, float] | None = None, **constraints: Any) -> Any:
    """A parameter field with its unit and source recorded for the ODD and the docs.

    ``prior`` is the documented range a sensitivity analysis explores for a magnitude
    that rests on an assumption or on evidence from another setting (low, high).
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if prior is not None:
        extra["prior"] = [prior[0], prior[1]]
    return Field(default, description=description, json_schema_extra=extra, **constraints)


class _Group(BaseModel):
    # NaN and infinity are never a valid parameter (NaN passes every ge/le bound).
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False,
                              allow_inf_nan=False)
