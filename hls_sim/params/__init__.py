"""Model parameters: validated, with defaults that each cite a source or say "assumption".

Parameters are grouped the way a reader thinks about a place:

* ``place``          size of the place and run length
* ``people``         demand: needs, drift, spill-over, shocks, barriers, engagement
* ``support``        assess-do-refer, relationships, progress on needs, closure
* ``workforce``      time budget, stress, leaving, vacancies
* ``learning``       practitioner, organisation and place learning; test-and-learn trials; trust
* ``money``          salaries, overheads, bids, other income
* ``market``         providers as a market: quality, entry, exit, incumbency, drift
* ``outcomes``       definitions of per-person outcomes
* ``procurement``    levers: how the money is let and paid
* ``practice``       levers: how the work is done (the presets differ only in the levers)
* ``appraisal``      values, rates and unit costs of the economic appraisal

Every field carries ``unit`` and ``source`` metadata (read by ``docs/ODD.md`` tests and
``hls_sim.params.parameter_table``). Overrides use dotted names, e.g.
``{"procurement.contract_length_weeks": 260}``; an unknown or invalid value raises
:class:`ParameterError` with one line naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ParameterError
from .appraisal import AppraisalParams
from .fields import (  # noqa: F401  (re-exported: the field helper, domains, sources)
    CAL,
    DOMAINS,
    EV,
    N_DOMAINS,
    SEED_CORNWALL,
    SEED_LGA,
    SEED_NOTTS,
    SEED_SCOT,
    P,
    _Group,
)


class PlaceParams(_Group):
    n_people: int = P(
        10_000, "people", f"assumption, sized from {CAL} row multiple_needs_prevalence "
        "(about 1,470 people with multiple needs per council per year; this place's "
        "services see about half of them over ten years after re-presentations)",
        "people ever in the system over the run (initial cohort plus arrivals)", ge=10,
    )
    initial_share: float = P(
        0.40, "share of n_people", "assumption",
        "share of people already needing support at week 0; the rest arrive over the run",
        ge=0.0, le=1.0,
    )
    n_weeks: int = P(520, "weeks", "assumption (ten years shows two or more tender cycles)",
                     "length of the run", ge=1, le=5200)
    burn_in_weeks: int = P(52, "weeks", "assumption (caseloads fill from empty)",
                           "weeks left out of whole-run summaries while the system fills",
                           ge=0)
    n_organisations: int = P(60, "organisations", "assumption",
                             "providers in the place at week 0", ge=1, le=20_000)
    n_practitioners: int = P(400, "posts", "assumption",
                             "funded practitioner posts at week 0", ge=1)
    n_localities: int = P(10, "localities", "assumption",
                          "neighbourhoods; each holds one lot per need domain", ge=1)
    bid_reach_localities: int = P(1, "localities", "assumption",
                                  "providers bid for lots this many localities from their own",
                                  ge=0)
    contract_phases: int = P(3, "phases", "assumption (a real place inherits contracts let at "
                             "different times)", "first contracts end in this many staggered "
                             "waves over the first contract length", ge=1)


class PeopleParams(_Group):
    need_mean_severity: float = P(0.42, "severity 0-1", "assumption",
                                  "mean severity of a need at arrival", gt=0.0, lt=1.0)
    need_correlation: float = P(0.5, "correlation", "assumption (needs cluster: Hard Edges)",
                                "correlation between a person's need severities at arrival",
                                ge=0.0, lt=1.0)
    need_threshold: float = P(0.30, "severity 0-1", "assumption",
                              "severity above which a need counts (complexity, unmet need)",
                              gt=0.0, lt=1.0)
    drift_per_week: float = P(0.002, "severity/week", "assumption",
                              "worsening of a significant need that nobody works on",
                              ge=0.0, le=0.1)
    spillover_per_week: float = P(0.003, "severity/week per unit of related need",
                                  "assumption (debt worsens mental health; brief mechanism 1)",
                                  "how fast untreated needs push up related needs",
                                  ge=0.0, le=0.1)
    natural_recovery_per_week: float = P(0.006, "share of severity/week", "assumption",
                                         "improvement of needs from ordinary life and community, "
                                         "in proportion to severity (needs revert to a chronic "
                                         "level)", ge=0.0, le=0.1)
    shock_rate_per_year: float = P(1.0, "shocks/person/year", "assumption",
                                   "life events (eviction, bereavement, job loss)",
                                   ge=0.0, le=52.0)
    shock_size: float = P(0.25, "severity", "assumption", "severity added to one need by a shock",
                          ge=0.0, le=1.0)
    crisis_hazard: float = P(0.02, "probability/week at severity 1",
                             "assumption", "weekly crisis chance scale", ge=0.0, le=1.0)
    crisis_exponent: float = P(4.0, "-", "assumption",
                               "how sharply crisis risk rises with the worst need", ge=1.0)
    exit_hazard_per_week: float = P(0.003, "probability/week", "assumption",
                                    "leaving the place (moving, prison, death); drawn in "
                                    "advance, so the same people leave in the same week in "
                                    "every world", ge=0.0, le=1.0)
    help_seeking_per_week: float = P(0.006, "probability/week", f"calibrated to {CAL} row rereferral",
                                     "chance a person out of services with a severe need "
                                     "seeks help again", ge=0.0, le=1.0)
    representation_threshold: float = P(0.5, "severity 0-1", "assumption",
                                        "worst-need severity at which a person seeks help again",
                                        gt=0.0, le=1.0)
    access_per_week: float = P(0.35, "probability/week", "assumption",
                               "chance a help-seeker without barriers reaches a service",
                               ge=0.0, le=1.0)
    transport_barrier_share: float = P(0.25, "share of people", SEED_CORNWALL +
                                       " (transport stops people attending); share assumed",
                                       "people for whom getting to services is hard",
                                       ge=0.0, le=1.0)
    transport_barrier_effect: float = P(0.5, "multiplier lost", SEED_CORNWALL + "; size assumed",
                                        "share of access and engagement lost to the barrier",
                                        ge=0.0, le=1.0)
    distrust_mean: float = P(0.3, "0-1", "assumption",
                             "mean distrust of services, which slows first contact",
                             ge=0.0, lt=1.0)
    engagement_mean: float = P(0.6, "0-1", "assumption", "mean engagement at arrival",
                               gt=0.0, lt=1.0)
    dropout_engagement: float = P(0.2, "0-1", "assumption",
                                  "engagement below which people drop out of services",
                                  ge=0.0, lt=1.0)
    need_spread: float = P(1.2, "logit units", "assumption",
                           "spread of need severities at arrival (scale of the latent "
                           "normal on the logit scale)", gt=0.0)
    distrust_concentration: float = P(2.0, "beta shape a", "assumption",
                                      "concentration of distrust around its mean (beta "
                                      "distribution's first shape)", gt=0.0)
    engagement_concentration: float = P(4.0, "beta a+b", "assumption",
                                        "concentration of engagement at arrival around its "
                                        "mean (beta distribution's a + b)", gt=0.0)
    crisis_engagement_margin: float = P(0.1, "engagement 0-1", "assumption",
                                        "crisis teams re-engage people to at least this "
                                        "much above the drop-out level", ge=0.0, le=1.0)


class SupportParams(_Group):
    progress_per_week: float = P(0.07, "severity/week", "assumption",
                                 "fall in need severity per week from a practitioner's whole "
                                 "effort at full skill, relationship, engagement and coverage", ge=0.0, le=1.0)
    coverage_exponent: float = P(0.5, "-", "assumption (holistic work: brief mechanism 5); "
                                 f"prior 0-1: no mechanism-level figure found ({EV} COL-04: "
                                 "partnership working shows little outcome effect; REL-03 "
                                 "measures a whole model, Housing First, not this form)",
                                 "how strongly progress depends on the share of a person's "
                                 "need burden worked on together (0: not at all; 1: in "
                                 "proportion)", prior=(0.0, 1.0), ge=0.0)
    relationship_weeks: float = P(8.0, "weeks", "assumption (relationships take weeks); "
                                  "prior 4-16 weeks: one to four months, no figure found",
                                  "time constant for a relationship to build",
                                  prior=(4.0, 16.0), gt=0.0)
    relationship_floor: float = P(0.3, "share", f"assumption; prior 0.1-0.8: {EV} REL-01 "
                                  "gives the direction only (continuity went with lower "
                                  "mortality in 18 of 22 studies; no pooled size)",
                                  "share of full effect a practitioner has with no relationship yet",
                                  prior=(0.1, 0.8), ge=0.0, le=1.0)
    direct_hours_per_case: float = P(3.5, "hours/week", "assumption, informed by Homeless "
                                     "Link (2017) Housing First in England: caseloads of 5-7",
                                     "direct work each person on a caseload needs", gt=0.0)
    assessment_hours: float = P(3.0, "hours", "assumption", "hours for one assessment", ge=0.0)
    success_threshold: float = P(0.3, "severity 0-1", "assumption",
                                 "an in-scope need below this meets the contract's measure",
                                 gt=0.0, lt=1.0)
    refer_on_threshold: float = P(0.45, "severity 0-1", "assumption",
                                  "an out-of-scope need this severe is referred on", gt=0.0, le=1.0)
    handoff_loss: float = P(0.30, "probability", "assumption (assess-do-refer; " + SEED_SCOT +
                            "); prior 0.1-0.5: no figure found for this population",
                            "chance a cold hand-off loses the person", prior=(0.1, 0.5),
                            ge=0.0, le=1.0)
    warm_trust: float = P(0.5, "trust 0-1", "assumption",
                          "trust between two organisations above which a hand-off is warm",
                          ge=0.0, le=1.0)
    engagement_gain: float = P(0.06, "per week", "assumption",
                               "engagement gained per week with a good relationship", ge=0.0)
    wait_engagement_loss: float = P(0.012, "per week", "assumption",
                                    "engagement lost each week on a waiting list", ge=0.0)
    handoff_engagement_loss: float = P(0.10, "per hand-off", "assumption",
                                       "engagement lost when told to start again elsewhere", ge=0.0)
    creaming_strength: float = P(1.0, "-", "assumption (creaming and parking, brief mechanism "
                                 f"4); prior 0-2: {EV} PBR-06 finds creaming widespread but "
                                 "gives no size", "how far payment on results reorders waiting "
                                 "lists by expected success", prior=(0.0, 2.0), ge=0.0)
    parking_strength: float = P(0.8, "-", f"assumption (brief mechanism 4); prior 0.2-1, "
                                f"bounded by {EV} PBR-06 (Work Programme contractors spent "
                                "£630 per harder-to-help participant against £1,360 bid: "
                                "about half; the results share behind it differs)",
                                "how far payment on results reduces effort on the "
                                "least likely to succeed", prior=(0.2, 1.0), ge=0.0, le=1.0)
    gaming_propensity: float = P(0.35, "probability at full pressure",
                                 "assumption (brief mechanism 7); prior 0-0.6: no measured "
                                 "rate of misrecorded outcomes found",
                                 "chance an unmet measure is recorded as met when pay depends on it",
                                 prior=(0.0, 0.6), ge=0.0, le=1.0)
    results_effort: float = P(
        0.2, "share of progress at full results pay", f"assumption, bounded by {EV} PBR-04 "
        "(in-treatment abstinence rose, OR 1.5, in drug-recovery PbR areas while starts and "
        "completions fell: PBR-02, PBR-03)", "extra effort payment on results buys for the "
        "people a provider expects to succeed with (the other side of parking)",
        prior=(0.0, 0.5), ge=0.0, le=2.0)
    gaming_weight_activity: float = P(0.5, "pressure per unit of activity share", "assumption",
                                      "how much pay on activity presses towards recording "
                                      "success, relative to pay on results", ge=0.0, le=1.0)
    gaming_weight_tender: float = P(0.25, "pressure at quality weight 1 and burden 1",
                                    "assumption", "how much reported performance scoring the "
                                    "next tender presses towards recording success", ge=0.0,
                                    le=1.0)
    creaming_wait_weeks: float = P(26.0, "weeks of waiting", "assumption",
                                   "under full results pay, a sure success jumps the waiting "
                                   "list by this many weeks", ge=0.0)
    assessment_engagement_cost: float = P(0.02, "engagement 0-1", "assumption",
                                          "engagement lost telling your story again at an "
                                          "assessment", ge=0.0, le=1.0)
    dropout_close_chance: float = P(0.5, "probability/week", "assumption",
                                    "chance a disengaged person on a caseload drops out that "
                                    "week", ge=0.0, le=1.0)
    warm_handoff_loss_factor: float = P(0.5, "multiplier", "assumption",
                                        "share of the cold hand-off loss that a warm hand-off "
                                        "still has", ge=0.0, le=1.0)
    warm_handoff_engagement_factor: float = P(0.25, "multiplier", "assumption",
                                              "share of the engagement a cold hand-off costs "
                                              "that a warm one still costs", ge=0.0, le=1.0)



class WorkforceParams(_Group):
    hours_per_week: float = P(37.5, "hours/week", "assumption (UK full time)",
                              "contracted hours", gt=0.0)
    fixed_admin_hours: float = P(8.0, "hours/week", f"calibrated to {CAL} row admin_share",
                                 "supervision, team admin and monitoring returns at "
                                 "reporting burden 1", ge=0.0)
    recording_hours_per_case: float = P(1.2, "hours/week", f"calibrated to {CAL} row admin_share",
                                        "case recording and reporting per case at burden 1",
                                        ge=0.0)
    funder_share_of_recording: float = P(0.15, "share", f"calibrated to {CAL} row reporting_cost",
                                         "share of admin time (recording, supervision, returns) that "
                                         "exists only to report to funders",
                                         ge=0.0, le=1.0)
    stress_weeks: float = P(8.0, "weeks", "assumption", "time constant of stress", gt=0.0)
    stress_from_load: float = P(0.6, "-", "assumption",
                                "stress from hours demanded above contracted hours", ge=0.0)
    stress_from_admin: float = P(0.5, "-", "assumption", "stress from admin share", ge=0.0)
    stress_from_insecurity: float = P(0.5, "-", "assumption", "stress from job insecurity", ge=0.0)
    stress_relief_reflection: float = P(0.5, "share of stress", "assumption (" + SEED_LGA +
                                        ": reflective space); size assumed",
                                        "largest share of work stress that reflective practice "
                                        "and learning meetings can relieve (approached, never "
                                        "reached)", ge=0.0, lt=1.0)
    base_leaving_per_week: float = P(0.003, "probability/week",
                                     f"calibrated to {CAL} rows practitioner_turnover and "
                                     "voluntary_sector_turnover",
                                     "leaving for reasons unrelated to work", ge=0.0, le=1.0)
    stress_leaving_per_week: float = P(0.004, "probability/week at stress 1",
                                       f"calibrated to {CAL} row practitioner_turnover",
                                       "extra leaving hazard from stress", ge=0.0, le=1.0)
    insecurity_leaving_per_week: float = P(0.012, "probability/week at insecurity 1",
                                           f"{CAL} row voluntary_sector_turnover (35% of job "
                                           "seekers cite funding insecurity); size calibrated",
                                           "extra leaving hazard as a contract nears its end",
                                           ge=0.0, le=1.0)
    insecurity_horizon_weeks: int = P(26, "weeks", "assumption",
                                      "insecurity builds over this many weeks before a tender",
                                      ge=1)
    review_insecurity: float = P(
        0.5, "share of a tender's insecurity at review rigour 1", "assumption",
        "how much a rigorous partnership review worries staff, against a tender",
        prior=(0.0, 1.0), ge=0.0, le=1.0)
    vacancy_fill_weeks: float = P(5.0, "weeks", "mechanism_evidence WF-04 (voluntary "
                                  "sector mean 35 days to fill a vacancy, People Count "
                                  "Third Sector 2014)", "mean time to fill a vacant post",
                                  prior=(3.0, 10.0), gt=0.0)
    tupe_share: float = P(0.7, "share", "assumption (TUPE transfer on a lost lot)",
                          "share of staff on a lost lot who move to the winner", ge=0.0, le=1.0)
    meeting_hours: float = P(3.0, "hours per meeting", "assumption",
                             "practitioner time at a place learning meeting", ge=0.0)
    load_stress_threshold: float = P(0.7, "hours demanded / contracted hours", "assumption",
                                     "load above which work adds stress", ge=0.0)
    reflection_half_hours: float = P(1.5, "hours/week", "assumption",
                                     "reflective hours a week that give half of the largest "
                                     "relief", gt=0.0)
    new_hire_stress: float = P(0.1, "0-1", "assumption", "stress of a newly hired practitioner",
                               ge=0.0, le=1.0)


class LearningParams(_Group):
    skill_specialist: float = P(0.6, "0-1", "assumption", "new hire's skill in the "
                                "organisation's specialism", ge=0.0, le=1.0)
    skill_general: float = P(0.3, "0-1", "assumption", "new hire's skill in other domains",
                             ge=0.0, le=1.0)
    practice_learning_per_week: float = P(0.004, "per week", "assumption",
                                          "skill gained per week of working a domain", ge=0.0)
    reflection_learning: float = P(0.05, "per learning meeting", SEED_CORNWALL + "; size "
                                   f"assumed, prior 0-0.1 (none to double; {EV} COL-04: no "
                                   "outcome figure for partnership learning)",
                                   "pull of each practitioner's skill towards the place's "
                                   "shared knowledge at a learning meeting", prior=(0.0, 0.1),
                                   ge=0.0, le=1.0)
    meeting_learning_gain: float = P(0.06, "per meeting", SEED_CORNWALL + "; size assumed, "
                                     f"prior 0-0.12 (none to double; {EV} COL-04)",
                                     "system learning gained at a learning meeting",
                                     prior=(0.0, 0.12), ge=0.0)
    system_learning_decay: float = P(0.003, "per week", "assumption",
                                     "forgetting of place learning", ge=0.0, le=1.0)
    trial_rate_per_year: float = P(2.0, "trials/organisation/year",
                                        SEED_NOTTS + " test and learn; rate assumed",
                                        "test-and-learn trials started with full permission", ge=0.0)
    trial_weeks: int = P(12, "weeks", "assumption", "length of a test-and-learn trial", ge=1)
    trial_effect_sd: float = P(0.10, "share of progress", "assumption (most ideas are "
                                    "small, some harm)", "spread of an idea's true effect", ge=0.0)
    trial_effect_mean: float = P(0.0, "share of progress", "assumption",
                                      "mean true effect of an idea", ge=-1.0, le=1.0)
    trial_noise_sd: float = P(0.08, "share of progress", "assumption",
                                   "noise in judging a trial", ge=0.0)
    barrier_detection: float = P(0.25, "probability per meeting at learning 1",
                                 SEED_CORNWALL + " (transport survey led to change)",
                                 "chance a learning meeting surfaces an access barrier", ge=0.0,
                                 le=1.0)
    barrier_floor: float = P(0.05, "share of barrier effect", "assumption",
                             "below this share of its old effect a barrier is no longer "
                             "looked for at learning meetings", ge=0.0, le=1.0)
    barrier_removal: float = P(0.6, "share of barrier effect removed", SEED_CORNWALL +
                               "; size assumed", "how much a system change removes the barrier",
                               ge=0.0, le=1.0)
    trust_initial: float = P(0.3, "0-1", "assumption", "trust between organisations at week 0",
                             ge=0.0, le=1.0)
    trust_meeting_gain: float = P(0.05, "per meeting", SEED_LGA + " (get to know each other)",
                                  "trust gained by meeting to learn together", ge=0.0, le=1.0)
    trust_competition_loss: float = P(0.15, "share lost per contested tender",
                                      "assumption (brief mechanism 11)",
                                      "trust lost between organisations bidding for one lot",
                                      ge=0.0, le=1.0)
    trust_handoff_gain: float = P(0.01, "per hand-off", "assumption",
                                  "trust gained by a hand-off that works", ge=0.0, le=1.0)
    exposure_cases: float = P(3.0, "cases", "assumption",
                              "cases in a domain at which a practitioner learns at full rate",
                              gt=0.0)
    hire_skill_sd: float = P(0.05, "skill 0-1", "assumption",
                             "spread of a new hire's skills around the typical", ge=0.0)
    hire_skill_min: float = P(0.05, "skill 0-1", "assumption",
                              "lowest skill a new hire brings in any domain", ge=0.0, le=1.0)
    hire_skill_max: float = P(0.95, "skill 0-1", "assumption",
                              "highest skill a new hire brings in any domain", ge=0.0, le=1.0)
    best_practice_quantile: float = P(0.9, "quantile", "assumption",
                                      "the place's shared knowledge: this quantile of "
                                      "practitioners' skill in each domain", ge=0.0, le=1.0)
    new_hire_pull: float = P(0.5, "share of gap per unit of system learning", "assumption; "
                             "prior 0-1 (its whole range: no figure found for induction into "
                             "a place's practice)",
                             "how far a new hire starts towards the place's shared knowledge",
                             prior=(0.0, 1.0), ge=0.0, le=1.0)
    spread_rate: float = P(0.3, "share of gap per meeting at full trust", "assumption",
                           "how much of the gap to the best partner's grown practice a "
                           "learning meeting closes", ge=0.0, le=1.0)
    meeting_trust_weight: float = P(0.5, "share", "assumption",
                                    "how much a learning meeting's gain depends on trust "
                                    "between partners (0 none, 1 entirely)", ge=0.0, le=1.0)
    failed_trial_learning: float = P(0.01, "system learning per failed trial", SEED_LGA +
                                     " (it is okay to fail); size assumed",
                                     "what the place learns from a trial that fails", ge=0.0,
                                     le=1.0)
    practice_min: float = P(0.5, "multiplier", "assumption",
                            "floor of an organisation's grown-practice multiplier", gt=0.0)
    practice_max: float = P(2.0, "multiplier", "assumption",
                            "ceiling of an organisation's grown-practice multiplier", ge=1.0)
    adoption_fidelity: float = P(
        0.7, "share of a trial's effect", "assumption (ideas lose something when grown "
        "into everyday practice and when copied by partners)", "share of a trial's true "
        "effect that survives being grown into practice or spread to a partner",
        prior=(0.3, 1.0), ge=0.0, le=1.0)
    trial_optimism: float = P(
        0.02, "share of progress", "assumption (people judging their own ideas tend to "
        "see success)", "bias towards judging a trial a success (so some harmful ideas are "
        "grown)", prior=(0.0, 0.1), ge=0.0, le=1.0)
    practice_decay_per_year: float = P(
        0.1, "share of grown practice per year", "assumption", "fading of grown practice "
        "back towards the ordinary where it is not renewed", prior=(0.0, 0.3), ge=0.0,
        le=1.0)
    trial_cost_per_week: float = P(
        150.0, "£/week per running trial", "assumption (staff time to design, run and "
        "judge a trial)", "what a test-and-learn trial costs its organisation while it "
        "runs", prior=(0.0, 600.0), ge=0.0)
    manager_hours_per_meeting: float = P(
        6.0, "hours per organisation per meeting", f"assumption; {EV} COST-02 (not found)",
        "a manager's time to prepare for and attend a learning meeting", prior=(0.0, 15.0),
        ge=0.0)
    commissioner_hours_per_meeting: float = P(
        15.0, "hours per meeting", f"assumption; {EV} COST-02 (not found)",
        "the commissioner's time to convene and follow up a learning meeting",
        prior=(0.0, 40.0), ge=0.0)
    dispute_per_year: float = P(
        0.05, "probability per year", "assumption (no figure found)",
        "chance in a year that a partnership falls out (a dispute); a partner's failure "
        "always risks one", prior=(0.0, 0.3), ge=0.0, le=1.0)
    dispute_on_failure: float = P(
        0.3, "probability", "assumption", "chance a partner's failure (closing, or losing "
        "a review) sets off a dispute in the partnership", prior=(0.0, 1.0), ge=0.0, le=1.0)
    trust_collapse: float = P(
        0.5, "share of trust lost", "assumption", "share of trust between partners lost in "
        "a dispute, taking a share of the practice spread between them with it",
        prior=(0.2, 0.9), ge=0.0, le=1.0)


class MoneyParams(_Group):
    budget_per_week: float = P(290_000.0, "£/week", "assumption (sized to fund the default "
                               "workforce with overheads)", "commissioner's budget", gt=0.0)
    salary_per_week: float = P(600.0, "£/week", "assumption (support worker pay with on-costs)",
                               "cost of one filled post", gt=0.0)
    overhead_rate: float = P(0.15, "share of staff cost", "assumption",
                             "premises, management, IT", ge=0.0, le=2.0)
    fixed_overhead_per_week: float = P(250.0, "£/week/organisation", "assumption",
                                       "costs of staying open", ge=0.0)
    monitoring_return_per_week: float = P(60.0, "£/week/contract at burden 1",
                                          f"calibrated to {CAL} row reporting_cost",
                                          "managers' cost of monitoring returns", ge=0.0)
    other_income_per_week: float = P(300.0, "£/week/organisation", "assumption (charitable "
                                     "income)", "income from outside the commissioner", ge=0.0)
    initial_reserves_weeks: float = P(12.0, "weeks of costs", "assumption (Charity Commission "
                                      "guidance: 3-6 months)", "reserves at week 0", ge=0.0)
    bid_cost_fixed: float = P(3_000.0, "£/bid", f"{CAL} row bidding_cost (small tenders "
                              "costly); size assumed", "fixed cost of writing a bid", ge=0.0)
    bid_cost_share: float = P(0.008, "share of contract value/bid",
                              f"{CAL} row bidding_cost (about 1.3% for large contracts)",
                              "cost of a bid in proportion to the contract", ge=0.0, le=1.0)
    max_price_discount: float = P(0.10, "share", "assumption",
                                  "largest discount a bidder offers to win", ge=0.0, lt=1.0)
    results_success_rate_priced: float = P(0.5, "share of closures",
                                           "assumption (commissioner's pricing of results)",
                                           "success rate at which results pay in full, until "
                                           "re-priced at a tender from the place's reported rate",
                                           gt=0.0, le=1.0)
    results_cap: float = P(1.5, "share of the results element", "assumption",
                           "results pay at most this multiple of their share", ge=1.0)
    priced_rate_floor: float = P(0.2, "share of closures", "assumption",
                                 "a commissioner never prices results below this success rate",
                                 ge=0.0, le=1.0)
    performance_smoothing: float = P(0.95, "weight per week", "assumption (half-life about 13 "
                                     "weeks)", "weight kept each week by the smoothed reported "
                                     "success a commissioner sees", ge=0.0, lt=1.0)
    bid_discount_with_work: float = P(0.5, "multiplier", "assumption",
                                      "share of the largest discount a bidder that already "
                                      "holds work offers (one with none bids hungrier)",
                                      ge=0.0, le=1.0)
    quality_signal_sd: float = P(0.05, "success rate", "assumption",
                                 "noise in the commissioner's reading of a bidder's reported "
                                 "performance", ge=0.0)
    manager_cost_per_hour: float = P(
        35.0, "£/hour", "assumption (voluntary-sector manager pay with on-costs)",
        "cost of an hour of a provider manager's time", ge=0.0)
    commissioner_cost_per_hour: float = P(
        45.0, "£/hour", "assumption (council commissioning officer pay with on-costs)",
        "cost of an hour of commissioner time", ge=0.0)
    tender_admin_hours: float = P(
        150.0, "hours per tender", f"assumption; {EV} COST-01 (councils spend £20,000-30,000 "
        "and 'hundreds of officer days' per bid to central funds: the other side of the "
        "table)", "the commissioner's time to run one tender (specification, evaluation, "
        "award)", prior=(50.0, 600.0), ge=0.0)
    review_hours: float = P(
        20.0, "hours per review", "assumption", "the commissioner's time for one "
        "partnership review of a contract (scaled by review rigour)", prior=(5.0, 60.0),
        ge=0.0)
    monitoring_hours_per_contract: float = P(
        1.0, "hours/week per contract at reporting burden 1", "assumption",
        "the commissioner's time reading monitoring returns", prior=(0.2, 3.0), ge=0.0)


class MarketParams(_Group):
    """Providers as a market: how they differ, what competition and its absence do to
    them, who enters and who leaves."""

    exit_weeks_without_contract: int = P(
        52, "weeks", "assumption (a charity's commissioned service cannot outlive its funding "
        "for long; size assumed)", "an organisation that has held no commissioned contract "
        "for this long leaves the market (its reserves leave with it)", prior=(26, 104), ge=1)
    relet_weeks: int = P(
        26, "weeks", "assumption (a commissioner left with no open provider at all re-procures "
        "within months; size assumed)", "weeks after a lot ends with nobody to hold it (no "
        "bidder and no open provider to let it to directly) before it is tendered again",
        prior=(13, 52), ge=1)
    quality_sd: float = P(
        0.15, "sd of a multiplier on progress", f"assumption, bounded by {EV}s COMP-01, "
        "COMP-02 (at fixed prices, competition between hospitals of differing quality cut "
        "AMI mortality by about 0.3 points a year, 6.7% relative over three years)",
        "spread between providers of a persistent quality of practice (each organisation's "
        "multiplier on progress, mean 1), drawn once and kept", prior=(0.0, 0.3), ge=0.0,
        le=1.0)
    entry_per_tender: float = P(
        0.15, "probability per tender", "assumption (no figure found)",
        "chance a new organisation enters the market to bid for a tendered lot, bringing its "
        "own (newly drawn) quality of practice", prior=(0.0, 0.5), ge=0.0, le=1.0)
    entrant_reserves_weeks: float = P(
        8.0, "weeks of a lot's costs", "assumption", "reserves a new entrant starts with",
        prior=(4.0, 16.0), ge=0.0)
    incumbent_advantage: float = P(
        0.05, "tender score (0-1 scale)", f"assumption; checked against {EV} INC-01 "
        "(incumbents kept 3 of 7 re-tendered NAO case-study services; tiny sample)",
        "score advantage of the incumbent at re-tender (knowledge of the service, bid "
        "quality, staff transferring under TUPE)", prior=(0.0, 0.2), ge=0.0, le=1.0)
    mobilisation_weeks: int = P(
        12, "weeks", f"assumption; {EV}s INC-02, INC-03 (transition costs exist at programme "
        "level and as single cases; no systematic figure)",
        "weeks a new holder of a lot takes to work at full effectiveness", prior=(0, 26), ge=0)
    mobilisation_loss: float = P(
        0.2, "share of progress", f"assumption; {EV}s INC-02, INC-03",
        "progress lost at the start of a new holder's mobilisation (falling to none by its "
        "end)", prior=(0.0, 0.4), ge=0.0, le=1.0)
    transition_cost_share: float = P(
        0.02, "share of a year's contract value", f"assumption; {EV} INC-02 (DWP paid £63m "
        "to end welfare-to-work contracts for the Work Programme), INC-03",
        "the commissioner's cost when a lot changes hands (contract exit, TUPE, "
        "mobilisation)", prior=(0.0, 0.1), ge=0.0, le=1.0)
    contestability_effort: float = P(
        0.04, "share of progress", f"assumption, bounded by {EV}s COMP-01, COMP-02 "
        "(an upper-side analogue: hospital markets)", "extra effort from a provider whose "
        "next letting is a tender (the prospect of losing the work)", prior=(0.0, 0.1),
        ge=0.0, le=1.0)
    squeeze_quality_loss: float = P(
        0.5, "share of progress per unit of price shortfall", f"assumption; {EV} COMP-03 "
        "(price competition in the 1990s internal market went with slightly higher "
        "mortality; direction only)", "how much of a contract's price cut below its "
        "specified value shows as lower quality of practice (supervision, training, "
        "management); the cut also reaches the provider's reserves, which still pay each "
        "post's full cost", prior=(0.0, 1.0), ge=0.0, le=2.0)
    drift_per_year: float = P(
        0.04, "share of effort per year", "assumption (no figure found)",
        "erosion of a provider's effort where nothing tests it (no tender in prospect, "
        "soft reviews); its grown practice is not eroded by this lever", prior=(0.0, 0.1), ge=0.0, le=1.0)
    meeting_challenge: float = P(
        0.25, "share of drift undone per learning meeting", "assumption (HLS claims "
        "learning meetings hold partners to account: seeds 000, 001; size assumed)",
        "how much a learning meeting restores a partner's effort (peer challenge)",
        prior=(0.0, 1.0), ge=0.0, le=1.0)
    price_creep: float = P(
        0.02, "share of contract value per renewal", "assumption (no figure found)",
        "rise in a contract's price at a partnership renewal that a soft review lets "
        "through (scaled by 1 - review rigour)", prior=(0.0, 0.05), ge=0.0, le=0.5)


class OutcomeParams(_Group):
    """Definitions of per-person outcomes (what counts), the same in every world."""

    meaningful_improvement: float = P(
        0.05, "wellbeing 0-1", "assumption (half a point on a 0-10 life-satisfaction scale)",
        "a rise in wellbeing at least this large counts as a meaningful improvement", gt=0.0,
        le=1.0)


class ProcurementLevers(_Group):
    """How the money is let and paid: the procurement levers a commissioner pulls."""

    commission_services: bool = P(True, "-", "issue 12 (the no-service arm)",
                                  "whether any support is commissioned at all (false: the same "
                                  "place, people and shocks with no commissioned support)")
    contract_length_weeks: int = P(156, "weeks", "brief: tenders every 1-3 years",
                                   "length of a contract before tender or review", ge=4)
    lot_domains: int = P(1, "domains", "brief: narrow lots",
                         "need domains one contract covers (1 narrow .. 6 whole person)",
                         ge=1, le=N_DOMAINS)
    award: Literal["price_quality", "partnership", "alliance"] = P(
        "price_quality", "-", "brief mechanism 9; alliance: Plymouth Alliance "
        "(mechanism_evidence.csv row COL-06, entered through a competitive procedure)",
        "how a contract is re-let when it ends: tendered on price and reported performance "
        "every time (price_quality), renewed on a partnership review (partnership), or "
        "tendered once and then renewed on review (alliance)")
    price_weight: float = P(0.6, "weight", "assumption (typical 60:40 price:quality)",
                            "weight on price in tender awards", ge=0.0, le=1.0)
    results_share: float = P(0.3, "share of contract value", "brief: payment on results",
                             "share of pay that follows reported results", ge=0.0, le=1.0)
    activity_share: float = P(0.0, "share of contract value", "brief: payment on outputs",
                              "share of pay that follows activity (caseload occupancy)",
                              ge=0.0, le=1.0)
    budget_flexibility: float = P(0.0, "share of budget per review", "brief mechanism 9",
                                  "share of posts that can move to where need is at each "
                                  "budget review", ge=0.0, le=1.0)
    budget_review_weeks: int = P(13, "weeks", "assumption (quarterly reviews)",
                                 "weeks between reviews that move money under budget "
                                 "flexibility", ge=1)
    quality_observability: float = P(
        0.3, "0-1", "assumption (inspection, references and reputation see some of a "
        "provider's quality)", "share of a tender's quality score that reads providers' "
        "true quality of practice; the rest reads their reported results (which can be "
        "gamed)", prior=(0.0, 0.8), ge=0.0, le=1.0)
    savings_use: Literal["return", "reinvest"] = P(
        "return", "-", "issue 13", "what happens to the saving when a lot is won below its "
        "value: returned to the commissioner's wider budget, or reinvested in more posts "
        "on the same lot at the winning bid's price per post")
    review_threshold: float = P(
        0.1, "share below an average provider's performance", "assumption",
        "a partner a review sees this far below average loses its lot to a tender",
        prior=(0.05, 0.3), ge=0.0, le=1.0)
    review_rigour: float = P(
        0.0, "0-1", "assumption (COL-04: research on partnership working centres on process "
        "rather than outcomes, so soft reviews are taken as the norm)", "how much a partnership review sees a "
        "partner's true performance (0: always renew; 1: the weakest partners lose their "
        "lots to a tender)", prior=(0.0, 1.0), ge=0.0, le=1.0)
    break_clause_weeks: int = P(
        0, "weeks between break reviews (0 = none)", "assumption",
        "mid-contract reviews at which a partnership may step in and re-let a weak "
        "partner's lot", ge=0)
    backbone_share: float = P(
        0.0, "share of the budget", f"assumption; {EV} COST-02 (partnership co-ordination "
        "cost: not found)", "share of the budget spent on partnership governance and a "
        "backbone team instead of on posts (set at the start; after a regime switch the "
        "posts let earlier stay, so the backbone is paid on top of them)", prior=(0.0, 0.05), ge=0.0, le=0.5)


class PracticeLevers(_Group):
    """How the work is done: the practice levers a contract or partnership sets."""

    episode_limit_weeks: int = P(26, "weeks", "assumption (time-limited interventions)",
                                 "longest an episode may run before closure", ge=1)
    discretion: float = P(0.1, "0-1", SEED_LGA + " (permission to do what matters)",
                          "practitioner discretion to work outside scope and to try things",
                          ge=0.0, le=1.0)
    learning_meeting_weeks: int = P(0, "weeks between meetings (0 = none)",
                                    SEED_CORNWALL + " (bi-monthly = 8 weeks)",
                                    "cadence of place learning meetings", ge=0)
    reflective_hours: float = P(0.5, "hours/week", "assumption (supervision)",
                                "practitioner time in reflective practice and MDT", ge=0.0)
    reporting_burden: float = P(1.0, "multiplier", f"{CAL} rows admin_share, reporting_cost",
                                "monitoring and recording demanded (1 = typical tendered "
                                "contract)", ge=0.0, le=5.0)
    test_and_learn: bool = P(False, "-", SEED_NOTTS, "organisations may run test-and-learn trials")


LEVER_GROUPS: dict[str, type[_Group]] = {"procurement": ProcurementLevers,
                                         "practice": PracticeLevers}
"""The two groups of levers a regime is made of. A regime is a set of levers, not a
switch: every preset and scenario sets both groups, and a comparison can be decomposed
into what each group contributes."""

LEVER_GROUP_OF: dict[str, str] = {f: g for g, cls in LEVER_GROUPS.items()
                                  for f in cls.model_fields}
"""Each lever's group, by its name (lever names are unique across the two groups)."""


def flat_levers(levers: Levers) -> dict[str, Any]:
    """Every lever's value by its bare name (both groups together)."""
    return {**levers.procurement.model_dump(), **levers.practice.model_dump()}


def dotted_levers(values: dict[str, Any]) -> dict[str, Any]:
    """Lever values by bare name -> by dotted name (``practice.discretion``)."""
    out = {}
    for k, v in values.items():
        if k not in LEVER_GROUP_OF:
            raise ParameterError(_unknown(k), param=k)
        out[f"{LEVER_GROUP_OF[k]}.{k}"] = v
    return out


PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    # The defaults above are the competitive, short-term regime.
    "competitive": {"procurement": {}, "practice": {}},
    "collaborative": {
        "procurement": {
            "contract_length_weeks": 260,  # seed 000: five-year People in Mind contract
            "lot_domains": N_DOMAINS,  # whole-person partnership contract
            "award": "partnership",  # renewed on learning reviews, not re-tendered
            "results_share": 0.0,  # funding not contingent on targets (brief)
            "activity_share": 0.0,
            "budget_flexibility": 0.02,  # brief: money moves to where need is; size assumed
            "review_rigour": 0.5,  # seed 000: renewed on learning reviews; rigour assumed
            "backbone_share": 0.02,  # partnership governance (COST-02: not found); assumed
        },
        "practice": {
            "episode_limit_weeks": 78,  # assumption: closure when what matters is met
            "discretion": 0.8,  # seed 001: permission to try things
            "learning_meeting_weeks": 8,  # seed 000: bi-monthly learning meetings
            "reflective_hours": 1.5,  # seed 000: practitioner MDT meeting; size assumed
            "reporting_burden": 0.4,  # seed 001: strip away burdensome bureaucracy; size assumed
            "test_and_learn": True,  # seed 003: test and learn
        },
    },
    "no_service": {
        "procurement": {"commission_services": False},  # issue 12: the counterfactual
        "practice": {},
    },
}
"""Regime presets: values of the procurement and practice levers (competitive = the
defaults). A scenario can take one group from a preset and the other from another, e.g.
``{"regime": "competitive", "practice": "collaborative"}``."""


class Levers(BaseModel):
    """The levers in force: both groups together."""

    model_config = ConfigDict(extra="forbid")
    procurement: ProcurementLevers
    practice: PracticeLevers

LEVER_NAMES: dict[str, list[str]] = {g: [f"{g}.{f}" for f in cls.model_fields]
                                     for g, cls in LEVER_GROUPS.items()}
"""Each lever group's levers by dotted parameter name (derived from the groups). A
decomposition of a difference (``hls-sim compare A B --decompose groups``) attributes it
to these groups."""


class Params(BaseModel):
    """All parameters of one simulation.

    ``regime`` names the preset whose procurement and practice levers apply at week 0
    (either group may be overridden). If ``switch_week`` is set, the levers change at
    that week to those of ``switch_to`` (a preset name) plus ``switch_overrides``
    (dotted lever names, e.g. ``practice.episode_limit_weeks``).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    name: str = Field("custom", description="scenario name, for reports")
    regime: str = Field("competitive", description="preset applied at week 0")
    switch_week: int | None = Field(None, ge=0, description="week the regime changes")
    switch_to: str | None = Field(None, description="preset in force from switch_week")
    switch_overrides: dict[str, Any] = Field(default_factory=dict,
                                             description="lever overrides after the switch")
    place: PlaceParams = Field(default_factory=PlaceParams)
    people: PeopleParams = Field(default_factory=PeopleParams)
    support: SupportParams = Field(default_factory=SupportParams)
    workforce: WorkforceParams = Field(default_factory=WorkforceParams)
    learning: LearningParams = Field(default_factory=LearningParams)
    money: MoneyParams = Field(default_factory=MoneyParams)
    market: MarketParams = Field(default_factory=MarketParams)
    outcomes: OutcomeParams = Field(default_factory=OutcomeParams)
    procurement: ProcurementLevers = Field(default_factory=ProcurementLevers)
    practice: PracticeLevers = Field(default_factory=PracticeLevers)
    appraisal: AppraisalParams = Field(default_factory=AppraisalParams)

    @property
    def levers(self) -> Levers:
        """The levers in force at week 0."""
        return Levers(procurement=self.procurement, practice=self.practice)

    def levers_after_switch(self) -> Levers:
        """The levers in force from ``switch_week``."""
        if self.switch_to is None:
            raise ParameterError("switch_to is not set")
        grouped: dict[str, dict[str, Any]] = {g: dict(PRESETS[self.switch_to][g])
                                              for g in LEVER_GROUPS}
        for key, value in self.switch_overrides.items():
            group, _, lever = str(key).partition(".")
            if not lever and group in LEVER_GROUP_OF:  # a bare lever name
                group, lever = LEVER_GROUP_OF[group], group
            if group not in LEVER_GROUPS or not lever:
                raise ParameterError(
                    f"invalid switch_overrides key {key!r}: allowed are lever names such as "
                    "'practice.episode_limit_weeks' or 'procurement.award'",
                    param="switch_overrides")
            grouped[group][lever] = value
        return Levers(**{g: _build_group(cls, grouped[g], f"switch_overrides.{g}")
                         for g, cls in LEVER_GROUPS.items()})


GROUPS: dict[str, type[_Group]] = {
    "place": PlaceParams,
    "people": PeopleParams,
    "support": SupportParams,
    "workforce": WorkforceParams,
    "learning": LearningParams,
    "money": MoneyParams,
    "market": MarketParams,
    "outcomes": OutcomeParams,
    "procurement": ProcurementLevers,
    "practice": PracticeLevers,
    "appraisal": AppraisalParams,
}
TOP_LEVEL = ("name", "regime", "switch_week", "switch_to", "switch_overrides")


def parameter_names() -> list[str]:
    """Every dotted parameter name a scenario may set."""
    names = list(TOP_LEVEL)
    for group, cls in GROUPS.items():
        names += [f"{group}.{f}" for f in cls.model_fields]
    return names


def parameter_table() -> list[dict[str, Any]]:
    """One row per parameter: name, default, unit, source, description and prior range
    (low, high; None where the parameter has none) (for docs/ODD.md)."""
    rows = []
    for group, cls in GROUPS.items():
        for fname, field in cls.model_fields.items():
            extra = field.json_schema_extra or {}
            rows.append({
                "name": f"{group}.{fname}",
                "default": field.default,
                "unit": extra.get("unit", ""),
                "source": extra.get("source", ""),
                "description": field.description or "",
                "prior": extra.get("prior"),
            })
    return rows


def _allowed(cls: type[BaseModel], fname: str) -> str:
    field = cls.model_fields[fname]
    bounds = []
    for m in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                bounds.append(f"{sym} {v}")
    ann = getattr(field.annotation, "__name__", str(field.annotation))
    if getattr(field.annotation, "__origin__", None) is Literal:
        return "one of " + ", ".join(repr(a) for a in field.annotation.__args__)
    return f"{ann} " + " and ".join(bounds) if bounds else ann


def _build_group(cls: type[_Group], values: dict[str, Any], prefix: str) -> _Group:
    for key in values:
        if key not in cls.model_fields:
            raise ParameterError(_unknown(f"{prefix}.{key}"), param=f"{prefix}.{key}")
    try:
        return cls(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        fname = str(err["loc"][0])
        raise ParameterError(
            f"invalid parameter {prefix}.{fname}={values.get(fname)!r}: {err['msg'].lower()} "
            f"(allowed: {_allowed(cls, fname)})", param=f"{prefix}.{fname}"
        ) from None


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name, parameter_names(), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else "; see hls_sim.params.parameter_names()"
    return f"unknown parameter '{name}'{hint}"


def _flatten(overrides: dict[str, Any]) -> dict[str, Any]:
    """Accept nested dicts ({"place": {"n_people": 5}}) and dotted keys alike, and a
    lever group given as a preset's name ({"practice": "collaborative"})."""
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        if key in LEVER_GROUPS and isinstance(value, str):
            if value not in PRESETS:
                raise ParameterError(
                    f"invalid parameter {key}={value!r}: a lever group is set by a preset's "
                    f"name ({', '.join(PRESETS)}) or by its levers", param=key)
            flat[f"_preset.{key}"] = value  # the group starts from this preset's levers
        elif key in GROUPS and isinstance(value, dict):
            for sub, v in value.items():
                flat[f"{key}.{sub}"] = v
        else:
            flat[key] = value
    return flat


def make_params(scenario: str | dict[str, Any] | Params | None = None, **kwargs: Any) -> Params:
    """Resolve a preset name, a dict of overrides or a :class:`Params` into validated Params.

    Keyword arguments are further overrides, with ``__`` standing for ``.``
    (``make_params("collaborative", place__n_people=2000)``).
    """
    if isinstance(scenario, Params):
        base = scenario.model_dump()
        overrides: dict[str, Any] = {}
    else:
        base = None
        if scenario is None:
            overrides = {}
        elif isinstance(scenario, str):
            overrides = {"regime": scenario}
        elif isinstance(scenario, dict):
            overrides = dict(scenario)
        else:
            raise ParameterError(
                f"invalid scenario {scenario!r}: expected a preset name "
                f"({', '.join(PRESETS)}), a dict of overrides or a Params object"
            )
    overrides.update({k.replace("__", "."): v for k, v in kwargs.items()})
    flat = _flatten(overrides)

    top: dict[str, Any] = {}
    grouped: dict[str, dict[str, Any]] = {g: {} for g in GROUPS}
    group_preset = {k.split(".", 1)[1]: flat.pop(k) for k in list(flat)
                    if k.startswith("_preset.")}
    for key, value in flat.items():
        if key in TOP_LEVEL:
            top[key] = value
            continue
        group, _, fname = key.partition(".")
        if group not in GROUPS or not fname or fname not in GROUPS[group].model_fields:
            raise ParameterError(_unknown(key), param=key)
        grouped[group][fname] = value

    if base is not None:
        merged_top = {k: base[k] for k in TOP_LEVEL}
        merged_top.update(top)
        regime = merged_top["regime"]
        groups_base = {g: dict(base[g]) for g in GROUPS}
        for g, source in group_preset.items():
            groups_base[g] = dict(PRESETS[source][g])
    else:
        merged_top = top
        regime = top.get("regime", "competitive")
        groups_base = {g: {} for g in GROUPS}
        for g in LEVER_GROUPS:  # each lever group from the regime, or from its own preset
            source = group_preset.get(g, regime)
            if source in PRESETS:
                groups_base[g] = dict(PRESETS[source][g])

    if regime not in PRESETS:
        raise ParameterError(
            f"invalid parameter regime={regime!r}: allowed presets are {', '.join(PRESETS)}",
            param="regime")
    switch_to = merged_top.get("switch_to")
    if switch_to is not None and switch_to not in PRESETS:
        raise ParameterError(
            f"invalid parameter switch_to={switch_to!r}: allowed presets are {', '.join(PRESETS)}",
            param="switch_to")
    if (merged_top.get("switch_week") is None) != (switch_to is None):
        raise ParameterError(
            "invalid regime switch: set both switch_week (a week >= 0) and switch_to (a preset)"
        )
    built = {g: _build_group(cls, {**groups_base[g], **grouped[g]}, g)
             for g, cls in GROUPS.items()}
    try:
        params = Params(**merged_top, **built)
    except ValidationError as exc:
        err = exc.errors()[0]
        fname = str(err["loc"][0])
        raise ParameterError(
            f"invalid parameter {fname}={merged_top.get(fname)!r}: {err['msg'].lower()}",
            param=fname) from None
    if params.switch_to is not None:
        params.levers_after_switch()  # validate the overrides now, not at the switch week
    return params
