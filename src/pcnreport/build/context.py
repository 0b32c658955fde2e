"""What every step of one build shares: its options, the resolved data folder (the synthetic sample,
generated once per seed), the notebooks' parameters, the library and environment digests, the runs' plans.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pcnreport.build import buildcache, profile_runs
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
    jobs: int | None = None               # notebooks run at once; None: one a CPU core
    force: bool = False                   # ignore the cache: run every notebook, render every page
    compare_with: str | None = None       # numbers.json (path or address) of the build to compare with;
                                          # None: the site in _book/ this build replaces


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


def resolve_data_dir(project: Path, options: BuildOptions, generate: bool) -> Path:
    if options.data_dir is None:
        return synthetic_sample(project, options.seed) if generate else synthetic_sample_path(project, options.seed)
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


def make_context(project: Path, options: BuildOptions, data_dir: Path) -> Context:
    synthetic = synth.is_synthetic(data_dir)
    label = options.release or (f"synthetic sample, seed {options.seed}" if synthetic else "")
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


def plan_notebooks(ctx: Context) -> list[buildcache.NotebookPlan]:
    return [
        buildcache.plan_notebook(
            ctx.project, notebook, ctx.parameters, ctx.hasher, ctx.library, ctx.environment, ctx.options.force,
            memo=ctx.memo,
        )
        for notebook in ctx.notebooks()
    ]


def plan_profiles(ctx: Context, save: bool = True) -> list[buildcache.NotebookPlan]:
    """One plan an area of the data (none when the project has no profile notebook)."""
    if not ctx.profile_notebook.is_file():
        return []
    ctx.areas = profile_runs.area_list(ctx.project, ctx.data_dir, ctx.parameters, ctx.hasher, save=save, memo=ctx.memo)
    return profile_runs.plan_runs(
        ctx.project, ctx.profile_notebook, ctx.areas, ctx.parameters, ctx.hasher, ctx.library,
        ctx.environment, ctx.options.force, memo=ctx.memo,
    )
