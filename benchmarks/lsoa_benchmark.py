"""Memory and time of the footprint analyses over five years of quarterly registrations by LSOA.

    python benchmarks/lsoa_benchmark.py [--folder DIR] [--releases 20] [--practices 6500] [--seed N]

Issue 18's target: a build reading five years of quarterly LSOA files (20 releases of about 800,000 rows)
peaks under 2 GiB of memory. This writes that series (`synth.lsoa_series`; into a temporary folder, or
into --folder, where an existing series of the same size is re-used), then measures, each in a fresh
process:

- the columnar run a build does: every release converted to Parquet (`data.columnar.ColumnarStore`, into
  an empty store, so every file is converted), then the footprint series over all releases
  (`analysis.footprint_series`) — seconds a file, seconds for the query, and the process's peak resident
  set (getrusage: the largest of itself and any child it waited for);
- for comparison, reading ONE release with the project's pandas reader (`read_registrations_lsoa`).

Peak memory is what the kernel reports as the process's largest resident set, so it includes the Python
interpreter, pandas and DuckDB themselves.
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
TARGET_MIB = 2 * 1024  # 2 GiB

# The child-process runner (wall time and peak RSS of the work and its children) is the build benchmark's.
from build_benchmark import _RUNNER  # noqa: E402  (benchmarks/ is on sys.path when a script here runs)

COLUMNAR_CODE = """
import time
from pathlib import Path
from pcnreport.analysis.footprint_series import footprint_series
from pcnreport.data.columnar import ColumnarStore
from pcnreport.data.synth.lsoa_series import memberships
files = {release: Path(path) for release, path in FILES.items()}
store = ColumnarStore(Path(STORE))
seconds = []
for release, path in files.items():
    t = time.perf_counter()
    store.parquet_for(path)
    seconds.append(time.perf_counter() - t)
t = time.perf_counter()
parquet = store.parquet_files(files)  # every entry exists now: each is re-used, not converted again
reuse = time.perf_counter() - t
members = memberships(list(files), SEED, PRACTICES)
t = time.perf_counter()
series = footprint_series(parquet, members)
query = time.perf_counter() - t
extra = {
    "convert": seconds, "converted": len(store.converted), "reuse": reuse, "query": query, "rows": len(series),
    "pcns": int(series["pcn_code"].nunique()), "parquet_mib": sum(p.stat().st_size for p in parquet.values()) / 2**20,
    "median_lsoas_80pct": float(series["lsoas_80pct"].median()), "median_lsoas_any": float(series["lsoas_any"].median()),
}
"""

PANDAS_CODE = """
from pathlib import Path
from pcnreport.data.readers import read_registrations_lsoa
table = read_registrations_lsoa(Path(FILE))
extra = {"rows": len(table)}
"""


def measure(code: str, cwd: Path, **values) -> dict:
    """Run `code` in a fresh Python with `values` bound as globals; its wall time and peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    bound = "".join(f"{name} = {value!r}\n" for name, value in values.items()) + code
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, bound], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"benchmark step failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    line = next((text for text in done.stdout.splitlines() if text.startswith("BENCHMARK ")), None)
    if line is None:
        sys.exit(f"benchmark step printed no result:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(line[len("BENCHMARK "):])


def series(folder: Path, releases: int, practices: int, seed: int) -> tuple[dict[str, str], float | None]:
    """The series' files (release -> path), written unless --folder already holds them; the seconds
    writing took (None when re-used)."""
    sys.path.insert(0, str(REPO / "src"))
    from pcnreport.data.synth.lsoa_series import FILE_NAME, quarters, write_lsoa_series

    months = quarters(count=releases)
    wanted = {month: folder / "registrations-lsoa" / month / FILE_NAME for month in months}
    marker = folder / "lsoa-series.json"  # what was written there: re-used only for the same series
    recipe = {"releases": releases, "practices": practices, "seed": seed}
    if marker.is_file() and json.loads(marker.read_text()) == recipe and all(p.is_file() for p in wanted.values()):
        return {m: str(p) for m, p in wanted.items()}, None
    start = time.perf_counter()
    written = write_lsoa_series(folder, releases, seed, n_practices=practices)
    elapsed = time.perf_counter() - start
    marker.write_text(json.dumps(recipe))
    return {m: str(p) for m, p in written.items()}, elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="where to write (or find) the series; default: a temporary folder")
    parser.add_argument("--releases", type=int, default=20, help="quarterly releases (default 20: five years)")
    parser.add_argument("--practices", type=int, default=6_500, help="practices a release (default 6,500)")
    parser.add_argument("--seed", type=int, default=20200101)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="pcnreport-lsoa-benchmark-"))
    folder = args.folder or work / "series"
    try:
        files, generated = series(folder, args.releases, args.practices, args.seed)
        sizes = [Path(p).stat().st_size for p in files.values()]
        made = f"written in {generated:.1f} s ({generated / len(files):.2f} s a file)" if generated else "re-used"
        print(f"Series: {len(files)} releases {min(files)} to {max(files)}, {sum(sizes) / 2**20:.0f} MiB of CSV "
              f"in {folder}, {made}", flush=True)

        store = work / "store"  # empty: every release is converted in the measured run
        columnar = measure(COLUMNAR_CODE, work, FILES=files, STORE=str(store), SEED=args.seed, PRACTICES=args.practices)
        one = measure(PANDAS_CODE, work, FILE=next(iter(files.values())))

        convert = columnar["convert"]
        peak = columnar["rss_kib"] / 1024
        print(f"Columnar run, one fresh process ({columnar['converted']} files converted):", flush=True)
        print(f"  conversion to Parquet      {sum(convert):7.1f} s in all; a file: mean {sum(convert) / len(convert):.2f} s, "
              f"min {min(convert):.2f} s, max {max(convert):.2f} s")
        print(f"  Parquet written            {columnar['parquet_mib']:7.1f} MiB ({columnar['parquet_mib'] / len(convert):.1f} MiB a release)")
        print(f"  re-use of every entry      {columnar['reuse']:7.2f} s")
        print(f"  footprint series query     {columnar['query']:7.2f} s ({columnar['rows']:,} rows: "
              f"{columnar['pcns']:,} PCNs over {len(files)} releases; median LSOAs with any patient "
              f"{columnar['median_lsoas_any']:.0f}, for 80% {columnar['median_lsoas_80pct']:.0f})")
        print(f"  whole run                  {columnar['wall']:7.1f} s")
        print(f"  peak RSS                   {peak:7.0f} MiB  (target under {TARGET_MIB} MiB: "
              f"{'met' if peak < TARGET_MIB else 'NOT MET'})")
        print(f"Pandas reader, ONE release ({one['rows']:,} rows), fresh process: {one['wall']:.1f} s, "
              f"peak RSS {one['rss_kib'] / 1024:.0f} MiB")
        return 0 if peak < TARGET_MIB else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
