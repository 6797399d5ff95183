"""Try any command in seconds: ``HLS_SIM_SIZE=small`` shrinks every scenario and design.

Every command in the README and the guides can be tried at full size, which takes
minutes to hours. With the environment variable ``HLS_SIM_SIZE=small`` set, the same
command runs a small version of what it names, in seconds, for trying the commands and
for the test that runs every documented command:

* a scenario keeps its regime, levers and everything else, but its place shrinks to at
  most :data:`SMALL_POSTS` posts (people and funding shrink with the posts, so each post
  keeps its caseload and pay), :data:`SMALL_ORGANISATIONS` organisations and
  :data:`SMALL_LOCALITIES` localities, over at most :data:`SMALL_WEEKS` weeks (the
  burn-in and a regime switch move with the run's length);
* a sensitivity or discovery design keeps its factors and outputs but takes the smallest
  sample its method allows, one replicate, and seed noise measured at two points.

Small runs are not for drawing conclusions: a scenario's description says it was
shrunk, so the report and the manifest show it; its report's figures are written as PNG
only (no SVG copies for papers).
"""

from __future__ import annotations

import copy
import os
from typing import Any

from .params import ParameterError, Params, make_params

VARIABLE = "HLS_SIM_SIZE"
SMALL_POSTS = 12
SMALL_ORGANISATIONS = 6
SMALL_LOCALITIES = 2
SMALL_WEEKS = 104
SMALL_DESIGN_N = {"sobol": 4, "morris": 2, "pawn": 20, "delta": 20, "latin": 20}
"""The smallest sample each method allows (eFAST's depends on M: 4 M^2 + 1)."""
NOTE = " [shrunk by HLS_SIM_SIZE=small: not for conclusions]"


def small() -> bool:
    """Whether ``HLS_SIM_SIZE=small`` is set (anything else set is refused)."""
    value = os.environ.get(VARIABLE, "").strip()
    if value in ("", "full"):
        return False
    if value == "small":
        return True
    raise ParameterError(f"invalid {VARIABLE}={value!r}: allowed 'small' (try a command in "
                         "seconds) or unset")


def shrink(params: Params) -> Params:
    """A small version of ``params``: the same levers in a smaller place, over a shorter
    run (never larger than it was)."""
    place = params.place
    posts = min(place.n_practitioners, SMALL_POSTS)
    share = posts / place.n_practitioners
    weeks = min(place.n_weeks, SMALL_WEEKS)
    stretch = weeks / place.n_weeks
    over: dict[str, Any] = {
        "place.n_practitioners": posts,
        "place.n_people": max(10, min(place.n_people, round(place.n_people * share))),
        "place.n_organisations": min(place.n_organisations, SMALL_ORGANISATIONS),
        "place.n_localities": min(place.n_localities, SMALL_LOCALITIES),
        "place.n_weeks": weeks,
        "place.burn_in_weeks": min(round(place.burn_in_weeks * stretch), weeks - 1),
        "money.budget_per_week": params.money.budget_per_week * share,
    }
    if params.switch_week is not None:
        over["switch_week"] = min(round(params.switch_week * stretch), weeks - 1)
    if params.appraisal.appraisal_years is not None:  # the shorter run's whole years
        over["appraisal.appraisal_years"] = max(1, min(params.appraisal.appraisal_years,
                                                       weeks // 52))
    return make_params(params, **{k.replace(".", "__"): v for k, v in over.items()})


def shrink_design(raw: dict[str, Any]) -> dict[str, Any]:
    """A small version of an experiment file's content (before it is validated)."""
    raw = copy.deepcopy(raw)
    method = raw.get("method")
    sample = raw.get("sample")
    if isinstance(sample, dict):
        if method == "fast":
            m = sample.get("M", (raw.get("analyze") or {}).get("M", 4))
            n = 4 * m * m + 1 if isinstance(m, int) else sample.get("N")
        else:
            n = SMALL_DESIGN_N.get(method, sample.get("N"))
        if isinstance(sample.get("N"), int) and isinstance(n, int):
            sample["N"] = min(sample["N"], n)
        sample.pop("optimal_trajectories", None)
    if isinstance(raw.get("replicates"), int):
        raw["replicates"] = 1
    if raw.get("noise") is not False:
        raw["noise"] = {"points": 2, "replicates": 2}
    if isinstance(raw.get("description"), str):
        raw["description"] += NOTE
    return raw
