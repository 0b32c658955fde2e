"""Small helpers shared by the reader tests: write a fixture file, collect a reader's problems."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pcnreport.core.errors import DataFormatError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(reader, path) -> list[str]:
    """The problems `reader` reports for `path`; the message must name the file."""
    with pytest.raises(DataFormatError) as excinfo:
        reader(path)
    assert str(path) in str(excinfo.value)
    return excinfo.value.problems


def int64(*values) -> pd.Series:
    return pd.Series(values, dtype="int64")


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's rows as dicts, read with the csv module alone: the independent count a reader is checked by."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))
