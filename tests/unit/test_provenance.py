"""Provenance: each file read is hashed and compared with the catalogue; the appendix's tables and numbers."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pandas as pd
import pypandoc
import pytest
import yaml

from pcnreport.data.catalogue import Release, load_catalogue
from pcnreport.report import provenance

CONTENT = b"practice_code,patients\nZ00001,1234\n"
DIGEST = hashlib.sha256(CONTENT).hexdigest()
OTHER = "0" * 64


def catalogue_entry(title: str = "Registrations", releases: dict | None = None, **extra) -> dict:
    return {
        "title": title,
        "publisher": "NHS Digital",
        "landing_page": "https://digital.nhs.uk/registrations",
        "licence": "Open Government Licence v3.0",
        "folder": "registrations",
        "files": ["gp-reg.csv", "gp-reg*.zip"],
        "reader": "read_registrations",
        "releases": releases if releases is not None else {},
        **extra,
    }


def write_project(root: Path, datasets: dict) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "catalogue.yaml").write_text(yaml.safe_dump({"datasets": datasets}, sort_keys=False), encoding="utf-8")
    return root


def write_file(data_dir: Path, relative: str, content: bytes = CONTENT) -> Path:
    path = data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("release", "is_zip", "expected"),
    [
        (Release("2020-01", "https://x.org/a", sha256=DIGEST), False, "matches the catalogue"),
        (
            Release("2020-01", "https://x.org/a", sha256=DIGEST, checksum_of="republished copy"),
            False,
            "matches the catalogue (republished copy)",
        ),
        (Release("2020-01", "https://x.org/a", sha256=OTHER), False, "differs from the catalogue"),
        (Release("2020-01", "https://x.org/a"), False, "no checksum in the catalogue yet"),
        (None, False, "release not in the catalogue"),
        (
            Release("2020-01", "https://x.org/a.zip", sha256=OTHER, archive="zip", member="*.csv"),
            False,
            "not comparable: the catalogue's checksum is of the ZIP",
        ),
        (Release("2020-01", "https://x.org/a.zip", sha256=DIGEST, archive="zip"), True, "matches the catalogue"),
    ],
)
def test_checksum_check_against_the_catalogue(release, is_zip, expected):
    assert provenance.checksum_check(DIGEST, release, is_zip, None) == expected


def test_synthetic_files_are_checked_against_the_generators_record_not_the_catalogue():
    release = Release("2020-01", "https://x.org/a", sha256=OTHER)
    assert provenance.checksum_check(DIGEST, release, False, DIGEST) == "synthetic: matches the generator's record"
    assert provenance.checksum_check(DIGEST, release, False, OTHER) == "synthetic: differs from the generator's record"


def test_releases_are_merged_over_sections_and_sorted():
    numbers = {
        "pcn_size": {"releases": {"registrations": "2020-01", "epcn": "2020-01"}},
        "ventures": {"available": False, "releases": {"federations": "2019"}},
        "notes": "not a section",
        "ccg": {"pcns": "1,250"},
    }
    assert provenance.releases_read(numbers) == {"epcn": "2020-01", "federations": "2019", "registrations": "2020-01"}


def test_records_hash_the_file_read_and_say_how_it_compares(tmp_path):
    project = write_project(
        tmp_path / "project",
        {
            "registrations": catalogue_entry(releases={"2020-01": {"url": "https://x.org/a", "sha256": DIGEST}}),
            "payments": catalogue_entry("Payments", folder="payments", files=["payments.csv"]),
        },
    )
    data = tmp_path / "data"
    write_file(data, "registrations/2019-12/gp-reg.csv", b"older release, not read")
    write_file(data, "registrations/2020-01/gp-reg.csv")
    catalogue = load_catalogue(project / "data" / "catalogue.yaml")

    records = provenance.source_records(catalogue, data, {"payments": "2019-20", "registrations": "2020-01"})

    assert [r.dataset for r in records] == ["registrations", "payments"]  # the catalogue's order
    registrations, payments = records
    assert (registrations.release, registrations.file, registrations.sha256) == ("2020-01", "gp-reg.csv", DIGEST)
    assert registrations.check == "matches the catalogue"
    assert (payments.sha256, payments.check) == (None, "file not in the data folder")


def test_a_zip_is_hashed_as_downloaded_and_its_member_named(tmp_path):
    archive = tmp_path / "data" / "registrations" / "2020-01" / "gp-reg-2020.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("gp-reg.csv", CONTENT)
    zip_digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    release = {"url": "https://x.org/a.zip", "sha256": zip_digest, "archive": "zip", "member": "*.csv"}
    project = write_project(tmp_path / "project", {"registrations": catalogue_entry(releases={"2020-01": release})})

    [record] = provenance.source_records(
        load_catalogue(project / "data" / "catalogue.yaml"), tmp_path / "data", {"registrations": "2020-01"}
    )
    assert (record.file, record.sha256, record.check) == ("gp-reg-2020.zip: gp-reg.csv", zip_digest, "matches the catalogue")


def test_write_provenance_writes_tables_links_and_numbers(tmp_path):
    hostile = "Registrations <script>alert(1)</script> | *x*"
    project = write_project(
        tmp_path / "project",
        {"registrations": catalogue_entry(hostile, releases={"2020-01": {"url": "https://x.org/a", "sha256": OTHER}})},
    )
    data = tmp_path / "data"
    write_file(data, "registrations/2020-01/gp-reg.csv")
    write_file(project, "_build/notebooks/06-pcn-population.ipynb", b"{}")
    numbers = {"pcn_size": {"releases": {"registrations": "2020-01"}}}

    text = provenance.write_provenance(project, data, numbers, "pandoc+typst")

    assert text["sources"] == "1" and text["sources_matching"] == "0" and text["sources_not_matching"] == "1"
    assert text["synthetic"] is False and text["renderer"] == "pandoc+typst" and text["notebooks"] == "1"
    assert text["software"]["pandas"] == pd.__version__ and text["software"]["renderer_used"] == "pandoc+typst"
    saved = json.loads((project / "_generated" / "numbers" / "provenance.json").read_text())
    assert saved["text"] == text and saved["raw"]["sources"][0]["sha256"] == DIGEST

    figures = project / "figures"
    csv = pd.read_csv(figures / "tbl-sources.csv", dtype=str)
    assert csv.loc[0, "sha256"] == DIGEST and csv.loc[0, "catalogue_sha256"] == OTHER  # full digests in the CSV
    html = pypandoc.convert_text((figures / "tbl-sources.md").read_text(), "html", format="markdown", extra_args=["--wrap=none"])
    assert "<script>" not in html and "&lt;script&gt;" in html  # catalogue text is shown, never run
    assert DIGEST[: provenance.SHOWN_DIGITS] in html and "differs from the catalogue" in html
    assert "pandoc" in (figures / "tbl-software.md").read_text()

    links = pypandoc.convert_text((figures / "provenance-links.md").read_text(), "html", format="markdown")
    assert 'href="https://digital.nhs.uk/registrations"' in links
    assert 'href="../notebooks/06-pcn-population.ipynb"' in links
    assert "<script>" not in links


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://x.org/a> <b>", "../notebooks/../../etc"])
def test_links_refuse_targets_that_are_not_plain_addresses(url):
    with pytest.raises(ValueError):
        provenance._link(url, "text")
