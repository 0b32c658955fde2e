"""How long `pcnreport build` takes, and how much memory, on the synthetic national sample.

    python benchmarks/build_benchmark.py [--jobs N] [--keep DIR]
    python benchmarks/build_benchmark.py --cluster   # builds on a local Dask cluster of 1, then 2 workers
    python benchmarks/build_benchmark.py --months    # what one more month of the practice mapping costs
    python benchmarks/build_benchmark.py --lsoa      # a build over five years of quarterly registrations by LSOA

In a temporary copy of the project (the sources only, as the functional tests copy them) it times:

- the cold build (nothing cached; the synthetic sample is generated first and timed on its own);
- a no-op rebuild;
- a rebuild after one data file changes (one QOF register count in PREVALENCE_1718.csv, + 1): the
  notebooks that read it run again, and each area profile whose numbers that moves (`area_records`);
- a rebuild after one chapter's text changes;
- all area profiles: the profile notebook changed, so its 142 runs (one an NHS region and CCG) run
  again, on `--jobs` reused kernels, and nothing else does;

each incremental, and again with `--force` and the table cache emptied (the naive baseline: every
notebook re-executed, every dataset parsed, every page re-rendered). For the profiles the naive baseline
is a fresh kernel a run with nothing shared between runs (papermill, as the other notebooks run): it is
measured on `--naive-profiles` areas (default 4) and scaled to all of them, since running all 142 that
way takes over half an hour. Then the unavoidable parts of a build: reading every dataset once with its
reader, the notebooks' computations in one process (no kernels, no table cache; the profile notebook
once per area, since every profile page is work a build must do), and one pandoc + Typst render; with
Quarto on PATH (or `--quarto LAUNCHER`), one Quarto render of the same sources too, and the ratio. Every measurement runs in a fresh process; peak memory is the largest resident set of that
process or any process it started and waited for (a notebook's kernel), from getrusage.

With `--cluster` it times only cold builds with `--scheduler` (`pcnreport.build.cluster`): on a Dask
LocalCluster on loopback of 1 worker, then of 2 (one thread each, one process each), each in a fresh copy
of the project with nothing cached but the synthetic sample. It prints the wall time, the build process's
peak memory, and each worker's: its own largest resident set and its kernels', collected from the workers
(client.run) after the build, since the build process's getrusage does not see them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("_quarto.yml", "_typst", "styles.css", "index.qmd", "references.qmd", "references.bib", "chapters", "analysis", "data")

# Run in a child process: do the work, then report wall time and the peak RSS of itself and its children.
_RUNNER = r"""
import json, resource, sys, time
start = time.perf_counter()
exec(compile(sys.argv[1], "<work>", "exec"))
wall = time.perf_counter() - start
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("BENCHMARK " + json.dumps({"wall": wall, "rss_kib": rss, **globals().get("extra", {})}))
"""


def measure(code: str, project: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, code], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"benchmark step failed:\n{code}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    line = next(text for text in done.stdout.splitlines() if text.startswith("BENCHMARK "))
    result = json.loads(line[len("BENCHMARK "):])
    result["process"] = elapsed  # the whole process, interpreter start-up and imports included
    return result


def build_code(project: Path, jobs: int | None, force: bool, scheduler: str | None = None,
               data_dir: Path | None = None) -> str:  # fmt: skip
    data = f"Path({str(data_dir)!r})" if data_dir else "None"
    return (
        "from pathlib import Path\n"
        "from pcnreport.build.pipeline import BuildOptions, build\n"
        f"r = build(BuildOptions(project_dir={str(project)!r}, jobs={jobs}, force={force}, scheduler={scheduler!r}, "
        f"data_dir={data}))\n"
        "extra = {'ran': len(r.ran), 'rendered': r.rendered, 'profiles': r.timings.get('profiles', 0.0),\n"
        "         'profile_runs': sum(name.startswith('profile.') for name in r.ran), 'names': r.ran,\n"
        "         'timings': r.timings}\n"
    )


def new_month(work: Path, project: Path, sample: Path, jobs: int, row) -> None:
    """What one more month of the registrations' practice mapping costs: a copy of the sample without its
    latest month is built cold, then the month is put back and the project rebuilt. The copy has no
    SYNTHETIC.json, so the build reads it as a data folder (it would otherwise write the month back)."""
    data = work / "months-data"
    shutil.copytree(next(sample.glob("seed-*")), data, ignore=shutil.ignore_patterns("SYNTHETIC.json"))
    latest = sorted((data / "registrations-map").iterdir())[-1]
    held = work / "held-month"
    shutil.move(latest, held)
    months = len(list((data / "registrations-map").iterdir()))
    cold = measure(build_code(project, jobs, False, data_dir=data), project)
    row(f"cold build, {months} months", cold, f"{cold['ran']} runs")
    shutil.move(held, latest)
    again = measure(build_code(project, jobs, False, data_dir=data), project)
    notebooks = {k.removeprefix("notebook "): round(v, 1) for k, v in again["timings"].items() if k.startswith("notebook ")}
    row(f"one month more ({latest.name})", again, f"{again['ran']} runs {notebooks}, render "
                                                  f"{again['timings'].get('render', 0.0):.1f} s")


MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def lsoa_quarters(template: Path, data: Path, quarters: list[str]) -> None:
    """One registrations-by-LSOA release a quarter, national-sized, consistent with the sample: each is the
    sample's own January 2020 file (868,000 rows, its practices and LSOAs) stamped with the quarter's
    extract date, and every seventh count raised by the quarter's number so that no two releases share
    bytes (the columnar store keys Parquet files by content). The LSOA codes stay 2011's throughout."""
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    for k, quarter in enumerate(quarters, start=1):
        stamp = f"01{MONTH_NAMES[int(quarter[5:7]) - 1]}{quarter[:4]}"
        out = [lines[0]]
        for i, line in enumerate(lines[1:]):
            head, _, patients = line.rstrip("\r\n").rpartition(",")
            fields = head.split(",", 2)
            fields[1] = stamp
            out.append(",".join(fields) + "," + str(int(patients) + (k if i % 7 == 0 else 0)) + "\n")
        folder = data / "registrations-lsoa" / quarter
        folder.mkdir(parents=True, exist_ok=True)
        (folder / template.name).write_text("".join(out), encoding="utf-8")


def lsoa_history(work: Path, project: Path, sample: Path, jobs: int, row, releases: int = 20) -> None:
    """A build reading five years of quarterly registrations by LSOA (`releases` files of about 868,000 rows),
    cold, then with one quarter more. Each release is converted once to Parquet and its footprints computed
    by the month run standing for it (`month_runs.lsoa_assignment`), so memory is one release's at a time;
    peak memory is the largest of the build process and any kernel."""
    data = work / "lsoa-data"
    shutil.copytree(next(sample.glob("seed-*")), data, ignore=shutil.ignore_patterns("SYNTHETIC.json"))
    template = next((data / "registrations-lsoa").glob("*/gp-reg-pat-prac-lsoa-all.csv"))
    quarters = [f"{2020 + (3 * i) // 12}-{(3 * i) % 12 + 1:02d}" for i in range(1, releases + 1)]  # 2020-04 on
    start = time.perf_counter()
    lsoa_quarters(template, data, quarters[:-1])
    print(f"  wrote {releases - 1} more LSOA releases ({quarters[0]} to {quarters[-2]}) in "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    cold = measure(build_code(project, jobs, False, data_dir=data), project)
    row(f"cold build, {releases} LSOA releases", cold, f"{cold['ran']} runs, months {cold['timings'].get('months', 0):.1f} s")
    lsoa_quarters(template, data, quarters[-1:])
    again = measure(build_code(project, jobs, False, data_dir=data), project)
    others = sorted(name for name in again["names"] if not name.startswith("profile."))
    row(f"one LSOA release more ({quarters[-1]})", again,
        f"{again['ran']} runs: {again['profile_runs']} profiles and {', '.join(others)}")


def change_data(project: Path, step: int) -> None:
    """One QOF register count + step: a valid file with one value changed."""
    path = next((project / ".cache" / "synthetic").glob("*/qof/2017-18/PREVALENCE_1718.csv"))
    lines = path.read_text().splitlines()
    fields = lines[1].split(",")
    fields[2] = str(int(fields[2]) + step)
    lines[1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")


def change_profile_notebook(project: Path, step: int) -> None:
    """Edit the profile notebook's first (markdown) cell: every profile run's key changes."""
    path = project / "analysis" / "profile.ipynb"
    notebook = json.loads(path.read_text())
    notebook["cells"][0]["source"].append(f"\n\n(Benchmark edit {step}.)")
    path.write_text(json.dumps(notebook, indent=1))


def change_chapter(project: Path, step: int) -> None:
    path = project / "chapters" / "07-conclusions.qmd"
    path.write_text(path.read_text() + f"\nA sentence added by the benchmark ({'one' if step == 1 else 'two'}).\n")


READ_CODE = """
from pathlib import Path
from pcnreport.data import readers
from pcnreport.data.catalogue import load_catalogue, locate
import pcnreport.build.context as p, time
catalogue = load_catalogue(Path("data/catalogue.yaml"))
data_dir = p.synthetic_sample_path(Path("."), p.synth.SyntheticSpec().seed)
t = time.perf_counter()
for name, dataset in catalogue.datasets.items():
    try:
        found = locate(data_dir, dataset)
    except Exception:
        continue
    getattr(readers, dataset.reader)(found.path)
extra = {"inner": time.perf_counter() - t}
"""

# Every notebook's code cells in this one process, each dataset read once (shared across notebooks):
# the computing a build cannot avoid, without kernel start-up or repeated reads.
COMPUTE_CODE = """
import json, time
from pathlib import Path
import pcnreport.build.context as p
from pcnreport.data.inputs import DataInputs
data_dir = p.synthetic_sample_path(Path("."), p.synth.SyntheticSpec().seed)
tables = {}
original = DataInputs.read
def shared_read(self, name):
    if name not in tables:
        self.table_cache = None  # a cold build parses each dataset once: no table cache here
        tables[name] = original(self, name)
    self.found.setdefault(name, self.locate(name))
    return tables[name]
DataInputs.read = shared_read
# The profile notebook once per area (the list the cold build cached): every page is work a build must do.
areas = [tuple(a[:2]) for a in json.loads(Path("_build/cache/areas.json").read_text())["areas"]]
t = time.perf_counter()
for notebook in sorted(Path("analysis").glob("*.ipynb")):
    cells = json.loads(notebook.read_text())["cells"]
    for area_type, area_code in (areas if notebook.name == "profile.ipynb" else [(None, None)]):
        namespace = {}
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            exec("".join(cell["source"]), namespace)
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                namespace.update(data_dir=str(data_dir), release="", population_source="registrations",
                                 output_dir=str(Path(".").resolve()))
                if area_type:
                    namespace.update(area_type=area_type, area_code=area_code)
extra = {"inner": time.perf_counter() - t}
"""

# One render of the built project's sources, with no render cache: RENDERER is "pandoc+typst" or "quarto".
RENDER_CODE = """
import tempfile, time
from pathlib import Path
from pcnreport.render import render_book
t = time.perf_counter()
with tempfile.TemporaryDirectory() as out:
    result = render_book(Path("."), Path(out), renderer="RENDERER")
extra = {"inner": time.perf_counter() - t, "pages": len(result.pages), "warnings": len(result.warnings)}
"""

# An empty notebook with a parameters cell, in a temporary folder `d` (the kernel measurements' start).
EMPTY_NOTEBOOK = """
import atexit, shutil, tempfile, time
from pathlib import Path
import nbformat
nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
                                        "language_info": {"name": "python"}})
nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
d = tempfile.mkdtemp()
atexit.register(shutil.rmtree, d, True)
src = Path(d) / "empty.ipynb"
nbformat.write(nb, src)
"""

KERNEL_CODE = EMPTY_NOTEBOOK + """
from pcnreport.build.runs import run_notebook
t = time.perf_counter()
run_notebook(src, Path(d) / "out.ipynb", {"x": 2})
extra = {"inner": time.perf_counter() - t}
"""


# Profile runs as papermill runs them: a fresh kernel each, sharing nothing (the naive baseline).
NAIVE_PROFILES_CODE = """
import json, shutil, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import pcnreport.build.context as p
from pcnreport.build.runs import run_notebook
areas = json.loads(Path("_build/cache/areas.json").read_text())["areas"]
sample = areas[:: max(1, len(areas) // COUNT)][:COUNT]
data_dir = p.synthetic_sample_path(Path(".").resolve(), p.synth.SyntheticSpec().seed)
with tempfile.TemporaryDirectory() as out:
    shutil.copytree("data", Path(out) / "data")  # the catalogue; outputs go to the copy, not the project
    shutil.copytree("_build/areas", Path(out) / "_build" / "areas")  # each area's numbers (profile-areas)
    base = {"data_dir": str(data_dir), "release": "", "population_source": "registrations", "output_dir": out}
    # Resolved before the threads start: papermill changes the process's folder while a run starts.
    notebook = Path("analysis/profile.ipynb").resolve()
    def one(area):
        kind, code, _ = area
        run_notebook(notebook, Path(out) / f"{kind}-{code}.ipynb", {**base, "area_type": kind, "area_code": code})
    t = time.perf_counter()
    with ThreadPoolExecutor(JOBS) as pool:
        list(pool.map(one, sample))
    inner = time.perf_counter() - t
extra = {"inner": inner, "runs": len(sample), "all": len(areas), "scaled": inner * len(areas) / len(sample)}
"""

# A reused kernel (pcnreport.build.kernels): what a second and later run costs, against a fresh kernel.
REUSED_KERNEL_CODE = EMPTY_NOTEBOOK + """
from pcnreport.build.kernels import ReusedKernel, Run
kernel = ReusedKernel(Path(d))
times = []
for i in range(6):
    t = time.perf_counter()
    kernel.run(Run(f"r{i}", src, Path(d) / f"out{i}.ipynb", {"x": i}, Path(d) / f"log{i}.jsonl"))
    times.append(time.perf_counter() - t)
kernel.shutdown()
extra = {"inner": sum(times[1:]) / len(times[1:]), "first": times[0]}
"""


def compare_renderers(project: Path, quarto: Path | None, row, render_fallback: dict | None = None) -> None:
    """Time one render of the same sources by each renderer, in this run, and print the ratio."""
    if render_fallback is None:
        render_fallback = measure(RENDER_CODE.replace("RENDERER", "pandoc+typst"), project)
        row("one pandoc + Typst render", render_fallback, f"inner {render_fallback['inner']:.2f} s")
    if not quarto:
        print(f"render step: pandoc + Typst {render_fallback['inner']:.1f} s; Quarto not timed "
              "(no quarto on PATH; pass --quarto)")
        return
    # The same sources, in the same run; Quarto renders the website, then the PDF (render/quarto_path.py).
    # `measure` passes this process's environment on, so PATH names the launcher's folder for the child.
    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(quarto).resolve().parent}{os.pathsep}{saved}"
    try:
        render_quarto = measure(RENDER_CODE.replace("RENDERER", "quarto"), project)
    finally:
        os.environ["PATH"] = saved
    row("one Quarto render", render_quarto, f"inner {render_quarto['inner']:.2f} s, {render_quarto['warnings']} warnings")
    print(f"render step, {render_fallback['pages']} pages and the PDF: pandoc + Typst {render_fallback['inner']:.1f} s, "
          f"Quarto {render_quarto['inner']:.1f} s = {render_quarto['inner'] / render_fallback['inner']:.1f}x")


def _worker_peak() -> dict:
    """Run on each Dask worker: the peak resident set (KiB) of the worker process and of the largest
    kernel it started and waited for (ReusedKernel and papermill kernels are its children)."""
    import resource

    return {"self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "kernels": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


def cluster_builds(work: Path, sample: Path) -> None:
    """Cold builds on a LocalCluster of 1 worker, then 2: wall time and peak memory, per worker too."""
    from distributed import Client, LocalCluster

    walls = {}
    for workers in (1, 2):
        project = work / f"cluster-{workers}" / "pcn-report"
        project.mkdir(parents=True)
        for name in SOURCES:
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, project / name)
        # The sample only: generating it is not the build's work (timed once, above), everything else is cold.
        shutil.copytree(sample, project / ".cache" / "synthetic")
        # Fresh worker processes for each size, so their peaks are this build's alone.
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as local, Client(local) as client:
            result = measure(build_code(project, None, False, local.scheduler_address), project)
            peaks = client.run(_worker_peak)
        walls[workers] = result["wall"]
        print(f"  cold build, LocalCluster of {workers} worker(s): {result['wall']:7.2f} s "
              f"({result['ran']} runs, profiles {result['profiles']:.1f} s); build process {result['rss_kib'] / 1024:.0f} MiB",
              flush=True)
        for worker, peak in sorted(peaks.items()):
            print(f"    worker {worker}: peak {peak['self'] / 1024:.0f} MiB, its largest kernel {peak['kernels'] / 1024:.0f} MiB",
                  flush=True)
    print(f"2 workers against 1: {walls[1] / walls[2]:.2f}x faster ({walls[1]:.1f} s -> {walls[2]:.1f} s) "
          f"on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="notebooks at once (default: cores)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    parser.add_argument("--naive-profiles", type=int, default=4,
                        help="areas run the naive way (fresh kernel each), scaled to all (default 4)")
    parser.add_argument("--quarto", type=Path, default=shutil.which("quarto"),
                        help="the quarto launcher, to time its render against pandoc + Typst's (default: on PATH; "
                             "../shared/tools/quarto/install DEST prints one)")
    parser.add_argument("--cluster", action="store_true",
                        help="only cold builds on a local Dask cluster of 1, then 2 workers (--scheduler), "
                             "with each worker's peak memory")
    parser.add_argument("--months", action="store_true",
                        help="only what one more month of the practice mapping costs (a cold build without it, "
                             "then with it)")
    parser.add_argument("--lsoa", action="store_true",
                        help="only a build over five years of quarterly registrations by LSOA (20 releases), then "
                             "one release more")
    parser.add_argument("--render-only", action="store_true",
                        help="after the cold build, time only the two renderers (skips the other measurements)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="pcnreport-bench-"))
    project = work / "pcn-report"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    for name in SOURCES:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, project / name)
    shutil.copy2(REPO / "constraints.txt", project / "constraints.txt")

    rows = []

    def row(label, result, note=""):
        rows.append((label, result["wall"], result["rss_kib"] / 1024, note))
        print(f"  {label:<44} {result['wall']:7.2f} s  {result['rss_kib'] / 1024:7.0f} MiB  {note}", flush=True)

    print(f"Benchmark in {project} with --jobs {args.jobs} on {os.cpu_count()} cores", flush=True)
    sample = measure("import pcnreport.build.context as p\np.synthetic_sample(Path('.').resolve(), p.synth.SyntheticSpec().seed)"
                     .replace("import pcnreport", "from pathlib import Path\nimport pcnreport"), project)
    row("generate the synthetic sample (once per seed)", sample)
    if args.months:
        new_month(work, project, project / ".cache" / "synthetic", args.jobs, row)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return
    if args.lsoa:
        lsoa_history(work, project, project / ".cache" / "synthetic", args.jobs, row)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return
    if args.cluster:
        cluster_builds(work, project / ".cache" / "synthetic")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return
    results = {}
    results["cold"] = measure(build_code(project, args.jobs, False), project)
    row("cold build", results["cold"], f"{results['cold']['ran']} notebooks")
    if args.render_only:
        compare_renderers(project, args.quarto, row)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return
    scenarios = (("no-op rebuild", None), ("one data file changed", change_data), ("one chapter changed", change_chapter),
                 ("all profiles (profile notebook changed)", change_profile_notebook))
    for label, change in scenarios:
        if change:
            change(project, 1)
        incremental = measure(build_code(project, args.jobs, False), project)
        row(f"{label}", incremental, f"{incremental['ran']} runs ({incremental['profile_runs']} profiles), "
                                     f"render {'yes' if incremental['rendered'] else 'no'}")
        if change is change_profile_notebook:
            row("  of which the profile runs", {"wall": incremental["profiles"], "rss_kib": incremental["rss_kib"]},
                f"{incremental['profile_runs']} runs on {args.jobs} reused kernel(s)")
            code = NAIVE_PROFILES_CODE.replace("COUNT", str(args.naive_profiles)).replace("JOBS", str(args.jobs))
            naive = measure(code, project)
            row(f"{label}: naive (fresh kernel a run)", {**naive, "wall": naive["scaled"]},
                f"{naive['runs']} of {naive['all']} runs measured ({naive['inner']:.1f} s), scaled to all")
            results[label] = (incremental, naive)
            continue
        if change:
            change(project, 2)
        # The naive build reuses nothing: every notebook re-executed, every page re-rendered, and every
        # dataset parsed again (the table cache, which --force does not clear, emptied first).
        shutil.rmtree(project / ".cache" / "tables", ignore_errors=True)
        naive = measure(build_code(project, args.jobs, True), project)
        row(f"{label}: naive (--force)", naive, f"{naive['ran']} notebooks, render yes")
        results[label] = (incremental, naive)

    print("Unavoidable parts (each in a fresh process; inner time excludes interpreter start-up and imports):", flush=True)
    parts = {}
    for label, code in (("read every dataset once", READ_CODE), ("notebook computations, one process", COMPUTE_CODE),
                        ("one pandoc + Typst render", RENDER_CODE.replace("RENDERER", "pandoc+typst")),
                        ("one kernel: start, run an empty cell, stop", KERNEL_CODE),
                        ("reused kernel: one more run of an empty cell", REUSED_KERNEL_CODE)):
        parts[label] = measure(code, project)
        row(label, parts[label], f"inner {parts[label]['inner']:.2f} s")
    compute_only = parts["notebook computations, one process"]["wall"]  # reads included: each dataset once
    unavoidable = compute_only + parts["one pandoc + Typst render"]["wall"]
    cold = results["cold"]["wall"]
    print()
    print(f"unavoidable (read + compute in one process, + one render): {unavoidable:.1f} s; "
          f"cold build {cold:.1f} s = {cold / unavoidable:.2f}x")
    data_inc = results["one data file changed"][0]["wall"]
    print(f"one data file: {data_inc:.1f} s = {100 * data_inc / cold:.0f}% of the cold build")
    print(f"no-op rebuild: {results['no-op rebuild'][0]['wall']:.2f} s in-process, "
          f"{results['no-op rebuild'][0]['process']:.2f} s as a command")
    reused, naive = results["all profiles (profile notebook changed)"]
    kernel = parts["one kernel: start, run an empty cell, stop"]["inner"]
    again = parts["reused kernel: one more run of an empty cell"]["inner"]
    print(f"all profiles: {reused['profiles']:.1f} s for {reused['profile_runs']} runs on reused kernels "
          f"(build {reused['wall']:.1f} s with render) against ~{naive['scaled']:.0f} s with a fresh kernel a run; "
          f"kernel start-up {kernel:.2f} s fresh, {again:.2f} s a run reused")
    compare_renderers(project, args.quarto, row, parts["one pandoc + Typst render"])
    peak = max(r[2] for r in rows)

    print(f"peak memory (largest process): {peak:.0f} MiB")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
