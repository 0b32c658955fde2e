"""Each area's numbers in its own file: read back whole, kept to a stated precision, rewritten only when they change.

The country is test_profiles.py's: six practices, three PCNs, CCGs 00L, 00M, 00N in regions Y56 and Y58.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_profiles import AGED_65, LIST_SIZES, PCNS, PRACTICES, _mapping

from pcnreport.analysis import area_records, profiles
from pcnreport.core import runlog
from pcnreport.core.errors import DataNotFoundError


def _national(aged_65=AGED_65) -> profiles.National:
    members = pd.DataFrame({"practice_code": PRACTICES, "pcn_code": PCNS})
    list_sizes = pd.DataFrame({"practice_code": PRACTICES, "list_size": LIST_SIZES})
    ages = pd.DataFrame({"practice_code": PRACTICES, "aged_65_plus": aged_65, "list_size": LIST_SIZES})
    names = pd.DataFrame({"pcn_code": ["U00001", "U00002", "U00003"], "pcn_name": ["ONE PCN", "TWO PCN", "THREE PCN"]})
    return profiles.national(members, list_sizes, _mapping(), names, ages=ages)


def test_every_area_is_written_and_read_back_as_its_profile(tmp_path):
    national = _national()
    written = area_records.write_all(tmp_path, national, {"epcn": "2020-01"}, "registrations")
    assert sorted(p.name for p in written) == ["ccg-00L.json", "ccg-00M.json", "ccg-00N.json",
                                               "region-Y56.json", "region-Y58.json"]
    for area in national.area_list:
        expected = profiles.area_profile(national, area.type, area.code)
        record = area_records.read(tmp_path, area.type, area.code)
        got = record.profile
        assert got.area == area and got.bands == expected.bands and got.england_bands == expected.england_bands
        assert (got.population, got.practices, got.england_population, got.england_pcns) == (
            expected.population, expected.practices, expected.england_population, expected.england_pcns)
        pd.testing.assert_frame_equal(got.pcns, expected.pcns[list(area_records.PCN_COLUMNS)])
        assert list(got.characteristics.columns) == list(expected.characteristics.columns)
        assert record.releases == {"epcn": "2020-01"} and record.population_source == "registrations"
        assert sorted(record.england_pcn_populations["population"]) == [35_000, 40_000, 65_000]
    # A CCG knows its region; 00M (U00002's majority CCG) has one PCN of 40,000 and two practices.
    ccg = area_records.read(tmp_path, "ccg", "00M")
    assert ccg.region.code == "Y56" and ccg.profile.ccgs is None
    assert list(ccg.profile.pcns["population"]) == [40_000] and ccg.profile.practices == 2
    region = area_records.read(tmp_path, "region", "Y56").profile
    assert list(region.ccgs["ccg_code"]) == ["00L", "00M"] and list(region.ccgs["pcns"]) == [1, 1]


def test_characteristics_are_kept_two_decimals_beyond_those_printed(tmp_path):
    national = _national(aged_65=[2_000, 3_000, 1_000, 6_000, 8_000, 5_001])
    area_records.write_all(tmp_path, national, {}, "registrations")
    row = area_records.read(tmp_path, "region", "Y58").profile.characteristics.set_index("key").loc["pct_65_plus"]
    assert row["places"] == 1
    assert row["area"] == 20.002  # 13,001 of 65,000 = 20.0015...% kept to 3 decimals
    assert row["england"] == 17.858  # 25,001 of 140,000 = 17.85785...%


def test_a_file_is_rewritten_only_when_its_numbers_move(tmp_path):
    area_records.write_all(tmp_path, _national(), {}, "registrations")
    folder = tmp_path / area_records.FOLDER
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.json")}
    area_records.write_all(tmp_path, _national(), {}, "registrations")
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.json")} == before

    # One patient aged 65+ counted at A00006 instead of A00005: both in PCN U00003, so no area's number
    # moves and no file is touched.
    moved = [2_000, 3_000, 1_000, 6_000, 7_999, 5_001]
    area_records.write_all(tmp_path, _national(aged_65=moved), {}, "registrations")
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.json")} == before

    # 1,000 more at A00006 move U00003, 00N, Y58 and England (so every file: each compares with England).
    more = [2_000, 3_000, 1_000, 6_000, 8_000, 6_000]
    area_records.write_all(tmp_path, _national(aged_65=more), {}, "registrations")
    assert all(p.read_bytes() != before[p.name][0] for p in folder.glob("*.json"))
    england = area_records.read(tmp_path, "ccg", "00L").profile.characteristics.set_index("key").loc["pct_65_plus"]
    assert england["england"] == 18.571  # 26,000 of 140,000


def test_an_area_gone_from_the_data_loses_its_file(tmp_path):
    folder = tmp_path / area_records.FOLDER
    folder.mkdir(parents=True)
    (folder / "ccg-99X.json").write_text("{}")
    area_records.write_all(tmp_path, _national(), {}, "registrations")
    assert not (folder / "ccg-99X.json").exists() and (folder / "ccg-00L.json").exists()


def test_reading_is_recorded_for_the_build_and_a_missing_file_is_named(tmp_path, monkeypatch):
    log = tmp_path / "run.jsonl"
    monkeypatch.setenv(runlog.ENV, str(log))
    area_records.write_all(tmp_path, _national(), {}, "registrations")
    area_records.read(tmp_path, "ccg", "00L")
    assert runlog.load_generated(log) == [(tmp_path / area_records.FOLDER / "ccg-00L.json").resolve()]
    with pytest.raises(DataNotFoundError, match=r"ccg-00X\.json.*analysis/profile-areas\.ipynb"):
        area_records.read(tmp_path, "ccg", "00X")


def test_the_file_is_canonical_json():
    text = area_records.encode({"b": 1, "a": [1.5, None]})
    assert text == '{"a":[1.5,null],"b":1}\n' and json.loads(text) == {"a": [1.5, None], "b": 1}
    with pytest.raises(ValueError):
        area_records.encode({"a": float("nan")})
