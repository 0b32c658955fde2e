"""The notebook runs: restore a skipped run's outputs from the cache, run the others (papermill, or
reused kernels for the area profiles and the months) `jobs` at a time, and cache each finished run under its key.

Where the runs execute is chosen in one place, `_where`: on this machine, or with `--scheduler` on a Dask
cluster (`cluster`). Either way this process stores every run and prints its progress.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def _runner_setup(ctx: Context, progress: Progress | None) -> tuple[Progress, Path]:
    """What both runners need: the progress callback and the folder of the runs' logs."""
    logs_dir = ctx.project / buildcache.CACHE_DIR / "logs"
    logs_dir.mkdir(parents=True, exist_ok=True)
    return progress or (lambda line: None), logs_dir


@dataclass
class _Where:
    """Where this build's runs execute: `jobs` at once, here (`cluster` None) or on a Dask cluster."""

    jobs: int
    cluster: Any = None  # a cluster.Session

    def run_notebook(self, name: str, notebook: Path, executed: Path, parameters: dict, run_log: Path) -> Path:
        if self.cluster is None:
            return run_notebook(notebook, executed, parameters, run_log)
        # The same function, sent by name to a worker; this process then finds the outputs in the shared folder.
        return self.cluster.run(name, run_notebook, notebook, executed, parameters, run_log, output=executed)


@contextmanager
def _where(ctx: Context, plans: list[buildcache.NotebookPlan]) -> Iterator[_Where]:
    """The one place that chooses where runs execute.

    Without --scheduler: on this machine, `--jobs` at a time (default: one a CPU core), at most one a run.
    With it: on the Dask cluster at that address, as many at once as its workers have threads (or
    `--jobs`), once `cluster.connect` has checked that every worker sees the project and data folders.
    `distributed` is imported only then.
    """
    def jobs(default: int) -> int:
        return max(1, min(ctx.options.jobs or default, len(plans)))

    if not ctx.options.scheduler:
        yield _Where(jobs(os.cpu_count() or 1))
        return
    from pcnreport.build import cluster

    seen = sorted({str(plan.notebook) for plan in plans} | {ctx.parameters["data_dir"]})
    with cluster.connect(ctx.options.scheduler, ctx.project, seen) as session:
        yield _Where(jobs(session.threads), session)


def _in_pool(items: list, jobs: int, work: Callable[[Any], Any], prefix: str) -> list:
    """work(item) for every item, `jobs` at a time in threads; the results in order.

    The first failure stops the queue: items not started are cancelled, those under way finish (and
    their results are kept by `work`), then the failure is raised.
    """
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix=prefix) as pool:
        futures = [pool.submit(work, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def run_on_kernels(ctx: Context, plans: list[buildcache.NotebookPlan], progress: Progress | None,
                   what: str = "profile") -> dict[str, str]:
    """Run the planned runs of one parameterised notebook (the area profiles, or the months) on `jobs`
    long-lived kernels (`pcnreport.build.kernels`). Returns name -> key.

    A kernel started per run would cost ~1.5 s each before the first line; reused kernels also keep
    what every CCG's map shares (`profile_maps.base_from_inputs`), computed once a kernel instead of
    once a run. On a Dask cluster the runs go in batches, each batch on a reused kernel of one worker
    started for it (`cluster.run_batch`): a kernel cannot be kept between tasks, since nothing says
    which worker thread runs the next one. A few batches a worker thread cost a few more kernel starts
    than a local build; papermill a run instead (a fresh kernel each) would cost ~3 s more a run, about
    7 minutes more a build of the profiles.
    """
    if not plans:
        return {}
    from pcnreport.build import kernels

    say, logs_dir = _runner_setup(ctx, progress)
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
                say(f"  {what}s {len(keys)}/{len(runs)} done  ({time.perf_counter() - start:5.1f} s)")

    with _where(ctx, plans) as where:
        if where.cluster is None:
            say(f"  start  {len(runs)} {what} run(s) on {min(where.jobs, len(runs))} kernel(s)")
            kernels.run_all(runs, ctx.project / ANALYSIS_DIR, where.jobs, done, say)
        else:
            _batches_on_cluster(where, runs, ctx.project / ANALYSIS_DIR, done, say, what)
    ctx.timings[f"{what}s"] = time.perf_counter() - start
    return keys


def _batches_on_cluster(where: _Where, runs: list, cwd: Path, done: Callable, say: Progress, what: str) -> None:
    """`kernels.run_all`'s work on the cluster: batches of runs, each on a worker's reused kernel, each
    run stored (`done`) as its batch comes back. The first failure stops the queue as run_all does."""
    from pcnreport.build import cluster

    by_name = {run.name: run for run in runs}
    batches = cluster.batches(runs, where.jobs)
    say(f"  start  {len(runs)} {what} run(s) in {len(batches)} batch(es) on {where.jobs} worker thread(s)"
        f" of {where.cluster.address}")

    def one(batch: list) -> None:
        result = where.cluster.run_batch(batch, cwd)
        for name, seconds in result.done:
            done(by_name[name], seconds)
        if result.error is not None:
            say(f"  failed {result.failed}  {result.failed_seconds:5.1f} s")
            where.cluster.stop()
            raise result.error

    _in_pool(batches, where.jobs, one, f"{what}s")


def run_notebooks(ctx: Context, plans: list[buildcache.NotebookPlan], progress: Progress | None) -> dict[str, str]:
    """Run the planned notebooks, `jobs` at a time, and cache each one's outputs. Returns name -> key.

    Each papermill run has its own kernel (a process, here or on a worker), so threads suffice to run
    them at once. The first failure stops the queue; runs already under way finish, and their results
    are cached.
    """
    if not plans:
        return {}
    say, logs_dir = _runner_setup(ctx, progress)

    def one(plan: buildcache.NotebookPlan) -> tuple[str, str, float]:
        start = time.perf_counter()
        say(f"  start  {plan.name}  ({'; '.join(plan.reasons)})")
        run_log = _fresh_log(logs_dir, plan)
        executed = ctx.executed_path(plan)
        try:
            where.run_notebook(plan.name, plan.notebook, executed, ctx.parameters, run_log)
        except BaseException:
            say(f"  failed {plan.name}  {time.perf_counter() - start:5.1f} s")
            raise
        key = _store(ctx, plan, executed, run_log)
        elapsed = time.perf_counter() - start
        say(f"  done   {plan.name}  {elapsed:5.1f} s")
        return plan.name, key, elapsed

    with _where(ctx, plans) as where:
        results = _in_pool(plans, where.jobs, one, "notebook")
    ctx.timings.update({f"notebook {name}": seconds for name, _key, seconds in results})
    return {name: key for name, key, _seconds in results}
