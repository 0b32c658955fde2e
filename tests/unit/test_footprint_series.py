"""The footprint series over releases: per release and PCN, patients, LSOAs with any patient, LSOAs
holding 80% and the largest LSOA's share, on a two-PCN, two-release toy computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from pcnreport.analysis.footprint_series import COLUMNS, footprint_series
from pcnreport.data.columnar import ColumnarStore
from tests.unit.reader_support import write

HEADER = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"


def release_file(tmp_path, name: str, rows: list[tuple[str, str, int]]):
    text = HEADER + "".join(f"GP_PRAC_PAT_LIST,01JAN2020,{p},A SURGERY,{lsoa},ALL,{n}\n" for p, lsoa, n in rows)
    return write(tmp_path, name, text)


@pytest.fixture
def toy(tmp_path):
    """January: U00001 = A00001 + A00002, U00002 = B00001; April: A00002 has moved to U00002.
    C00001 is in no PCN (its 100 patients in E01000001 count for nobody)."""
    january = release_file(tmp_path, "jan.csv", [
        ("A00001", "E01000001", 50), ("A00001", "E01000002", 30), ("A00001", "E01000003", 20),
        ("A00001", "NO2011", 5),
        ("A00002", "E01000002", 10), ("A00002", "E01000004", 10),
        ("B00001", "E01000005", 8), ("B00001", "E01000006", 2),
        ("C00001", "E01000001", 100),
    ])  # fmt: skip
    april = release_file(tmp_path, "apr.csv", [
        ("A00001", "E01000001", 50), ("A00001", "E01000002", 50),
        ("A00002", "E01000005", 2), ("A00002", "CLOSED", 3), ("A00002", "E01000007", 0),
        ("B00001", "E01000005", 8), ("B00001", "E01000006", 2),
        ("C00001", "E01000001", 100),
    ])  # fmt: skip
    store = ColumnarStore(tmp_path / "store")
    parquet = store.parquet_files({"2020-01": january, "2020-04": april})
    members = {
        "2020-01": pd.DataFrame({"practice_code": ["A00001", "A00002", "B00001", "C00001"],
                                 "pcn_code": ["U00001", "U00001", "U00002", None]}),
        "2020-04": pd.DataFrame({"practice_code": ["A00001", "A00002", "B00001"],
                                 "pcn_code": ["U00001", "U00002", "U00002"]}),
    }  # fmt: skip
    return parquet, members


def test_hand_computed_series(toy):
    parquet, members = toy
    series = footprint_series(parquet, members)

    # January U00001: LSOAs 1:50, 2:40, 3:20, 4:10 (120 living in an area, 5 NO2011). 80% of 120 is 96:
    # 50, then 90, then 110 -> three LSOAs. U00002: 8 of 10 in its largest is exactly 80% -> one LSOA.
    # April U00001: 50 + 50 -> both needed for 80. U00002: LSOA 5 holds 10 of 12 (83%) -> one; E01000007
    # has a row of 0 patients, so it is not an LSOA with a patient; 3 CLOSED have no area.
    expected = pd.DataFrame(
        [
            ("2020-01", "U00001", 2, 125, 5, 4, 3, 50 / 120),
            ("2020-01", "U00002", 1, 10, 0, 2, 1, 8 / 10),
            ("2020-04", "U00001", 1, 100, 0, 2, 2, 50 / 100),
            ("2020-04", "U00002", 2, 15, 3, 2, 1, 10 / 12),
        ],
        columns=COLUMNS,
    ).astype({"release": "str", "pcn_code": "str"})
    pd.testing.assert_frame_equal(series, expected)


def test_share_is_a_parameter_and_its_boundary_counts(toy):
    parquet, members = toy
    series = footprint_series(parquet, members, share=0.5).set_index(["release", "pcn_code"])["lsoas_80pct"]
    # January U00001: 50 of 120 is under half, 90 is over -> two; April U00001: 50 of 100 is exactly half -> one.
    assert series.to_dict() == {("2020-01", "U00001"): 2, ("2020-01", "U00002"): 1,
                                ("2020-04", "U00001"): 1, ("2020-04", "U00002"): 1}  # fmt: skip


def test_membership_must_be_one_pcn_a_practice_and_given_for_each_release(toy):
    parquet, members = toy
    twice = {**members, "2020-04": pd.concat([members["2020-04"],
                                              pd.DataFrame({"practice_code": ["A00001"], "pcn_code": ["U00002"]})])}
    with pytest.raises(ValueError, match="release 2020-04: practice\\(s\\) A00001 listed more than once"):
        footprint_series(parquet, twice)
    with pytest.raises(ValueError, match="no practice-to-PCN membership for release\\(s\\) 2020-04"):
        footprint_series(parquet, {"2020-01": members["2020-01"]})
    with pytest.raises(ValueError, match="share"):
        footprint_series(parquet, members, share=0)
