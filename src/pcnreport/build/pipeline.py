"""The build: data -> notebook runs -> numbers and figures -> book -> published `_book/`.

Order of work, and why:
1. take the project's lock, so two builds never write the same files;
2. resolve the data folder (the synthetic sample, generated once per seed, when none is given);
3. plan: key each notebook run by what it reads (`buildcache`); an unchanged run is skipped and its
   outputs restored from `_build/cache/`, the others run with papermill, in parallel (`jobs`), each
   keeping its executed copy as provenance;
4. then plan and run the area profiles (one run an area, on reused kernels): each reads its area's
   numbers, which a step-3 notebook writes, so its key (those numbers' bytes) is known only now;
5. write `_variables.yml` and the data notice every page shows (skipped when no run changed);
6. render into a fresh staging folder and only then swap it in for `_book/`, so a failure at any
   step leaves the previously published site exactly as it was (skipped when no source changed).

Heavy modules (pandas, altair, papermill, the renderers) are imported only by the steps that run, so
a build with nothing to do takes a fraction of a second.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pcnreport.build import buildcache, profile_runs
from pcnreport.core import errors, runlog
from pcnreport.data import synth
from pcnreport.core.atomic import publish_directory, recover_directory, write_text_atomic

# Every notebook in analysis/ is run with the same parameters. Each writes its numbers to
# _generated/numbers/<key>.json and its figures and tables to figures/; no two write the same file,
# so they can run at once.
ANALYSIS_DIR = "analysis"
OUTPUT_DIR = "_book"
SYNTHETIC_CACHE = ".cache/synthetic"
BUILD_KEY_FILE = ".build-key.json"  # in _book/: the render step's key, published with the site it describes

# What the render step reads besides the library: the book's sources and what the notebooks wrote.
RENDER_ROOT_SUFFIXES = (".qmd", ".yml", ".yaml", ".bib", ".css", ".csl", ".scss", ".lua", ".typ", ".html")
RENDER_FOLDERS = ("chapters", "profiles", "_generated", "figures", "_build/notebooks")


@dataclass(frozen=True)
class BuildOptions:
    project_dir: Path
    data_dir: Path | None = None          # None: the embedded synthetic sample
    release: str | None = None            # a label for the data release; default: the releases the notebooks read
    population_source: str = "registrations"
    renderer: str = "auto"
    seed: int = synth.SyntheticSpec().seed
    jobs: int | None = None               # notebooks run at once; None: one a CPU core
    force: bool = False                   # ignore the cache: run every notebook, render every page
    compare_with: str | None = None       # numbers.json (path or address) of the build to compare with;
                                          # None: the site in _book/ this build replaces


@dataclass
class BuildResult:
    site_index: Path
    pdf: Path
    renderer: str
    data_dir: Path
    synthetic: bool
    executed_notebooks: list[Path] = field(default_factory=list)  # one a notebook of analysis/ run once
    profile_notebooks: list[Path] = field(default_factory=list)   # one an area: analysis/profile.ipynb's runs
    timings: dict[str, float] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)       # runs executed this time (notebook, or profile.<area>)
    skipped: list[str] = field(default_factory=list)   # runs restored from the cache
    rendered: bool = True                               # False: sources unchanged, _book/ kept as it was


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


def synthetic_sample_path(project_dir: Path, seed: int) -> Path:
    # Keyed by the generator's version too: a sample from an older generator lacks datasets or differs.
    return Path(project_dir) / SYNTHETIC_CACHE / f"seed-{seed}-v{synth.GENERATOR_VERSION}"


def synthetic_sample(project_dir: Path, seed: int) -> Path:
    """The synthetic sample for `seed`, generated on first use into the project's cache.

    It is written into a temporary folder and renamed into place, so an interrupted generation
    is never mistaken for a complete sample.
    """
    target = synthetic_sample_path(project_dir, seed)
    if synth.is_synthetic(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".seed-{seed}."))
    try:
        synth.write_sample(staging, synth.SyntheticSpec(seed=seed))
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


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


def releases_read(numbers: dict) -> str:
    """'epcn 2019-12, registrations 2021-01': every dataset release the notebooks report reading."""
    releases: dict[str, str] = {}
    for section in numbers.values():
        releases.update(section.get("releases", {}))
    return ", ".join(f"{dataset} {release}" for dataset, release in sorted(releases.items()))


def write_data_notice(generated: Path, synthetic: bool, description: str) -> None:
    """The notice every page carries: the HTML banner and a header on every PDF page."""
    if synthetic:
        headline = "Synthetic data"
        detail = (
            "This report was built from a synthetic sample, not from NHS data: every number, "
            "table and chart illustrates the method only. " + description
        )
        css_class = "data-notice data-notice-synthetic"
    else:
        headline = "Data"
        detail = description
        css_class = "data-notice"
    import html

    write_text_atomic(
        generated / "data-notice.html",
        f'<aside class="{css_class}" role="note" aria-label="About the data">'
        f"<strong>{html.escape(headline)}.</strong> {html.escape(detail)}</aside>\n",
    )
    typst_text = f"{headline}. {detail}".replace("\\", "\\\\").replace('"', '\\"')
    header = f'#set page(header: align(center, text(size: 8pt, fill: rgb("#8a4b00"), "{typst_text}")))\n'
    write_text_atomic(generated / "data-notice.typ", header if synthetic else "")


@dataclass
class _Context:
    """What every step of one build shares: resolved folders, parameters and digests."""

    project: Path
    options: BuildOptions
    data_dir: Path
    synthetic: bool
    label: str
    parameters: dict
    hasher: buildcache.FileHasher
    library: str
    environment: str
    timings: dict[str, float] = field(default_factory=dict)
    areas: list[tuple[str, str, str]] = field(default_factory=list)  # (type, code, name) of each profile
    memo: dict = field(default_factory=dict)  # what planning and storing runs share within this build (buildcache)

    @property
    def executed_dir(self) -> Path:
        return self.project / "_build" / "notebooks"

    @property
    def profile_notebook(self) -> Path:
        return self.project / ANALYSIS_DIR / profile_runs.NOTEBOOK

    def notebooks(self) -> list[Path]:
        """The notebooks run once each (the parameterised profile notebook runs once per area)."""
        return sorted(nb for nb in (self.project / ANALYSIS_DIR).glob("*.ipynb") if nb.name != profile_runs.NOTEBOOK)

    def executed_path(self, plan: buildcache.NotebookPlan) -> Path:
        if plan.run:
            parameters = plan.components["parameters"]
            return profile_runs.executed_path(self.executed_dir, parameters["area_type"], parameters["area_code"])
        return self.executed_dir / plan.notebook.name


def _context(project: Path, options: BuildOptions, data_dir: Path) -> _Context:
    synthetic = synth.is_synthetic(data_dir)
    label = options.release or (f"synthetic sample, seed {options.seed}" if synthetic else "")
    hasher = buildcache.FileHasher(project / buildcache.CACHE_DIR / buildcache.HASHES_FILE)
    return _Context(
        project=project,
        options=options,
        data_dir=data_dir,
        synthetic=synthetic,
        label=label,
        parameters={
            "data_dir": str(data_dir),
            "release": label,
            "population_source": options.population_source,
            "output_dir": str(project),
        },
        hasher=hasher,
        library=buildcache.library_digest(hasher),
        environment=buildcache.environment_digest(project, hasher),
    )


def _plan_notebooks(ctx: _Context) -> list[buildcache.NotebookPlan]:
    return [
        buildcache.plan_notebook(
            ctx.project, notebook, ctx.parameters, ctx.hasher, ctx.library, ctx.environment, ctx.options.force,
            memo=ctx.memo,
        )
        for notebook in ctx.notebooks()
    ]


def _plan_profiles(ctx: _Context, save: bool = True) -> list[buildcache.NotebookPlan]:
    """One plan an area of the data (none when the project has no profile notebook)."""
    if not ctx.profile_notebook.is_file():
        return []
    ctx.areas = profile_runs.area_list(ctx.project, ctx.data_dir, ctx.parameters, ctx.hasher, save=save, memo=ctx.memo)
    return profile_runs.plan_runs(
        ctx.project, ctx.profile_notebook, ctx.areas, ctx.parameters, ctx.hasher, ctx.library,
        ctx.environment, ctx.options.force, memo=ctx.memo,
    )


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


def _profile_steps(plans: list[buildcache.NotebookPlan], pending: list[str] = ()) -> list[StepPlan]:
    """--explain's lines for the profile runs: one a run that runs, one line for all those skipped.

    `pending`: notebooks that run first and write the areas' files, so whether the other profiles run
    is known only once they have (each runs if its file's bytes change)."""
    if not plans:
        return []
    running = [plan for plan in plans if plan.runs]
    steps = [StepPlan(f"notebook {plan.name}", plan.reasons) for plan in running]
    summary = f"notebook profile x {len(plans)}"
    skipped = len(plans) - len(running)
    if pending:
        reason = (f"{len(running)} run; the other {skipped} are decided after {', '.join(pending)} "
                  "rewrites the areas' numbers (a profile runs if its area's file changes)")
        steps.append(StepPlan(summary, [reason]))
    else:
        steps.append(StepPlan(summary, [f"{len(running)} run, {skipped} skip"] if running else []))
    return steps


def _variables_components(ctx: _Context, keys: dict[str, str]) -> dict:
    """The variables step reads the notebooks' outputs (named by their keys), the options and data/."""
    return {
        "notebooks": keys,
        "parameters": {**ctx.parameters, "renderer": ctx.options.renderer, "synthetic": ctx.synthetic},
        "library": ctx.library,
        "environment": ctx.environment,
        "project": buildcache.tree_hashes(ctx.project, "data", ctx.hasher),
    }


def _variables_outputs(project: Path) -> list[Path]:
    generated = project / "_generated"
    return [
        project / "_variables.yml", project / "figures" / "pcn-charts.js", generated / "availability.yml",
        generated / "data-notice.html", generated / "data-notice.typ", generated / "build.json",
        project / "profiles" / "index.qmd", generated / "profiles.yml",
    ]


def _render_components(ctx: _Context) -> dict:
    from pcnreport.render import choose_renderer

    files = {}
    for path in sorted(ctx.project.iterdir()):
        if path.is_file() and path.suffix in RENDER_ROOT_SUFFIXES and not path.name.startswith("."):
            files[path.name] = ctx.hasher(path)
    for folder in RENDER_FOLDERS:
        files.update(buildcache.tree_hashes(ctx.project, folder, ctx.hasher))
    package = buildcache.PACKAGE_DIR
    return {
        "files": files,
        "render package": buildcache.sha256_json(buildcache.tree_hashes(package.parent, f"{package.name}/render", ctx.hasher)),
        "library": ctx.library,
        "environment": ctx.environment,
        "renderer": choose_renderer(ctx.options.renderer),
    }


def _published_key(project: Path) -> dict | None:
    path = project / OUTPUT_DIR / BUILD_KEY_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _render_reasons(ctx: _Context, components: dict) -> list[str]:
    record = _published_key(ctx.project)
    outputs = []
    if record:
        outputs = [ctx.project / OUTPUT_DIR / record.get("site_index", ""), ctx.project / OUTPUT_DIR / record.get("pdf", "")]
    if record is not None and not (ctx.project / OUTPUT_DIR).is_dir():
        record = None
    return buildcache.step_reasons(record, components, outputs, ctx.options.force)


def _resolve_data_dir(project: Path, options: BuildOptions, generate: bool) -> Path:
    if options.data_dir is None:
        return synthetic_sample(project, options.seed) if generate else synthetic_sample_path(project, options.seed)
    data_dir = Path(options.data_dir).resolve()
    if not data_dir.is_dir():
        raise errors.DataNotFoundError(f"'{data_dir}': no such data folder")
    return data_dir


def explain(options: BuildOptions) -> list[StepPlan]:
    """What `build(options)` would do and why, without running, writing or generating anything."""
    project = Path(options.project_dir).resolve()
    data_dir = _resolve_data_dir(project, options, generate=False)
    if options.data_dir is None and not synth.is_synthetic(data_dir):
        steps = [StepPlan(f"notebook {nb.stem}", ["the synthetic sample is not generated yet"])
                 for nb in sorted((project / ANALYSIS_DIR).glob("*.ipynb"))]
        return steps + [StepPlan("variables", ["notebooks run"]), StepPlan("render", ["notebooks run"])]
    ctx = _context(project, options, data_dir)
    profile_plans = _plan_profiles(ctx, save=False)
    plans = _plan_notebooks(ctx)
    pending = _producers_running(project, plans, profile_plans)
    steps = [StepPlan(f"notebook {plan.name}", plan.reasons) for plan in plans] + _profile_steps(profile_plans, pending)
    plans += profile_plans
    running = [plan.name for plan in plans if plan.runs]
    if running:
        because = [f"the outputs of {len(running)} notebook run(s) may change"]
        steps.append(StepPlan("variables", because))
        steps.append(StepPlan("render", because))
        return steps
    keys = {plan.name: plan.key for plan in plans}
    components = _variables_components(ctx, keys)
    steps.append(StepPlan("variables", buildcache.step_reasons(
        buildcache.step_record(project, "variables"), components, _variables_outputs(project), options.force
    )))
    if steps[-1].reasons:
        steps.append(StepPlan("render", ["the variables step runs"]))
    else:
        steps.append(StepPlan("render", _render_reasons(ctx, _render_components(ctx))))
    return steps


Progress = Callable[[str], None]


def _restore_unchanged(ctx: _Context, plans: list[buildcache.NotebookPlan]) -> dict[str, str]:
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


def _store(ctx: _Context, plan: buildcache.NotebookPlan, executed: Path, run_log: Path) -> str:
    """Cache a finished run under the key of what it read; returns the key."""
    reads, writes, generated = runlog.load_all(run_log)
    return buildcache.store_run(
        ctx.project, plan.notebook, executed, plan.components["parameters"], reads, writes, ctx.hasher,
        ctx.library, ctx.environment, run=plan.run, memo=ctx.memo, generated=generated,
    )


def _runner_setup(ctx: _Context, plans: list, progress: Progress | None) -> tuple[Progress, int, Path]:
    """What both runners need: the progress callback, kernels at once (`--jobs`, at most one a run) and
    the folder of the runs' logs."""
    jobs = max(1, min(ctx.options.jobs or os.cpu_count() or 1, len(plans)))
    logs_dir = ctx.project / buildcache.CACHE_DIR / "logs"
    logs_dir.mkdir(parents=True, exist_ok=True)
    return progress or (lambda line: None), jobs, logs_dir


def _run_profiles(ctx: _Context, plans: list[buildcache.NotebookPlan], progress: Progress | None) -> dict[str, str]:
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


def _run_notebooks(ctx: _Context, plans: list[buildcache.NotebookPlan], progress: Progress | None) -> dict[str, str]:
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


def _write_variables(ctx: _Context) -> None:
    """Merge the numbers, write provenance, the data notice, availability and _variables.yml."""
    import yaml

    from pcnreport.report import changes
    from pcnreport.report.figures import write_runtime
    from pcnreport.report.numbers import collect_variables, write_variables
    from pcnreport.render import choose_renderer
    from pcnreport.report.provenance import write_provenance
    from pcnreport.report.outputs import availability_metadata

    project, options = ctx.project, ctx.options
    generated = project / "_generated"
    write_runtime(project / "figures")
    numbers = collect_variables(generated / "numbers")
    # Sources, checksums and software versions for the "Data and methods" appendix.
    numbers["provenance"] = write_provenance(project, ctx.data_dir, numbers, choose_renderer(options.renderer))
    release = ctx.label or releases_read(numbers)
    description = f"Data release: {release}." if ctx.synthetic else f"Built from the publishers' releases: {release}."
    write_data_notice(generated, ctx.synthetic, description)
    build_facts = {"release": release, "synthetic": ctx.synthetic, "population_source": options.population_source}
    published = yaml.safe_load((project / "data" / "published.yaml").read_text(encoding="utf-8"))
    extra = {"data": build_facts, "published": published}
    # The "What changed" appendix: these numbers against those of the build being replaced.
    previous = changes.load_previous(options.compare_with or project / OUTPUT_DIR / changes.PUBLISHED_NUMBERS)
    numbers[changes.SECTION] = changes.write_section(project, previous, {**numbers, **extra})
    write_text_atomic(
        generated / "availability.yml",
        "# Generated by `pcnreport build`: which sections had their data (read by when-meta).\n"
        + yaml.safe_dump(availability_metadata(numbers), sort_keys=True),
    )
    write_variables(project / "_variables.yml", {**numbers, **extra})
    _write_profiles_index(ctx)
    write_text_atomic(generated / "build.json", json.dumps({**build_facts, "data_dir": str(ctx.data_dir)}, indent=1))


def _write_profiles_index(ctx: _Context) -> None:
    """The profiles' index page and the book's metadata listing the regional profiles; stale files removed."""
    from pcnreport.report import profile_pages
    from pcnreport.analysis.profiles import Area

    areas = [Area(*area) for area in ctx.areas]
    profile_pages.remove_stale(ctx.project, areas)
    if areas:
        profile_pages.write_index(ctx.project, areas)


def _render_and_publish(ctx: _Context, components: dict) -> tuple[Path, Path, str]:
    """Render into staging, check it, publish it atomically. Returns (site index, PDF, renderer) in _book/."""
    import yaml

    from pcnreport.report import changes
    from pcnreport.build import checks
    from pcnreport.render import render_book

    project = ctx.project
    # A computed number typed into the prose would go stale silently when the data change.
    variables = yaml.safe_load((project / "_variables.yml").read_text(encoding="utf-8"))
    checks.check_no_typed_numbers(project, variables)
    staging_root = project / "_build"
    staging_root.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=staging_root, prefix="site."))
    try:
        # Pages whose pandoc input is unchanged come from _build/cache/render (a chapter's edit
        # re-converts that chapter, not the 150 pages around it).
        # --force converts every page again but still keeps the answers for the next build.
        rendered = render_book(project, staging, renderer=ctx.options.renderer,
                               cache_dir=project / buildcache.CACHE_DIR / "render", refresh=ctx.options.force)
        for required in (rendered.site_index, rendered.pdf):
            if not required.is_file():
                raise errors.RenderError(f"the renderer did not write '{required.relative_to(staging)}'")
        # The executed notebooks are the provenance of every number: publish them with the site.
        (staging / "notebooks").mkdir()
        for notebook in ctx.notebooks():
            shutil.copy2(ctx.executed_dir / notebook.name, staging / "notebooks" / notebook.name)
        if ctx.areas:
            (staging / "notebooks" / profile_runs.EXECUTED_SUBDIR).mkdir()
        for area_type, code, _name in ctx.areas:
            executed = profile_runs.executed_path(ctx.executed_dir, area_type, code)
            shutil.copy2(executed, staging / "notebooks" / profile_runs.EXECUTED_SUBDIR / executed.name)
        # Every internal link and anchor of the new site must resolve before it replaces the old.
        checks.check_site_links(staging)
        # The numbers the next build compares itself with (its "What changed" appendix).
        changes.write_published_numbers(staging, variables)
        site_index = rendered.site_index.relative_to(staging).as_posix()
        pdf = rendered.pdf.relative_to(staging).as_posix()
        # The key travels inside the site it describes: swapped in by the same rename, never out of step.
        (staging / BUILD_KEY_FILE).write_text(json.dumps({
            "key": buildcache.sha256_json(components), "components": components,
            "site_index": site_index, "pdf": pdf, "renderer": rendered.renderer,
        }, indent=1, sort_keys=True), encoding="utf-8")
        publish_directory(staging, project / OUTPUT_DIR)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return project / OUTPUT_DIR / site_index, project / OUTPUT_DIR / pdf, rendered.renderer


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build the report, skipping every step whose inputs are unchanged. `progress` gets one line an event."""
    from pcnreport.build import checks

    project = Path(options.project_dir).resolve()
    timings: dict[str, float] = {}
    with project_lock(project):
        recover_directory(project / OUTPUT_DIR)
        if options.data_dir is not None:
            _resolve_data_dir(project, options, generate=False)  # a mistyped --data-dir is reported first
        # Reads only the chapters: a feature the pandoc path cannot render fails in milliseconds,
        # before any notebook runs.
        checks.check_supported_features(project)

        start = time.perf_counter()
        data_dir = _resolve_data_dir(project, options, generate=True)
        ctx = _context(project, options, data_dir)
        ctx.timings = timings
        plans = _plan_notebooks(ctx)
        timings["data and plan"] = time.perf_counter() - start
        (project / "figures").mkdir(exist_ok=True)
        try:
            keys = _restore_unchanged(ctx, plans)
            keys.update(_run_notebooks(ctx, [plan for plan in plans if plan.runs], progress))
            # Planned only now: each profile run reads its area's file, which a notebook above
            # (profile-areas) has just written or restored, and is keyed by that file's bytes.
            start = time.perf_counter()
            profile_plans = _plan_profiles(ctx)
            profile_runs.remove_stale_records(project, ctx.executed_dir, ctx.areas)
            keys.update(_restore_unchanged(ctx, profile_plans))
            timings["plan profiles"] = time.perf_counter() - start
            keys.update(_run_profiles(ctx, [plan for plan in profile_plans if plan.runs], progress))
            plans = plans + profile_plans
            keys = {plan.name: keys[plan.name] for plan in plans}

            components = _variables_components(ctx, keys)
            record = buildcache.step_record(project, "variables")
            if buildcache.step_reasons(record, components, _variables_outputs(project), options.force):
                start = time.perf_counter()
                _write_variables(ctx)
                buildcache.write_step_record(project, "variables", components)
                timings["variables"] = time.perf_counter() - start

            render_components = _render_components(ctx)
            reasons = _render_reasons(ctx, render_components)
            if reasons:
                start = time.perf_counter()
                if progress:
                    progress(f"  render ({said(reasons)})")
                site_index, pdf, renderer = _render_and_publish(ctx, render_components)
                timings["render"] = time.perf_counter() - start
            else:
                published = _published_key(project)
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
            profile_notebooks=[ctx.executed_path(plan) for plan in plans if plan.run],
            timings=timings,
            ran=[plan.name for plan in plans if plan.runs],
            skipped=[plan.name for plan in plans if not plan.runs],
            rendered=bool(reasons),
        )
