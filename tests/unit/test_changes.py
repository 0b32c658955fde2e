"""What changed since the last published build: flattening, comparing, reading previous numbers."""

import json

import pytest

from pcnreport.core.errors import PcnReportError
from pcnreport.report import changes

VARIABLES = {
    "data": {"release": "epcn 2020-01"},
    "pcn_size": {"pcns": "1,250", "population": {"mean": "48,000"}, "releases": {"epcn": "2020-01"}},
    "published": {"pcn_size": {"pcns": 1250}},
    "ventures": {"available": False, "unavailable_reason": "not supplied"},
}


def test_flatten_keeps_the_report_numbers_only():
    assert changes.flatten(VARIABLES) == {
        "data.release": "epcn 2020-01",
        "pcn_size.pcns": "1,250",
        "pcn_size.population.mean": "48,000",
    }


def test_compare_lists_each_changed_new_and_removed_number():
    previous = {"a.x": "1", "a.y": "2", "a.z": "3"}
    current = {"a.x": "1", "a.y": "5", "a.w": "9"}
    table = changes.compare(previous, current)
    assert table.to_dict("records") == [
        {"number": "a.w", "previous": "", "current": "9", "change": "new"},
        {"number": "a.y", "previous": "2", "current": "5", "change": "changed"},
        {"number": "a.z", "previous": "3", "current": "", "change": "removed"},
    ]


def test_published_numbers_round_trip_and_section(tmp_path):
    site = tmp_path / "site"
    changes.write_published_numbers(site, VARIABLES)
    previous = changes.load_previous(site / "numbers.json")
    assert previous["release"] == "epcn 2020-01"
    newer = {**VARIABLES, "pcn_size": {**VARIABLES["pcn_size"], "pcns": "1,251"}}
    text = changes.write_section(tmp_path / "project", previous, newer)
    assert (text["changed"], text["new"], text["removed"], text["previous_available"]) == ("1", "0", "0", True)
    csv = (tmp_path / "project" / "figures" / "tbl-what-changed.csv").read_text()
    assert "pcn_size.pcns,\"1,250\",\"1,251\",changed" in csv


def test_first_build_has_nothing_to_compare(tmp_path):
    assert changes.load_previous(tmp_path / "absent.json") is None
    text = changes.write_section(tmp_path, None, VARIABLES)
    assert text["previous_available"] is False
    assert "\\(none\\)" in (tmp_path / "figures" / "tbl-what-changed.md").read_text()  # escaped markdown


def test_a_file_that_is_not_a_numbers_file_is_refused(tmp_path):
    bad = tmp_path / "numbers.json"
    bad.write_text(json.dumps({"something": 1}))
    with pytest.raises(PcnReportError, match="not a numbers file"):
        changes.load_previous(bad)


def test_the_live_sites_numbers_are_read_from_its_address(tmp_path):
    # A pull request's preview compares itself with the published site: served here on 127.0.0.1.
    from local_server import serving, static_files

    site = tmp_path / "site"
    changes.write_published_numbers(site, VARIABLES)
    (site / "broken").mkdir()
    (site / "broken" / "numbers.json").write_text("{not json")
    with serving(static_files(site)) as base:
        previous = changes.load_previous(f"{base}/numbers.json")
        assert previous["numbers"]["pcn_size.pcns"] == "1,250"
        # Not published yet (404): nothing to compare with, as for a first build.
        assert changes.load_previous(f"{base}/not-yet/numbers.json") is None
        with pytest.raises(PcnReportError, match="cannot read the previous build's numbers"):
            changes.load_previous(f"{base}/broken/numbers.json")
