"""Each month of the landscape on its own (pcnreport.analysis.landscape_months): what a month's run keeps,
read back as it was written, and the chapter's tables assembled from the months equal to those computed
over the whole series at once."""

import json

import pandas as pd
import pytest
from test_landscape import AFTER, BEFORE, snapshot

from pcnreport.analysis import footprint_series, landscape, landscape_months, month_files
from pcnreport.core.errors import DataNotFoundError
from pcnreport.report.sections import landscape as section

# Four months: January 2020 and 2021 of test_landscape, and two between, so the year back of January 2021
# is January 2020 and the month before it is October 2020.
APRIL = snapshot("2020-04", BEFORE.members.assign(pcn_code=BEFORE.members["pcn_code"].replace({"F": "A"})).values.tolist(),
                 dict(BEFORE.list_sizes.values.tolist()))  # fmt: skip
OCTOBER = snapshot("2020-10", APRIL.members.values.tolist(), dict(BEFORE.list_sizes.values.tolist()))


def _placed(snap):
    """The snapshot with the mapping's commissioner, STP and region columns (one of each)."""
    members = snap.members.assign(commissioner_level="ccg", commissioner_code="C1", icb_or_stp_code="S1",
                                  icb_or_stp_name="STP 1", region_code="Y56", region_name="LONDON")
    return landscape.Snapshot(snap.month, members, snap.list_sizes)


SERIES = [_placed(s) for s in (BEFORE, APRIL, OCTOBER, AFTER)]
USED = {"2020-01": "2020-01", "2020-04": "2020-01", "2020-10": "2020-01", "2021-01": "2021-01"}


def test_each_month_keeps_its_changes_since_the_month_before_and_a_year_back():
    months = landscape_months.from_snapshots(SERIES, USED)
    assert [m.month for m in months] == ["2020-01", "2020-04", "2020-10", "2021-01"]
    assert months[0].since_previous is None and months[0].since_year_back is None
    assert (months[3].since_previous.start, months[3].since_year_back.start) == ("2020-10", "2020-01")
    assert months[1].since_previous.closed["pcn_code"].tolist() == ["F"]  # F's practice joined A in April
    assert months[2].since_year_back is None  # nothing a year before October 2020
    # January 2020: A 35,000, B 17,000, C 55,000, D 4,000, E 26,000, F 6,000.
    assert months[0].summary["pcns"] == 6 and months[0].summary["median"] == pytest.approx(21_500)
    assert months[0].pcns.set_index("pcn_code")["population"].to_dict() == {
        "A": 35_000, "B": 17_000, "C": 55_000, "D": 4_000, "E": 26_000, "F": 6_000}


def test_a_month_read_back_is_the_month_written(tmp_path):
    written = landscape_months.from_snapshots(SERIES, USED)[3]
    paths = landscape_months.write(tmp_path, written)
    assert [p.name for p in paths] == ["2021-01.json", "2021-01.members.csv"]
    read = landscape_months.read(tmp_path, "2021-01")
    assert read.month == written.month and read.sizes_release == "2021-01"
    pd.testing.assert_frame_equal(read.members, written.members.astype(str).mask(written.members.isna()))
    pd.testing.assert_frame_equal(read.pcns, written.pcns, check_dtype=False)
    assert read.summary == json.loads(json.dumps(written.summary, default=lambda v: v.item()))
    for key in ("since_previous", "since_year_back"):
        a, b = getattr(read, key), getattr(written, key)
        assert (a.start, a.end, a.opened, a.recoded, a.fates) == (b.start, b.end, b.opened, b.recoded, b.fates)
        pd.testing.assert_frame_equal(a.moves, b.moves)
        pd.testing.assert_frame_equal(a.flows, b.flows, check_dtype=False)


def test_a_missing_month_names_its_file_and_what_writes_it(tmp_path):
    with pytest.raises(DataNotFoundError, match=r"2022-03\.json.*analysis/month\.ipynb"):
        landscape_months.read(tmp_path, "2022-03")


def test_the_chapter_from_the_months_equals_the_chapter_from_the_whole_series(tmp_path):
    for result in landscape_months.from_snapshots(SERIES, USED):
        landscape_months.write(tmp_path, result)
    results = section.landscape_results(landscape_months.read_all(tmp_path, ["2021-01", "2020-04", "2020-01", "2020-10"]))
    pd.testing.assert_frame_equal(results.years, landscape.changes_by_year(SERIES))
    pd.testing.assert_frame_equal(results.flows, landscape.flows_by_year(SERIES))
    expected = landscape.monthly_summary(landscape.pcn_months(SERIES))
    pd.testing.assert_frame_equal(results.summary, expected, check_dtype=False)
    pd.testing.assert_frame_equal(results.commissioners, landscape.commissioners_by_month(SERIES))
    assert results.yearly_months == ["2020-01", "2021-01"]
    assert results.whole.fates == landscape.changes(BEFORE, AFTER).fates


def test_months_no_longer_in_the_data_lose_their_files(tmp_path):
    for result in landscape_months.from_snapshots(SERIES, USED):
        landscape_months.write(tmp_path, result)
    month_files.remove_stale(tmp_path, ["2020-01", "2021-01"])
    left = sorted(p.name for p in (tmp_path / month_files.FOLDER).iterdir())
    assert left == ["2020-01.json", "2020-01.members.csv", "2021-01.json", "2021-01.members.csv"]


def test_the_commissioner_periods_are_runs_of_equal_counts():
    rows = [("2022-05", "ccg", 106, 42, 7), ("2022-06", "ccg", 106, 42, 7), ("2022-07", "sub-icb", 106, 42, 7),
            ("2023-04", "sub-icb", 106, 42, 7), ("2024-04", "sub-icb", 104, 42, 7)]
    comm = pd.DataFrame(rows, columns=landscape.COMMISSIONER_COLUMNS)
    results = section.LandscapeResults(
        months=comm["month"].tolist(), yearly_months=[], sizes_used={},
        summary=landscape.monthly_summary(landscape.pcn_months([BEFORE])), years=pd.DataFrame(columns=[
            "start", "end", "pcns_start", "pcns_end", "opened", "closed_merged", "closed_split", "closed_dissolved",
            "recoded", "practices_moved"]),
        flows=landscape.flows_table([]), commissioners=comm,
        icbs=pd.DataFrame(columns=["icb_code", "icb_name", "region_name", "pcns", "population"]),
        whole=landscape.changes(BEFORE, AFTER), footprints=footprint_series.summary_by_release(pd.DataFrame()),
    )
    table = section.tables(results)["tbl-landscape-commissioners"][0]
    assert table[["From", "To", "Commissioners", "Number"]].values.tolist() == [
        ["May 2022", "June 2022", "CCGs", "106"],
        ["July 2022", "April 2023", "sub-ICB locations", "106"],
        ["April 2024", "April 2024", "sub-ICB locations", "104"],
    ]


def test_a_month_keeps_the_footprints_of_the_lsoa_releases_it_stands_for(tmp_path):
    from pcnreport.data.columnar import ColumnarStore
    from tests.unit.reader_support import write

    header = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
    rows = [("A00001", "E01000001", 60), ("A00001", "E01000002", 30), ("A00002", "E01000002", 10),
            ("A00002", "NO2011", 25), ("A00003", "E01000003", 40)]  # fmt: skip
    source = write(tmp_path, "lsoa.csv", header + "".join(f"GP_PRAC_PAT_LIST,01JAN2020,{p},A SURGERY,{a},ALL,{n}\n"
                                                           for p, a, n in rows))
    parquet = ColumnarStore(tmp_path / "store").parquet_for(source)
    january = _placed(snapshot("2020-01", [("A00001", "A"), ("A00002", "A"), ("A00003", "B")], {}))
    month = landscape_months.compute(january, "2020-01", lsoa_parquet={"2020-01": parquet})
    # PCN A = A00001 + A00002: 100 patients in an area, 60 in E01000001 and 40 in E01000002, 25 with none;
    # B = A00003: 40 in one LSOA.
    prints = month.footprints.set_index("pcn_code")
    assert prints.loc["A", ["patients", "patients_without_area", "lsoas_any", "lsoas_80pct"]].tolist() == [125, 25, 2, 2]
    assert prints.loc["A", "largest_lsoa_share"] == pytest.approx(0.6)
    assert prints.loc["B", ["lsoas_any", "lsoas_80pct"]].tolist() == [1, 1]

    landscape_months.write(tmp_path, month)
    read = landscape_months.read(tmp_path, "2020-01")
    later = _placed(snapshot("2021-01", [("A00001", "A"), ("A00002", "B"), ("A00003", "B")], {}))
    summary = section.landscape_results([read, landscape_months.compute(later, None, january, january)]).footprints
    assert summary[["release", "membership", "pcns"]].values.tolist() == [["2020-01", "2020-01", 2]]
    # Medians over A and B: LSOAs with patients (2 + 1) / 2, largest shares (0.6 + 1.0) / 2.
    assert summary.loc[0, "lsoas_any_median"] == 1.5 and summary.loc[0, "largest_share_median"] == pytest.approx(0.8)
    words = section.footprint_numbers(summary)
    assert words["sentence"].startswith("The data hold 1 release of registrations by LSOA (January 2020). In January 2020")
    assert section.release_words("2020-01-pennine-lancashire") == "January 2020, Pennine Lancashire"
    assert section._area_cut("2020-01-pennine-lancashire").startswith(" That release holds only the patients living in Pennine Lancashire")
    assert section._area_cut("2020-01") == ""
