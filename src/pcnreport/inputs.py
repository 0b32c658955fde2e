"""What an analysis notebook reads: datasets located through the catalogue and read once each.

Every notebook starts the same way: find each dataset in the data folder, read it with its reader,
and record which release it read (the report prints the releases). `DataInputs` does that in one
place so notebooks stay a few lines of library calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pcnreport import pcn_size, readers, runlog, synth
from pcnreport.catalogue import Catalogue, LocatedFile, load_catalogue, locate
from pcnreport.errors import DataNotFoundError


@dataclass
class DataInputs:
    data_dir: Path
    catalogue: Catalogue
    releases_wanted: dict[str, str] = field(default_factory=dict)
    found: dict[str, LocatedFile] = field(default_factory=dict)
    _tables: dict[str, object] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, project_dir, data_dir, releases: dict[str, str] | None = None) -> "DataInputs":
        catalogue = load_catalogue(Path(project_dir) / "data" / "catalogue.yaml")
        return cls(Path(data_dir), catalogue, dict(releases or {}))

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

    def read(self, name: str):
        """The dataset's tidy table (read with its catalogue reader); DataNotFoundError if absent."""
        if name not in self._tables:
            reader = getattr(readers, self.catalogue[name].reader)
            self._tables[name] = reader(self.locate(name).path)
        return self._tables[name]

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
            return pcn_size.list_sizes_from_payments(self.read("payments"))
        if population_source == "registrations":
            return self.read("registrations")[["practice_code", "list_size"]]
        raise ValueError(f"population_source must be 'registrations' or 'payments', not {population_source!r}")

    @property
    def synthetic(self) -> bool:
        """True when the data folder is the synthetic sample (figures then say so)."""
        return synth.is_synthetic(self.data_dir)

    @property
    def releases(self) -> dict[str, str]:
        """Dataset -> release of every dataset read so far (the report prints them)."""
        return {name: found.release for name, found in sorted(self.found.items())}
