"""Command line: ``python -m hls_sim demo`` (the main job until the scenario runner lands)."""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from . import ParameterError, __version__, run

DEMO_METRICS = (
    ("wellbeing_mean", "Wellbeing (mean, 0-1)", "{:.3f}"),
    ("wellbeing_gain_mean", "Wellbeing gain per person", "{:+.3f}"),
    ("unmet_need", "Unmet need (share of needs)", "{:.2f}"),
    ("waiting_weeks_mean", "Time on waiting list (weeks)", "{:.1f}"),
    ("crises_per_1000", "Crises per 1,000 per week", "{:.2f}"),
    ("disengaged_share", "Disengaged share", "{:.2f}"),
    ("referrals_per_person", "Referrals per person", "{:.2f}"),
    ("assessments_per_person", "Assessments per person", "{:.2f}"),
    ("rereferral_12m_rate", "Re-referral within 12 months", "{:.2f}"),
    ("continuity_index", "Continuity of relationship", "{:.2f}"),
    ("practitioner_turnover_annual", "Practitioner turnover (per year)", "{:.2f}"),
    ("admin_time_share", "Admin share of practitioner time", "{:.2f}"),
    ("practitioner_stress_mean", "Practitioner stress (0-1)", "{:.2f}"),
    ("organisations_active_end", "Organisations active at end", "{:.0f}"),
    ("trust_mean", "Trust between organisations", "{:.2f}"),
    ("system_learning", "System learning (0-1)", "{:.2f}"),
    ("reported_success_rate", "Reported success rate", "{:.2f}"),
    ("true_success_rate", "True success rate", "{:.2f}"),
    ("reporting_cost_share", "Reporting cost / contract value", "{:.3f}"),
    ("bidding_cost_share", "Bidding cost / value tendered", "{:.3f}"),
    ("spend_total", "Total spend (£m)", "{:.1f}"),
    ("cost_per_wellbeing_gain", "£ per unit of wellbeing gained", "{:,.0f}"),
)


def demo(seed: int = 0) -> int:
    """Run both presets at default size and print them side by side."""
    rows, results = [], {}
    for regime in ("competitive", "collaborative"):
        t0 = time.perf_counter()
        results[regime] = run(regime, seed=seed)
        print(f"ran {regime:<13} in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    for key, label, fmt in DEMO_METRICS:
        vals = []
        for regime in results:
            v = results[regime].summary[key]
            vals.append(fmt.format(v / 1e6 if key == "spend_total" else v))
        rows.append((label, *vals))
    table = pd.DataFrame(rows, columns=["metric", "competitive", "collaborative"])
    print(f"\nhls_sim {__version__}: one place, the same people, two ways of commissioning "
          f"(seed {seed}, {len(results['competitive'].timeseries)} weeks; figures after a "
          "one-year warm-up)\n")
    print(table.to_string(index=False))
    # The same person (same arrival and needs in both worlds): the competitive world's
    # most-referred person, so the contrast in journeys is visible.
    comp = results["competitive"].people
    person = int(comp.sort_values(["referrals", "person"], ascending=[False, True])
                 .iloc[0]["person"])
    print(f"\nThe same person's journey under each regime (person {person}):")
    for regime, res in results.items():
        print(f"\n[{regime}]")
        print("\n".join(res.journey(person)[:14]))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hls-sim", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run both presets at default size, side by side")
    d.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return demo(args.seed)
    except ParameterError as exc:
        print(f"hls-sim: {exc}", file=sys.stderr)
        return 2
    return 1
