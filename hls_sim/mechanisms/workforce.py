"""Mechanism 8, workforce: the weekly time budget (direct work, assessment, admin and
reporting, reflection), stress from load, admin and insecurity, leaving and vacancies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import IN_SUPPORT, WAITING

RETURN_PRIORITY_WEEKS = 8  # people moved off a caseload rejoin the list this far up

if TYPE_CHECKING:
    from ..model import HLSModel

MEETING_HOURS = 3.0  # hours a practitioner spends at a place learning meeting (assumption)


def caseload_cap(model: HLSModel) -> int:
    """Cases a full-time practitioner can hold: hours left after fixed admin and
    reflection, divided by the direct work and recording each case needs. Reporting
    burden therefore eats capacity (brief mechanism 8)."""
    wf, sp, lv = model.params.workforce, model.params.support, model.levers
    free = wf.hours_per_week - wf.fixed_admin_hours * lv.reporting_burden - lv.reflective_hours
    per_case = sp.direct_hours_per_case + wf.recording_hours_per_case * lv.reporting_burden
    return max(1, int(free // per_case))


def enforce_cap(model: HLSModel) -> None:
    """If the cap falls (more reporting after a regime switch), each practitioner keeps
    their longest-standing cases and the rest go back to the top of the waiting list."""
    model.caseload_cap = cap = caseload_cap(model)
    people, posts = model.people, model.posts
    over = np.flatnonzero(posts.caseload > cap)
    if over.size == 0:
        return
    n = model.n_arrived
    who = np.flatnonzero(np.isin(people.practitioner[:n], over) &
                         (people.status[:n] == IN_SUPPORT))
    order = np.lexsort((people.episode_start[who], people.practitioner[who]))
    who = who[order]
    post = people.practitioner[who]
    _, first = np.unique(post, return_index=True)
    rank = np.arange(who.size) - np.repeat(first, np.diff(np.append(first, who.size)))
    move = who[rank >= cap]
    model.end_support(move)
    people.status[move] = WAITING
    people.wait_since[move] = model.week - RETURN_PRIORITY_WEEKS
    model.log.people_event(model.week, "lost_practitioner", move,
                           detail="caseloads cut when reporting grew")


def time_budget(model: HLSModel) -> None:
    """Hours per post this week by use, the admin share, and the time factor (share of
    the direct time each case needs that a practitioner can actually give)."""
    posts, people, wf = model.posts, model.people, model.params.workforce
    sp, lv = model.params.support, model.levers
    n = model.n_arrived
    s = people.status[:n] == IN_SUPPORT
    posts.caseload[:] = np.bincount(people.practitioner[:n][s], minlength=posts.n)
    model.caseload_cap = caseload_cap(model)
    case = posts.caseload
    admin = (wf.fixed_admin_hours + case * wf.recording_hours_per_case) * lv.reporting_burden
    assess = model.week_assessments_by_post * sp.assessment_hours
    learn = lv.reflective_hours + (MEETING_HOURS if model.meeting_this_week else 0.0)
    direct_need = case * sp.direct_hours_per_case
    room = np.maximum(wf.hours_per_week - admin - assess - learn, 0.0)
    model.time_factor = np.where(direct_need > 0, np.minimum(room / np.maximum(direct_need,
                                                                                1e-12), 1.0), 1.0)
    worked = np.maximum(admin + assess + learn + direct_need, wf.hours_per_week)
    filled = posts.filled
    posts.admin_share = np.where(filled, admin / worked, 0.0)
    model.hours_admin = admin * filled
    model.hours_assess = assess * filled
    model.hours_learn = learn * filled
    model.hours_worked = worked * filled
    model.load = (admin + assess + learn + direct_need) / wf.hours_per_week


def stress_and_leaving(model: HLSModel) -> None:
    """Stress moves towards a level set by load, admin share and insecurity, less the
    relief of reflection; leaving follows stress and insecurity; vacancies fill."""
    posts, wf, lv, t = model.posts, model.params.workforce, model.levers, model.week
    filled = np.flatnonzero(posts.filled)
    if lv.award == "price_quality":
        left = model.c_end[posts.contract[filled]] - t
        ins = np.clip(1.0 - left / wf.insecurity_horizon_weeks, 0.0, 1.0)
    else:  # a partnership renews on review: no cliff edge (seed 000)
        ins = np.zeros(filled.size)
    posts.insecurity[filled] = ins
    learn_hours = lv.reflective_hours + (MEETING_HOURS if model.meeting_this_week else 0.0)
    target = (wf.stress_from_load * np.clip(model.load[filled] - 0.7, 0.0, None)
              + wf.stress_from_admin * posts.admin_share[filled]
              + wf.stress_from_insecurity * ins
              - wf.stress_relief_reflection * min(1.0, learn_hours / 1.5))
    s = posts.stress[filled]
    posts.stress[filled] = np.clip(s + (np.clip(target, 0, 1) - s) / wf.stress_weeks, 0.0, 1.0)

    hazard = (wf.base_leaving_per_week + wf.stress_leaving_per_week * posts.stress[filled]
              + wf.insecurity_leaving_per_week * ins)
    model.week_headcount = int(filled.size)
    leavers = filled[model.rng.random(filled.size) < hazard]
    model.practitioner_leaves(leavers, "left the job")

    vacant = np.flatnonzero(~posts.filled & (posts.contract >= 0))
    hires = vacant[model.rng.random(vacant.size) < 1.0 / wf.vacancy_fill_weeks]
    model.hire(hires)
