"""`pcnreport build --explain`: what a build would do and why, one line a step, planned without running,
writing or generating anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pcnreport.analysis.month_files import FOLDER as _MONTHS
from pcnreport.build import buildcache
from pcnreport.build.context import (
    ANALYSIS_DIR,
    BuildOptions,
    make_context,
    plan_months,
    plan_notebooks,
    plan_profiles,
    resolve_data_dir,
)
from pcnreport.build.publish import render_components, render_reasons
from pcnreport.build.variables import variables_components, variables_outputs
from pcnreport.data import synth

MONTHS_FOLDER = _MONTHS.as_posix() + "/"  # the month runs' results, as a run's record names them


@dataclass
class StepPlan:
    """One step of the build and why it runs ("" reasons: skipped)."""

    name: str
    reasons: list[str]

    def line(self) -> str:
        return f"{self.name:<36} " + ("run: " + said(self.reasons) if self.reasons else "skip (unchanged)")


def said(reasons: list[str], most: int = 6) -> str:
    """Reasons joined for one line; a long list (a render after 142 profiles ran) is cut short."""
    shown = "; ".join(reasons[:most])
    return shown + (f"; and {len(reasons) - most} more" if len(reasons) > most else "")


def _producers_running(project: Path, plans: list[buildcache.NotebookPlan],
                       profile_plans: list[buildcache.NotebookPlan]) -> list[str]:
    """The notebooks that will run and last wrote a file some profile run read (its area's numbers)."""
    read = {name for plan in profile_plans for name in plan.components.get("generated", {})}
    running = []
    for plan in plans:
        if not plan.runs:
            continue
        try:
            record = json.loads(buildcache.manifest_path(project, plan.notebook).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        if not record or read & set(record.get("outputs", [])):
            running.append(plan.name)  # no record: what it writes is not known yet
    return running if read else []


def _profile_steps(plans: list[buildcache.NotebookPlan], pending: list[str] = (), what: str = "profile") -> list[StepPlan]:
    """--explain's lines for the profile (or month) runs: one a run that runs, one line for all those skipped.

    `pending`: notebooks that run first and write the areas' files, so whether the other profiles run
    is known only once they have (each runs if its file's bytes change)."""
    if not plans:
        return []
    running = [plan for plan in plans if plan.runs]
    steps = [StepPlan(f"notebook {plan.name}", plan.reasons) for plan in running]
    summary = f"notebook {what} x {len(plans)}"
    skipped = len(plans) - len(running)
    if pending:
        reason = (f"{len(running)} run; the other {skipped} are decided after {', '.join(pending)} "
                  "rewrites the areas' numbers (a profile runs if its area's file changes)")
        steps.append(StepPlan(summary, [reason]))
    else:
        steps.append(StepPlan(summary, [f"{len(running)} run, {skipped} skip"] if running else []))
    return steps


def explain(options: BuildOptions) -> list[StepPlan]:
    """What `build(options)` would do and why, without running, writing or generating anything."""
    project = Path(options.project_dir).resolve()
    data_dir = resolve_data_dir(project, options, generate=False)
    if options.data_dir is None and not synth.is_synthetic(data_dir):
        steps = [StepPlan(f"notebook {nb.stem}", ["the synthetic sample is not generated yet"])
                 for nb in sorted((project / ANALYSIS_DIR).glob("*.ipynb"))]
        return steps + [StepPlan("variables", ["notebooks run"]), StepPlan("render", ["notebooks run"])]
    ctx = make_context(project, options, data_dir)
    month_plans = plan_months(ctx)
    profile_plans = plan_profiles(ctx, save=False)
    plans = plan_notebooks(ctx)
    pending = _producers_running(project, plans, profile_plans)
    steps = _profile_steps(month_plans, what="month")
    months_run = [plan.name for plan in month_plans if plan.runs]
    for plan in plans:
        reasons = plan.reasons
        if months_run and not reasons and any(name.startswith(MONTHS_FOLDER) for name in plan.components.get("generated", {})):
            # It reads every month's results, whose bytes are known once those runs have run.
            reasons = [f"decided after {len(months_run)} month run(s) (it runs if a month's results change)"]
        steps.append(StepPlan(f"notebook {plan.name}", reasons))
    steps += _profile_steps(profile_plans, pending)
    plans = month_plans + plans + profile_plans
    running = [plan.name for plan in plans if plan.runs]
    if running:
        because = [f"the outputs of {len(running)} notebook run(s) may change"]
        steps.append(StepPlan("variables", because))
        steps.append(StepPlan("render", because))
        return steps
    keys = {plan.name: plan.key for plan in plans}
    components = variables_components(ctx, keys)
    steps.append(StepPlan("variables", buildcache.step_reasons(
        buildcache.step_record(project, "variables"), components, variables_outputs(project), options.force
    )))
    if steps[-1].reasons:
        steps.append(StepPlan("render", ["the variables step runs"]))
    else:
        steps.append(StepPlan("render", render_reasons(ctx, render_components(ctx))))
    return steps
