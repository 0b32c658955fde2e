"""The build: data -> notebook runs -> numbers and figures -> book -> published `_book/`.

Order of work, and why:
1. take the project's lock, so two builds never write the same files;
2. resolve the data folder (the synthetic sample, generated once per seed, when none is given);
   when any notebook will run, check every dataset in it first and stop listing all their problems;
3. plan: key each notebook run by what it reads (`buildcache`); an unchanged run is skipped and its
   outputs restored from `_build/cache/`, the others run in parallel (`jobs`), each keeping its executed
   copy as provenance. The month runs go first (one a month of the practice mapping, `month_runs`, on
   reused kernels), then the notebooks with papermill: chapter 8 and the PCN pages read every month's
   results, so their keys are known only once the months have run or been restored;
4. then plan and run the area profiles (one run an area, on reused kernels): each reads its area's
   numbers, which a step-3 notebook writes, so its key (those numbers' bytes) is known only now;
5. write `_variables.yml` and the data notice every page shows (skipped when no run changed);
6. render into a fresh staging folder and only then swap it in for `_book/`, so a failure at any
   step leaves the previously published site exactly as it was (skipped when no source changed).

Heavy modules (pandas, altair, papermill, the renderers) are imported only by the steps that run, so
a build with nothing to do takes a fraction of a second.

The steps live beside this module: `context` (the options, data folder, parameters and plans every
step shares), `runs` (running and restoring notebook runs), `variables` (the numbers into
`_variables.yml`), `publish` (render, check and swap in `_book/`) and `explain` (`--explain`'s report);
this module runs them in order.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pcnreport.build import buildcache, month_runs, profile_runs, publish
from pcnreport.build.context import (
    OUTPUT_DIR,
    BuildOptions,
    check_data,
    make_context,
    plan_months,
    plan_notebooks,
    plan_profiles,
    resolve_data_dir,
)
from pcnreport.build.explain import explain, said
from pcnreport.build.runs import Progress, restore_unchanged, run_notebooks, run_on_kernels
from pcnreport.build.variables import variables_components, variables_outputs, write_all
from pcnreport.core import errors

# Callers import the build's whole API from here: `BuildOptions` (in `context`, which every step reads) and
# `explain` (`pcnreport build --explain`, in `explain`) live beside it.
__all__ = ["BuildOptions", "BuildResult", "build", "explain"]


@dataclass
class BuildResult:
    site_index: Path
    pdf: Path
    renderer: str
    data_dir: Path
    synthetic: bool
    executed_notebooks: list[Path] = field(default_factory=list)  # one a notebook of analysis/ run once
    profile_notebooks: list[Path] = field(default_factory=list)   # one an area: analysis/profile.ipynb's runs
    month_notebooks: list[Path] = field(default_factory=list)     # one a month: analysis/month.ipynb's runs
    timings: dict[str, float] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)       # runs executed this time (notebook, or profile.<area>)
    skipped: list[str] = field(default_factory=list)   # runs restored from the cache
    rendered: bool = True                               # False: sources unchanged, _book/ kept as it was


@contextmanager
def project_lock(project_dir: Path):
    """Refuse a second concurrent build of the same project with a clear message."""
    lock_path = Path(project_dir) / ".cache" / "build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise errors.BuildLockedError(
                f"another build of '{project_dir}' is running ({holder}); wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build the report, skipping every step whose inputs are unchanged. `progress` gets one line an event."""
    from pcnreport.build import checks

    project = Path(options.project_dir).resolve()
    timings: dict[str, float] = {}
    with project_lock(project):
        # A build killed earlier (SIGKILL, a power cut) may have left a staging folder or, where folders
        # cannot be swapped in one step, the published site renamed aside: put things back first.
        publish.recover(project)
        if options.data_dir is not None:
            resolve_data_dir(project, options, generate=False)  # a mistyped --data-dir is reported first
        # Reads only the chapters: a feature the pandoc path cannot render fails in milliseconds,
        # before any notebook runs.
        checks.check_supported_features(project)

        start = time.perf_counter()
        data_dir = resolve_data_dir(project, options, generate=True)
        ctx = make_context(project, options, data_dir)
        ctx.timings = timings
        month_plans = plan_months(ctx)
        timings["data and plan"] = time.perf_counter() - start
        checked = False

        def check_once(plans: list) -> None:
            # Only when a notebook will read the data: an unchanged run read the same files last time,
            # when they passed, and a rebuild with nothing to do stays a fraction of a second.
            nonlocal checked
            if not checked and any(plan.runs for plan in plans):
                start = time.perf_counter()
                check_data(ctx)
                timings["check data"] = time.perf_counter() - start
                checked = True

        check_once(month_plans)
        (project / "figures").mkdir(exist_ok=True)
        try:
            # The months first: the chapter and the PCN pages read every month's results, so their keys
            # (those files' bytes) are known only once the months have run or been restored.
            month_runs.remove_stale(project, ctx.executed_dir, ctx.months)
            keys = restore_unchanged(ctx, month_plans)
            keys.update(run_on_kernels(ctx, [plan for plan in month_plans if plan.runs], progress, "month"))
            start = time.perf_counter()
            plans = plan_notebooks(ctx)
            timings["plan notebooks"] = time.perf_counter() - start
            check_once(plans)
            keys.update(restore_unchanged(ctx, plans))
            keys.update(run_notebooks(ctx, [plan for plan in plans if plan.runs], progress))
            plans = month_plans + plans
            # Planned only now: each profile run reads its area's file, which a notebook above
            # (profile-areas) has just written or restored, and is keyed by that file's bytes.
            start = time.perf_counter()
            profile_plans = plan_profiles(ctx)
            profile_runs.remove_stale_records(project, ctx.executed_dir, ctx.areas)
            keys.update(restore_unchanged(ctx, profile_plans))
            timings["plan profiles"] = time.perf_counter() - start
            keys.update(run_on_kernels(ctx, [plan for plan in profile_plans if plan.runs], progress))
            plans = plans + profile_plans
            keys = {plan.name: keys[plan.name] for plan in plans}

            components = variables_components(ctx, keys)
            record = buildcache.step_record(project, "variables")
            if buildcache.step_reasons(record, components, variables_outputs(project), options.force):
                start = time.perf_counter()
                write_all(ctx)
                buildcache.write_step_record(project, "variables", components)
                timings["variables"] = time.perf_counter() - start

            render_components = publish.render_components(ctx)
            reasons = publish.render_reasons(ctx, render_components)
            if reasons:
                start = time.perf_counter()
                if progress:
                    progress(f"  render ({said(reasons)})")
                site_index, pdf, renderer = publish.render_and_publish(ctx, render_components)
                timings["render"] = time.perf_counter() - start
            else:
                published = publish.published_key(project)
                site_index = project / OUTPUT_DIR / published["site_index"]
                pdf = project / OUTPUT_DIR / published["pdf"]
                renderer = published["renderer"]
            buildcache.prune(project)
        finally:
            ctx.hasher.save()

        return BuildResult(
            site_index=site_index,
            pdf=pdf,
            renderer=renderer,
            data_dir=data_dir,
            synthetic=ctx.synthetic,
            executed_notebooks=[ctx.executed_path(plan) for plan in plans if not plan.run],
            profile_notebooks=[ctx.executed_path(plan) for plan in plans if plan.run and plan.run.startswith("profile.")],
            month_notebooks=[ctx.executed_path(plan) for plan in plans if plan.run and plan.run.startswith(month_runs.PREFIX)],
            timings=timings,
            ran=[plan.name for plan in plans if plan.runs],
            skipped=[plan.name for plan in plans if not plan.runs],
            rendered=bool(reasons),
        )
