"""The catalogue of data sources (data/catalogue.yaml) and how a data folder is laid out.

A data folder holds each dataset as `<dataset>/<release>/<file>`. Releases sort by name (they are
dates such as 2019-12 or years such as 2019-20), so "latest" is the last in sort order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pcnreport.errors import DataNotFoundError, PcnReportError


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    publisher: str
    landing_page: str
    licence: str
    files: tuple[str, ...]
    reader: str


@dataclass(frozen=True)
class Catalogue:
    datasets: dict[str, Dataset]

    def __getitem__(self, name: str) -> Dataset:
        try:
            return self.datasets[name]
        except KeyError:
            raise PcnReportError(
                f"dataset '{name}' is not in the catalogue (known: {', '.join(sorted(self.datasets))})"
            ) from None


def load_catalogue(path: Path) -> Catalogue:
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    datasets = {}
    for name, entry in (raw.get("datasets") or {}).items():
        try:
            datasets[name] = Dataset(name=name, **{**entry, "files": tuple(entry["files"])})
        except (TypeError, KeyError) as exc:
            raise PcnReportError(f"'{path}': dataset '{name}' is malformed: {exc}") from None
    return Catalogue(datasets)


@dataclass(frozen=True)
class LocatedFile:
    dataset: str
    release: str
    path: Path


def locate(data_dir: Path, dataset: Dataset, release: str | None = None) -> LocatedFile:
    """Find a dataset's file in a data folder: the given release, or the latest one present."""
    folder = Path(data_dir) / dataset.name
    releases = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    if not releases:
        raise DataNotFoundError(
            f"'{folder}': no release of '{dataset.name}' ({dataset.title}); expected a folder "
            f"{dataset.name}/<release>/ holding one of {', '.join(dataset.files)}"
        )
    chosen = release or releases[-1]
    if chosen not in releases:
        raise DataNotFoundError(
            f"'{folder}': release '{chosen}' of '{dataset.name}' is absent (present: {', '.join(releases)})"
        )
    for pattern in dataset.files:
        matches = sorted((folder / chosen).glob(pattern))
        if matches:
            return LocatedFile(dataset.name, chosen, matches[0])
    raise DataNotFoundError(
        f"'{folder / chosen}': no file matching {', '.join(dataset.files)} for '{dataset.name}'"
    )
