"""Federations and super-practices: the team's own research file (Forbes et al. 2019)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pcnreport.core.errors import DataFormatError
from pcnreport.data.readers import read_federations

HEADER = "practice_code,venture_id,venture_name,venture_type\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "federations.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path) -> list[str]:
    with pytest.raises(DataFormatError) as excinfo:
        read_federations(path)
    assert str(path) in str(excinfo.value)
    return excinfo.value.problems


def test_a_practice_may_be_in_one_federation_and_one_super_practice(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "A81001,F1,North Federation,federation\n"
        + "A81002,F1,North Federation,federation\n"
        + "A81001,S1,Big Practice,super-practice\n",
    )
    expected = pd.DataFrame(
        {
            "practice_code": ["A81001", "A81002", "A81001"],
            "venture_id": ["F1", "F1", "S1"],
            "venture_name": ["North Federation", "North Federation", "Big Practice"],
            "venture_type": ["federation", "federation", "super-practice"],
        }
    )
    pd.testing.assert_frame_equal(read_federations(path), expected)


def test_two_ventures_of_one_type_name_both_rows(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "A81001,F1,North Federation,federation\n"
        + "A81001,S1,Big Practice,super-practice\n"
        + "A81001,F2,South Federation,federation\n",
    )
    assert problems(path) == [
        "practice 'A81001' is in two federations: 'F1' (row 2) and 'F2' (row 4); expected at most one "
        "federation and one super-practice a practice"
    ]


def test_bad_values_and_a_repeated_row(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "A8100,F1,North Federation,federation\n"
        + "A81002,,North Federation,Federation\n"
        + "A81003,F1,,federation\n"
        + "A81003,F1,North Federation,federation\n",
    )
    assert problems(path) == [
        "row 2, column 'practice_code': expected a practice code: a letter and 5 digits, like A81001, found 'A8100'",
        "row 3, column 'venture_id': expected a value (not blank), found a blank cell",
        "row 4, column 'venture_name': expected a value (not blank), found a blank cell",
        "row 3, column 'venture_type': expected 'federation' or 'super-practice', found 'Federation'",
        "columns 'practice_code', 'venture_id': practice and venture 'A81003', 'F1' appears in rows 4 and 5; "
        "expected once",
    ]


def test_a_venture_id_stands_for_one_name_and_type(tmp_path):
    path = write(
        tmp_path,
        HEADER + "A81001,F1,North Federation,federation\n" + "A81002,F1,North Fed,super-practice\n",
    )
    assert problems(path) == [
        "column 'venture_name': venture 'F1' has two names: 'North Federation' (row 2) and 'North Fed' (row 3); "
        "expected the same on every row of a venture",
        "column 'venture_type': venture 'F1' has two types: 'federation' (row 2) and 'super-practice' (row 3); "
        "expected the same on every row of a venture",
    ]


def test_missing_column_and_header_only(tmp_path):
    [problem] = problems(write(tmp_path, "practice_code,venture_id,venture_name\nA81001,F1,North\n"))
    assert problem.startswith("missing column 'venture_type' (expected columns: 'practice_code'; 'venture_id';")
    assert problems(write(tmp_path, HEADER)) == ["no data rows: the file has a header row but nothing under it"]
