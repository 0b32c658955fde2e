"""The catalogue: data/catalogue.yaml loads and covers docs/tables.md; malformed entries are named; `locate`
finds release folders, loose third-party files and files inside ZIPs."""

from __future__ import annotations

import re
import zipfile
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from pcnreport.core.errors import DataNotFoundError, PcnReportError
from pcnreport.data import readers
from pcnreport.data.catalogue import REPUBLISHED, UNVERSIONED, load_catalogue, locate

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "data" / "catalogue.yaml"
# Readers another change is adding; each must be in pcnreport.data.readers or listed here.
PENDING_READERS = {
    "read_registrations_age", "read_registrations_lsoa", "read_qof_prevalence", "read_practice_ccg",
    "read_imd", "read_ruc", "read_lsoa_msoa", "read_federations",
}  # fmt: skip


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(CATALOGUE)


def contract_datasets() -> list[str]:
    """The datasets of docs/tables.md's table (first column, in backticks)."""
    text = (REPO / "docs" / "tables.md").read_text(encoding="utf-8")
    return re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.MULTILINE)


def test_every_dataset_of_the_contract_is_catalogued(catalogue):
    expected = contract_datasets()
    assert len(expected) == 19
    assert sorted(catalogue.datasets) == sorted(expected)


def test_boundaries_are_optional_and_carry_the_os_copyright_line(catalogue):
    for name in ("boundaries-msoa", "boundaries-lsoa", "boundaries-ccg", "boundaries-sub-icb", "boundaries-icb"):
        dataset = catalogue[name]
        assert not dataset.required, name
        assert dataset.attribution.startswith("Source: Office for National Statistics"), name
        assert "Contains OS data © Crown copyright and database right" in dataset.attribution, name
        assert "boundaries" in dataset.also_in, name
    assert catalogue["epcn"].attribution == ""


def test_every_dataset_has_its_fields(catalogue):
    for dataset in catalogue.datasets.values():
        assert dataset.title and dataset.publisher and dataset.folder and dataset.files, dataset.name
        if dataset.name == "federations":
            assert dataset.licence == "research data, not public"
            assert [c.name for c in dataset.columns] == ["practice_code", "venture_id", "venture_name", "venture_type"]
            assert {c.name: c.allowed for c in dataset.columns}["venture_type"] == ("federation", "super-practice")
        elif dataset.name == "interview-emphasis":
            assert dataset.licence == "research data, not public" and not dataset.required
            assert [c.name for c in dataset.columns] == ["interviewee_id", "theme_1", "theme_2", "theme_3"]
        else:
            assert dataset.licence == "Open Government Licence v3.0", dataset.name
            assert dataset.landing_page.startswith("https://"), dataset.name
            assert dataset.releases, dataset.name


def test_folders_follow_the_contract(catalogue):
    assert catalogue["practice-ccg"].folder == "qof"
    assert catalogue["qof-prevalence"].folder == "qof"
    assert catalogue["lsoa-msoa"].folder == "geography"
    assert "age" in catalogue["registrations-age"].also_in
    assert "PREVALENCE_*.csv" in catalogue["qof-prevalence"].files
    assert "MAPPING_NHS_GEOGRAPHIES_*.csv" in catalogue["practice-ccg"].files


def test_every_reader_exists_or_is_pending(catalogue):
    for dataset in catalogue.datasets.values():
        assert hasattr(readers, dataset.reader) or dataset.reader in PENDING_READERS, dataset.reader


def test_releases_are_consistent(catalogue):
    for dataset in catalogue.datasets.values():
        for release in dataset.releases.values():
            where = f"{dataset.name} {release.id}"
            if release.url_confirmed:
                # A file address, or one naming no file (an ArcGIS item) with the name to place it under.
                assert release.url and re.search(r"\.(csv|xlsx|zip)$", release.file_name or release.url, re.I), where
                if release.archive is None:
                    # What `data fetch` places must be what `locate` finds.
                    name = release.file_name or Path(unquote(urlsplit(release.url).path)).name
                    assert any(fnmatchcase(name, p) for p in dataset.files), where
            if release.archive == "zip":
                assert release.member, where
            if release.sha256 is not None:
                assert release.size is not None, where
            if release.checksum_of is not None:
                assert release.checksum_of == REPUBLISHED, where


QOF_ZIPS = {  # release -> the ZIP's address, as public code downloads it (the issue gives 2023-24)
    "2018-19": "https://files.digital.nhs.uk/A8/491BAC/QOF_1819_v2.zip",
    "2019-20": "https://files.digital.nhs.uk/E2/BF16AA/QOF_1920.zip",
    "2020-21": "https://files.digital.nhs.uk/AC/3C964F/QOF2021_v2.zip",
    "2021-22": "https://files.digital.nhs.uk/90/6F833F/QOF_2122_V2.zip",
    "2022-23": "https://files.digital.nhs.uk/32/40B931/QOF%202022-23%20Raw%20data%20.csv%20files.zip",
    "2023-24": "https://files.digital.nhs.uk/DA/975A29/QOF2324.zip",
    "2024-25": "https://files.digital.nhs.uk/95/4708D7/QOF2425.zip",
}


def test_qof_releases_reach_2024_25_and_share_one_zip_a_year(catalogue):
    prevalence, mapping = catalogue["qof-prevalence"], catalogue["practice-ccg"]
    for release, url in QOF_ZIPS.items():
        assert prevalence.releases[release].url == url, release
        assert (prevalence.releases[release].archive, prevalence.releases[release].member) == ("zip", "PREVALENCE_*.csv")
        if release != "2018-19":  # 2018-19's mapping is ORGANISATION_REFERENCE_1819_v2.csv, another format
            assert mapping.releases[release].url == url, release
            assert mapping.releases[release].member == "MAPPING_NHS_GEOGRAPHIES_*.csv", release
    assert "2018-19" not in mapping.releases
    # Members as published (PREVALENCE_2021_v2.csv, PREVALENCE_2122_V2.csv) match the release's member glob.
    for name in ("PREVALENCE_2021_v2.csv", "PREVALENCE_2122_V2.csv", "PREVALENCE_2324.csv"):
        assert fnmatchcase(name, "PREVALENCE_*.csv") and any(fnmatchcase(name, p) for p in prevalence.file_patterns)


def test_every_public_dataset_with_later_editions_is_discoverable(catalogue):
    discoverable = {name for name, d in catalogue.datasets.items() if d.discovery is not None}
    assert discoverable == {
        "registrations", "registrations-age", "registrations-lsoa", "registrations-map", "qof-prevalence",
        "practice-ccg", "payments",
    }  # fmt: skip
    qof = catalogue["qof-prevalence"].discovery
    page = '<a href="/data-and-information/publications/statistical/quality-and-outcomes-framework-achievement-prevalence-and-exceptions-data/2025-26">'
    assert [m.group("release") for m in re.finditer(qof.pattern, page)] == ["2025-26"]
    assert catalogue["practice-ccg"].discovery == qof


def test_every_dataset_the_build_needs_can_be_fetched(catalogue):
    # `make fetch-data` (--all --require-all) stops a publish when a required dataset has no downloadable
    # release; the 2011 rural-urban classes were that dataset until ONS's ArcGIS item address was catalogued.
    from pcnreport.data.fetch import fetchable

    assert [d.name for d in catalogue.datasets.values() if d.required and not fetchable(d)] == []
    assert [r.id for r in fetchable(catalogue["ruc"])] == ["2011"]


def test_the_practice_mapping_of_the_registrations_is_catalogued_and_optional(catalogue):
    mapping = catalogue["registrations-map"]
    assert (mapping.folder, mapping.reader, mapping.required) == ("registrations-map", "read_practice_map", False)
    assert mapping.file_on_landing_page and mapping.files[0] == "gp-reg-pat-prac-map.csv"
    assert mapping.discovery.url.endswith("/patients-registered-at-a-gp-practice/{month_name}-{year}")
    confirmed = {r.id: r.url for r in mapping.releases.values() if r.url_confirmed}
    assert confirmed == {
        "2022-10": "https://files.digital.nhs.uk/1F/9ACF6B/gp-reg-pat-prac-map.csv",
        "2023-05": "https://files.digital.nhs.uk/11/9809CA/gp-reg-pat-prac-map.csv",
    }


def test_item_access_names_known_datasets(catalogue):
    with pytest.raises(PcnReportError, match=r"known: .*epcn"):
        catalogue["nope"]
    with pytest.raises(PcnReportError, match="release 'nope' of 'imd'"):
        catalogue.release("imd", "nope")


GOOD = {
    "title": "T", "publisher": "P", "landing_page": "https://example.org", "licence": "L", "folder": "demo",
    "files": ["*.csv"], "reader": "read_demo", "releases": {"2020": {"url": "https://example.org/a.csv"}},
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": None}, "'title' must be non-empty text"),
        ({"files": []}, "'files' must be a non-empty list"),
        ({"folder": "../up"}, "one folder name"),
        ({"reader": "not a name"}, "function name"),
        ({"colour": "red"}, "unknown field"),
        ({"releases": {"2020": {"url": "ftp://x"}}}, "release '2020': 'url' must be an http"),
        ({"releases": {"2020": {"url": "https://e.org/a", "sha256": "abc"}}}, "release '2020': 'sha256'"),
        ({"releases": {"2020": {"url": "https://e.org/a", "size": -1}}}, "'size'"),
        ({"releases": {"2020": {"url": "https://e.org/a", "archive": "tar"}}}, "'archive' must be zip"),
        ({"releases": {"2020": {"url": "https://e.org/a", "member": "*.csv"}}}, "needs 'archive: zip'"),
        ({"releases": {"2020": {"sha256": None}}}, "missing 'url'"),
        ({"releases": {"2020": {"url": "https://e.org/data", "file_name": "../a.csv"}}}, "'file_name' must be a plain"),
        ({"releases": {"2020": {"url": "https://e.org/data", "file_name": ".a.csv"}}}, "'file_name' must be a plain"),
        ({"releases": {"2020": {"url": "https://e.org/a.zip", "archive": "zip", "member": "*.csv", "file_name": "a.zip"}}},
         "not an archive's"),
    ],
)
def test_malformed_entries_name_the_file_and_entry(tmp_path, change, message):
    entry = {**GOOD, **change}
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"datasets": {"demo": entry}}), encoding="utf-8")
    with pytest.raises(PcnReportError) as caught:
        load_catalogue(path)
    assert f"'{path}': dataset 'demo'" in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("datasets: [unclosed", "not valid YAML"), ("- a list", "'datasets' mapping"), ("datasets: {}", "non-empty")],
)
def test_malformed_files_are_named(tmp_path, text, message):
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PcnReportError, match=message) as caught:
        load_catalogue(path)
    assert str(path) in str(caught.value)


def test_a_good_entry_loads(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"datasets": {"demo": GOOD}}), encoding="utf-8")
    demo = load_catalogue(path)["demo"]
    assert demo.releases["2020"].url == "https://example.org/a.csv"
    assert demo.releases["2020"].url_confirmed is True


# --- locate ---------------------------------------------------------------------------------------------


def touch(path: Path, text: str = "x\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_locate_uses_the_folder_and_the_latest_release_holding_the_file(tmp_path, catalogue):
    touch(tmp_path / "qof" / "2017-18" / "PREVALENCE_1718.csv")
    touch(tmp_path / "qof" / "2019-20" / "MAPPING_NHS_GEOGRAPHIES_1920.csv")
    (tmp_path / "qof" / ".2020-21.extract-x").mkdir()  # fetch's temporary folder: never a release
    found = locate(tmp_path, catalogue["qof-prevalence"])
    assert (found.release, found.path.name) == ("2017-18", "PREVALENCE_1718.csv")
    assert locate(tmp_path, catalogue["practice-ccg"]).release == "2019-20"


def test_locate_a_given_release_or_say_which_are_present(tmp_path, catalogue):
    touch(tmp_path / "epcn" / "2019-12" / "ePCN.xlsx")
    touch(tmp_path / "epcn" / "2020-01" / "ePCN.xlsx")
    assert locate(tmp_path, catalogue["epcn"], "2019-12").release == "2019-12"
    assert locate(tmp_path, catalogue["epcn"]).release == "2020-01"
    with pytest.raises(DataNotFoundError, match="present: 2019-12, 2020-01"):
        locate(tmp_path, catalogue["epcn"], "2018-01")


def test_locate_loose_third_party_files_as_unversioned(tmp_path, catalogue):
    touch(tmp_path / "age" / "gp-by-age.csv")
    touch(tmp_path / "geography" / "lsoa_geog_lookup.csv")
    found = locate(tmp_path, catalogue["registrations-age"])
    assert (found.release, found.path) == (UNVERSIONED, tmp_path / "age" / "gp-by-age.csv")
    assert locate(tmp_path, catalogue["lsoa-msoa"]).release == UNVERSIONED
    # A publisher's release folder wins over the third-party file.
    touch(tmp_path / "registrations-age" / "2020-01" / "gp-reg-pat-prac-quin-age.csv")
    assert locate(tmp_path, catalogue["registrations-age"]).release == "2020-01"
    assert locate(tmp_path, catalogue["registrations-age"], UNVERSIONED).path.name == "gp-by-age.csv"


def test_locate_finds_a_file_inside_a_zip(tmp_path, catalogue):
    archive = tmp_path / "qof" / "2019-20" / "QOF_1920.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("PREVALENCE_1920.csv", "x\n")
        handle.writestr("MAPPING_NHS_GEOGRAPHIES_1920.csv", "x\n")
    found = locate(tmp_path, catalogue["qof-prevalence"])
    assert (found.path, found.member) == (archive, "PREVALENCE_1920.csv")
    assert locate(tmp_path, catalogue["practice-ccg"]).member == "MAPPING_NHS_GEOGRAPHIES_1920.csv"
    with pytest.raises(DataNotFoundError):  # the ZIP holds no registrations file
        locate(tmp_path, catalogue["registrations"])


def test_locate_missing_dataset_says_what_was_expected(tmp_path, catalogue):
    with pytest.raises(DataNotFoundError, match=r"qof/<release>/ holding one of PREVALENCE_\*\.csv"):
        locate(tmp_path, catalogue["qof-prevalence"])
