"""What an analysis notebook reads: datasets located through the catalogue and read once each.

Every notebook starts the same way: find each dataset in the data folder, read it with its reader,
and record which release it read (the report prints the releases). `DataInputs` does that in one
place so notebooks stay a few lines of library calls.

Tables come from the project's table cache (`.cache/tables/`, see `tablecache`) when the same file was
read by the same reader before, in this kernel or another: each notebook runs in its own kernel, and
five of them read the ePCN workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pcnreport.core import runlog
from pcnreport.core.errors import DataNotFoundError
from pcnreport.data import readers, small_areas, synth
from pcnreport.data.catalogue import Catalogue, LocatedFile, dataset_folders, load_catalogue, locate, located_releases
from pcnreport.data.release_period import months_between, nearest_release
from pcnreport.data.tablecache import FOLDER as TABLE_CACHE
from pcnreport.data.tablecache import TableCache


@dataclass
class DataInputs:
    data_dir: Path
    catalogue: Catalogue
    releases_wanted: dict[str, str] = field(default_factory=dict)
    found: dict[str, LocatedFile] = field(default_factory=dict)
    table_cache: TableCache | None = None  # None: every read parses the file
    project_dir: Path | None = None  # where the columnar store lives (.cache/columnar); None: a temporary one
    _tables: dict[str, object] = field(default_factory=dict, repr=False)

    @classmethod
    def open(
        cls, project_dir, data_dir, releases: dict[str, str] | None = None, *, cache: bool = True
    ) -> DataInputs:
        """Notebooks pass the project folder as `output_dir` (the build's parameter), so the table
        cache is the project's own `.cache/tables/`, shared by every notebook of the build."""
        catalogue = load_catalogue(Path(project_dir) / "data" / "catalogue.yaml")
        table_cache = TableCache(Path(project_dir) / TABLE_CACHE) if cache else None
        return cls(Path(data_dir), catalogue, dict(releases or {}), table_cache=table_cache,
                   project_dir=Path(project_dir))

    def locate(self, name: str) -> LocatedFile:
        if name not in self.found:
            # Recorded either way, absent included: the build re-runs this notebook when what it would
            # locate changes (a new release, a file supplied or edited).
            try:
                found = locate(self.data_dir, self.catalogue[name], self.releases_wanted.get(name))
            except DataNotFoundError:
                runlog.record_read(name, None)
                raise
            runlog.record_read(name, found.path, found.member)
            self.found[name] = found
        return self.found[name]

    def locate_release(self, name: str, release: str) -> LocatedFile:
        """The dataset's file of one release, recorded as a read of that release (`dataset@release`), absent
        included: the build re-runs the notebook when that release's file appears, changes or goes, and
        not when a later release arrives. `read` then reads this file."""
        try:
            found = locate(self.data_dir, self.catalogue[name], release)
        except DataNotFoundError:
            runlog.record_read(name, None, release=release)
            raise
        runlog.record_read(name, found.path, found.member, release=release)
        self.found[name] = found
        return found

    def read(self, name: str):
        """The dataset's tidy table (read with its catalogue reader); DataNotFoundError if absent."""
        if name not in self._tables:
            # locate() records the read for the build cache, whether or not the table comes from the
            # table cache: the build must still re-run this notebook when the file changes.
            table = self._parse(name, self.locate(name).path)
            if name in small_areas.CARRIED:
                table = self._in_build_vintage(name, table)
            self._tables[name] = table
        return self._tables[name]

    def _parse(self, name: str, path: Path):
        reader_name = self.catalogue[name].reader
        reader = getattr(readers, reader_name)
        if self.table_cache is None:
            return reader(path)
        return self.table_cache.read(name, reader_name, path, reader)

    def read_release(self, name: str, release: str):
        """The dataset's tidy table of one release (`locate_release`, so recorded as that release)."""
        return self._parse(name, self.locate_release(name, release).path)

    def parquet_of_release(self, name: str, release: str) -> Path:
        """One release of registrations by LSOA as a Parquet file (`data.columnar`: converted once, by the
        file's bytes, then re-used), recorded as a read of that release. For analyses over many releases,
        whose files are too large to hold side by side as pandas frames."""
        from pcnreport.data.columnar import ColumnarStore  # duckdb: only the runs that need it import it

        return ColumnarStore.for_project(self.project_dir).parquet_for(self.locate_release(name, release).path)

    def read_nearest_release(self, name: str, month: str) -> tuple[str | None, object]:
        """(release, table) of the release that stands for `month` (`release_period.nearest_release`: its own,
        else the latest before it, else the earliest after it); (None, None) when the folder has none.

        Recorded so that the run is re-run exactly when the choice could change: the release read, and the
        absence of every month after it up to `month` (one appearing would be nearer). Without an earlier
        release, every release is recorded (one appearing before `month` would be chosen)."""
        dataset = self.catalogue[name]
        releases = located_releases(self.data_dir, dataset)
        chosen = nearest_release(month, releases)
        if chosen is None:
            runlog.record_read(name, None, release=month)
            return None, None
        if chosen < month:
            for later in months_between(chosen, month):
                runlog.record_read(name, None, release=later)
        elif chosen > month:
            self.all_releases(name)  # records every release
        return chosen, self.read_release(name, chosen)

    def all_releases(self, name: str) -> list[LocatedFile]:
        """Every release of the dataset in the data folder, oldest first (the monthly practice mapping:
        one a month); DataNotFoundError if there is none.

        The run log records the dataset as `locate` does (its latest release: a new month changes it) and
        each release read, so the run's key covers every month's file: an edited or deleted older month
        re-runs the notebook too.
        """
        self.locate(name)  # the record the build keys on; raises when the folder has no release
        dataset = self.catalogue[name]
        names = sorted({
            release.name for folder in dataset_folders(self.data_dir, dataset) for release in folder.iterdir()
            if release.is_dir() and not release.name.startswith(".")
        })  # fmt: skip
        found = []
        for release in names:
            try:
                found.append(locate(self.data_dir, dataset, release))
            except DataNotFoundError:
                continue  # a folder without the dataset's file (a partial download): not a release
        for located in found:
            runlog.record_read(name, located.path, located.member, release=located.release)
        return found

    def read_all_releases(self, name: str) -> dict[str, object]:
        """Release -> the dataset's tidy table, for every release in the folder, oldest first (for the
        practice mapping, `analysis.landscape.Snapshot`s are made from these). Each table comes from the
        table cache when that file was read before, so a new month parses one file."""
        return {located.release: self._parse(name, located.path) for located in self.all_releases(name)}

    def read_all_releases_optional(self, name: str) -> dict[str, object]:
        """Like `read_all_releases`, but {} when the folder has no release of a dataset the catalogue marks
        not required (the monthly practice mapping: a chapter then says it is not available)."""
        try:
            return self.read_all_releases(name)
        except DataNotFoundError:
            if self.catalogue[name].required:
                raise
            return {}

    def release_names_optional(self, name: str) -> list[str]:
        """The releases of the dataset in the folder, oldest first, recorded as `all_releases` does; [] when
        it has none and the catalogue marks it not required."""
        try:
            return [located.release for located in self.all_releases(name)]
        except DataNotFoundError:
            if self.catalogue[name].required:
                raise
            return []

    def check_small_areas(self) -> None:
        """Read every LSOA-keyed table in the build's vintage, so that tables of two census vintages
        without ONS's lookup to join them stop the build (DataNotFoundError naming `lsoa-changes`) before
        any notebook runs. A dataset absent from the folder is left to the check of required datasets."""
        for name in small_areas.CARRIED:
            try:
                self.locate(name)
            except DataNotFoundError:
                continue
            self.read(name)

    def _in_build_vintage(self, name: str, table):
        """An LSOA-keyed table in the build's LSOA vintage, the deprivation index's (see `small_areas`):
        a table of the other vintage is carried over with ONS's LSOA 2011 to 2021 lookup."""
        try:
            vintage = small_areas.vintage_of(self.read("imd"))
        except DataNotFoundError:
            return table  # no index to follow (a partial folder): the table as read
        if vintage is None:
            return table
        return small_areas.in_vintage(name, table.copy(), vintage, lambda: self.read_optional("lsoa-changes"))

    def read_optional(self, name: str):
        """Like `read`, but None when the folder lacks a dataset the catalogue marks not required.

        Only research data the team supplies (federations) and boundaries (used by the maps alone) are
        optional: any other public dataset missing from the folder is an error, so a report is never
        published with a section silently dropped; a missing optional one puts a notice in its place.
        """
        dataset = self.catalogue[name]
        try:
            return self.read(name)
        except DataNotFoundError:
            if dataset.required:
                raise
            return None

    def list_sizes(self, population_source: str) -> pd.DataFrame:
        """practice_code, list_size: from the all-persons registrations, or NHS Payments."""
        if population_source == "payments":
            return readers.list_sizes_from_payments(self.read("payments"))
        if population_source == "registrations":
            return self.read("registrations")[["practice_code", "list_size"]]
        raise ValueError(f"population_source must be 'registrations' or 'payments', not {population_source!r}")

    @property
    def synthetic(self) -> bool:
        """True when the data folder is the synthetic sample (figures then say so)."""
        return synth.is_synthetic(self.data_dir)

    def files_identity(self, names) -> tuple:
        """Which files the datasets `names` are, as far as a long-lived kernel can tell cheaply: path,
        ZIP member, size, mtime and inode; (name, None) for an optional dataset that is absent.

        The per-kernel memos of the profile runs (`profiles`, `profile_maps`) reuse what they computed
        while this stays the same; the build's own keys (content hashes) decide whether a run happens.
        Locating records each read, absent included, so every run's log names what it depends on.
        """
        files = []
        for name in names:
            try:
                found = self.locate(name)
            except DataNotFoundError:
                if self.catalogue[name].required:
                    raise
                files.append((name, None))
                continue
            stat = found.path.stat()
            files.append((name, str(found.path.resolve()), found.member, stat.st_size, stat.st_mtime_ns, stat.st_ino))
        return tuple(files)

    @property
    def releases(self) -> dict[str, str]:
        """Dataset -> release of every dataset read so far (the report prints them)."""
        return {name: found.release for name, found in sorted(self.found.items())}
