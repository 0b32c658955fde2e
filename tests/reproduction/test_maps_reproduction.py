"""Figure 4.2 on real data: the East Lancashire and Blackburn with Darwen CCG maps, drawn from the
January 2020 registrations by LSOA for Pennine Lancashire, the December 2019 ePCN, the LSOA lookup
and ONS's MSOA and April 2020 CCG boundaries in ../shared/data.

The interim report's Figure 4.2 is a picture of an unnamed northern CCG, so there is no published
number to compare with. What is checked is that the numbers behind each map are right: an independent
computation, written plainly with `csv`, `json`, `openpyxl` and dicts, finds each CCG's MSOAs from the
lookup's district names (East Lancashire CCG: Burnley, Hyndburn, Pendle, Ribble Valley, Rossendale;
Blackburn with Darwen CCG: its borough) rather than from the boundaries, and counts residents by PCN.

Both CCGs lie inside Pennine Lancashire, for which the extract holds every registered resident (see
test_footprints_reproduction), so their counts are what the national file would give.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict

import openpyxl
import pytest

from pcnreport.analysis import footprints, service_areas
from pcnreport.data import readers
from pcnreport.report import maps
from pcnreport.report.figures import save_figure

REGISTRATIONS = "registrations-lsoa/2020-01-pennine-lancashire/lsoapops_01JAN2020.csv"
LOOKUP = "geography/lsoa_geog_lookup.csv"
EPCN = "epcn/2019-12/ePCN.xlsx"
MSOA_BOUNDARIES = "boundaries/msoa-2011.geojson"
CCG_BOUNDARIES = "boundaries/ccg-2020-04.geojson"

EAST_LANCASHIRE = "E38000050"
BLACKBURN_WITH_DARWEN = "E38000014"
DISTRICTS = {
    EAST_LANCASHIRE: {"Burnley", "Hyndburn", "Pendle", "Ribble Valley", "Rossendale"},
    BLACKBURN_WITH_DARWEN: {"Blackburn with Darwen"},
}


def _rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)


@pytest.fixture(scope="module")
def independent(shared_data):
    """Per CCG, per MSOA of its districts: residents, and residents by PCN."""
    msoa_of, district_of = {}, {}
    for row in _rows(shared_data / LOOKUP):
        msoa_of[row["LSOA_CODE"]] = row["MSOA_CODE"]
        district_of[row["MSOA_CODE"]] = row["LAD_NAME"]
    sheet = openpyxl.load_workbook(shared_data / EPCN, read_only=True)["PCN Core Partner Details"]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    practice_col, pcn_col = header.index("Partner Organisation Code"), header.index("PCN Code")
    pcn_of = {r[practice_col]: r[pcn_col] for r in rows if r[practice_col]}
    total = defaultdict(int)
    by_pcn = defaultdict(lambda: defaultdict(int))
    for row in _rows(shared_data / REGISTRATIONS):
        msoa = msoa_of.get(row["LSOA_CODE"])
        if msoa is None:
            continue
        patients = int(row["Number.of.Patients"])
        total[msoa] += patients
        if row["PRACTICE_CODE"] in pcn_of:
            by_pcn[msoa][pcn_of[row["PRACTICE_CODE"]]] += patients
    names = {}
    for feature in json.loads((shared_data / MSOA_BOUNDARIES).read_text(encoding="utf-8"))["features"]:
        names[feature["properties"]["msoa11_code"]] = feature["properties"]["msoa11_name"]
    result = {}
    for ccg, districts in DISTRICTS.items():
        msoas = {m for m, d in district_of.items() if d in districts}
        result[ccg] = {m: {"residents": total[m], "pcns": dict(by_pcn[m]), "name": names[m]} for m in msoas}
    return result


@pytest.fixture(scope="module")
def tables(shared_data):
    epcn = readers.read_epcn(shared_data / EPCN)
    return {
        "registrations": readers.read_registrations_lsoa(shared_data / REGISTRATIONS),
        "epcn": epcn,
        "lsoa_msoa": readers.read_lsoa_msoa(shared_data / LOOKUP),
        "msoas": readers.read_msoa_boundaries(shared_data / MSOA_BOUNDARIES),
        "ccgs": readers.read_ccg_boundaries(shared_data / CCG_BOUNDARIES),
    }


@pytest.fixture(scope="module")
def residents(tables):
    return footprints.residents_by_msoa_and_pcn(tables["registrations"], tables["epcn"].members, tables["lsoa_msoa"])


@pytest.mark.parametrize(
    "ccg, msoas, dominant_pcns",
    [(EAST_LANCASHIRE, 48, 11), (BLACKBURN_WITH_DARWEN, 18, 5)],
)
def test_ccg_map_numbers_match_an_independent_count(tables, residents, independent, ccg, msoas, dominant_pcns):
    areas = service_areas.ccg_service_areas(residents, tables["msoas"], tables["ccgs"], ccg).set_index("msoa_code")
    assert (len(areas), areas["dominant_pcn"].nunique()) == (msoas, dominant_pcns)
    expected = independent[ccg]
    # The boundaries pick the districts' MSOAs, except where the CCG and district boundaries differ:
    # Longridge, in Ribble Valley, is in Greater Preston CCG.
    assert set(areas.index) <= set(expected)
    left_out = set(expected) - set(areas.index)
    assert all(expected[m]["name"].startswith("Ribble Valley") for m in left_out), left_out
    for msoa, row in areas.iterrows():
        mine = expected[msoa]
        counts = mine["pcns"]
        top = min(counts, key=lambda pcn: (-counts[pcn], pcn))
        assert row["residents"] == mine["residents"], msoa
        assert row["dominant_pcn"] == top, msoa
        assert row["dominant_residents"] == counts[top], msoa
        assert row["dominant_share"] == pytest.approx(counts[top] / mine["residents"]), msoa
        assert row["pcns_1pct"] == sum(1 for n in counts.values() if 100 * n >= mine["residents"]), msoa
        assert row["pcns_any"] == sum(1 for n in counts.values() if n > 0), msoa


def test_ccg_maps_are_drawn_with_the_os_credit(tables, tmp_path):
    credit = "Contains OS data © Crown copyright and database right 2020."
    for ccg in (EAST_LANCASHIRE, BLACKBURN_WITH_DARWEN):
        chart = maps.ccg_service_map(
            tables["registrations"], tables["lsoa_msoa"], tables["epcn"], tables["msoas"], tables["ccgs"], ccg,
            attribution=credit,
        )
        paths = save_figure(chart, f"fig-{ccg}", tmp_path, "map")
        assert paths["pdf"].read_bytes().startswith(b"%PDF")
        spec = json.loads(paths["spec"].read_text(encoding="utf-8"))
        assert credit in json.dumps(spec, ensure_ascii=False)
        features = spec["vconcat"][0]["layer"][0]["data"]["values"]
        assert len(features) == {EAST_LANCASHIRE: 48, BLACKBURN_WITH_DARWEN: 18}[ccg]


def test_default_ccg_is_the_one_the_extract_was_cut_around(tables, residents):
    assert service_areas.default_ccg(residents, tables["msoas"], tables["ccgs"]) == EAST_LANCASHIRE


def test_profile_maps_on_the_real_extract(tables, residents, shared_data):
    """The CCG profiles' maps (pcnreport.report.profile_maps): the mapping's ONS codes find every CCG's boundary;
    the two Pennine Lancashire CCGs get the same MSOAs as Figure 4.2; a CCG far from the extract gets the
    notice rather than a map of empty areas."""
    from pcnreport.report import profile_maps

    mapping = readers.read_practice_ccg(shared_data / "qof" / "2019-20" / "MAPPING_NHS_GEOGRAPHIES_1920.csv")
    assert set(mapping["ccg_ons_code"]) == set(tables["ccgs"]["code"])
    base = profile_maps.map_base(tables["registrations"], tables["lsoa_msoa"], tables["epcn"], tables["msoas"],
                                 tables["ccgs"])
    for ccg in (EAST_LANCASHIRE, BLACKBURN_WITH_DARWEN):
        chart, _ = profile_maps.ccg_map(base, ccg, ccg)
        drawn = {f["properties"]["code"] for f in chart.to_dict()["layer"][0]["data"]["values"]}
        areas = service_areas.ccg_service_areas(residents, tables["msoas"], tables["ccgs"], ccg)
        assert drawn == set(areas["msoa_code"])
    tees_valley = mapping.loc[mapping["ccg_code"] == "16C", "ccg_ons_code"].iloc[0]
    chart, reason = profile_maps.ccg_map(base, tees_valley, "NHS Tees Valley CCG")
    assert chart is None and "hold no registered residents" in reason
