"""Figure 6.4 (PCNs serving each MSOA) on the real Pennine Lancashire extract in ../shared/data.

What the report publishes cannot be reproduced here: its 6,791 MSOAs, mean 19 PCNs (SD 13.4)
counting every PCN with a resident and 3.5 (SD 1.8) counting PCNs with at least 1% of the MSOA's
registered residents, need the national practice-by-LSOA registrations of January 2020, and
../shared/data holds only the Pennine Lancashire cut of it (68 of England's 6,791 MSOAs, one
former-mill-town area of east Lancashire, not a sample of England).

What can be checked: the method, exactly, on that area. The cut holds every row for an LSOA in
Pennine Lancashire (the six districts Blackburn with Darwen, Burnley, Hyndburn, Pendle, Ribble Valley
and Rossendale) and every row of a practice in one of the area's PCNs. So for an MSOA all of whose
LSOAs are in the area, every registered resident is in the cut, whatever practice they are registered
with; an MSOA at the edge holds only the patients of the area's practices and is undercounted. The
analysis is therefore restricted to the area's 68 MSOAs (MSOAs nest in districts, so none straddles
the edge), and their counts are exactly what the national file would give.

Practice -> PCN: the ePCN of December 2019 (`epcn/2019-12/ePCN.xlsx`), not the cut's `PCNdefs.csv`.
PCNdefs lists only the area's 74 practices (and agrees with the ePCN for all of them, checked
below); the area's residents registered with practices elsewhere (e.g. in Preston or Bury) belong to
PCNs PCNdefs does not know, so with it 21,961 residents would count towards no PCN and the mean of
PCNs with any resident would fall from 13.8 to 9.2.

The library's result (readers -> pcnreport.analysis.footprints) is compared with an independent computation
written differently: the publisher's files read with `csv` and `openpyxl`, and plain dict counting.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
import yaml

from pcnreport.analysis import footprints
from pcnreport.data import readers

REGISTRATIONS = "registrations-lsoa/2020-01-pennine-lancashire/lsoapops_01JAN2020.csv"
PCNDEFS = "registrations-lsoa/2020-01-pennine-lancashire/PCNdefs.csv"
LOOKUP = "geography/lsoa_geog_lookup.csv"
RUC = "ruc/2011/ruc_2011.csv"
EPCN = "epcn/2019-12/ePCN.xlsx"
PENNINE_DISTRICTS = {"Blackburn with Darwen", "Burnley", "Hyndburn", "Pendle", "Ribble Valley", "Rossendale"}

# The report's national figures (chapter 6.3 and the note of Figure 6.4): not reproducible here.
# The report's values, kept with their source in data/published.yaml.
PUBLISHED = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "published.yaml").read_text())["footprints"]


def _rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)


@pytest.fixture(scope="module")
def area(shared_data):
    """The Pennine Lancashire LSOAs and MSOAs, from the lookup's district names."""
    lsoas, msoas = set(), set()
    for row in _rows(shared_data / LOOKUP):
        if row["LAD_NAME"] in PENNINE_DISTRICTS:
            lsoas.add(row["LSOA_CODE"])
            msoas.add(row["MSOA_CODE"])
    return lsoas, msoas


@pytest.fixture(scope="module")
def independent(shared_data, area):
    """Per MSOA of the area: residents, PCNs with any resident, PCNs with >= 1%, rural."""
    _area_lsoas, area_msoas = area
    msoa_of = {r["LSOA_CODE"]: r["MSOA_CODE"] for r in _rows(shared_data / LOOKUP)}
    rural_lsoa = {r["lsoa"]: r["RUC11CD"][0] in "DE" for r in _rows(shared_data / RUC)}
    sheet = openpyxl.load_workbook(shared_data / EPCN, read_only=True)["PCN Core Partner Details"]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    practice_col, pcn_col = header.index("Partner Organisation Code"), header.index("PCN Code")
    pcn_of = {r[practice_col]: r[pcn_col] for r in rows if r[practice_col]}

    by_pcn = defaultdict(lambda: defaultdict(int))
    total = defaultdict(int)
    rural = defaultdict(int)
    for row in _rows(shared_data / REGISTRATIONS):
        msoa = msoa_of.get(row["LSOA_CODE"])
        if msoa not in area_msoas:
            continue
        patients = int(row["Number.of.Patients"])
        total[msoa] += patients
        rural[msoa] += patients if rural_lsoa[row["LSOA_CODE"]] else 0
        if row["PRACTICE_CODE"] in pcn_of:
            by_pcn[msoa][pcn_of[row["PRACTICE_CODE"]]] += patients
    return {
        msoa: {
            "residents": total[msoa],
            "pcns_any": sum(1 for n in by_pcn[msoa].values() if n > 0),
            # at least 1%, in integers: 100 * n >= total
            "pcns_1pct": sum(1 for n in by_pcn[msoa].values() if 100 * n >= total[msoa]),
            "rural": 2 * rural[msoa] > total[msoa],
        }
        for msoa in total
    }


@pytest.fixture(scope="module")
def tables(shared_data):
    return {
        "registrations": readers.read_registrations_lsoa(shared_data / REGISTRATIONS),
        "members": readers.read_epcn(shared_data / EPCN).members,
        "lsoa_msoa": readers.read_lsoa_msoa(shared_data / LOOKUP),
        "ruc": readers.read_ruc(shared_data / RUC),
    }


@pytest.fixture(scope="module")
def pennine(tables, area):
    area_lsoas, _ = area
    complete = footprints.complete_msoas(tables["lsoa_msoa"], area_lsoas)
    return footprints.footprint_results(
        tables["registrations"], tables["members"], tables["lsoa_msoa"], tables["ruc"], msoas=complete
    )


def test_the_cut_is_complete_for_the_area(shared_data, area):
    area_lsoas, area_msoas = area
    assert (len(area_lsoas), len(area_msoas)) == (343, 68)
    in_cut = {row["LSOA_CODE"] for row in _rows(shared_data / REGISTRATIONS)}
    assert area_lsoas <= in_cut
    # Rows of practices outside the area's PCNs are there only because they live in the area: the
    # cut is "every row for an LSOA in the area or a practice of the area".
    area_practices = {row["PCode"] for row in _rows(shared_data / PCNDEFS)}
    outsiders = {r["LSOA_CODE"] for r in _rows(shared_data / REGISTRATIONS) if r["PRACTICE_CODE"] not in area_practices}
    assert outsiders <= area_lsoas


def test_pcndefs_agrees_with_the_epcn_for_the_area(shared_data, tables):
    epcn = readers.read_epcn(shared_data / EPCN)
    name_of = dict(zip(epcn.pcns["pcn_code"], epcn.pcns["pcn_name"]))
    pcn_of = dict(zip(epcn.members["practice_code"], epcn.members["pcn_code"]))
    defs = list(_rows(shared_data / PCNDEFS))
    assert len(defs) == 74
    assert all(name_of[pcn_of[row["PCode"]]] == row["PCN"] for row in defs)


def test_library_matches_the_independent_count(pennine, independent):
    table = pennine.msoas.set_index("msoa_code")
    assert set(table.index) == set(independent)
    for msoa, expected in independent.items():
        got = table.loc[msoa]
        assert int(got["residents"]) == expected["residents"], msoa
        assert int(got["pcns_any"]) == expected["pcns_any"], msoa
        assert int(got["pcns_1pct"]) == expected["pcns_1pct"], msoa
        assert bool(got["rural"]) == expected["rural"], msoa
    assert pennine.pcns_any.mean == pytest.approx(statistics.mean(v["pcns_any"] for v in independent.values()))
    assert pennine.pcns_1pct.sd == pytest.approx(statistics.stdev(v["pcns_1pct"] for v in independent.values()))


def test_what_pennine_lancashire_gives(pennine):
    # Found: 68 MSOAs, 585,358 registered residents (8,608 an MSOA; the report's England average is
    # 8,853). PCNs with any resident 13.8 (SD 4.2), from 7 to 27; with at least 1%, 3.3 (SD 1.2),
    # from 1 to 7. 60 urban MSOAs: 3.3 (13.5 with any resident); 8 rural: 3.25 (15.9).
    assert pennine.pcns_any.n == 68
    assert int(pennine.msoas["residents"].sum()) == 585_358
    assert round(pennine.pcns_any.mean, 1) == 13.8 and round(pennine.pcns_any.sd, 1) == 4.2
    assert round(pennine.pcns_1pct.mean, 1) == 3.3 and round(pennine.pcns_1pct.sd, 1) == 1.2
    assert (pennine.by_area["urban"]["pcns_1pct"].n, pennine.by_area["rural"]["pcns_1pct"].n) == (60, 8)
    assert round(pennine.by_area["urban"]["pcns_1pct"].mean, 2) == 3.30
    assert round(pennine.by_area["rural"]["pcns_1pct"].mean, 2) == 3.25
    # The area's 59 residents registered with a practice in no PCN of the December 2019 ePCN.
    assert pennine.patients_not_in_pcn == 59
    # Plausibility only (one area is not England): each mean lies within one national SD of the
    # national mean. The 1% count is close (3.3 against 3.5); every-PCN counts are lower and far
    # less spread (4.2 against 13.4): the national SD reflects cities whose MSOAs draw on many PCNs.
    for key in ("pcns_any", "pcns_1pct"):
        mean, sd = PUBLISHED[key]
        assert abs(getattr(pennine, key).mean - mean) < sd, key


def test_area_is_defined_by_district_not_by_presence_in_the_cut(tables, area):
    # "MSOAs all of whose LSOAs appear in the cut" is not enough: the area's practices have a few
    # patients in every LSOA of 12 neighbouring MSOAs (Chorley 4, Preston 2, South Ribble 2,
    # Rochdale 2, Bury 1, Craven 1), whose other residents the cut lacks. The area's own MSOAs are
    # those of its six districts.
    _, area_msoas = area
    present = footprints.complete_msoas(tables["lsoa_msoa"], set(tables["registrations"]["lsoa_code"].dropna()))
    assert area_msoas <= present
    assert len(present - area_msoas) == 12


def test_edge_msoas_would_be_undercounted(tables, pennine):
    # Every MSOA the cut touches (249): those outside the area hold only the area's practices'
    # patients, so they show few PCNs and drag the mean down (5.2 with any resident instead of 13.8).
    everything = footprints.footprint_results(
        tables["registrations"], tables["members"], tables["lsoa_msoa"], tables["ruc"]
    )
    assert len(everything.msoas) > 200
    assert everything.pcns_any.mean < pennine.pcns_any.mean / 2
    assert not math.isclose(everything.pcns_1pct.mean, pennine.pcns_1pct.mean, rel_tol=0.1)
