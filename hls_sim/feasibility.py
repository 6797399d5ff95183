"""Checks a valid set of parameters must still pass before anything runs or is written.

:class:`~hls_sim.params.Params` checks each parameter on its own (type, range). Some
problems only show when parameters are read together, and used to surface deep inside a
run (or as a ``MemoryError`` from numpy, or as results that mean nothing):

* **non-finite numbers** (NaN, ±inf) anywhere, including the lever overrides after a
  regime switch;
* **weeks outside the run**: a regime switch at or after the last week, a burn-in as
  long as the run, learning meetings less often than once a run;
* **values that contradict each other**: more than the whole contract paid on results
  and activity, new hires more skilled outside their specialism than in it, a
  practitioner's week taken up entirely by admin and reflection;
* **an economic case that cannot be made**: an appraisal period longer than the run, a
  price year the deflator table does not cover;
* **sizes the machine cannot hold**: the memory one run needs, estimated from people,
  weeks, posts and organisations *before* anything is allocated, against the memory
  available (times the runs held at once by parallel workers).

Every problem is a :class:`FeasibilityError` (a :class:`~hls_sim.params.ParameterError`)
whose message is one line: what is wrong, with the values, and what is allowed. Scenario
files are checked when loaded (:func:`hls_sim.scenarios.load`), the runner checks memory
for its number of workers before it creates a results folder.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .params import ParameterError, Params

# Memory one run needs, measured with ``resource.getrusage`` (peak RSS) on runs of
# 20,000 and 80,000 people over 104 and 416 weeks, and 1,000,000 people over 52 weeks
# (benchmarks/bench_scale.py: 1.35 GB): about 1.2 KB per person, 8 bytes per
# person-week (shocks, the event log), a few KB per post and per lot, and the
# organisations' trust matrix (8 bytes per pair, with working copies). The estimate is
# deliberately on the high side (by up to about 1.5x at a million people).
# An interpreter with numpy, pandas, scipy and mesa imported, and the model's compiled
# kernels loaded (llvmlite and numba's runtime): a tiny run peaks at about 285 MB and a
# default run at about 317 MB (peak_rss_bytes, i.e. VmHWM); a process that finds the
# kernel cache cold compiles them first, which peaks at about 424 MB for a default run,
# so the estimate allows for that (measured 2026-12-01, numba 0.68).
PROCESS_BYTES = 450e6
PERSON_BYTES = 1_200.0
PERSON_WEEK_BYTES = 8.0
POST_BYTES = 2 * 1_000.0  # posts are allocated twice over (room to hire)
LOT_BYTES = 2_000.0
ORG_PAIR_BYTES = 24.0
WEEK_BYTES = 2_000.0  # the weekly time series and per-week counters


class FeasibilityError(ParameterError):
    """Parameters that are each valid but cannot make a meaningful run together."""


def check(params: Params, *, runs_at_once: int = 1,
          available: float | None = None, weeks: bool = True) -> None:
    """Raise :class:`FeasibilityError` (one line) if ``params`` cannot make a run.

    Args:
        params: validated parameters.
        runs_at_once: runs held in memory at the same time (parallel workers).
        available: bytes of memory available (default: this machine's, now).
        weeks: also refuse a run too short for its burn-in, switch or learning meetings
            (:func:`check_weeks`), as scenario files and designs are; ``hls_sim.run``
            leaves it out, so that a short run from Python (``place__n_weeks=8``) keeps
            the model's own rules (a burn-in of at most a quarter of the run).
    """
    check_finite(params)
    check_magnitudes(params)
    if weeks:
        check_weeks(params)
    check_contradictions(params)
    check_appraisal(params)
    check_memory(params, runs_at_once=runs_at_once, available=available)


def check_finite(params: Params) -> None:
    """NaN or ±inf anywhere (pydantic refuses them in the groups; the lever overrides
    after a switch are a free mapping until the switch, so every value is walked)."""
    for name, value in _numbers(params.model_dump()):
        if not math.isfinite(value):
            raise FeasibilityError(f"invalid parameter {name}={value!r}: allowed a finite "
                                   "number (not NaN or infinity)", param=name)


# Ceilings for parameters that have no upper bound of their own: far beyond any real
# place, and below the sizes at which the model's arithmetic overflows (whole pence in
# 64 bits, weeks in 32 bits, products of rates). Sizes of the place are left to the
# memory check.
HOURS_CEILING = 168.0  # hours in a week
WEEKS_CEILING = 52_000  # a thousand years
CEILING = 1e9
_HOURS_OVER_WEEKS = ("hours per tender", "hours per review")


def check_magnitudes(params: Params) -> None:
    """Unbounded parameters: at most the hours in a week, a thousand years, or 1e9."""
    from .params import GROUPS, LEVER_GROUPS

    sets = [(group, cls, getattr(params, group)) for group, cls in GROUPS.items()
            if group != "place"]
    if params.switch_to is not None:
        after = params.levers_after_switch()
        for g in LEVER_GROUPS:
            sets.append((f"switch_overrides.{g}", GROUPS[g], getattr(after, g)))
    for group, cls, values in sets:
        for fname, field in cls.model_fields.items():
            if any(getattr(m, a, None) is not None for m in field.metadata
                   for a in ("le", "lt")):
                continue
            value = getattr(values, fname)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            unit = str((field.json_schema_extra or {}).get("unit", ""))
            # Hours a week (or in one meeting or assessment) cannot pass the week's 168;
            # a tender's or a review's hours are spread over weeks (the tender's prior
            # reaches 600, which a weekly ceiling refused until 3 December 2026).
            if unit.startswith("hours") and not unit.startswith(_HOURS_OVER_WEEKS):
                top, what = HOURS_CEILING, "the 168 hours in a week"
            elif unit.startswith("weeks"):
                top, what = WEEKS_CEILING, "52,000 weeks (a thousand years)"
            else:
                top, what = CEILING, "1e9 (far beyond any real place)"
            if abs(value) > top:
                raise FeasibilityError(f"invalid parameter {group}.{fname}={value!r}: allowed "
                                       f"at most {what}", param=f"{group}.{fname}")


def check_weeks(params: Params) -> None:
    place = params.place
    if place.burn_in_weeks >= place.n_weeks:
        raise FeasibilityError(
            f"place.burn_in_weeks={place.burn_in_weeks} is not shorter than the run "
            f"(place.n_weeks={place.n_weeks}): no week would be left for the summaries; "
            "allowed a burn-in below n_weeks", param="place.burn_in_weeks")
    if params.switch_week is not None and params.switch_week >= place.n_weeks:
        raise FeasibilityError(
            f"switch_week={params.switch_week} is after the last week of the run "
            f"(place.n_weeks={place.n_weeks}, weeks 0-{place.n_weeks - 1}): the switch "
            "would never happen; allowed a week below n_weeks", param="switch_week")
    for name, lv in _lever_sets(params):
        every = lv.learning_meeting_weeks
        if every > place.n_weeks:
            where = _lever(name, "learning_meeting_weeks")
            raise FeasibilityError(
                f"{where}={every} is longer than the run "
                f"(place.n_weeks={place.n_weeks}): no learning meeting would be held; "
                "allowed 0 (none) or a cadence up to n_weeks", param=where)


def check_contradictions(params: Params) -> None:
    for name, lv in _lever_sets(params):
        if lv.results_share + lv.activity_share > 1.0:
            raise FeasibilityError(
                f"{_lever(name, 'results_share')}={lv.results_share:g} plus "
                f"{_lever(name, 'activity_share')}={lv.activity_share:g} is more than the "
                "whole contract: allowed shares adding up to at most 1",
                param=_lever(name, "results_share"))
    learn = params.learning
    if learn.skill_general > learn.skill_specialist:
        raise FeasibilityError(
            f"learning.skill_general={learn.skill_general:g} is above "
            f"learning.skill_specialist={learn.skill_specialist:g}: a new hire would be "
            "more skilled outside their specialism than in it; allowed skill_general <= "
            "skill_specialist", param="learning.skill_general")
    wf = params.workforce
    for name, lv in _lever_sets(params):
        taken = wf.fixed_admin_hours * lv.reporting_burden + lv.reflective_hours
        if taken >= wf.hours_per_week:
            raise FeasibilityError(
                f"workforce.fixed_admin_hours={wf.fixed_admin_hours:g} at "
                f"{_lever(name, 'reporting_burden')}={lv.reporting_burden:g}, plus "
                f"{_lever(name, 'reflective_hours')}={lv.reflective_hours:g}, take {taken:g} of the "
                f"{wf.hours_per_week:g} contracted hours (workforce.hours_per_week): no time "
                "would be left to work with anyone; allowed less than the contracted hours",
                param="workforce.fixed_admin_hours")


def check_appraisal(params: Params) -> None:
    """The economic case's settings read with the run: an appraisal period the run
    covers, and a deflator with every price year in use (checked here, before the runs,
    rather than found when the comparison's economic case is computed)."""
    from .params.appraisal import RESOURCES, WEEKS_PER_YEAR, parse_price_year

    a, weeks = params.appraisal, params.place.n_weeks
    whole = weeks // WEEKS_PER_YEAR
    if a.appraisal_years is not None and a.appraisal_years > whole:
        raise FeasibilityError(
            f"appraisal.appraisal_years={a.appraisal_years} is longer than the run "
            f"(place.n_weeks={weeks}: {whole} whole year(s) of {WEEKS_PER_YEAR} weeks); "
            f"allowed 1-{whole}, or unset for every whole year of the run"
            if whole else
            f"appraisal.appraisal_years={a.appraisal_years} is longer than the run "
            f"(place.n_weeks={weeks}: not one whole year of {WEEKS_PER_YEAR} weeks); "
            "allowed unset, or a run of at least 52 weeks", param="appraisal.appraisal_years")
    used = [r for r in RESOURCES
            if any(res.get(r, 0.0) > 0 for res in a.resources_per_crisis.values())]
    years = {"appraisal.price_year": a.price_year,
             "appraisal.wellby_price_year": a.wellby_price_year,
             **{f"appraisal.unit_cost_{r}_price_year": a.unit_cost(r)[1] for r in used}}
    if a.money_price_year is not None:
        years["appraisal.money_price_year"] = a.money_price_year
    for name, year in years.items():
        first, financial = parse_price_year(year)
        missing = [y for y in ([first, first + 1] if financial else [first])
                   if y not in a.deflator]
        if missing:
            raise FeasibilityError(
                f"{name}={year!r} needs the deflator for {', '.join(map(str, missing))}, "
                f"which appraisal.deflator lacks (it has {min(a.deflator)}-{max(a.deflator)}); "
                "allowed a deflator covering every price year in use",
                param="appraisal.deflator")


def estimate_bytes(params: Params) -> float:
    """Peak memory of one run of ``params`` (bytes, an upper estimate), computed from
    the sizes alone, before anything is allocated."""
    place = params.place
    people = float(place.n_people)
    lots = float(place.n_localities) * 6
    orgs = float(place.n_organisations)
    return (PROCESS_BYTES + people * PERSON_BYTES
            + people * float(place.n_weeks) * PERSON_WEEK_BYTES
            + float(place.n_practitioners) * POST_BYTES + lots * LOT_BYTES
            + orgs * orgs * ORG_PAIR_BYTES + float(place.n_weeks) * WEEK_BYTES)


def check_memory(params: Params, *, runs_at_once: int = 1,
                 available: float | None = None) -> None:
    need = estimate_bytes(params)
    have = available_bytes() if available is None else available
    if have is None:
        return
    total = need * max(runs_at_once, 1)
    if total > have:
        at_once = f" x {runs_at_once} runs at once (one per worker)" if runs_at_once > 1 \
            else ""
        place = params.place
        raise FeasibilityError(
            f"too large for this machine: {place.n_people:,} people over {place.n_weeks} "
            f"weeks, {place.n_practitioners:,} posts and {place.n_organisations:,} "
            f"organisations need about {_size(need)} per run{at_once}, and "
            f"{_size(have)} of memory is available; allowed: a smaller place"
            + (" or fewer --workers" if runs_at_once > 1 else ""), param="place.n_people")


def available_bytes() -> float | None:
    """Memory available to this process now: the kernel's MemAvailable, capped by a
    cgroup (container) limit if there is one. None if it cannot be told."""
    have = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                have = float(line.split()[1]) * 1024
                break
    except OSError:
        pass
    if have is None:
        try:
            have = float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit != "max":
            have = min(have, float(limit) - float(used))
    except (OSError, ValueError):
        pass
    return have


def peak_rss_bytes() -> float:
    """Peak resident memory of this process so far (bytes).

    On Linux this is ``VmHWM`` from ``/proc/self/status``: the high-water mark of this
    process's own address space. ``getrusage(RUSAGE_SELF).ru_maxrss`` is not used there
    because it carries over the parent's high-water mark into a child started with
    ``vfork``/``exec`` (as Python's ``subprocess`` does), so a small run started from a
    large process (a test worker) reports the parent's peak. Elsewhere, ``ru_maxrss``
    (kilobytes, bytes on macOS)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    import sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak if sys.platform == "darwin" else peak * 1024)


def _size(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 1e3:,.0f} KB"


def _lever_sets(params: Params) -> Iterator[tuple[str, Any]]:
    """The levers at week 0 and, if the regime switches, after the switch: a prefix for
    messages ('' or 'switch_overrides.') and every lever by its bare name."""
    from .params import flat_levers

    yield "", SimpleNamespace(**flat_levers(params.levers))
    if params.switch_to is not None:
        yield "switch_overrides.", SimpleNamespace(**flat_levers(params.levers_after_switch()))


def _lever(prefix: str, name: str) -> str:
    """A lever's dotted name in a message (``practice.reporting_burden``)."""
    from .params import LEVER_GROUP_OF

    return f"{prefix}{LEVER_GROUP_OF[name]}.{name}"


def _numbers(value: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{prefix}[{i}]")
    elif isinstance(value, float):
        yield prefix, value
