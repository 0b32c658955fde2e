"""The whole build on the synthetic sample in the later format eras (`pcnreport build --vintage ...`).

The December 2019 era is the default build of tests/functional/test_build.py; each later era is built
once here (a few minutes each, one at a time), so every era the sample writes is built end to end.

- 2022-02 (`built_2022`): QOF 2020/21 without the CVD primary-prevention register, CCGs with
  five-character codes, the ePCN workbook of 2022; the report must say so rather than fall silent.
- 2023-01 and latest, 2026-06 (`built_sub_icb`): the commissioner is a sub-ICB location, never a CCG;
  the QOF year printed is the release's (2021/22, 2023/24) and Table 6.1 keeps the retired register's
  row; the area profiles are the sub-ICB locations'.

Every expected count is taken from the synthetic files the build read; text is read from the rendered
pages with the tags stripped, as a reader sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
import pandas as pd
import pytest
import yaml


@pytest.fixture(scope="module")
def built_2022(tmp_path_factory, project_copy):
    from pcnreport.build.pipeline import BuildOptions, build

    project = project_copy(tmp_path_factory.mktemp("vintage") / "pcn-report")
    result = build(BuildOptions(project_dir=project, renderer="auto", vintage="2022-02"))
    return project, result


def _text(path) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split())


def test_the_build_reads_the_sample_written_in_february_2022s_formats(built_2022):
    project, result = built_2022
    assert result.synthetic and result.data_dir.name.startswith("seed-20200101-2022-02-")
    marker = json.loads((result.data_dir / "SYNTHETIC.json").read_text(encoding="utf-8"))
    assert marker["vintage"] == "2022-02"
    assert (result.data_dir / "epcn" / "2022-02" / "ePCN.xlsx").is_file()
    # Every page carries the synthetic label, naming the format era.
    for page in (project / "_book" / "chapters").glob("*.html"):
        assert "synthetic sample, seed 20200101, in the formats of 2022-02" in _text(page), page.name


def test_chapter_6_follows_qof_2020_21_and_says_which_register_it_lacks(built_2022):
    project, result = built_2022
    prevalence = pd.read_csv(result.data_dir / "qof" / "2020-21" / "PREVALENCE_2021.csv", dtype=str)
    assert "CVDPP" not in set(prevalence["INDICATOR_GROUP_CODE"])
    section = yaml.safe_load((project / "_variables.yml").read_text())["population_profile"]
    assert section["releases"]["qof-prevalence"] == "2020-21"
    assert section["qof_conditions_words"] == "seven"  # Table 6.1's eight, less CVD primary prevention
    text = _text(project / "_book" / "chapters" / "06-pcn-characteristics.html")
    assert "prevalence of seven conditions in the Quality and Outcomes Framework (QOF) for 2020/21" in text
    assert "(CVDPP) is not in this release: its register is not in QOF 2020/21" in text
    assert "not in this release" in (project / "figures" / "tbl-pcn-characteristics.md").read_text()


def test_ccg_profiles_include_the_five_character_codes(built_2022):
    project, result = built_2022
    mapping = pd.read_csv(result.data_dir / "qof" / "2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv", dtype=str)
    codes = set(mapping["CCG_ODS_CODE"])
    five = {code for code in codes if len(code) == 5}
    assert len(codes) == 135 and len(five) == 9
    profiles = {p.stem for p in (project / "_book" / "profiles").glob("ccg-*.html")}
    assert profiles == {f"ccg-{code}" for code in codes}


# --- the sub-ICB eras -------------------------------------------------------------------------------

# Per era: the QOF release the sample carries and how chapter 6 prints its year.
SUB_ICB_ERAS = {"2023-01": ("2021-22", "2021/22"), "latest": ("2023-24", "2023/24")}


@pytest.fixture(scope="module", params=sorted(SUB_ICB_ERAS))
def built_sub_icb(request, tmp_path_factory, project_copy):
    """One build per sub-ICB era; pytest runs every test of one era before building the next."""
    from pcnreport.build.pipeline import BuildOptions, build

    era = request.param
    project = project_copy(tmp_path_factory.mktemp(f"vintage-{era}") / "pcn-report")
    result = build(BuildOptions(project_dir=project, renderer="auto", vintage=era))
    return era, project, result


def _sub_icb_codes(data_dir) -> dict[str, set[str]]:
    """The sub-ICB location codes of the synthetic ePCN, by sheet (PCNs' and member practices')."""
    (workbook,) = (data_dir / "epcn").glob("*/ePCN.xlsx")
    book = openpyxl.load_workbook(workbook, read_only=True)
    codes = {}
    for sheet, column in (("PCNDetails", "Current Sub ICB Loc Code"), ("PCN Core Partner Details", "Practice Parent Sub ICB Loc Code")):
        rows = book[sheet].iter_rows(values_only=True)
        header = [" ".join(str(cell).split()) for cell in next(rows)]  # the headers break lines
        at = header.index(column)
        codes[sheet] = {row[at] for row in rows if row[at]}
    book.close()
    return codes


def _commissioner_section(text: str) -> str:
    start = text.index("6.3 Networks within each commissioner")
    return text[start:text.index("6.4 Pre-existing GP ventures", start)]


def test_the_sub_icb_eras_build_with_their_checks_passing(built_sub_icb):
    from pcnreport.build import checks

    era, project, result = built_sub_icb
    marker = json.loads((result.data_dir / "SYNTHETIC.json").read_text(encoding="utf-8"))
    assert marker["vintage"] == ("2026-06" if era == "latest" else era)
    assert result.site_index.is_file() and result.pdf.is_file()
    # The build ran both checks before publishing; run again, they must still find nothing.
    variables = yaml.safe_load((project / "_variables.yml").read_text(encoding="utf-8"))
    checks.check_no_typed_numbers(project, variables)
    checks.check_site_links(project / "_book")
    for page in (project / "_book" / "chapters").glob("*.html"):
        assert f"in the formats of {marker['vintage']}" in _text(page), page.name


def test_chapter_6_names_sub_icb_locations_never_ccgs(built_sub_icb):
    _, project, result = built_sub_icb
    codes = _sub_icb_codes(result.data_dir)
    locations = codes["PCN Core Partner Details"]
    assert codes["PCNDetails"] <= locations and len(locations) > 100
    section = _commissioner_section(_text(project / "_book" / "chapters" / "06-pcn-characteristics.html"))
    assert "CCG" not in section
    assert "sub-ICB location (a local part of an integrated care board, ICB)" in section
    # The monthly practice mapping of the era is newer than its QOF year's, so it dates the commissioners.
    monthly = max(p.name for p in (result.data_dir / "registrations-map").iterdir() if p.is_dir())
    month = dt.datetime.strptime(monthly, "%Y-%m").strftime("%B %Y")
    assert f"over the {len(locations)} sub-ICB locations of the practice mapping of {month}" in section
    assert "Sub-ICB locations Mean" in section  # Table 6.3's column of how many commissioners a row covers
    configuration = yaml.safe_load((project / "_variables.yml").read_text())["ccg_configuration"]
    assert configuration["level_name"] == "sub-ICB location"
    assert configuration["ccg_count"] == f"{len(locations):,}"


def test_chapter_6_prints_the_releases_qof_year_and_keeps_the_retired_register(built_sub_icb):
    era, project, result = built_sub_icb
    release, year = SUB_ICB_ERAS[era]
    (prevalence_csv,) = (result.data_dir / "qof" / release).glob("PREVALENCE_*.csv")
    prevalence = pd.read_csv(prevalence_csv, dtype=str)
    group = "GROUP_CODE" if "GROUP_CODE" in prevalence else "INDICATOR_GROUP_CODE"  # renamed in 2023/24
    published = set(prevalence[group])
    table_registers = {"COPD", "CKD", "DM", "CVDPP", "HYP", "STIA", "MH", "OB"}  # Table 6.1's eight
    assert table_registers - published == {"CVDPP"}
    section = yaml.safe_load((project / "_variables.yml").read_text())["population_profile"]
    assert section["releases"]["qof-prevalence"] == release
    assert section["qof_conditions_words"] == "seven"
    text = _text(project / "_book" / "chapters" / "06-pcn-characteristics.html")
    assert f"prevalence of seven conditions in the Quality and Outcomes Framework (QOF) for {year}" in text
    assert f"Prevalences are QOF {year} registers" in text
    assert f"(CVDPP) is not in this release: its register is not in QOF {year}" in text
    assert "Percentage diagnosed with Cardiovascular Disease not in this release" in text  # Table 6.1's row
    assert "QOF 2017/18" not in text and "eight conditions" not in text


def test_the_area_profiles_are_the_sub_icb_locations(built_sub_icb):
    _era, project, result = built_sub_icb
    locations = _sub_icb_codes(result.data_dir)["PCN Core Partner Details"]
    profiles = project / "_book" / "profiles"
    assert {p.stem for p in profiles.glob("sub-icb-*.html")} == {f"sub-icb-{code}" for code in locations}
    assert not list(profiles.glob("ccg-*.html"))
    page = _text(profiles / f"sub-icb-{min(locations)}.html")
    assert "sub-ICB location" in page and "CCG" not in page
    # The 42 ICBs of the practice mapping, each listing its sub-ICB locations (linked) and PCNs; each
    # sub-ICB location's page links its ICB.
    # The latest month: the sample also holds the mapping of every month before it (CCG-era ones included).
    mapping = pd.read_csv(max((result.data_dir / "registrations-map").glob("*/gp-reg-pat-prac-map.csv")), dtype=str)
    icb_of = dict(zip(mapping["SUB_ICB_LOCATION_CODE"], mapping["ICB_CODE"]))
    assert {p.stem for p in profiles.glob("icb-*.html")} == {f"icb-{code}" for code in set(icb_of.values())}
    assert len(set(icb_of.values())) == 42
    code = min(locations)
    assert f'href="icb-{icb_of[code]}.html"' in (profiles / f"sub-icb-{code}.html").read_text(encoding="utf-8")
    icb_page = (profiles / f"icb-{icb_of[code]}.html").read_text(encoding="utf-8")
    assert f'href="sub-icb-{code}.html"' in icb_page
    assert "Its Sub-ICB locations" in _text(profiles / f"icb-{icb_of[code]}.html")
    assert "Its Primary Care Networks" in _text(profiles / f"icb-{icb_of[code]}.html")
    index = _text(profiles / "index.html")
    assert f"42 Integrated Care Boards and {len(set(icb_of)):,} sub-ICB locations" in index


def test_figure_4_2_maps_a_sub_icb_location_and_never_says_ccg(built_sub_icb):
    _era, project, _result = built_sub_icb
    numbers = yaml.safe_load((project / "_variables.yml").read_text())["service_map"]
    assert numbers["available"] and numbers["level_name"] == "sub-ICB location"
    text = _text(project / "_book" / "chapters" / "04-commissioning-contracting.html")
    figure = text[text.index(f"In {numbers['ccg_name']}"):text.index("The download lists every MSOA")]
    assert re.search(r"The black line is the sub-ICB location[’']s boundary", figure) and "CCG" not in figure


def test_appendix_b_names_the_commissioners_the_build_used(built_sub_icb):
    era, project, _ = built_sub_icb
    text = _text(project / "_book" / "chapters" / "data-and-methods.html")
    # The monthly practice mapping (the sample's registrations month) is newer than QOF's: it placed the
    # practices, and the appendix says so.
    month = {"2023-01": "January 2023", "latest": "June 2026"}[era]
    assert (f"each NHS England region, each Integrated Care Board and each sub-ICB location of the practice "
            f"mapping of {month}") in text
    assert f"Patients Registered at a GP Practice ({month}; dataset registrations-map ), newer than the QOF" in text
    assert "list every region, ICB and sub-ICB location" in text
    assert "each CCG" not in text


# Per era: the census whose LSOAs the sample's small-area files use, and the deprivation index naming it.
SMALL_AREA_ERAS = {"2023-01": ("2011", "2019"), "latest": ("2021", "2025")}


def test_appendix_b_names_the_small_area_vintage_and_counts_patients_outside_england(built_sub_icb):
    era, project, result = built_sub_icb
    census, index = SMALL_AREA_ERAS[era]
    text = _text(project / "_book" / "chapters" / "data-and-methods.html")
    assert (f"This build used the lower-layer super output areas (LSOAs) of the {census} census, those of the "
            f"English Indices of Deprivation {index}.") in text  # fmt: skip
    assert f"Every small-area table the build read was of {census} LSOAs, so none was converted." in text
    if era != "latest":
        return
    # The latest sample's registrations by 2021 LSOA: the special values and other nations, counted
    # independently from the file.
    (lsoa_csv,) = (result.data_dir / "registrations-lsoa").glob("*/gp-reg-pat-prac-lsoa-all.csv")
    rows = pd.read_csv(lsoa_csv, dtype={"LSOA_CODE": str})
    patients = rows.groupby("LSOA_CODE")["NUMBER_OF_PATIENTS"].sum()
    unassigned = int(patients[["CLOSED", "EMPTY", "L99999"]].sum())
    wales = int(patients[patients.index.str.startswith("W01")].sum())
    assert f"{wales:,} lived in Wales" in text
    assert f"{unassigned:,} had no small area" in text
    section = yaml.safe_load((project / "_variables.yml").read_text())["population_profile"]
    assert section["releases"]["imd"] == "2025" and section["releases"]["ruc"] == "2021"
