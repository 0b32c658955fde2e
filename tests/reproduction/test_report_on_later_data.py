"""The whole report built on the December 2019 extracts with the later real releases laid over them.

This is the folder a user has when some datasets were updated before others: the February 2022 ePCN
(CCGs of April 2021), QOF 2020/21's practice mapping, the monthly practice mappings of January 2022 and
October 2025, payments 2020/21 and the June 2026 list sizes (sub-ICB era) over the 2019 files. The build must succeed and its numbers must agree with counts made
here straight from the publishers' files, with csv and openpyxl, not with the project's readers.
"""

from __future__ import annotations

import collections
import csv
import json
import re
from pathlib import Path

import openpyxl
import pytest

from pcnreport.build.pipeline import BuildOptions, build

pytestmark = pytest.mark.shared_data

EPCN = Path("epcn/2022-02/ePCN.xlsx")
REGISTRATIONS = Path("registrations/2026-06/gp-reg-pat-prac-all.csv")
MONTHLY_MAPPING = Path("registrations-map/2025-10/gp-reg-pat-prac-map.csv")


def lay_over(base: Path, later: Path, target: Path) -> Path:
    """`base`'s dataset folders with `later`'s release folders added, all as symlinks (nothing copied).

    A dataset folder is made real so both sources' releases can sit in it side by side; the build then
    reads each dataset's latest release, as it would in a user's data folder.
    """
    for source in (base, later):
        for dataset in sorted(p for p in source.iterdir() if p.is_dir()):
            folder = target / dataset.name
            folder.mkdir(parents=True, exist_ok=True)
            for entry in dataset.iterdir():
                link = folder / entry.name
                if link.is_symlink():
                    link.unlink()  # the same release in both: the later copy wins
                link.symlink_to(entry)
    return target


@pytest.fixture(scope="module")
def later_data(shared_data, shared_data_later, tmp_path_factory) -> Path:
    return lay_over(shared_data, shared_data_later, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def later_build(later_data, tmp_path_factory, project_copy):
    project = project_copy(tmp_path_factory.mktemp("later") / "pcn-report")
    result = build(BuildOptions(project_dir=project, data_dir=later_data))
    numbers = json.loads((project / "_book" / "numbers.json").read_text())
    return project, result, numbers


def count(text: str) -> int:
    return int(text.replace(",", ""))


def chapter_text(project: Path) -> str:
    html = (project / "_book" / "chapters" / "06-pcn-characteristics.html").read_text()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def epcn_members(data: Path) -> tuple[set[str], dict[str, str]]:
    """Open PCNs (no close date) and their current core partners (no end date): practice -> PCN."""
    workbook = openpyxl.load_workbook(data / EPCN, read_only=True)
    details = list(workbook["PCNDetails"].iter_rows(values_only=True))
    partners = list(workbook["PCN Core Partner Details"].iter_rows(values_only=True))
    assert details[0][0] == "PCN Code" and details[0][5] == "Close Date"
    assert partners[0][4] == "PCN Code" and "End Date" in partners[0][9]
    open_pcns = {row[0] for row in details[1:] if row[0] and not row[5]}
    members = {row[0]: row[4] for row in partners[1:] if row[0] and not row[9] and row[4] in open_pcns}
    return open_pcns, members


def list_sizes(data: Path) -> dict[str, int]:
    with open(data / REGISTRATIONS, encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["SEX"] == "ALL" and r["AGE"] == "ALL"]
    return {row["CODE"]: int(row["NUMBER_OF_PATIENTS"]) for row in rows}


def test_the_build_reads_each_dataset_at_its_latest_release(later_build):
    project, result, numbers = later_build
    assert not result.synthetic
    releases = numbers["release"]
    for read in ("epcn 2022-02", "practice-ccg 2020-21", "payments 2020-21", "registrations 2026-06",
                 "qof-prevalence 2017-18", "imd 2019"):
        assert read in releases
    text = chapter_text(project)
    assert "epcn 2022-02" in text and "registrations 2026-06" in text and "practice-ccg 2020-21" in text
    assert "ePCN release (2022-02)" in text
    assert "Patients Registered at a GP Practice, release 2026-06" in text


def test_pcns_and_member_practices_match_the_february_2022_epcn(later_build, later_data):
    project, _, numbers = later_build
    open_pcns, members = epcn_members(later_data)
    assert (len(open_pcns), len(members)) == (1258, 6504)
    assert count(numbers["numbers"]["pcn_size.pcns"]) == len(open_pcns)
    assert count(numbers["numbers"]["pcn_size.member_practices"]) == len(members)
    assert f"The data hold {len(open_pcns):,} PCNs made of {len(members):,} core partner practices" in (
        chapter_text(project)
    )


def test_list_sizes_of_a_later_release_leave_a_counted_gap(later_build, later_data):
    """Practices closed or merged between February 2022 and June 2026 have no list size: counted, not lost."""
    project, _, numbers = later_build
    _, members = epcn_members(later_data)
    sizes = list_sizes(later_data)
    missing = sum(1 for practice in members if practice not in sizes)
    population = collections.Counter()
    for practice, pcn in members.items():
        population[pcn] += sizes.get(practice, 0)
    assert missing == 411 and max(population.values()) == 270323
    assert count(numbers["numbers"]["pcn_size.practices_without_list_size"]) == missing
    assert count(numbers["numbers"]["pcn_size.population.max"]) == max(population.values())
    assert f"({missing} here)" in chapter_text(project)


def test_commissioners_are_the_sub_icb_locations_of_the_newest_mapping(later_build, later_data):
    """Each PCN goes to the commissioner holding most of its (June 2026) patients. The monthly mapping of
    October 2025 is newer than QOF 2020/21's, so it places the practices: sub-ICB locations, not CCGs."""
    project, _, numbers = later_build
    _, members = epcn_members(later_data)
    sizes = list_sizes(later_data)
    with open(later_data / MONTHLY_MAPPING, encoding="utf-8-sig", newline="") as handle:
        commissioner_of = {row["PRACTICE_CODE"]: row["SUB_ICB_LOCATION_CODE"] for row in csv.DictReader(handle)}
    patients = collections.defaultdict(collections.Counter)
    for practice, pcn in members.items():
        if practice in commissioner_of:
            patients[pcn][commissioner_of[practice]] += sizes.get(practice, 0)
    largest = {max(by_area, key=by_area.get) for by_area in patients.values()}
    split = sum(1 for by_area in patients.values() if len(by_area) > 1)
    config = numbers["numbers"]
    assert count(config["ccg_configuration.ccg_count"]) == len(largest)
    assert count(config["ccg_configuration.split_pcns"]) == split
    assert config["ccg_configuration.level_name"] == "sub-ICB location"
    assert config["ccg_configuration.level_vintage"] == "of the practice mapping of October 2025"
    text = chapter_text(project)
    assert f"over the {len(largest)} sub-ICB locations of the practice mapping of October 2025" in text
    assert "CCG" not in text[text.index("6.3 Networks within each commissioner"):text.index("6.4 Pre-existing")]

def test_the_qof_year_is_the_latest_release_with_a_prevalence_file(later_build, later_data):
    """QOF 2020/21 here is only the practice mapping: prevalences still come from 2017/18."""
    project, _, numbers = later_build
    with_prevalence = sorted(
        release.name for release in (later_data / "qof").iterdir()
        if any(f.name.upper().startswith("PREVALENCE") for f in release.iterdir())
    )
    year = with_prevalence[-1].replace("-", "/")
    assert year == "2017/18"
    assert numbers["numbers"]["population_profile.qof_year"] == year
    assert f"Prevalences are QOF {year} registers" in chapter_text(project)


def mapping(data: Path, month: str) -> dict[str, str]:
    """practice -> PCN of a monthly practice mapping, straight from the file ('U' is no PCN)."""
    with open(data / "registrations-map" / month / "gp-reg-pat-prac-map.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["PRACTICE_CODE"]: row["PCN_CODE"] for row in csv.DictReader(handle) if row["PCN_CODE"] != "U"}


def registrations(data: Path, release: str) -> dict[str, int]:
    with open(data / "registrations" / release / "gp-reg-pat-prac-all.csv", encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["SEX"] == "ALL" and r["AGE"] == "ALL"]
    return {row["CODE"]: int(row["NUMBER_OF_PATIENTS"]) for row in rows}


def test_the_landscape_chapter_counts_the_real_months_as_the_files_do(later_build, later_data):
    """Chapter 8 on the real mappings of January 2022 and October 2025: PCNs, and their sizes with the list
    sizes the chapter says it used (the registrations of January 2021, the latest release before both
    months: June 2026's is later), against counts made here with csv."""
    project, _, _ = later_build
    raw = json.loads((project / "_generated" / "numbers" / "landscape.json").read_text())["raw"]
    assert raw["sizes_used"] == {"2022-01": "2021-01", "2025-10": "2021-01"}
    sizes = registrations(later_data, "2021-01")
    for month, key in (("2022-01", "first"), ("2025-10", "last")):
        members = mapping(later_data, month)
        population = collections.Counter()
        for practice, pcn in members.items():
            population[pcn] += sizes.get(practice, 0)
        values = sorted(population.values())
        middle = len(values) // 2
        median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
        within = sum(1 for v in values if 30_000 <= v <= 50_000) / len(values)
        assert raw[f"pcns_{key}"] == len(population), month
        assert raw[f"median_{key}"] == pytest.approx(median), month
        assert raw[f"share_within_{key}"] == pytest.approx(within), month
    assert (raw["pcns_first"], raw["pcns_last"]) == (1254, 1297)
    assert raw["opened"] == 69 and raw["fates"] == {"merged": 18, "split": 8, "dissolved": 0} and raw["recoded"] == 9
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (project / "_book" / "chapters" / "08-since-the-interim-report.html").read_text()))
    assert "rose by 43 to 1,297 PCNs" in text and "from January 2022 to October 2025, at intervals of up to 45 months" in text
    # Every PCN of either month has its page in the directory, and no page is over 150 KB.
    pages = {p.stem for p in (project / "_book" / "pcns").glob("U*.html")}
    assert set(mapping(later_data, "2022-01").values()) | set(mapping(later_data, "2025-10").values()) <= pages
    assert max(p.stat().st_size for p in (project / "_book" / "pcns").glob("*.html")) < 150_000


def test_where_patients_live_counts_the_real_lsoa_release_as_the_file_does(later_build, later_data):
    """Chapter 8's footprints on the real registrations by LSOA (the Pennine Lancashire cut of January 2020)
    with the networks of January 2022 (the month of the mapping nearest it: none is earlier), against a
    count made here with csv: the networks with patients in the file, and the median network's LSOAs with
    any patient and largest LSOA's share."""
    project, _, _ = later_build
    members = mapping(later_data, "2022-01")
    path = next((later_data / "registrations-lsoa").glob("*/lsoapops_*.csv"))
    by_pcn: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            pcn = members.get(row["PRACTICE_CODE"])
            if pcn and row["SEX"] == "ALL" and row["LSOA_CODE"] not in ("NO2011", "CLOSED", "EMPTY", "L99999"):
                by_pcn[pcn][row["LSOA_CODE"]] += int(row["Number.of.Patients"])
    lsoas = sorted(sum(1 for n in c.values() if n > 0) for c in by_pcn.values())
    largest = sorted(max(c.values()) / sum(c.values()) for c in by_pcn.values())

    def median(values):
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2

    with open(project / "_book" / "figures" / "tbl-landscape-footprints.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["release"], r["membership"]) for r in rows] == [("2020-01-pennine-lancashire", "2022-01")]
    assert int(rows[0]["pcns"]) == len(by_pcn) > 20
    assert float(rows[0]["lsoas_any_median"]) == median(lsoas)
    assert float(rows[0]["largest_share_median"]) == pytest.approx(median(largest))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (project / "_book" / "chapters" / "08-since-the-interim-report.html").read_text()))
    assert "registrations by LSOA (January 2020, Pennine Lancashire). In January 2020, Pennine Lancashire, with the networks of January 2022" in text
