"""What every step of one build shares: its options, the resolved data folder (the synthetic sample,
generated once per seed), the notebooks' parameters, the library and environment digests, the runs' plans.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pcnreport.build import buildcache, month_runs, profile_runs
from pcnreport.core import errors
from pcnreport.core.hashing import FileHasher
from pcnreport.data import synth

# Every notebook in analysis/ is run with the same parameters. Each writes its numbers to
# _generated/numbers/<key>.json and its figures and tables to figures/; no two write the same file,
# so they can run at once.
ANALYSIS_DIR = "analysis"
OUTPUT_DIR = "_book"
SYNTHETIC_CACHE = ".cache/synthetic"


@dataclass(frozen=True)
class BuildOptions:
    project_dir: Path
    data_dir: Path | None = None          # None: the embedded synthetic sample
    release: str | None = None            # a label for the data release; default: the releases the notebooks read
    population_source: str = "registrations"
    renderer: str = "auto"
    seed: int = synth.SyntheticSpec().seed
    vintage: str = synth.DEFAULT_VINTAGE  # the synthetic sample's format era (YYYY-MM or `latest`)
    jobs: int | None = None               # notebooks run at once; None: one a CPU core
    force: bool = False                   # ignore the cache: run every notebook, render every page
    compare_with: str | None = None       # numbers.json (path or address) of the build to compare with;
                                          # None: the site in _book/ this build replaces
    site_url: str | None = None           # the address the site is published at; None: book.site-url
    scheduler: str | None = None          # a Dask scheduler (tcp://HOST:PORT) to run the notebooks on;
                                          # None: on this machine (build.cluster says what workers need)


def synthetic_sample_path(project_dir: Path, seed: int, vintage: str = synth.DEFAULT_VINTAGE) -> Path:
    # Keyed by the format era (`latest` resolved, so it moves on when a newer era is added) and the
    # generator's version too: a sample from an older generator lacks datasets or differs.
    era = synth.get_vintage(vintage).name
    return Path(project_dir) / SYNTHETIC_CACHE / f"seed-{seed}-{era}-v{synth.GENERATOR_VERSION}"


def synthetic_sample(project_dir: Path, seed: int, vintage: str = synth.DEFAULT_VINTAGE) -> Path:
    """The synthetic sample for `seed`, generated on first use into the project's cache.

    It is written into a temporary folder and renamed into place, so an interrupted generation
    is never mistaken for a complete sample.
    """
    target = synthetic_sample_path(project_dir, seed, vintage)
    if synth.is_synthetic(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".seed-{seed}."))
    try:
        synth.write_sample(staging, synth.SyntheticSpec(seed=seed), vintage)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_data_dir(project: Path, options: BuildOptions, generate: bool) -> Path:
    if options.data_dir is None:
        find = synthetic_sample if generate else synthetic_sample_path
        return find(project, options.seed, options.vintage)
    data_dir = Path(options.data_dir).resolve()
    if not data_dir.is_dir():
        raise errors.DataNotFoundError(f"'{data_dir}': no such data folder")
    return data_dir


@dataclass
class Context:
    """What every step of one build shares: resolved folders, parameters and digests."""

    project: Path
    options: BuildOptions
    data_dir: Path
    synthetic: bool
    label: str
    parameters: dict
    hasher: FileHasher
    library: str
    environment: str
    timings: dict[str, float] = field(default_factory=dict)
    areas: list[tuple[str, str, str]] = field(default_factory=list)  # (type, code, name) of each profile
    months: list[str] = field(default_factory=list)  # the practice mapping's months: one month run each
    memo: dict = field(default_factory=dict)  # what planning and storing runs share within this build (buildcache)

    @property
    def executed_dir(self) -> Path:
        return self.project / "_build" / "notebooks"

    @property
    def profile_notebook(self) -> Path:
        return self.project / ANALYSIS_DIR / profile_runs.NOTEBOOK

    @property
    def month_notebook(self) -> Path:
        return self.project / ANALYSIS_DIR / month_runs.NOTEBOOK

    def notebooks(self) -> list[Path]:
        """The notebooks run once each (the parameterised profile and month notebooks run once per area and
        once per month)."""
        parameterised = {profile_runs.NOTEBOOK, month_runs.NOTEBOOK}
        return sorted(nb for nb in (self.project / ANALYSIS_DIR).glob("*.ipynb") if nb.name not in parameterised)

    def executed_path(self, plan: buildcache.NotebookPlan) -> Path:
        parameters = plan.components["parameters"]
        if plan.run and plan.run.startswith(month_runs.PREFIX):
            return month_runs.executed_path(self.executed_dir, parameters["month"])
        if plan.run:
            return profile_runs.executed_path(self.executed_dir, parameters["area_type"], parameters["area_code"])
        return self.executed_dir / plan.notebook.name


def _formats(options: BuildOptions) -> str:
    # The default era's label stays as it was, so the December 2019 build does not change.
    era = synth.get_vintage(options.vintage).name
    return "" if era == synth.DEFAULT_VINTAGE else f", in the formats of {era}"


def make_context(project: Path, options: BuildOptions, data_dir: Path) -> Context:
    synthetic = synth.is_synthetic(data_dir)
    label = options.release or (f"synthetic sample, seed {options.seed}{_formats(options)}" if synthetic else "")
    hasher = FileHasher(project / buildcache.CACHE_DIR / buildcache.HASHES_FILE)
    return Context(
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


def check_data(ctx: Context) -> None:
    """Check every dataset of the data folder before any notebook runs, and stop with all their problems.

    Without it a build stops at the first notebook that meets a bad file, naming that one file; the user
    fixes it, builds again and meets the next. This is `pcnreport data validate`'s check (the same
    readers, through the table cache the notebooks use, so a file already accepted costs a lookup and a
    new one is parsed once for the check and the notebooks). Checksums are not compared: they only ever
    warn, and the build's plan hashes the files already.
    """
    from pcnreport.data.tablecache import FOLDER, TableCache
    from pcnreport.data.validate import validate_data_dir

    catalogue = buildcache.catalogue_of(ctx.parameters, ctx.memo)
    report = validate_data_dir(catalogue, ctx.data_dir, table_cache=TableCache(ctx.project / FOLDER), checksums=False)
    error = report.build_error()
    if error is not None:
        raise error
    # Small areas of two census vintages are joined through ONS's LSOA 2011 to 2021 lookup
    # (pcnreport.data.small_areas): without it the build stops here, naming it (exit 4), not in a notebook.
    from pcnreport.data.inputs import DataInputs

    DataInputs.open(ctx.project, ctx.data_dir).check_small_areas()


def plan_notebooks(ctx: Context) -> list[buildcache.NotebookPlan]:
    return [
        buildcache.plan_notebook(
            ctx.project, notebook, ctx.parameters, ctx.hasher, ctx.library, ctx.environment, ctx.options.force,
            memo=ctx.memo,
        )
        for notebook in ctx.notebooks()
    ]


def plan_months(ctx: Context) -> list[buildcache.NotebookPlan]:
    """One plan a month of the practice mapping (none when the project has no month notebook)."""
    if not ctx.month_notebook.is_file():
        return []
    ctx.months = month_runs.months_in(ctx.data_dir, ctx.parameters, ctx.memo)
    return month_runs.plan_runs(
        ctx.project, ctx.month_notebook, ctx.months, ctx.parameters, ctx.hasher, ctx.library,
        ctx.environment, ctx.options.force, memo=ctx.memo,
        lsoa_releases=month_runs.lsoa_releases_in(ctx.data_dir, ctx.parameters, ctx.memo),
    )


def plan_profiles(ctx: Context, save: bool = True) -> list[buildcache.NotebookPlan]:
    """One plan an area of the data (none when the project has no profile notebook)."""
    if not ctx.profile_notebook.is_file():
        return []
    ctx.areas = profile_runs.area_list(ctx.project, ctx.data_dir, ctx.parameters, ctx.hasher, save=save, memo=ctx.memo)
    return profile_runs.plan_runs(
        ctx.project, ctx.profile_notebook, ctx.areas, ctx.parameters, ctx.hasher, ctx.library,
        ctx.environment, ctx.options.force, memo=ctx.memo,
    )
