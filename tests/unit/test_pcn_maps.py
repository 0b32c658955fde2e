"""Each PCN page's map (pcnreport.report.pcn_maps): the MSOAs holding at least 1% of a network's patients,
their shares computed by hand, their outlines, and the words under the map."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from shapely.geometry import box

from pcnreport.report import pcn_maps

# Network A: 150 patients in M1, 40 in M2, 1 in M3 (0.5%: left off), 9 in M4; B: 30 in M2. Patients of a
# practice in no PCN (pcn_code missing) count for no network.
RESIDENTS = pd.DataFrame({
    "msoa_code": ["M1", "M2", "M3", "M4", "M2", "M1"],
    "pcn_code": ["A", "A", "A", "A", "B", None],
    "residents": [150, 40, 1, 9, 30, 500],
})  # fmt: skip
BOUNDARIES = pd.DataFrame({
    "code": ["M1", "M2", "M3", "M4"],
    "name": ["Middle 1", "Middle 2", "Middle 3", "Middle 4"],
    "geometry": [box(0, 50, 0.01, 50.01), box(0.01, 50, 0.02, 50.01), box(0.02, 50, 0.03, 50.01), box(0.03, 50, 0.04, 50.01)],
})  # fmt: skip


def test_the_msoas_holding_at_least_one_percent_of_a_network_s_patients():
    shares = pcn_maps.msoa_shares(RESIDENTS)
    a = shares[shares["pcn_code"] == "A"]
    assert a["msoa_code"].tolist() == ["M1", "M2", "M4"]  # largest first; M3's 1 of 200 is 0.5%
    assert a["share"].tolist() == pytest.approx([150 / 200, 40 / 200, 9 / 200])
    assert shares[shares["pcn_code"] == "B"][["msoa_code", "share"]].values.tolist() == [["M2", 1.0]]


def test_each_network_gets_its_msoas_outlines_and_numbers():
    features = pcn_maps.features_by_pcn(pcn_maps.msoa_shares(RESIDENTS), BOUNDARIES)
    assert sorted(features) == ["A", "B"]
    assert features["A"][0]["properties"] == {"code": "M1", "name": "Middle 1", "patients": 150, "share": 0.75}
    assert features["A"][0]["geometry"]["type"] == "Polygon"
    spec = pcn_maps.map_spec(features["B"])
    assert spec["datasets"][pcn_maps.MAP_DATA][0]["id"] == "M2"
    assert spec["mark"]["type"] == "geoshape"


def test_the_words_under_the_map_follow_its_numbers():
    features = pcn_maps.features_by_pcn(pcn_maps.msoa_shares(RESIDENTS), BOUNDARIES)["A"]
    html = pcn_maps.map_section("A", "PCN A", features, "in January 2020, with the networks of April 2020", "")
    assert ("In January 2020, with the networks of April 2020: 3 MSOAs each hold at least 1% of its patients "
            "(199 patients in all); the most, 75%, live in Middle 1 (M1).") in html
    spec = json.loads(html.split('data-chart="chart-pcn-map-A">')[1].split("</script>")[0])
    assert len(spec["datasets"][pcn_maps.MAP_DATA]) == 3
    assert pcn_maps.map_section("A", "PCN A", None, "", "No map: why.") == "<p>No map: why.</p>"
