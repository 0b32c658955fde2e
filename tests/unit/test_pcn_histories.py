"""Each PCN's own history (pcnreport.analysis.pcn_histories) and its page (pcnreport.report.pcn_pages,
pcnreport.build.pcn_site), on three hand-made months.

2020-01: A = P1, P2 (CCG C1); B = P3; C = P4, P5.
2020-04: A = P1, P2, P3 (B merged into A); C = P4, P5; P6 joins in no PCN.
2020-07: A = P1, P3; D = P2 (opened from A); E = P4, P5 (C re-coded); the sub-ICB era (X1).
"""

import json

import pandas as pd

from pcnreport.analysis import landscape, landscape_months, pcn_histories
from pcnreport.build import pcn_site
from pcnreport.report import pcn_pages

COLUMNS = ["practice_code", "practice_name", "pcn_code", "pcn_name", "commissioner_level", "commissioner_code",
           "commissioner_name", "icb_or_stp_code", "icb_or_stp_name", "region_code", "region_name"]


def _month(month, rows, level="ccg", commissioner="C1", icb="S1"):
    members = pd.DataFrame(
        [(p, f"PRACTICE {p}", pcn, f"PCN {pcn}" if pcn else None, level, commissioner, f"NAME {commissioner}", icb,
          f"NAME {icb}", "Y56", "LONDON") for p, pcn in rows], columns=COLUMNS)  # fmt: skip
    sizes = pd.DataFrame({"practice_code": ["P1", "P2", "P3", "P4", "P5", "P6"],
                          "list_size": [10_000, 20_000, 5_000, 30_000, 25_000, 1_000]})  # fmt: skip
    return landscape.Snapshot(month, members, sizes)


MONTHS = [
    _month("2020-01", [("P1", "A"), ("P2", "A"), ("P3", "B"), ("P4", "C"), ("P5", "C")]),
    _month("2020-04", [("P1", "A"), ("P2", "A"), ("P3", "A"), ("P4", "C"), ("P5", "C"), ("P6", None)]),
    _month("2020-07", [("P1", "A"), ("P2", "D"), ("P3", "A"), ("P4", "E"), ("P5", "E"), ("P6", None)],
           level="sub-icb", commissioner="X1", icb="I1"),
]


def test_each_pcn_s_months_sizes_and_ending():
    h = pcn_histories.histories(list(reversed(MONTHS)))
    assert sorted(h) == ["A", "B", "C", "D", "E"]
    assert (h["A"].first, h["A"].last, h["A"].status) == ("2020-01", "2020-07", pcn_histories.OPEN)
    assert h["A"].sizes["population"].tolist() == [30_000, 35_000, 15_000]
    assert (h["B"].status, h["B"].fate, h["B"].successor, h["B"].ended) == ("closed", "merged", "A", "2020-04")
    assert (h["C"].status, h["C"].successor, h["C"].ended) == ("recoded", "E", "2020-07")
    assert h["E"].predecessor == "C" and h["E"].first == "2020-07"
    assert h["D"].first == "2020-07" and h["D"].predecessor is None


def test_practices_joining_and_leaving_are_spans_of_months():
    h = pcn_histories.histories(MONTHS)
    spans = {(s.practice_code, s.first, s.last) for s in h["A"].spans}
    assert spans == {("P1", "2020-01", "2020-07"), ("P2", "2020-01", "2020-04"), ("P3", "2020-04", "2020-07")}
    assert h["A"].spans[0].practice_name == "PRACTICE P1"


def test_the_commissioner_then_and_now_follow_the_era():
    h = pcn_histories.histories(MONTHS)
    assert (h["A"].then["commissioner_code"], h["A"].then["commissioner_level"]) == ("C1", "ccg")
    assert (h["A"].now["commissioner_code"], h["A"].now["icb_or_stp_name"]) == ("X1", "NAME I1")
    assert h["A"].now["commissioner_level"] == "sub-icb"


def test_last_memberships_describe_a_closed_pcn_as_it_last_was():
    last = pcn_histories.last_memberships(MONTHS)
    by_pcn = last.groupby("pcn_code")["practice_code"].apply(sorted).to_dict()
    assert by_pcn == {"A": ["P1", "P3"], "B": ["P3"], "C": ["P4", "P5"], "D": ["P2"], "E": ["P4", "P5"]}


def test_the_status_sentence_says_how_it_began_and_ended():
    h = pcn_histories.histories(MONTHS)
    said = {code: pcn_pages.status_sentence(h[code], h, "2020-01", "2020-07") for code in h}
    assert said["A"] == ("It was a network by January 2020, the first month of the data. In July 2020 it has 2 practices "
                         "and 15,000 registered patients.")
    assert 'It closed in April 2020: most of its practices joined <a href="A.html">PCN A (A)</a>.' in said["B"]
    assert 'carries on as <a href="E.html">PCN E (E)</a>, the same practices under a new code' in said["C"]
    assert said["E"].startswith('It carried on the network <a href="C.html">PCN C (C)</a> under a new code from July 2020.')
    assert said["D"].startswith("It opened in July 2020.")


def test_pages_index_and_frame(tmp_path):
    (tmp_path / "_generated").mkdir()
    (tmp_path / "_generated" / "data-notice.html").write_text('<div class="data-notice">Synthetic data.</div>')
    characteristics = pd.DataFrame({"pcn_code": ["A"], "pct_65_plus": [21.25]})
    from pcnreport.analysis.measures import describe

    england = {"pct_65_plus": describe(pd.Series([10.0, 20.0, 30.0]))}
    pcn_pages.write_pages(tmp_path, landscape_months.from_snapshots(MONTHS, {}), characteristics, england, "chapter 6's measures from epcn 2020-01")
    folder = tmp_path / pcn_pages.FOLDER
    stale = folder / "OLD.html"
    stale.write_text("left from an earlier build")
    pcn_pages.write_pages(tmp_path, landscape_months.from_snapshots(MONTHS, {}), characteristics, england, "x")
    assert not stale.exists()
    assert sorted(p.name for p in folder.glob("*.html")) == ["A.html", "B.html", "C.html", "D.html", "E.html",
                                                             "index.html", "region-Y56.html"]
    a = (folder / "A.html").read_text()
    assert "PRACTICE P2" in a and "January 2020 or before" in a and "April 2020 (last listed)" in a
    assert "<td class='n'>21.2</td><td class='n'>20.0</td>" in a  # this PCN against England's median network
    assert 'class="pcn-chart"' in a and "../figures/pcn-charts.js" in a
    index = json.loads((folder / "index.json").read_text())
    assert [e["code"] for e in index] == ["A", "B", "C", "D", "E"]
    assert index[1]["status"] == "closed (merged)" and index[2]["status"] == "re-coded"
    staging = tmp_path / "site"
    staging.mkdir()
    variables = {"edition": {"title": "The book", "line": "Edition 1.0.0", "build_text": "Built today"}}
    assert pcn_site.publish_pages(tmp_path, staging, variables) == 7
    page = (staging / "pcns" / "A.html").read_text()
    assert "<title>PCN A A – The book</title>" in page and "Synthetic data." in page
    assert '<footer class="site-footer">' in page and '<a href="../chapters/colophon.html">About this edition</a>' in page
    assert (staging / "pcns" / "index.json").is_file() and (staging / "pcns" / pcn_site.STYLESHEET).is_file()


def test_no_month_no_directory(tmp_path):
    assert pcn_pages.write_pages(tmp_path, [], None, {}, "") == {}
    staging = tmp_path / "site"
    staging.mkdir()
    assert pcn_site.publish_pages(tmp_path, staging, {}) == 0 and not (staging / "pcns").exists()
