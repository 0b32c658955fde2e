"""The notebook runs: restore a skipped run's outputs from the cache, run the others (papermill, or
reused kernels for the area profiles) `jobs` at a time, and cache each finished run under its key.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pcnreport.build import buildcache
from pcnreport.build.context import ANALYSIS_DIR, Context
from pcnreport.core import runlog

Progress = Callable[[str], None]


def run_notebook(notebook: Path, executed: Path, parameters: dict, run_log: Path | None = None) -> Path:
    """Run `notebook` once in a fresh kernel (papermill), keeping the executed copy at `executed`."""
    import papermill  # imported here: it is slow to import and only builds need it

    from pcnreport.build.kernels import local_socket_kernel_manager, user_error_from_cell

    executed.parent.mkdir(parents=True, exist_ok=True)
    env = {runlog.ENV: str(run_log)} if run_log else None
    with tempfile.TemporaryDirectory(prefix="pcnreport-kernel-") as socket_dir:
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=parameters,
                cwd=str(notebook.parent),
                progress_bar=False,
                kernel_name="python3",
                kernel_manager_class=local_socket_kernel_manager(socket_dir, env),
            )
        except papermill.PapermillExecutionError as exc:
            raise user_error_from_cell(exc, executed, notebook.name) from None
    return executed


def restore_unchanged(ctx: Context, plans: list[buildcache.NotebookPlan]) -> dict[str, str]:
    """Put back the outputs of every run that is skipped. Returns name -> key of those runs."""
    keys = {}
    for plan in plans:
        if not plan.runs:
            buildcache.restore_run(ctx.project, plan.key, ctx.executed_path(plan), ctx.hasher)
            keys[plan.name] = plan.key
    return keys


def _fresh_log(logs_dir: Path, plan: buildcache.NotebookPlan) -> Path:
    run_log = logs_dir / f"{plan.name}.jsonl"
    run_log.unlink(missing_ok=True)
    return run_log


def _store(ctx: Context, plan: buildcache.NotebookPlan, executed: Path, run_log: Path) -> str:
    """Cache a finished run under the key of what it read; returns the key."""
    reads, writes, generated = runlog.load_all(run_log)
    return buildcache.store_run(
        ctx.project, plan.notebook, executed, plan.components["parameters"], reads, writes, ctx.hasher,
        ctx.library, ctx.environment, run=plan.run, memo=ctx.memo, generated=generated,
    )


def _runner_setup(ctx: Context, plans: list, progress: Progress | None) -> tuple[Progress, int, Path]:
    """What both runners need: the progress callback, kernels at once (`--jobs`, at most one a run) and
    the folder of the runs' logs."""
    jobs = max(1, min(ctx.options.jobs or os.cpu_count() or 1, len(plans)))
    logs_dir = ctx.project / buildcache.CACHE_DIR / "logs"
    logs_dir.mkdir(parents=True, exist_ok=True)
    return progress or (lambda line: None), jobs, logs_dir


def run_profiles(ctx: Context, plans: list[buildcache.NotebookPlan], progress: Progress | None) -> dict[str, str]:
    """Run the planned profile runs on `jobs` long-lived kernels (`pcnreport.build.kernels`). Returns name -> key.

    A kernel started per run would cost ~1.5 s each before the first line; reused kernels also keep
    what every CCG's map shares (`profile_maps.base_from_inputs`), computed once a kernel instead of
    once a run.
    """
    if not plans:
        return {}
    from pcnreport.build import kernels

    say, jobs, logs_dir = _runner_setup(ctx, plans, progress)
    by_name = {plan.name: plan for plan in plans}
    keys: dict[str, str] = {}
    lock = threading.Lock()
    start = time.perf_counter()
    runs = [
        kernels.Run(plan.name, plan.notebook, ctx.executed_path(plan), plan.components["parameters"],
                    _fresh_log(logs_dir, plan))
        for plan in plans
    ]

    def done(run: kernels.Run, seconds: float) -> None:
        key = _store(ctx, by_name[run.name], run.executed, run.run_log)
        with lock:
            keys[run.name] = key
            if len(keys) % 20 == 0 or len(keys) == len(runs):
                say(f"  profiles {len(keys)}/{len(runs)} done  ({time.perf_counter() - start:5.1f} s)")

    say(f"  start  {len(runs)} profile run(s) on {min(jobs, len(runs))} kernel(s)")
    kernels.run_all(runs, ctx.project / ANALYSIS_DIR, jobs, done, say)
    ctx.timings["profiles"] = time.perf_counter() - start
    return keys


def run_notebooks(ctx: Context, plans: list[buildcache.NotebookPlan], progress: Progress | None) -> dict[str, str]:
    """Run the planned notebooks, `jobs` at a time, and cache each one's outputs. Returns name -> key.

    Each papermill run has its own kernel (a process), so threads suffice to run them at once.
    The first failure stops the queue; runs already under way finish, and their results are cached.
    """
    if not plans:
        return {}
    say, jobs, logs_dir = _runner_setup(ctx, plans, progress)

    def one(plan: buildcache.NotebookPlan) -> tuple[str, str, float]:
        start = time.perf_counter()
        say(f"  start  {plan.name}  ({'; '.join(plan.reasons)})")
        run_log = _fresh_log(logs_dir, plan)
        executed = ctx.executed_path(plan)
        try:
            run_notebook(plan.notebook, executed, ctx.parameters, run_log)
        except BaseException:
            say(f"  failed {plan.name}  {time.perf_counter() - start:5.1f} s")
            raise
        key = _store(ctx, plan, executed, run_log)
        elapsed = time.perf_counter() - start
        say(f"  done   {plan.name}  {elapsed:5.1f} s")
        return plan.name, key, elapsed

    keys: dict[str, str] = {}
    timings: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook") as pool:
        futures = [pool.submit(one, plan) for plan in plans]
        try:
            for future in futures:
                name, key, elapsed = future.result()
                keys[name] = key
                timings[name] = elapsed
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    ctx.timings.update({f"notebook {name}": seconds for name, seconds in timings.items()})
    return keys
