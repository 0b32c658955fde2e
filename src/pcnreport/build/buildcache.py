"""Step keys and the build cache: skip what has not changed, say why the rest runs.

A step's key is a SHA-256 over exactly what it reads. For a notebook run:

- the notebook file's bytes and its parameters;
- the bytes of every data file it read on its last run (recorded from inside its kernel, see
  `runlog`), re-located now, so a new release or a newly supplied file counts as a change;
- the bytes of every generated file it read last time (another run's output, such as an area's
  numbers for its profile, `area_records`), hashed now: so a run whose producer ran again but wrote the
  same bytes is skipped (early cut-off);
- the project's `data/` files (the catalogue says where datasets are; facts and published values);
- the library: every `.py` file under `src/pcnreport`, sorted; and `constraints.txt` (the pinned
  environment).

A notebook with no record yet, or whose key changed, runs; otherwise the outputs it wrote last time
are restored from `_build/cache/<key>/`. The render step is keyed the same way by every file it reads.
The components are kept beside each key, so `pcnreport build --explain` can say what changed.

This module imports nothing heavy: a build with nothing to do must finish in well under a second.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pcnreport.core.atomic import copy_atomic, discard_directory, write_text_atomic
from pcnreport.core.hashing import FileHasher, sha256_json, tree_hashes

CACHE_DIR = Path("_build") / "cache"
HASHES_FILE = "file-hashes.json"
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the pcnreport package: build/ is one of its stages


def library_digest(hasher: FileHasher) -> str:
    """One digest over the source of the pcnreport package: every .py file, sorted by path."""
    return sha256_json(tree_hashes(PACKAGE_DIR.parent, PACKAGE_DIR.name, hasher, suffixes=(".py",)))


def environment_digest(project: Path, hasher: FileHasher) -> str:
    """The pinned environment: constraints.txt (of the project, else of the library's checkout)."""
    for candidate in (Path(project) / "constraints.txt", PACKAGE_DIR.parents[1] / "constraints.txt"):
        if candidate.is_file():
            return hasher(candidate)
    return "none"


# --- notebook runs ----------------------------------------------------------------------------------


@dataclass
class NotebookPlan:
    notebook: Path
    key: str | None  # None when it cannot be known before running (no record of what it reads)
    components: dict
    reasons: list[str] = field(default_factory=list)  # empty: skip
    run: str | None = None  # a parameterised notebook's run ("profile.ccg-00L"); None: the notebook's one run

    @property
    def name(self) -> str:
        return self.run or self.notebook.stem

    @property
    def runs(self) -> bool:
        return bool(self.reasons)


def manifest_path(project: Path, notebook: Path, run: str | None = None) -> Path:
    """The record of a run's key, components and reads: one a run (a parameterised notebook has many)."""
    return Path(project) / CACHE_DIR / f"{run or notebook.stem}.reads.json"


def entry_dir(project: Path, key: str) -> Path:
    return Path(project) / CACHE_DIR / key


def catalogue_of(parameters: dict, memo: dict | None = None):
    """The catalogue of the project the parameters name (`output_dir`), parsed once a planning pass."""
    from pcnreport.data.catalogue import load_catalogue

    path = Path(parameters["output_dir"]) / "data" / "catalogue.yaml"
    if memo is None:
        return load_catalogue(path)
    if ("catalogue", path) not in memo:
        memo[("catalogue", path)] = load_catalogue(path)
    return memo[("catalogue", path)]


def _data_components(
    reads: dict[str, dict], data_dir: Path, parameters: dict, hasher: FileHasher, memo: dict | None = None,
) -> dict:
    """dataset -> the file it would be read from now and its hash (None: absent), for the datasets read last time.

    `memo` (one dict for one planning pass) keeps the catalogue and each dataset's answer: the profile
    notebook's 142 runs read the same nine datasets, and parsing the catalogue costs ~20 ms a time.
    """
    from pcnreport.core.errors import DataNotFoundError
    from pcnreport.data.catalogue import locate  # yaml only; needed only when there is a record

    if not reads:
        return {}
    memo = {} if memo is None else memo
    catalogue_path = Path(parameters["output_dir"]) / "data" / "catalogue.yaml"
    catalogue = catalogue_of(parameters, memo)
    wanted = parameters.get("releases") or {}
    data = {}
    for name in sorted(reads):
        # A read of one release (every month of a dataset) is looked for at that release; a dataset's
        # read at the release the build would take now (its latest, or the one the parameters pin).
        dataset = reads[name].get("dataset", name)
        release = reads[name].get("release", wanted.get(dataset))
        known = ("dataset", catalogue_path, str(data_dir), dataset, release)
        if known in memo:
            data[name] = memo[known]
            continue
        try:
            found = locate(Path(data_dir), catalogue[dataset], release)
        except (DataNotFoundError, KeyError):
            data[name] = None
            continue
        try:
            shown = found.path.resolve().relative_to(Path(data_dir).resolve()).as_posix()
        except ValueError:
            shown = str(found.path)
        data[name] = memo[known] = {"file": shown, "member": found.member, "sha256": hasher(found.path)}
    return data


def _generated_components(project: Path, generated: list[str], hasher: FileHasher) -> dict[str, str | None]:
    """project-relative path -> the generated file's hash now (None: it is not there)."""
    hashes = {}
    for relative in sorted(generated):
        path = Path(project) / relative
        hashes[relative] = hasher(path) if path.is_file() else None
    return hashes


def notebook_components(
    project: Path, notebook: Path, parameters: dict, reads: dict[str, dict], hasher: FileHasher,
    library: str, environment: str, memo: dict | None = None, generated: list[str] = (),
) -> dict:
    memo = {} if memo is None else memo
    if ("project", str(project)) not in memo:
        memo[("project", str(project))] = tree_hashes(project, "data", hasher)
    return {
        "notebook": hasher(notebook),
        "parameters": parameters,
        "library": library,
        "environment": environment,
        "project": memo[("project", str(project))],
        "data": _data_components(reads, Path(parameters["data_dir"]), parameters, hasher, memo),
        "generated": _generated_components(project, list(generated), hasher),
    }


def explain_change(old: dict, new: dict) -> list[str]:
    """Why two sets of components differ, in words (empty when they do not)."""
    reasons = []
    if old.get("notebook") != new.get("notebook"):
        reasons.append("notebook source changed")
    if old.get("parameters") != new.get("parameters"):
        changed = sorted(
            k for k in set(old.get("parameters", {})) | set(new.get("parameters", {}))
            if old.get("parameters", {}).get(k) != new.get("parameters", {}).get(k)
        )
        reasons.append(f"parameters changed ({', '.join(changed)})")
    for label, part in (("library code changed", "library"), ("pinned environment (constraints.txt) changed", "environment")):
        if old.get(part) != new.get(part):
            reasons.append(label)
    for kind, part in (("project file", "project"), ("source", "files"), ("generated file", "generated")):
        before, after = old.get(part, {}), new.get(part, {})
        for path in sorted(set(before) | set(after)):
            if path not in before:
                reasons.append(f"{kind} {path} added")
            elif path not in after:
                reasons.append(f"{kind} {path} removed")
            elif before[path] != after[path]:
                reasons.append(f"{kind} {path} changed")
    before, after = old.get("data", {}), new.get("data", {})
    for dataset in sorted(set(before) | set(after)):
        was, now = before.get(dataset), after.get(dataset)
        if was == now:
            continue
        if was is None:
            reasons.append(f"dataset {dataset} now present ({now['file']})")
        elif now is None:
            reasons.append(f"dataset {dataset} no longer found")
        elif (was["file"], was.get("member")) != (now["file"], now.get("member")):
            reasons.append(f"dataset {dataset} now read from {now['file']} (was {was['file']})")
        else:
            reasons.append(f"data file {now['file']} changed")
    for key in sorted(set(old) - {"notebook", "parameters", "library", "environment", "project", "files", "data",
                                  "generated"}):
        if old.get(key) != new.get(key):
            reasons.append(f"{key} changed")
    for key in sorted(set(new) - set(old)):
        reasons.append(f"{key} changed")
    return reasons or ["inputs changed"]


def plan_notebook(
    project: Path, notebook: Path, parameters: dict, hasher: FileHasher, library: str, environment: str,
    force: bool = False, run: str | None = None, memo: dict | None = None,
) -> NotebookPlan:
    """Whether `notebook` (its run `run`, when parameterised) must run, and why; its key when known."""
    record_path = manifest_path(project, notebook, run)
    record = None
    if record_path.is_file():
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except ValueError:
            record = None
    reads = record.get("reads", {}) if record else {}
    generated = record.get("generated", []) if record else []
    components = notebook_components(project, notebook, parameters, reads, hasher, library, environment, memo,
                                     generated)
    key = sha256_json(components)
    plan = NotebookPlan(notebook, key, components, run=run)
    if record is None:
        plan.reasons = ["no previous run"]
    elif record.get("key") != key:
        plan.reasons = explain_change(record.get("components", {}), components)
    elif not entry_complete(project, key):
        plan.reasons = ["its cached outputs are missing"]
    elif force:
        plan.reasons = ["--force"]
    return plan


def entry_complete(project: Path, key: str) -> bool:
    """Whether the cache entry `key` holds everything its `entry.json` lists.

    `store_run` and `prune` never leave a partial entry under a key's name; this also refuses one that
    was damaged some other way (or left by an older version that deleted entries in place), so that
    the run is done again rather than restored from files that are not there.
    """
    entry = entry_dir(project, key)
    try:
        outputs = json.loads((entry / "entry.json").read_text(encoding="utf-8"))["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return (entry / "executed.ipynb").is_file() and all((entry / "files" / relative).is_file() for relative in outputs)


def store_run(
    project: Path, notebook: Path, executed: Path, parameters: dict, reads: dict[str, dict], outputs: list[Path],
    hasher: FileHasher, library: str, environment: str, run: str | None = None, memo: dict | None = None,
    generated: list[Path] = (),
) -> str:
    """Cache a finished run's outputs under its key and record what it read. Returns the key.

    The key is computed from what the run actually read: `reads` (datasets, from its run log) and
    `generated` (files of the project that other runs wrote). The entry is assembled in a temporary folder
    and renamed into place, and the record naming it is written last, so an interruption at any point
    leaves either no entry or a complete one (a stray complete entry is harmless).
    """
    project = Path(project).resolve()
    generated = sorted({_project_relative(path, project) for path in generated} - {None})
    components = notebook_components(project, notebook, parameters, reads, hasher, library, environment, memo,
                                     generated)
    key = sha256_json(components)
    target = entry_dir(project, key)
    files = {}
    for output in outputs:
        relative = _project_relative(output, project)
        # Written outside the project: not an output the report uses.
        if relative is not None and Path(output).is_file():
            files[relative] = hasher(output)
    if not entry_complete(project, key):
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{run or notebook.stem}."))
        try:
            for relative in files:
                destination = staging / "files" / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(project / relative, destination)
            shutil.copy2(executed, staging / "executed.ipynb")
            (staging / "entry.json").write_text(
                json.dumps({"notebook": notebook.name, "outputs": files}, indent=1, sort_keys=True), encoding="utf-8"
            )
            # Whatever is under the key's name lacks its entry.json (see the test above): moved aside
            # before it is deleted, so a kill part-way never leaves a partial entry under the key.
            discard_directory(target)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    write_text_atomic(
        manifest_path(project, notebook, run),
        json.dumps(
            {"key": key, "components": components, "reads": reads, "generated": generated, "outputs": sorted(files)},
            indent=1, sort_keys=True,
        ),
    )
    return key


def _project_relative(path: Path, project: Path) -> str | None:
    try:
        return Path(path).resolve().relative_to(project).as_posix()
    except ValueError:
        return None


def restore_run(project: Path, key: str, executed: Path, hasher: FileHasher) -> list[Path]:
    """Put a cached run's outputs back into the project (only those that differ). Returns them."""
    project = Path(project)
    entry = entry_dir(project, key)
    outputs = json.loads((entry / "entry.json").read_text(encoding="utf-8"))["outputs"]
    restored = []
    for relative, digest in sorted(outputs.items()):
        target = project / relative
        if not target.is_file() or hasher(target) != digest:
            target.parent.mkdir(parents=True, exist_ok=True)
            copy_atomic(entry / "files" / relative, target, keep_times=True)
        restored.append(target)
    cached = entry / "executed.ipynb"
    if not executed.is_file() or hasher(executed) != hasher(cached):
        executed.parent.mkdir(parents=True, exist_ok=True)
        copy_atomic(cached, executed, keep_times=True)
    return restored


# --- steps keyed by a set of files (the variables step, the render step) ----------------------------


def step_record(project: Path, step: str) -> dict | None:
    path = Path(project) / CACHE_DIR / f"{step}.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def write_step_record(project: Path, step: str, components: dict, **extra) -> str:
    key = sha256_json(components)
    write_text_atomic(
        Path(project) / CACHE_DIR / f"{step}.json",
        json.dumps({"key": key, "components": components, **extra}, indent=1, sort_keys=True),
    )
    return key


def step_reasons(record: dict | None, components: dict, outputs: list[Path], force: bool = False) -> list[str]:
    """Why a file-keyed step must run (empty: it may be skipped)."""
    if record is None:
        return ["no previous run"]
    if record.get("key") != sha256_json(components):
        return explain_change(record.get("components", {}), components)
    missing = [p for p in outputs if not Path(p).exists()]
    if missing:
        return [f"output {missing[0].name} is missing"]
    if force:
        return ["--force"]
    return []


def forget_runs(project: Path, prefix: str, wanted: set[str]) -> None:
    """Remove the records of the runs named `prefix`* that are not `wanted` (an area or a month no longer in
    the data), so that `prune` removes their cache entries."""
    for record in (Path(project) / CACHE_DIR).glob(f"{prefix}*.reads.json"):
        if record.name.removesuffix(".reads.json") not in wanted:
            record.unlink()


def prune(project: Path) -> None:
    """Delete cache entries no notebook's record names (and temporary folders of interrupted runs)."""
    cache = Path(project) / CACHE_DIR
    if not cache.is_dir():
        return
    wanted = set()
    for record in cache.glob("*.reads.json"):
        try:
            wanted.add(json.loads(record.read_text(encoding="utf-8"))["key"])
        except (ValueError, KeyError):
            continue
    for entry in cache.iterdir():
        if entry.is_dir() and entry.name not in wanted and entry.name != "logs":
            if entry.name.startswith("."):
                shutil.rmtree(entry, ignore_errors=True)
            elif len(entry.name) == 64:
                # Renamed to a hidden name first: a prune killed part-way must not leave an entry with its
                # entry.json and only some of its files under a key a later build may ask for again.
                discard_directory(entry)
