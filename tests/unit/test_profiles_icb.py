"""ICB profiles (sub-ICB era) on six practices, three PCNs, three sub-ICB locations, three ICBs, two regions.

    practice  list size  aged 65+  sub-ICB (ICB, region)  PCN
    A00001    20,000     2,000     00L (QE1, Y56)         U00001
    A00002    15,000     3,000     00L (QE1, Y56)         U00001
    A00003    10,000     1,000     00L (QE1, Y56)         U00002  <- its PCN has most patients in 00M
    A00004    30,000     6,000     00M (QE2, Y56)         U00002
    A00005    40,000     8,000     00N (QE3, Y58)         U00003
    A00006    25,000     5,000     00P (QE3, Y58)         U00003  <- 00P holds no PCN's majority

U00002 (40,000 patients) belongs to 00M, so to QE2: QE2's profile counts A00003 although its practice
lies in QE1. QE3's PCN U00003 lies in 00N (40,000 of 65,000). 65+ shares: QE1 5,000 / 35,000 = 14.29%,
QE2 7,000 / 40,000 = 17.5%, QE3 13,000 / 65,000 = 20%.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pcnreport.analysis import area_records, profiles
from pcnreport.core.errors import DataFormatError
from pcnreport.data import commissioner_link
from pcnreport.data.readers.practice_map import as_practice_ccg
from pcnreport.report import profile_pages

PRACTICES = ["A00001", "A00002", "A00003", "A00004", "A00005", "A00006"]
LIST_SIZES = [20_000, 15_000, 10_000, 30_000, 40_000, 25_000]
AGED_65 = [2_000, 3_000, 1_000, 6_000, 8_000, 5_000]
SUB_ICBS = ["00L", "00L", "00L", "00M", "00N", "00P"]
ICBS = ["QE1", "QE1", "QE1", "QE2", "QE3", "QE3"]
REGIONS = ["Y56", "Y56", "Y56", "Y56", "Y58", "Y58"]
PCNS = ["U00001", "U00001", "U00002", "U00002", "U00003", "U00003"]


def _mapping(icbs=ICBS, regions=REGIONS, level="sub-icb") -> pd.DataFrame:
    mapping = pd.DataFrame({
        "practice_code": PRACTICES, "ccg_code": SUB_ICBS, "ccg_name": [f"NHS SOME ICB - {c}" for c in SUB_ICBS],
        "ccg_ons_code": [f"E3800000{i}" for i in range(6)],
        "icb_code": icbs, "icb_name": [f"NHS {c} INTEGRATED CARE BOARD" for c in icbs],
        "region_code": regions, "region_name": ["LONDON" if r == "Y56" else "SOUTH WEST" for r in regions],
    })
    mapping.attrs["commissioner_level"] = level
    return mapping


def _national(mapping=None) -> profiles.National:
    members = pd.DataFrame({"practice_code": PRACTICES, "pcn_code": PCNS})
    list_sizes = pd.DataFrame({"practice_code": PRACTICES, "list_size": LIST_SIZES})
    ages = pd.DataFrame({"practice_code": PRACTICES, "aged_65_plus": AGED_65, "list_size": LIST_SIZES})
    names = pd.DataFrame({"pcn_code": ["U00001", "U00002", "U00003"], "pcn_name": ["ONE PCN", "TWO PCN", "THREE PCN"]})
    return profiles.national(members, list_sizes, _mapping() if mapping is None else mapping, names, ages=ages)


def test_sub_icb_era_areas_are_regions_then_icbs_then_sub_icb_locations():
    areas = profiles.areas_from_mapping(_mapping())
    assert [a.slug for a in areas] == ["region-Y56", "region-Y58", "icb-QE1", "icb-QE2", "icb-QE3",
                                       "sub-icb-00L", "sub-icb-00M", "sub-icb-00N", "sub-icb-00P"]
    assert areas[2].title == "NHS QE1 Integrated Care Board"


def test_a_ccg_era_mapping_has_no_icb_areas_even_with_icb_columns():
    areas = profiles.areas_from_mapping(_mapping(level="ccg"))
    assert [a.type for a in areas] == ["region"] * 2 + ["ccg"] * 4


def test_each_pcn_lies_in_the_icb_of_its_majority_sub_icb_location():
    national = _national()
    by_pcn = national.pcns.set_index("pcn_code")
    assert by_pcn["icb_code"].to_dict() == {"U00001": "QE1", "U00002": "QE2", "U00003": "QE3"}
    assert national.ccg_icb == {"00L": "QE1", "00M": "QE2", "00N": "QE3", "00P": "QE3"}
    assert national.icb_region == {"QE1": "Y56", "QE2": "Y56", "QE3": "Y58"}


def test_an_icb_profile_has_its_pcns_sub_icb_locations_and_measures():
    national = _national()
    qe2 = profiles.area_profile(national, "icb", "QE2")
    assert list(qe2.pcns["pcn_code"]) == ["U00002"]
    assert (qe2.population, qe2.practices) == (40_000, 2)  # A00003 counts with its PCN
    assert qe2.ccgs.to_dict("records") == [
        {"ccg_code": "00M", "ccg_name": "NHS SOME ICB - 00M", "pcns": 1, "population": 40_000, "pcns_in_range": 1}
    ]
    share = qe2.characteristics.set_index("key").loc["pct_65_plus", "area"]
    assert share == pytest.approx(100 * 7_000 / 40_000)
    qe3 = profiles.area_profile(national, "icb", "QE3")
    assert qe3.population == 65_000 and list(qe3.ccgs["ccg_code"]) == ["00N"]  # 00P holds no PCN
    assert qe3.characteristics.set_index("key").loc["pct_65_plus", "area"] == pytest.approx(20.0)
    assert qe3.commissioner_type == "sub-icb"


def test_icb_and_region_of_each_area():
    national = _national()
    area = profiles.find_area(national, "sub-icb", "00P")
    assert profiles.icb_of(national, area).slug == "icb-QE3"
    assert profiles.region_of(national, profiles.find_area(national, "icb", "QE1")).code == "Y56"
    assert profiles.icb_of(national, profiles.find_area(national, "icb", "QE1")) is None


def test_a_sub_icb_location_in_two_icbs_is_a_data_error_naming_it():
    with pytest.raises(DataFormatError, match="sub-ICB location 00L has practices in ICBs QE1, QE2"):
        profiles.ccg_icbs(_mapping(icbs=["QE1", "QE2", "QE1", "QE2", "QE3", "QE3"]))


def test_an_icb_in_two_regions_is_a_data_error_naming_it():
    # 00N's practices in Y56 would also split 00N; 00P alone moves, so only the ICB is split.
    with pytest.raises(DataFormatError, match="ICB QE3 has practices in regions Y56, Y58"):
        profiles.icb_regions(_mapping(regions=["Y56", "Y56", "Y56", "Y56", "Y58", "Y56"]))


def test_area_files_keep_a_sub_icb_locations_icb_and_ccg_era_files_have_no_icb_key(tmp_path):
    national = _national()
    area_records.write_all(tmp_path, national, {"practice-ccg": "2023-24"}, "registrations")
    record = area_records.read(tmp_path, "sub-icb", "00L")
    assert record.icb == profiles.Area("icb", "QE1", "NHS QE1 INTEGRATED CARE BOARD")
    assert record.region.code == "Y56"
    icb = area_records.read(tmp_path, "icb", "QE3")
    assert icb.icb is None and icb.profile.ccgs["population"].tolist() == [65_000]
    assert "icb" not in json.loads(area_records.path_of(tmp_path, "region", "Y56").read_text())


def test_pages_link_a_sub_icb_location_to_its_icb_and_list_an_icbs_sub_icb_locations_and_pcns():
    national = _national()
    sub_icb = profiles.area_profile(national, "sub-icb", "00M")
    qe2 = profiles.find_area(national, "icb", "QE2")
    region = profiles.region_of(national, sub_icb.area)
    text = profile_pages.page_text(sub_icb, profile_pages.numbers_for_page(sub_icb), region, "x.ipynb", icb=qe2)
    assert "Integrated Care Board: [NHS QE2 Integrated Care Board](icb-QE2.html). Region: [London]" in text
    icb = profiles.area_profile(national, "icb", "QE2")
    page = profile_pages.page_text(icb, profile_pages.numbers_for_page(icb), region, "x.ipynb")
    assert "is an Integrated Care Board" in page
    assert "## Its Sub-ICB locations" in page and "## Its Primary Care Networks" in page
    assert "Clinical Commissioning Group" not in page and "CCG" not in page.replace("ccgs", "")
    assert "(sub-icb-00M.html)" in profile_pages._linked_ccg_table(icb)


def test_the_index_counts_regions_icbs_and_sub_icb_locations():
    national = _national()
    areas = list(national.area_list)
    texts = [profile_pages.numbers_for_page(profiles.area_profile(national, a.type, a.code)) for a in areas]
    index = profile_pages.index_text(areas, texts)
    assert "each of the 2 NHS England regions, 3 Integrated Care Boards and 4 sub-ICB locations" in index
    assert "Each PCN belongs to the sub-ICB location holding most" in index
    assert "<td>Integrated Care Board</td><td>QE1</td>" in index


# --- which mapping gives the link ---------------------------------------------------------------------


@pytest.mark.parametrize(("qof", "monthly", "newer"), [
    ("2021-22", "2022-10", True),  # QOF 2021-22 counts as of September 2022
    ("2021-22", "2022-09", False),
    ("2023-24", "2026-06", True),
    ("2020-21", None, False),
    ("unversioned", "2026-06", False),  # an undated QOF release is kept
    ("2020-21", "2026-6", False),  # not a month
    ("2020-22", "2026-06", False),  # not a QOF year
])
def test_the_monthly_mapping_is_used_only_when_it_is_newer(qof, monthly, newer):
    assert commissioner_link.monthly_is_newer(qof, monthly) is newer
    expected = commissioner_link.MONTHLY_MAPPING if newer else commissioner_link.QOF_MAPPING
    assert commissioner_link.source_of(qof, monthly) == expected


def _monthly(level: str) -> pd.DataFrame:
    return pd.DataFrame({
        "practice_code": ["A00001"], "practice_name": ["ONE"], "practice_postcode": ["AB1 2CD"],
        "pcn_code": ["U00001"], "pcn_name": ["ONE PCN"], "commissioner_level": [level],
        "commissioner_code": ["00L"], "commissioner_ons_code": ["E38000001"], "commissioner_name": ["NHS X"],
        "icb_or_stp_code": ["QE1"], "icb_or_stp_ons_code": ["E54000001"], "icb_or_stp_name": ["NHS QE1"],
        "region_code": ["Y56"], "region_ons_code": ["E40000003"], "region_name": ["LONDON"],
    })


def test_the_monthly_mapping_in_the_qof_mappings_shape_puts_icbs_and_stps_by_era():
    sub_icb = as_practice_ccg(_monthly("sub-icb"))
    assert sub_icb.attrs["commissioner_level"] == "sub-icb"
    row = sub_icb.iloc[0]
    assert (row["ccg_code"], row["ccg_ons_code"], row["icb_code"], row["icb_name"]) == ("00L", "E38000001", "QE1", "NHS QE1")
    assert pd.isna(row["stp_code"])
    ccg = as_practice_ccg(_monthly("ccg")).iloc[0]
    assert ccg["stp_code"] == "QE1" and pd.isna(ccg["icb_code"])
    assert [a.slug for a in profiles.areas_from_mapping(sub_icb)] == ["region-Y56", "icb-QE1", "sub-icb-00L"]


class _Found:
    def __init__(self, release):
        self.release = release


def _folder(root, releases: dict[str, list[str]]):
    """A data folder holding (empty) files of the given releases: where the link looks for months."""
    files = {"registrations-map": "gp-reg-pat-prac-map.csv", "registrations": "gp-reg-pat-prac-all.csv",
             "practice-ccg": "MAPPING_NHS_GEOGRAPHIES_1920.csv"}
    folders = {"registrations-map": "registrations-map", "registrations": "registrations", "practice-ccg": "qof"}
    for name, names in releases.items():
        for release in names:
            (root / folders[name] / release).mkdir(parents=True, exist_ok=True)
            (root / folders[name] / release / files[name]).touch()
    return root


class _Inputs:
    """The part of DataInputs the link reads: located releases (the latest present, or the one wanted) and
    tables."""

    def __init__(self, tables: dict, releases: dict, catalogue, root):
        self.tables, self.catalogue, self.read_names = tables, catalogue, []
        self.data_dir = _folder(root, {name: [release] for name, release in releases.items()} | {"registrations": ["2026-06"]})
        self.releases_found, self.releases_wanted = releases, {}

    def locate(self, name):
        from pcnreport.core.errors import DataNotFoundError

        if name not in self.releases_found:
            raise DataNotFoundError(name)
        return _Found(self.releases_wanted.get(name, self.releases_found[name]))

    def locate_release(self, name, release):
        from pcnreport.core.errors import DataNotFoundError

        if self.releases_found.get(name) != release:
            raise DataNotFoundError(name)
        return _Found(release)

    def read(self, name):
        self.read_names.append(name)
        return self.tables[name]


def test_the_link_comes_from_the_newer_mapping_and_says_which(tmp_path):
    from pathlib import Path

    from pcnreport.data.catalogue import load_catalogue

    catalogue = load_catalogue(Path(__file__).parents[2] / "data" / "catalogue.yaml")
    tables = {"practice-ccg": _mapping(), "registrations-map": _monthly("sub-icb")}
    newer = _Inputs(tables, {"practice-ccg": "2021-22", "registrations-map": "2023-01"}, catalogue, tmp_path / "a")
    link = commissioner_link.practice_commissioners(newer)
    assert (link.dataset, link.release, list(link.table["practice_code"])) == ("registrations-map", "2023-01", ["A00001"])
    assert newer.read_names == ["registrations-map"]
    older = _Inputs(tables, {"practice-ccg": "2023-24", "registrations-map": "2023-01"}, catalogue, tmp_path / "b")
    assert commissioner_link.practice_commissioners(older).dataset == "practice-ccg"
    without = _Inputs(tables, {"practice-ccg": "2019-20"}, catalogue, tmp_path / "c")
    link = commissioner_link.practice_commissioners(without)
    assert (link.dataset, len(link.table)) == ("practice-ccg", 6)
    assert "newer than QOF's" in commissioner_link.describe("registrations-map", "2023-01")


@pytest.mark.parametrize(("registrations", "maps", "wanted", "expected"), [
    ("2023-01", ["2022-12", "2023-01", "2023-02"], None, "2023-01"),  # the registrations' own month
    ("2023-01", ["2022-10", "2023-04"], None, "2022-10"),  # else the latest before it, never a later one
    ("2020-01", ["2020-04", "2026-06"], None, None),  # the default sample: later months only -> QOF's
    ("2023-01", ["2022-10", "2023-04"], "2023-04", "2023-04"),  # a release asked for is taken
    ("unversioned", ["2022-10", "2023-04"], None, "2023-04"),  # an undated registrations file: the latest
    ("2023-01", [], None, None),
])
def test_the_monthly_mapping_is_the_registrations_month_s_or_an_earlier_one(tmp_path, registrations, maps, wanted, expected):
    from pathlib import Path

    from pcnreport.data.catalogue import load_catalogue

    catalogue = load_catalogue(Path(__file__).parents[2] / "data" / "catalogue.yaml")
    root = _folder(tmp_path, {"registrations-map": maps, "registrations": [registrations]})
    if registrations == "unversioned":
        (root / "registrations" / "unversioned" / "gp-reg-pat-prac-all.csv").rename(root / "registrations" / "gp-reg-pat-prac-all.csv")
    asked = {"registrations-map": wanted} if wanted else {}
    assert commissioner_link.monthly_release(root, catalogue, asked) == expected


def test_the_words_say_which_mapping_placed_the_practices():
    from pcnreport.report import area_links, commissioner_words

    monthly = {"practice-ccg": "2021-22", "registrations-map": "2023-01"}
    raw, text = area_links.summary(["region", "icb", "icb", "sub-icb", "sub-icb", "sub-icb"], monthly)
    assert (raw["regions"], raw["icbs"], raw["commissioners"], raw["link_dataset"]) == (1, 2, 3, "registrations-map")
    assert text["areas"] == ("NHS England region, each Integrated Care Board and each sub-ICB location of the "
                             "practice mapping of January 2023")
    assert text["listed"] == "region, ICB and sub-ICB location"
    assert text["link_source"].startswith("the practice mapping published with Patients Registered at a GP Practice "
                                          "(January 2023; dataset `registrations-map`)")
    qof = {"practice-ccg": "2019-20"}
    raw, text = area_links.summary(["region", "ccg", "ccg"], qof)
    assert text["areas"] == "NHS England region and each CCG of April 2020"
    assert text["link_source"] == "the QOF practice mapping (2019-20; dataset `practice-ccg`)"
    assert text["listed"] == "region and CCG"
    assert commissioner_words.link_vintage("sub-icb", {"practice-ccg": "2023-24", "registrations-map": "2023-01"}) == (
        "of the QOF 2023/24 practice mapping")


_CATALOGUE = """
datasets:
  practice-ccg:
    title: Mapping
    publisher: Nobody
    licence: OGL
    landing_page: https://example.org
    folder: qof
    files: ["MAPPING_NHS_GEOGRAPHIES_*.csv"]
    reader: read_practice_ccg
    releases: {}
  registrations-map:
    title: Monthly mapping
    publisher: Nobody
    licence: OGL
    landing_page: https://example.org
    folder: registrations-map
    required: false
    files: [gp-reg-pat-prac-map.csv]
    reader: read_practice_map
    releases: {}
"""
_QOF = ("REGION_ODS_CODE,REGION_NAME,STP_ODS_CODE,CCG_ODS_CODE,CCG_ONS_CODE,CCG_NAME,PCN_ODS_CODE,PCN_NAME,"
        "PRACTICE_CODE,PRACTICE_NAME\n"
        "Y56,LONDON,QMJ,07P,E38000020,NHS BRENT CCG,U12345,PCN ONE,E84001,PRACTICE ONE\n")
_MONTHLY = ("PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,"
            "ONS_SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ONS_ICB_CODE,ICB_CODE,ICB_NAME,"
            "ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME\n"
            "GP_PRAC_PAT_LIST,01Jan2023,E84001,PRACTICE ONE,HA0 4UZ,U12345,PCN ONE,E38000256,W2U3Z,"
            "NHS North West London ICB - W2U3Z,E54000027,QRV,NHS North West London Integrated Care Board,"
            "E40000003,Y56,London\n")


def test_the_build_lists_the_areas_of_the_newer_mapping_and_keys_them_by_both_files(tmp_path):
    from pcnreport.build import buildcache, profile_runs

    project, data = tmp_path / "project", tmp_path / "data"
    (project / "data").mkdir(parents=True)
    (project / "data" / "catalogue.yaml").write_text(_CATALOGUE)
    qof = data / "qof" / "2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv"
    qof.parent.mkdir(parents=True)
    qof.write_text(_QOF)
    parameters = {"data_dir": str(data), "release": "", "population_source": "registrations", "output_dir": str(project)}
    # Without the monthly mapping: QOF's CCG, as before.
    assert profile_runs.area_list(project, data, parameters, buildcache.FileHasher()) == [
        ("region", "Y56", "LONDON"), ("ccg", "07P", "NHS BRENT CCG")]
    monthly = data / "registrations-map" / "2023-01" / "gp-reg-pat-prac-map.csv"
    monthly.parent.mkdir(parents=True)
    monthly.write_text(_MONTHLY)
    areas = profile_runs.area_list(project, data, parameters, buildcache.FileHasher())
    assert areas == [("region", "Y56", "London"), ("icb", "QRV", "NHS North West London Integrated Care Board"),
                     ("sub-icb", "W2U3Z", "NHS North West London ICB - W2U3Z")]
    cached = json.loads((project / buildcache.CACHE_DIR / profile_runs.AREAS_FILE).read_text())
    assert cached["sha256"].count("+") == 1 and str(monthly) in cached["file"]


def test_a_split_area_error_names_the_mapping_that_gave_the_link():
    # The monthly registrations' mapping gave the link (commissioner_link records it on the table): the
    # error names that dataset, not QOF's mapping.
    mapping = _mapping(icbs=["QE1", "QE2", "QE1", "QE2", "QE3", "QE3"])
    mapping.attrs["dataset"] = "registrations-map"
    with pytest.raises(DataFormatError) as error:
        profiles.ccg_icbs(mapping)
    assert "registrations-map" in str(error.value) and "practice-ccg" not in str(error.value)
