"""The chapter "Since the interim report" in words (pcnreport.report.sections.landscape): phrases that follow
their numbers, the list sizes' note, and a folder with too few months."""

import json

import pandas as pd
import pytest

from pcnreport.analysis import landscape, landscape_months
from pcnreport.report.sections import landscape as section


@pytest.mark.parametrize(("first", "last", "expected"), [
    (1_253, 1_325, "rose by 72 to 1,325 PCNs"),
    (1_300, 1_299, "fell by 1 to 1,299 PCNs"),
    (1_250, 1_250, "stayed at 1,250 PCNs"),
])
def test_the_change_in_pcns_is_said_with_its_direction(first, last, expected):
    assert section.change_clause(first, last, ("PCN", "PCNs")) == expected


def test_the_share_within_the_range_is_compared_as_printed():
    assert section._share_change(0.581, 0.48) == "down from 58% to 48%"
    assert section._share_change(0.48, 0.581) == "up from 48% to 58%"
    assert section._share_change(0.581, 0.5805) == "unchanged at 58%"


def test_the_note_says_which_list_sizes_each_month_used():
    assert section.sizes_note({"2022-01": "2022-01", "2022-02": "2022-02"}) == (
        "Each month's populations use the list sizes registered that month.")
    assert section.sizes_note({"2022-01": "2020-01", "2022-02": "2020-01"}).startswith(
        "Every month's populations use the list sizes of January 2020, the nearest registrations release")
    assert section.sizes_note({"2022-01": "2022-01", "2022-02": "2022-01", "2022-03": "2022-03"}).startswith(
        "2 months of 3 have a registrations release of the same month")
    assert section.sizes_note({}) == "The data hold no registrations release, so populations are not known."


def test_the_cadence_of_the_releases_is_said_as_the_folder_has_them():
    assert section.cadence(["2022-01", "2022-02", "2022-03"]) == "one a month"
    assert section.cadence(["2021-07", "2021-10", "2022-01", "2022-02"]) == "quarterly to January 2022, then one a month"
    assert section.cadence(["2022-01", "2025-10"]) == "at intervals of up to 45 months"
    assert section.cadence(["2020-04", "2020-07"]) == "quarterly"


def test_the_level_change_names_its_month():
    table = pd.DataFrame({"month": ["2022-05", "2022-06", "2022-07"], "level": ["ccg", "ccg", "sub-icb"]})
    assert section.level_change(table) == "From July 2022 the mapping names sub-ICB locations in place of CCGs."
    assert section.level_change(table.iloc[:2]) == ""


def _mapping(rows):
    return pd.DataFrame(rows, columns=["practice_code", "pcn_code", "commissioner_level", "commissioner_code",
                                       "icb_or_stp_code", "icb_or_stp_name", "region_code", "region_name"])


JANUARY = _mapping([("P1", "A", "ccg", "C1", "S1", "STP 1", "Y56", "LONDON"),
                    ("P2", "A", "ccg", "C1", "S1", "STP 1", "Y56", "LONDON"),
                    ("P3", "B", "ccg", "C2", "S1", "STP 1", "Y56", "LONDON"),
                    ("P4", "C", "ccg", "C2", "S1", "STP 1", "Y56", "LONDON")])
# A year later: C merged into B, P2 moved from A to B, and the commissioners became one sub-ICB location.
NEXT_JANUARY = _mapping([("P1", "A", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON"),
                         ("P2", "B", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON"),
                         ("P3", "B", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON"),
                         ("P4", "B", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON")])
SIZES = {"2022-01": pd.DataFrame({"practice_code": ["P1", "P2", "P3", "P4"], "list_size": [20_000, 15_000, 30_000, 10_000]})}


def _months(mappings):
    """Each month's results, as the month runs would write them."""
    return landscape_months.from_snapshots(*landscape.series_from(mappings, SIZES))


def test_two_months_give_the_chapter_s_numbers_and_phrases(tmp_path):
    results = section.write_section(tmp_path, _months({"2022-01": JANUARY, "2023-01": NEXT_JANUARY}), {})
    text = json.loads((tmp_path / "_generated" / "numbers" / "landscape.json").read_text())["text"]
    assert (text["first_month"], text["last_month"], text["months"]) == ("January 2022", "January 2023", "2")
    assert (text["pcns_first"], text["pcns_last"]) == ("3", "2")
    assert text["wording"]["pcns_change"] == "fell by 1 to 2 PCNs"
    # January 2022: A 35,000 (within), B 30,000 (within), C 10,000 (under); 2023: A 20,000, B 55,000.
    assert (text["first"]["within_pct"], text["first"]["under_pct"]) == ("67%", "33%")
    assert (text["last"]["under_pct"], text["last"]["over_pct"]) == ("50%", "50%")
    assert text["wording"]["closed"] == "1 network has gone: 1 merged into another network"
    assert text["wording"]["opened"] == "no networks were new"
    assert text["wording"]["moved"] == "2 practices were in a different network at the end than at the start"
    assert text["wording"]["level_change"] == "From January 2023 the mapping names sub-ICB locations in place of CCGs."
    assert (text["icbs"], text["above_plural"], text["icb_median"]) == ("1", "ICBs", "2")
    assert text["closed_practices"] == "1" and text["to_existing_pct"] == "100%"
    assert results.sizes_used == {"2022-01": "2022-01", "2023-01": "2022-01"}
    for name in section.FIGURES:
        assert (tmp_path / "figures" / f"{name}.vl.json").is_file(), name
    for name in section.TABLES:
        if name != "tbl-landscape-footprints":
            assert (tmp_path / "figures" / f"{name}.csv").is_file(), name
    # No release of registrations by LSOA: the footprints' table is a notice saying so, and the text too.
    assert "no release of registrations by LSOA" in (tmp_path / "figures" / "tbl-landscape-footprints.md").read_text()
    assert text["footprints_available"] is False


@pytest.mark.parametrize(("months", "said"), [({}, "holds no month"), ({"2022-01": JANUARY}, "one month (January 2022)")])
def test_fewer_than_two_months_leave_the_chapter_unavailable_saying_why(tmp_path, months, said):
    assert section.write_section(tmp_path, _months(months), {}) is None
    numbers = json.loads((tmp_path / "_generated" / "numbers" / "landscape.json").read_text())
    assert numbers["text"]["available"] is False and said in numbers["text"]["unavailable_reason"]
    assert "Not available in this build" in (tmp_path / "figures" / "fig-landscape-pcns.md").read_text()
