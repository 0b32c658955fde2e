"""The build: data -> notebook runs -> numbers and figures -> book -> published `_book/`.

Order of work, and why:
1. take the project's lock, so two builds never write the same files;
2. resolve the data folder (the synthetic sample, generated once per seed, when none is given);
3. run each analysis notebook with papermill, keeping the executed copy as provenance;
4. write `_variables.yml` and the data notice every page shows;
5. render into a fresh staging folder and only then swap it in for `_book/`, so a failure at any
   step leaves the previously published site exactly as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pcnreport import checks, errors, synth
from pcnreport.atomic import publish_directory, recover_directory, write_text_atomic
from pcnreport.figures import write_runtime
from pcnreport.numbers import collect_variables, write_variables
from pcnreport.render import RenderResult, render_book
from pcnreport.provenance import write_provenance
from pcnreport.sections import availability_metadata

# Every notebook in analysis/ is run, in file-name order, with the same parameters. Each writes its
# numbers to _generated/numbers/<key>.json and its figures and tables to figures/.
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


@dataclass
class BuildResult:
    site_index: Path
    pdf: Path
    renderer: str
    data_dir: Path
    synthetic: bool
    executed_notebooks: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


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


def synthetic_sample(project_dir: Path, seed: int) -> Path:
    """The synthetic sample for `seed`, generated on first use into the project's cache.

    It is written into a temporary folder and renamed into place, so an interrupted generation
    is never mistaken for a complete sample.
    """
    # Keyed by the generator's version too: a sample from an older generator lacks datasets or differs.
    target = Path(project_dir) / SYNTHETIC_CACHE / f"seed-{seed}-v{synth.GENERATOR_VERSION}"
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


def _user_error_from_notebook(exc: Exception, executed: Path) -> errors.PcnReportError:
    """Turn a failed cell into the user error it raised, or into an AnalysisError.

    papermill re-raises a cell's exception as PapermillExecutionError carrying the original
    class name and message; a data problem should read as a data problem, not as a traceback.
    """
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    error_class = getattr(errors, ename, None)
    where = f"\n(the executed notebook is kept at '{executed}')"
    if isinstance(error_class, type) and issubclass(error_class, errors.PcnReportError):
        error = errors.PcnReportError(f"{evalue}{where}")
        error.exit_code = error_class.exit_code
        return error
    return errors.AnalysisError(f"{executed.name} failed: {ename}: {evalue}{where}")


def _local_socket_kernel_manager(socket_dir: str):
    """A kernel manager that talks to the kernel over Unix sockets in `socket_dir`.

    The default is TCP on loopback: it opens ports and makes ipykernel warn on every run that
    the traffic is unencrypted. Sockets in a private folder need neither.
    """
    from jupyter_client.manager import AsyncKernelManager

    class LocalSocketKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = os.path.join(socket_dir, "kernel")

    return LocalSocketKernelManager


def run_notebook(notebook: Path, executed: Path, parameters: dict) -> Path:
    import papermill  # imported here: it is slow to import and only builds need it

    executed.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pcnreport-kernel-") as socket_dir:
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=parameters,
                cwd=str(notebook.parent),
                progress_bar=False,
                kernel_name="python3",
                kernel_manager_class=_local_socket_kernel_manager(socket_dir),
            )
        except papermill.PapermillExecutionError as exc:
            raise _user_error_from_notebook(exc, executed) from None
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


def build(options: BuildOptions) -> BuildResult:
    project = Path(options.project_dir).resolve()
    timings: dict[str, float] = {}
    with project_lock(project):
        recover_directory(project / OUTPUT_DIR)

        start = time.perf_counter()
        if options.data_dir is None:
            data_dir = synthetic_sample(project, options.seed)
        else:
            data_dir = Path(options.data_dir).resolve()
            if not data_dir.is_dir():
                raise errors.DataNotFoundError(f"'{data_dir}': no such data folder")
        synthetic = synth.is_synthetic(data_dir)
        # Reads only the chapters: a feature the pandoc path cannot render fails in milliseconds,
        # before any notebook runs.
        checks.check_supported_features(project)

        label = options.release or (f"synthetic sample, seed {options.seed}" if synthetic else "")
        timings["data"] = time.perf_counter() - start

        generated = project / "_generated"
        figures_dir = project / "figures"
        figures_dir.mkdir(exist_ok=True)
        start = time.perf_counter()
        write_runtime(figures_dir)
        timings["chart runtime"] = time.perf_counter() - start

        executed_dir = project / "_build" / "notebooks"
        parameters = {
            "data_dir": str(data_dir),
            "release": label,
            "population_source": options.population_source,
            "output_dir": str(project),
        }
        executed_notebooks = []
        for notebook in sorted((project / ANALYSIS_DIR).glob("*.ipynb")):
            start = time.perf_counter()
            executed = executed_dir / notebook.name
            executed_notebooks.append(run_notebook(notebook, executed, parameters))
            timings[f"notebook {notebook.stem}"] = time.perf_counter() - start

        numbers = collect_variables(generated / "numbers")
        # Sources, checksums and software versions for the "Data and methods" appendix.
        numbers["provenance"] = write_provenance(project, data_dir, numbers, options.renderer)
        release = label or releases_read(numbers)
        description = f"Data release: {release}." if synthetic else f"Built from the publishers' releases: {release}."
        write_data_notice(generated, synthetic, description)
        build_facts = {"release": release, "synthetic": synthetic, "population_source": options.population_source}
        write_text_atomic(
            generated / "availability.yml",
            "# Generated by `pcnreport build`: which sections had their data (read by when-meta).\n"
            + yaml.safe_dump(availability_metadata(numbers), sort_keys=True),
        )
        published = yaml.safe_load((project / "data" / "published.yaml").read_text(encoding="utf-8"))
        extra = {"data": build_facts, "published": published}
        # A computed number typed into the prose would go stale silently when the data change.
        checks.check_no_typed_numbers(project, {**numbers, **extra})
        write_variables(project / "_variables.yml", {**numbers, **extra})
        write_text_atomic(generated / "build.json", json.dumps({**build_facts, "data_dir": str(data_dir)}, indent=1))

        start = time.perf_counter()
        staging_root = project / "_build"
        staging_root.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=staging_root, prefix="site."))
        try:
            rendered: RenderResult = render_book(project, staging, renderer=options.renderer)
            for required in (rendered.site_index, rendered.pdf):
                if not required.is_file():
                    raise errors.RenderError(f"the renderer did not write '{required.relative_to(staging)}'")
            # The executed notebooks are the provenance of every number: publish them with the site.
            (staging / "notebooks").mkdir()
            for executed in executed_notebooks:
                shutil.copy2(executed, staging / "notebooks" / executed.name)
            # Every internal link and anchor of the new site must resolve before it replaces the old.
            checks.check_site_links(staging)
            timings["render"] = time.perf_counter() - start
            publish_directory(staging, project / OUTPUT_DIR)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

        output = project / OUTPUT_DIR
        return BuildResult(
            site_index=output / rendered.site_index.relative_to(staging),
            pdf=output / rendered.pdf.relative_to(staging),
            renderer=rendered.renderer,
            data_dir=data_dir,
            synthetic=synthetic,
            executed_notebooks=executed_notebooks,
            timings=timings,
        )
