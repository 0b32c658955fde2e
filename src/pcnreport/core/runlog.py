"""What a notebook run read and wrote, recorded from inside its kernel.

The build gives each notebook's kernel the environment variable `PCNREPORT_RUN_LOG`, a file path.
`DataInputs` appends a line for every dataset it locates, a reader of another run's output (an area
profile's numbers, `area_records`) one for the file it read, and every atomic write the path it
wrote. So after the run the build knows exactly which files the notebook depends on and which outputs
it produced, without the notebook doing anything itself. Outside a build (a notebook opened
by hand, a test) the variable is unset and nothing is recorded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV = "PCNREPORT_RUN_LOG"


def _append(event: dict) -> None:
    target = os.environ.get(ENV)
    if not target:
        return
    # One short line per append: O_APPEND writes of this size do not interleave.
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(event, sort_keys=True) + "\n")


def record_read(dataset: str, path: Path | None, member: str | None = None, release: str | None = None) -> None:
    """`dataset` was located at `path` (None: absent from the data folder). With `release`, that one
    release was read (a notebook reading every month of a dataset): the run's key then covers that
    release's file as well as the dataset's latest, so an edited or deleted older month re-runs it."""
    event = {"read": dataset, "path": str(Path(path).resolve()) if path else None, "member": member}
    if release is not None:
        event["release"] = release
    _append(event)


def read_key(dataset: str, release: str | None = None) -> str:
    """The key of a read in `load_all`'s dict: the dataset, or `dataset@release` for one release."""
    return dataset if release is None else f"{dataset}@{release}"


def record_generated(path: Path) -> None:
    """A file the build generated (another run's output) was read: the run's key covers its bytes."""
    _append({"generated": str(Path(path).resolve())})


def record_write(path: Path) -> None:
    _append({"wrote": str(Path(path).resolve())})


def load_all(path: Path) -> tuple[dict[str, dict], list[Path], list[Path]]:
    """(dataset -> {"path", "member"}, files written, generated files read) from a run log, in one
    pass; each file once, in the order first seen; empty when nothing was recorded. A read of one
    release (`record_read(..., release=)`) is keyed `dataset@release` and also names both."""
    reads: dict[str, dict] = {}
    writes: list[Path] = []
    generated: list[Path] = []
    if not Path(path).is_file():
        return reads, writes, generated
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if "read" in event:
            read = {"path": event["path"], "member": event.get("member")}
            if "release" in event:
                read |= {"dataset": event["read"], "release": event["release"]}
            reads[read_key(event["read"], event.get("release"))] = read
        elif "wrote" in event:
            writes.append(Path(event["wrote"]))
        elif "generated" in event:
            generated.append(Path(event["generated"]))
    return reads, list(dict.fromkeys(writes)), list(dict.fromkeys(generated))


def load(path: Path) -> tuple[dict[str, dict], list[Path]]:
    """(dataset -> {"path", "member"}, files written) from a run log (`load_all`)."""
    reads, writes, _ = load_all(path)
    return reads, writes


def load_generated(path: Path) -> list[Path]:
    """The generated files a run read (`record_generated`), each once, in the order first read."""
    return load_all(path)[2]
