"""The profile notebook's runs: which areas the data hold, and one keyed run per area.

`analysis/profile.ipynb` is parameterised by area, and the areas come from the data (the regions and
commissioners of the practice mapping: its CCGs, or from 2022/23 its ICBs and sub-ICB locations), so the
build needs the list before it can plan. The mapping is the newer of QOF's and the registrations' monthly
one (`data.commissioner_link`), as the profiles' numbers use. Reading it needs pandas (a second to
import), which a no-op rebuild cannot afford; so the list is kept in `_build/cache/areas.json` beside the
SHA-256 of the mapping files it came from, and re-read only when one of them (located through the
catalogue, as a notebook would) changes.

How this fits the keys: each run is keyed like any notebook run (notebook bytes, parameters including
`area_type` and `area_code`, the data files it read last time, library, environment), and every run
reads the mapping. So a changed mapping both refreshes the area list and re-runs every profile; a
changed data file re-runs every profile that read it; a changed profile notebook re-runs the profiles
only. An area that disappears from the mapping loses its run, and its files are removed
(`profile_pages.remove_stale`).
"""

from __future__ import annotations

import json
from pathlib import Path

from pcnreport.build import buildcache
from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.hashing import FileHasher

NOTEBOOK = "profile.ipynb"
MAPPING = "practice-ccg"  # the dataset the area list comes from, unless the monthly one is newer
MONTHLY_MAPPING = "registrations-map"
AREAS_FILE = "areas.json"
EXECUTED_SUBDIR = "profiles"  # _build/notebooks/profiles/<slug>.ipynb


def run_name(area_type: str, area_code: str) -> str:
    """The run's name in plans, progress, --explain and the cache: profile.region-Y56."""
    return f"profile.{area_type}-{area_code}"


def executed_path(executed_dir: Path, area_type: str, area_code: str) -> Path:
    return Path(executed_dir) / EXECUTED_SUBDIR / f"{area_type}-{area_code}.ipynb"


def _mapping_files(data_dir: Path, parameters: dict, memo: dict | None) -> dict:
    """The located mapping files: QOF's, and the monthly one when the folder has it."""
    from pcnreport.data.catalogue import locate

    catalogue = buildcache.catalogue_of(parameters, memo)
    wanted = parameters.get("releases") or {}
    found = {MAPPING: locate(Path(data_dir), catalogue[MAPPING], wanted.get(MAPPING))}
    if MONTHLY_MAPPING not in catalogue.datasets:  # a catalogue of the QOF mapping alone
        return found
    from pcnreport.data.commissioner_link import monthly_release

    release = monthly_release(Path(data_dir), catalogue, wanted)
    if release is None:
        if catalogue[MONTHLY_MAPPING].required:
            locate(Path(data_dir), catalogue[MONTHLY_MAPPING])  # raises, naming the dataset
        return found
    found[MONTHLY_MAPPING] = locate(Path(data_dir), catalogue[MONTHLY_MAPPING], release)
    return found


def _link_table(found: dict):
    """The practice -> commissioner table the profiles use (`commissioner_link`'s choice)."""
    from pcnreport.data import readers
    from pcnreport.data.commissioner_link import chosen
    from pcnreport.data.readers.practice_map import as_practice_ccg

    used = chosen(found[MAPPING], found.get(MONTHLY_MAPPING))
    if used is not found[MAPPING]:
        return as_practice_ccg(readers.read_practice_map(used.path))
    return readers.read_practice_ccg(used.path)


def area_list(project: Path, data_dir: Path, parameters: dict, hasher: FileHasher,
              save: bool = True, memo: dict | None = None) -> list[tuple[str, str, str]]:
    """(area_type, area_code, name) of every region, ICB (sub-ICB era) and commissioner (area type "ccg" or
    "sub-icb", as the mapping has) in the mapping the build would read.

    Cached by the mapping file's hash (see the module's docstring); `save=False` (for --explain)
    reads without writing the cache.
    """
    found = _mapping_files(data_dir, parameters, memo)
    # The monthly mapping's hash counts only when it would be used: a build whose QOF mapping is the newer
    # keeps the key (and the cached list) it had before the monthly mapping was catalogued.
    from pcnreport.data.commissioner_link import chosen

    used = list(dict.fromkeys([found[MAPPING], chosen(found[MAPPING], found.get(MONTHLY_MAPPING))]))
    digest = "+".join(hasher(f.path) for f in used)
    cache = Path(project) / buildcache.CACHE_DIR / AREAS_FILE
    try:
        record = json.loads(cache.read_text(encoding="utf-8"))
        if record.get("sha256") == digest:
            return [tuple(area) for area in record["areas"]]
    except (OSError, ValueError):
        pass
    from pcnreport.analysis.profiles import areas_from_mapping

    areas = [(a.type, a.code, a.name) for a in areas_from_mapping(_link_table(found))]
    if save:
        files = " + ".join(str(f.path) for f in used)
        write_text_atomic(cache, json.dumps({"file": files, "sha256": digest, "areas": areas}, indent=1))
    return areas


def plan_runs(project: Path, notebook: Path, areas: list[tuple[str, str, str]], parameters: dict,
              hasher: FileHasher, library: str, environment: str, force: bool = False,
              memo: dict | None = None) -> list[buildcache.NotebookPlan]:
    """One plan an area, each keyed by its own parameters and the files its last run read."""
    memo = {} if memo is None else memo  # the runs read the same datasets: locate each once
    return [
        buildcache.plan_notebook(
            project, notebook, {**parameters, "area_type": area_type, "area_code": code},
            hasher, library, environment, force, run=run_name(area_type, code), memo=memo,
        )
        for area_type, code, _name in areas
    ]


def remove_stale_records(project: Path, executed_dir: Path, areas: list[tuple[str, str, str]]) -> None:
    """Forget runs of areas no longer in the data: their records (so the cache is pruned) and notebooks."""
    wanted = {run_name(t, c) for t, c, _ in areas}
    buildcache.forget_runs(project, "profile.", wanted)
    for executed in (Path(executed_dir) / EXECUTED_SUBDIR).glob("*.ipynb"):
        if f"profile.{executed.stem}" not in wanted:
            executed.unlink()
