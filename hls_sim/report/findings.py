"""What a comparison found, computed once from its results folder for the terminal, the
HTML report and ``report.json``: the headline outcomes, each option's value added over
the no-service arm, the economic case, the decomposition (if one was run), and a few
plain sentences that say it in words (:mod:`.words`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.arms import arm_of, options_of
from ..analysis.compare import headline_table, value_added, value_added_table
from ..appraisal import AppraisalError, EconomicCase, economic_case
from ..runner.store import load_results

KEY_OUTCOMES = ("wellbeing_change_52", "wellbeing_change_104", "improved_share_52",
                "crisis_free_weeks_52", "crises_per_1000", "commissioner_costs_total")
"""Outcomes whose decomposition is drawn and told one by one (every headline outcome is in
the decomposition's tables and its one-page grid of waterfalls)."""
DECOMPOSITION = "decomposition"
"""Sub-folder of a comparison's results holding its decomposition (a results folder of
its own: manifest, runs, and the tables and figures in ``shapley/``)."""


@dataclass
class Findings:
    """Everything a comparison reports, in numbers and in words.

    Attributes:
        results: the comparison's results (EnsembleResults).
        options: the scenarios the user compared, in order (the no-service arm aside).
        baseline: the option the others are compared with (the first).
        arm: the no-service arm's name, or None (and ``arm_note`` says why).
        headline: the headline outcomes of the options (:func:`headline_table`).
        value_added: each option minus no service, long form (:func:`value_added`).
        case: the economic case against no service, or None (``case_note`` says why).
        decomposition: the decomposition of the options' difference, if one was run.
        words: a few plain sentences, generated from the numbers above.
    """

    results: Any
    options: list[str]
    baseline: str
    arm: str | None
    arm_note: str | None
    headline: pd.DataFrame
    value_added: pd.DataFrame
    case: EconomicCase | None
    case_note: str | None
    decomposition: Any = None
    decomposition_note: str | None = None
    words: list[str] = field(default_factory=list)

    @property
    def replicates(self) -> int:
        return int(self.results.manifest.get("replicates", 0))

    @property
    def shrunk(self) -> bool:
        from ..sizes import NOTE

        return any(NOTE in (s.get("description") or "")
                   for s in self.results.manifest.get("scenarios", []))

    def value_added_table(self) -> pd.DataFrame:
        return value_added_table(self.value_added, self.arm or "no_service")

    def counted_sentence(self) -> str:
        """What the economic case counts and leaves out, in one sentence (the counted
        services and payers are read from the parameters used)."""
        if self.case is None:
            return ""
        from ..params.appraisal import RESOURCE_LABELS

        p = self.case.params
        used = [r for r in self.case.unit_costs]
        services = ", ".join(f"{RESOURCE_LABELS[r]} ({p.payers[r]})" for r in used)
        return (f"Counted: the {p.commissioner}'s contract payments, commissioning and "
                f"partnership backbone costs; the crisis services the model's crises use "
                f"({services or 'none'}); and residents' wellbeing in WELLBYs. Not counted: "
                "providers' own charitable income, other council services (housing, social "
                "care), GP and community health, courts, prisons and probation, benefits and "
                "tax, mortality, and families and carers (docs/appraisal.md).")


def findings(results_dir: str | Path) -> Findings:
    """Compute what a comparison found (the decomposition is read, not run, here)."""
    from .words import plain_words

    res = load_results(results_dir)
    m = res.manifest
    present = set(res.summary["scenario"]) if len(res.summary) else set()
    arm = arm_of(m)
    arm_note = m.get("no_service_note")
    if arm is not None and arm not in present:
        arm_note = f"no run of the {arm} arm finished"
        arm = None
    if arm is None and arm_note is None:
        arm_note = ("it was left out (--skip-no-service)" if "no_service_arm" in m
                    else "none was run with these results")
    options = [s for s in options_of(m) if s in present]
    if not options and arm is not None:  # only the arm ran: it is the option
        options, arm = [arm], None
    if not options:
        raise ValueError(f"{results_dir}: no finished runs to report on")
    baseline = res.baseline if res.baseline in options else options[0]
    opts = res.summary[res.summary["scenario"].isin(options)]
    head = headline_table(opts, baseline)
    va = value_added(res.summary, arm, options) if arm else value_added(opts, "", [])
    case, case_note = None, None
    if arm is None:
        case_note = f"there is no no-service arm to appraise against ({arm_note})"
    elif "scenario" not in res.timeseries:
        # A model kind that returns only a summary (a `module:function` model) records
        # no weekly figures, so there is nothing to discount.
        case_note = "the runs recorded no weekly figures to appraise (a summary-only model)"
    else:
        try:
            case = _case(res, options, arm)
        except AppraisalError as exc:
            case_note = str(exc)
    dec, dec_note = _decomposition(res.path, m)
    f = Findings(res, options, baseline, arm, arm_note, head, va, case, case_note, dec,
                 dec_note)
    f.words = plain_words(f)
    return f


def _case(res: Any, options: list[str], arm: str) -> EconomicCase:
    """The economic case with the options in the user's order (so "B against A" reads as
    the comparison's own differences do), on the scenarios' own appraisal settings."""
    from ..appraisal.engine import resolve_params

    params = resolve_params(None, res, arm)
    order = {s: i for i, s in enumerate([*options, arm])}
    ts = res.timeseries[res.timeseries["scenario"].isin(order)]
    ts = ts.sort_values(["scenario", "replicate", "week"],
                        key=lambda c: c.map(order) if c.name == "scenario" else c,
                        kind="stable")
    return economic_case(ts, baseline=arm, params=params)


def _decomposition(path: Path, manifest: dict[str, Any]) -> tuple[Any, str | None]:
    asked = manifest.get("decompose")
    folder = path / DECOMPOSITION
    if not asked:
        return None, None
    from ..analysis.decompose import load_decomposition

    try:
        return load_decomposition(folder), None
    except (FileNotFoundError, ValueError) as exc:
        return None, (f"the decomposition by {asked['by']} is not finished ({exc}); finish it "
                      f"with --resume {path}")
