"""Area profiles on a country of six practices, three PCNs, three CCGs and two regions, checked by hand.

    practice  list size  aged 65+  CCG (region)  PCN
    A00001    20,000     2,000     00L (Y56)     U00001
    A00002    15,000     3,000     00L (Y56)     U00001
    A00003    10,000     1,000     00L (Y56)     U00002  <- its PCN has most patients in 00M
    A00004    30,000     6,000     00M (Y56)     U00002
    A00005    40,000     8,000     00N (Y58)     U00003
    A00006    25,000     5,000     00N (Y58)     U00003

PCN populations: U00001 35,000 (within 30-50k), U00002 40,000 (within), U00003 65,000 (over).
U00002 belongs to 00M (30,000 of its 40,000 patients), so A00003 counts in 00M's profile, not 00L's.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pcnreport.analysis import profiles
from pcnreport.core.errors import DataFormatError
from pcnreport.report import profile_pages

PRACTICES = ["A00001", "A00002", "A00003", "A00004", "A00005", "A00006"]
LIST_SIZES = [20_000, 15_000, 10_000, 30_000, 40_000, 25_000]
AGED_65 = [2_000, 3_000, 1_000, 6_000, 8_000, 5_000]
CCGS = ["00L", "00L", "00L", "00M", "00N", "00N"]
REGIONS = ["Y56", "Y56", "Y56", "Y56", "Y58", "Y58"]
PCNS = ["U00001", "U00001", "U00002", "U00002", "U00003", "U00003"]


def _mapping(ccgs=CCGS, regions=REGIONS) -> pd.DataFrame:
    names = {"00L": "NHS NORTH AND EAST CCG", "00M": "NHS WEST CCG", "00N": "NHS SOUTH CCG"}
    return pd.DataFrame({
        "practice_code": PRACTICES, "ccg_code": ccgs, "ccg_name": [names[c] for c in ccgs],
        "region_code": regions, "region_name": ["LONDON" if r == "Y56" else "SOUTH WEST" for r in regions],
    })


def _national() -> profiles.National:
    members = pd.DataFrame({"practice_code": PRACTICES, "pcn_code": PCNS})
    list_sizes = pd.DataFrame({"practice_code": PRACTICES, "list_size": LIST_SIZES})
    ages = pd.DataFrame({"practice_code": PRACTICES, "aged_65_plus": AGED_65, "list_size": LIST_SIZES})
    names = pd.DataFrame({"pcn_code": ["U00001", "U00002", "U00003"], "pcn_name": ["ONE PCN", "TWO PCN", "THREE PCN"]})
    return profiles.national(members, list_sizes, _mapping(), names, ages=ages)


def test_areas_are_the_regions_then_the_ccgs_of_the_mapping():
    areas = profiles.areas_from_mapping(_mapping())
    assert [(a.type, a.code) for a in areas] == [("region", "Y56"), ("region", "Y58"), ("ccg", "00L"),
                                                 ("ccg", "00M"), ("ccg", "00N")]
    assert areas[0].slug == "region-Y56" and areas[2].title == "NHS North and East CCG"


def test_a_pcn_lies_in_its_majority_ccg_and_that_ccgs_region():
    assigned = profiles.pcn_areas(
        pd.DataFrame({"practice_code": PRACTICES, "pcn_code": PCNS}),
        pd.DataFrame({"practice_code": PRACTICES, "list_size": LIST_SIZES}), _mapping(),
    ).set_index("pcn_code")
    assert assigned["ccg_code"].to_dict() == {"U00001": "00L", "U00002": "00M", "U00003": "00N"}
    assert assigned["region_code"].to_dict() == {"U00001": "Y56", "U00002": "Y56", "U00003": "Y58"}


def test_a_ccg_split_across_regions_is_a_data_error_naming_it():
    with pytest.raises(DataFormatError, match="CCG 00L has practices in regions Y56, Y58"):
        profiles.ccg_regions(_mapping(regions=["Y56", "Y58", "Y56", "Y56", "Y58", "Y58"]))


def test_region_profile_sums_its_pcns_and_compares_with_england():
    profile = profiles.area_profile(_national(), "region", "Y56")
    assert list(profile.pcns["pcn_code"]) == ["U00002", "U00001"]  # largest first
    assert (profile.population, profile.practices) == (75_000, 4)
    assert (profile.bands.under, profile.bands.within, profile.bands.over) == (0, 2, 0)
    row = profile.characteristics.set_index("key").loc["pct_65_plus"]
    assert row["area"] == pytest.approx(100 * 12_000 / 75_000)  # 16.0
    assert row["england"] == pytest.approx(100 * 25_000 / 140_000)
    assert row["pcn_median"] == pytest.approx((100 * 5_000 / 35_000 + 100 * 7_000 / 40_000) / 2)
    # England's PCNs: 14.29, 17.5, 20.0 -> P10 = 14.29 + 0.2 * (17.5 - 14.29)
    assert row["england_p10"] == pytest.approx(100 * 5 / 35 + 0.2 * (17.5 - 100 * 5 / 35))
    assert profile.england_population_distribution.p10 == pytest.approx(36_000)
    ccgs = profile.ccgs.set_index("ccg_code")
    assert ccgs.loc["00L", ["pcns", "population", "pcns_in_range"]].tolist() == [1, 35_000, 1]
    assert ccgs.loc["00M", ["pcns", "population", "pcns_in_range"]].tolist() == [1, 40_000, 1]


def test_ccg_profile_counts_the_practices_of_its_pcns_not_of_the_mapping():
    national = _national()
    west = profiles.area_profile(national, "ccg", "00M")
    # A00003 is mapped to 00L but its PCN is 00M's: 00M holds A00003 and A00004.
    assert (west.population, west.practices) == (40_000, 2)
    assert west.characteristics.set_index("key").loc["pct_65_plus", "area"] == pytest.approx(100 * 7_000 / 40_000)
    north = profiles.area_profile(national, "ccg", "00L")
    assert north.characteristics.set_index("key").loc["pct_65_plus", "area"] == pytest.approx(100 * 5_000 / 35_000)
    assert profiles.region_of(national, north.area).code == "Y56"
    assert north.ccgs is None


def test_an_unknown_area_is_named_in_the_error():
    with pytest.raises(ValueError, match="no ccg '99Z'"):
        profiles.area_profile(_national(), "ccg", "99Z")


def test_display_name_keeps_acronyms_and_mixed_case():
    assert profiles.display_name("NHS BATH AND NORTH EAST SOMERSET CCG") == "NHS Bath and North East Somerset CCG"
    assert profiles.display_name("STOKE-ON-TRENT") == "Stoke-On-Trent"
    assert profiles.display_name("Already Fine") == "Already Fine"
    # A sub-ICB location's name ends with its code, which stays in capitals.
    assert profiles.display_name("NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C") == (
        "NHS North East and North Cumbria ICB - 16C"
    )


# --- the national results are computed once while the same files are read ---------------------------


# --- the files a profile becomes ---------------------------------------------------------------------


def test_profile_files_page_and_index(tmp_path):
    national = _national()
    for area in national.area_list:
        profile = profiles.area_profile(national, area.type, area.code)
        profile_pages.write_profile(tmp_path, profile, national.pcns, profiles.region_of(national, area),
                                    {"epcn": "2020-01"}, "registrations", f"{area.slug}.ipynb")
    page = (tmp_path / "profiles" / "ccg-00M.qmd").read_text()
    assert page.startswith("# NHS West CCG {#ccg-00M .unnumbered}")
    assert "Its 1 PCN (of England's 3) has 2 member practices and 40,000 registered patients" in page
    assert "28.6% of England's PCN population" in page  # 40,000 / 140,000
    assert "{{< include ../figures/profile-ccg-00M-sizes.md >}}" in page
    assert "{{< include ../figures/profile-ccg-00M-map.md >}}" in page  # a CCG's map (profile_maps)
    assert "[Region: " not in page and "(region-Y56.html)" in page
    assert "../notebooks/profiles/ccg-00M.ipynb" in page
    pcn_table = (tmp_path / "figures" / "profile-ccg-00M-pcns.md").read_text()
    assert "TWO PCN" in pcn_table and "40\\,000 |" in pcn_table and "A00003" not in pcn_table
    region = (tmp_path / "profiles" / "region-Y56.qmd").read_text()
    assert "none is smaller and none is larger" in region
    assert "\n0 " not in region and ". 0 " not in region and ". 2 of its" not in region  # no sentence opens with a count
    assert "-map.md" not in region  # regions have no map
    links = (tmp_path / "figures" / "profile-region-Y56-ccgs-links.md").read_text()
    assert "(ccg-00L.html)" in links and "(ccg-00M.html)" in links and "00N" not in links
    characteristics = (tmp_path / "figures" / "profile-region-Y56-characteristics.md").read_text()
    assert "| 16\\.0 |" in characteristics  # 12,000 of 75,000 aged 65 and over

    written = profile_pages.write_index(tmp_path, list(national.area_list))
    index = written[0].read_text()
    for area in national.area_list:
        assert f'href="{area.slug}.html"' in index
    assert 'id="profile-filter"' in index and '<label for="profile-filter">' in index
    assert "| London | Y56 | 2 | 75,000 |" in index  # the PDF's table: regions only
    metadata = written[1].read_text()
    assert "profiles/index.qmd" in metadata and "profiles/region-Y58.qmd" in metadata and "ccg-" not in metadata


def test_stale_profiles_are_removed(tmp_path):
    national = _national()
    for area in national.area_list:
        profile_pages.write_profile(tmp_path, profiles.area_profile(national, area.type, area.code), national.pcns,
                                    profiles.region_of(national, area), {}, "registrations", "x.ipynb")
    kept = [a for a in national.area_list if a.code != "00N"]
    removed = profile_pages.remove_stale(tmp_path, kept)
    assert removed and all("ccg-00N" in p.name for p in removed)
    assert not (tmp_path / "profiles" / "ccg-00N.qmd").exists()
    assert (tmp_path / "profiles" / "ccg-00M.qmd").exists()
    assert not list((tmp_path / "figures").glob("profile-ccg-00N-*"))


def test_a_missing_profile_is_named_when_the_index_is_written(tmp_path):
    with pytest.raises(FileNotFoundError, match="the profile of ccg 00L was not written"):
        profile_pages.write_index(tmp_path, [profiles.Area("ccg", "00L", "X")])


# --- a mapping of sub-ICB locations (2022/23 on): the same country, its commissioners named as they are ----


def _sub_icb_national() -> profiles.National:
    mapping = _mapping()
    mapping["ccg_name"] = mapping["ccg_name"].str.replace(" CCG", " ICB - SUB-LOCATION", regex=False)
    mapping.attrs["commissioner_level"] = "sub-icb"  # as read_practice_ccg sets it for SUB_ICB_* columns
    members = pd.DataFrame({"practice_code": PRACTICES, "pcn_code": PCNS})
    list_sizes = pd.DataFrame({"practice_code": PRACTICES, "list_size": LIST_SIZES})
    names = pd.DataFrame({"pcn_code": ["U00001", "U00002", "U00003"], "pcn_name": ["ONE PCN", "TWO PCN", "THREE PCN"]})
    ages = pd.DataFrame({"practice_code": PRACTICES, "aged_65_plus": AGED_65, "list_size": LIST_SIZES})
    return profiles.national(members, list_sizes, mapping, names, ages=ages)


def test_sub_icb_areas_are_typed_and_profiled_as_sub_icb_locations():
    national = _sub_icb_national()
    assert [(a.type, a.code) for a in national.area_list][2:] == [("sub-icb", "00L"), ("sub-icb", "00M"),
                                                                ("sub-icb", "00N")]  # fmt: skip
    west = profiles.area_profile(national, "sub-icb", "00M")
    assert (west.population, west.practices) == (40_000, 2)  # as for the CCG of the same practices
    assert west.area.slug == "sub-icb-00M" and profiles.region_of(national, west.area).code == "Y56"
    assert profiles.area_profile(national, "region", "Y56").commissioner_type == "sub-icb"
    with pytest.raises(ValueError, match="no ccg '00M'"):
        profiles.area_profile(national, "ccg", "00M")


def test_a_sub_icb_location_split_across_regions_is_named_as_one():
    mapping = _mapping(regions=["Y56", "Y58", "Y56", "Y56", "Y58", "Y58"])
    mapping.attrs["commissioner_level"] = "sub-icb"
    with pytest.raises(DataFormatError, match="sub-ICB location 00L has practices in regions Y56, Y58"):
        profiles.ccg_regions(mapping)


def test_sub_icb_profile_pages_never_say_ccg(tmp_path):
    national = _sub_icb_national()
    for area in national.area_list:
        profile = profiles.area_profile(national, area.type, area.code)
        profile_pages.write_profile(tmp_path, profile, national.pcns, profiles.region_of(national, area),
                                    {"practice-ccg": "2022-23"}, "registrations", f"{area.slug}.ipynb")
    page = (tmp_path / "profiles" / "sub-icb-00M.qmd").read_text()
    assert "is a sub-ICB location of the QOF 2022/23 practice mapping. Its 1 PCN (of England's 3)" in page
    # Its map (with the sub-ICB location boundaries), or the notice of why not, named for its level.
    assert "{{< include ../figures/profile-sub-icb-00M-map.md >}}" in page
    assert "Each MSOA of the sub-ICB location coloured by the PCN" in page
    region = (tmp_path / "profiles" / "region-Y56.qmd").read_text()
    assert "## Its Sub-ICB locations {#region-Y56-ccgs .unnumbered}" in region
    links = (tmp_path / "figures" / "profile-region-Y56-ccgs-links.md").read_text()
    assert links.startswith("| Sub\\-ICB location | Code |") and "(sub-icb-00L.html)" in links
    index = profile_pages.write_index(tmp_path, list(national.area_list))[0].read_text()
    assert "2 NHS England regions and 3 sub-ICB locations of the QOF 2022/23 practice mapping" in index
    assert "the sub-ICB location profiles are on the report's website" in index
    assert "<td>Sub-ICB location</td><td>00L</td>" in index
    for text in (page, region, links, index):
        assert "CCG" not in text and "Clinical Commissioning" not in text
    # Stale removal copes with the hyphen in the type: only 00N's files go.
    removed = profile_pages.remove_stale(tmp_path, [a for a in national.area_list if a.code != "00N"])
    assert removed and all("sub-icb-00N" in p.name for p in removed)
    assert (tmp_path / "figures" / "profile-sub-icb-00M-pcns.md").exists()


def test_ccg_profile_summary_dates_the_ccgs_by_the_mapping_release(tmp_path):
    national = _national()
    area = next(a for a in national.area_list if a.code == "00M")
    profile_pages.write_profile(tmp_path, profiles.area_profile(national, "ccg", "00M"), national.pcns,
                                profiles.region_of(national, area), {"practice-ccg": "2019-20"}, "registrations",
                                "x.ipynb")
    assert "is a Clinical Commissioning Group of April 2020." in (tmp_path / "profiles" / "ccg-00M.qmd").read_text()


@pytest.mark.parametrize(
    ("n", "pct", "expected"),
    [("17", "59%", "17 (59%) are within"), ("1", "100%", "1 (100%) is within"), ("0", "0%", "none is within"),
     ("1,250", "58%", "1,250 (58%) are within")],
)
def test_the_within_range_clause_agrees_with_its_count(n, pct, expected):
    assert profile_pages._within(n, pct) == expected
