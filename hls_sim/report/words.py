"""Say it in words: a few plain sentences a committee member can read, generated from a
comparison's numbers (never written by hand): which option, by how much over no
service, how certain, what drove it, what it costs and who pays.

Every figure in a sentence is read from :class:`~hls_sim.report.findings.Findings`; an
interval is the bootstrap 95% interval of a paired difference over replicates (the same
seeds in every arm). A difference is called better or worse only when its interval
leaves out zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.compare import HEADLINE, VALUE_ADDED, Outcome, _fmt, paired_differences

if TYPE_CHECKING:
    from .findings import Findings

PRIMARY = ("wellbeing_change_52", "wellbeing_change_104", "wellbeing_mean")
"""The outcome the sentences lead with: the first of these the runs could measure."""
PHRASES = {
    "wellbeing_change_52": "the change in a person's wellbeing in the year after they first "
                           "seek help (0-1 scale, everyone counted, served or not)",
    "wellbeing_change_104": "the change in a person's wellbeing in the two years after they "
                            "first seek help (0-1 scale)",
    "wellbeing_mean": "the mean wellbeing of everyone in the place (0-1 scale)",
}
SHORT = {"wellbeing_change_52": "wellbeing after a year",
         "wellbeing_change_104": "wellbeing after two years",
         "wellbeing_mean": "mean wellbeing"}


def plain_words(f: Findings) -> list[str]:
    """The sentences, in order (each a complete sentence)."""
    out: list[str] = []
    outcome = _primary(f)
    if outcome is None:
        return ["None of the outcomes the sentences are about (wellbeing at fixed horizons "
                "from first contact) could be measured in these runs: the runs are too short "
                "for anyone to be followed for a year."]
    best = _lead(f, outcome, out)
    _between_options(f, outcome, out)
    _certainty(f, outcome, best, out)
    _drivers(f, outcome, out)
    _costs(f, best, out)
    out.append("This is a stylised place: the sizes of the effects of relationships, "
               "learning and trust are assumptions (docs/ODD.md), so these figures compare "
               "options and test assumptions (hls-sim sensitivity); they do not forecast a "
               "real place.")
    if f.shrunk:
        out.append("These runs were shrunk by HLS_SIM_SIZE=small: they show that the commands "
                   "work, not what the answer is.")
    return out


def _primary(f: Findings) -> Outcome | None:
    s = f.results.summary
    for metric in PRIMARY:
        if metric in s.columns and np.isfinite(
                s[s["scenario"].isin(f.options)][metric].to_numpy(float)).any():
            return next(o for o in (*VALUE_ADDED, *HEADLINE) if o.metric == metric)
    return None


def _between(o: Outcome, lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f" (95% interval {_fmt(o, lo, signed=True)} to {_fmt(o, hi, signed=True)})"


def _clear(lo: float, hi: float) -> bool:
    return bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))


def _lead(f: Findings, o: Outcome, out: list[str]) -> str:
    """Which option adds most over no service, and by how much. Returns that option (or,
    without a no-service arm, the option with the best median)."""
    va = f.value_added
    rows = va[va["metric"] == o.metric] if len(va) else va
    if f.arm is None or rows.empty:
        med = f.results.summary.groupby("scenario")[o.metric].median()
        med = med[[s for s in f.options if s in med.index]]
        best = str(med.idxmax())
        out.append(f"There is no no-service arm in this comparison ({f.arm_note}), so no "
                   "option's value added over no service can be stated; "
                   f"{_options_words(f, best)} has the highest median {SHORT[o.metric]} "
                   f"({_fmt(o, float(med[best]))}).")
        return best
    rows = rows.set_index("option")
    best = str(rows["diff_mean"].idxmax())
    r = rows.loc[best]
    level = f"{_fmt(o, r['no_service'])} with no service"
    if len(rows) == 1:
        head = f"Against no service, {best} changes {PHRASES[o.metric]}"
    else:
        head = f"Against no service, {best} adds the most to {PHRASES[o.metric]}:"
    text = (f"{head} by {_fmt(o, r['diff_mean'], signed=True)} per person"
            f"{_between(o, r['ci_low'], r['ci_high'])}, against {level}")
    if not _clear(r["ci_low"], r["ci_high"]):
        text += ", which is not clearly different from no service (the interval includes zero)"
    others = [f"{name} by {_fmt(o, x['diff_mean'], signed=True)}"
              f"{_between(o, x['ci_low'], x['ci_high'])}"
              for name, x in rows.iterrows() if name != best]
    if others:
        text += f"; {', '.join(others)}"
    out.append(text + ".")
    share = va[(va["metric"] == "improved_share_52") & (va["option"] == best)]
    if len(share) and np.isfinite(share["option_median"].iloc[0]):
        s = share.iloc[0]
        out.append(f"Under {best}, {s['option_median']:.0%} of people are meaningfully better "
                   f"a year after first seeking help, against {s['no_service']:.0%} with no "
                   "service (medians over replicates).")
    return best


def _options_words(f: Findings, best: str) -> str:
    return best if len(f.options) > 1 else f"the one option, {best},"


def _between_options(f: Findings, o: Outcome, out: list[str]) -> None:
    if len(f.options) < 2:
        return
    s = f.results.summary
    base = f.baseline
    d = paired_differences(s[s["scenario"].isin(f.options)], base, [o.metric])
    head = f.headline
    for r in d.itertuples(index=False):
        if not np.isfinite(r.diff_mean):
            continue
        if _clear(r.ci_low, r.ci_high):
            how = "better" if (r.diff_mean > 0) == (o.better == "higher") else "worse"
            judged = f"clearly {how}"
        else:
            judged = "not clearly different"
        col = f"verdict: {r.scenario}"
        counts = head[col].value_counts() if col in head else pd.Series(dtype=int)
        n = int(head[col].isin(["better", "worse", "no clear difference"]).sum()) \
            if col in head else 0
        tally = (f" Of the {n} headline outcomes with a direction, {r.scenario} is clearly "
                 f"better on {int(counts.get('better', 0))}, clearly worse on "
                 f"{int(counts.get('worse', 0))} and not clearly different on "
                 f"{int(counts.get('no clear difference', 0))}." if n else "")
        out.append(f"Against {base}, {r.scenario} changes {SHORT[o.metric]} by "
                   f"{_fmt(o, r.diff_mean, signed=True)}{_between(o, r.ci_low, r.ci_high)}: "
                   f"{judged}.{tally}")


def _certainty(f: Findings, o: Outcome, best: str, out: list[str]) -> None:
    n = f.replicates
    if n < 2:
        out.append("With one replicate per arm no interval can be given: run more "
                   "(--replicates) to see how certain these differences are.")
        return
    text = (f"How certain: every arm ran the same {n} replicate seeds, so each meets the same "
            "people and shocks and the differences are paired; intervals are bootstrap 95% "
            "intervals over the replicates")
    va = f.value_added
    row = va[(va["metric"] == o.metric) & (va["option"] == best)] if len(va) else va
    parts = []
    if len(row):
        r = row.iloc[0]
        ahead = r["share_higher"] if o.better == "higher" else 1 - r["share_higher"]
        parts.append(f"{best} did better than no service in {round(ahead * r['pairs'])} of "
                     f"{int(r['pairs'])} replicates")
    if len(f.options) >= 2:
        s = f.results.summary
        others = [x for x in f.options if x != best]
        d = paired_differences(s[s["scenario"].isin(f.options)], best, [o.metric])
        for r in d.itertuples(index=False):
            if r.scenario in others and r.pairs:
                better = 1 - r.share_higher if o.better == "higher" else r.share_higher
                parts.append(f"better than {r.scenario} in {round(better * r.pairs)} of "
                             f"{r.pairs}")
    if parts:
        text += f"; on {SHORT[o.metric]}, {', '.join(parts)}"
    out.append(text + ".")


def _drivers(f: Findings, o: Outcome, out: list[str]) -> None:
    dec = f.decomposition
    if dec is None:
        if f.decomposition_note:
            out.append(f"What drove the difference is not known yet: {f.decomposition_note}.")
        elif len(f.options) == 2:
            out.append("What drove the difference between the two options was not decomposed "
                       f"in this run: 'hls-sim compare {f.options[0]} {f.options[1]} "
                       "--decompose groups' splits it between procurement and practice "
                       "levers.")
        return
    totals = dec.totals.set_index("outcome")
    if o.metric not in totals.index:
        return
    t = totals.loc[o.metric]
    rows = dec.values[dec.values["outcome"] == o.metric]
    rows = rows.reindex(rows["mean"].abs().sort_values(ascending=False).index)
    labels = {p.name: p for p in dec.players}
    parts = []
    for n, (_, r) in enumerate(rows.iterrows()):
        p = labels[r["player"]]
        verb = (" account for " if p.plural else " accounts for ") if n == 0 else " "
        parts.append(f"{p.label}{verb}{_fmt(o, r['mean'], signed=True)}"
                     f"{_between(o, r['ci_low'], r['ci_high'])}")
    if len(parts) > 4:
        parts = parts[:4] + [f"and {len(rows) - 4} more"]
    text = (f"What drove it: of the {_fmt(o, t['total_mean'], signed=True)} difference in "
            f"{SHORT[o.metric]} between {dec.a} and {dec.b}, {'; '.join(parts)}")
    if len(dec.players) > 1:
        from ..analysis.decompose import share_is_clear

        apart = _fmt(o, t["solo_sum_mean"], signed=True)
        if share_is_clear(t) and t["interaction_share"] < 0:
            text += (f"; changed one at a time, the groups would add {apart} between them, "
                     "more than together: their effects overlap")
        elif share_is_clear(t) and t["interaction_share"] > 0:
            text += (f"; changed one at a time, they would add only {apart} between them: "
                     f"{t['interaction_share']:.0%} of the change comes from changing them "
                     "together")
        else:
            text += (f"; changed one at a time, they would add {apart} between them (the "
                     "difference from changing them together is not clear)")
    how = ("every combination of the two options' settings run"
           if dec.method == "exact" else f"{dec.permutations} sampled orderings of the levers")
    out.append(f"{text} (Shapley decomposition by {dec.by}, {how}).")


def _money(x: float) -> str:
    from ..appraisal.case import _money as money

    return money(x)


def _costs(f: Findings, best: str, out: list[str]) -> None:
    case = f.case
    if case is None:
        out.append(f"No economic case could be made: {f.case_note}.")
        return
    p = case.params
    figs = case.figures.set_index(["option", "comparator", "figure"])
    option = best if best in case.options else case.options[0]

    def get(fig: str, comparator: str = case.baseline, who: str = option) -> pd.Series:
        return figs.loc[(who, comparator, fig)]

    cost, npv, bcr = get("cost"), get("npv"), get("bcr")
    payers = case.payers[case.payers["option"] == option].set_index("payer")
    gains = [f"the {payer} {_money(r['benefits'])}" for payer, r in payers.iterrows()
             if payer not in (p.commissioner, "residents") and r["benefits"] > 0]
    saved = (f"; fewer crises save {' and '.join(gains)}" if gains else
             "; it saves other services nothing (no fewer crises)")
    lo, hi = npv["ci_low"], npv["ci_high"]
    iv = (f" (95% interval {_money(lo)} to {_money(hi)})"
          if np.isfinite(lo) and np.isfinite(hi) else "")
    ratio = (f", and each £1 it costs the {p.commissioner} returns £{bcr['mean']:.2f} in "
             "wellbeing and avoided crisis costs" if cost["mean"] > 0 and np.isfinite(bcr["mean"])
             else "")
    out.append(f"What it costs and who pays: against no service, {option} costs the "
               f"{p.commissioner} {_money(cost['mean'])} over {case.years} years (present "
               f"value, {p.price_year} prices, discounted at the Green Book rate){saved}; "
               f"valuing wellbeing at £{case.wellby_values['central']:,.0f} per WELLBY, its net "
               f"present value is {_money(npv['mean'])}{iv}{ratio}.")
    for other in case.options:
        if other == option:
            continue
        a, b = (option, other) if (option, other, "npv") in figs.index else (other, option)
        c, v = get("cost", b, a), get("npv", b, a)
        iv = (f" (95% interval {_money(v['ci_low'])} to {_money(v['ci_high'])})"
              if np.isfinite(v["ci_low"]) and np.isfinite(v["ci_high"]) else "")
        more = "more" if c["mean"] >= 0 else "less"
        civ = (f" (95% interval {_money(c['ci_low'])} to {_money(c['ci_high'])}"
               f"{'' if _clear(c['ci_low'], c['ci_high']) else ': not clearly different'})"
               if np.isfinite(c["ci_low"]) and np.isfinite(c["ci_high"]) else "")
        out.append(f"Against {b}, {a} costs the {p.commissioner} {_money(abs(c['mean']))} "
                   f"{more}{civ}, and its net present value is {_money(abs(v['mean']))} "
                   f"{'higher' if v['mean'] >= 0 else 'lower'}{iv}"
                   f"{'' if _clear(v['ci_low'], v['ci_high']) else ', not clearly different'}.")
