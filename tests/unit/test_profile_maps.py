"""The CCG profiles' maps (pcnreport.report.profile_maps) on hand-made areas: two CCGs side by side, three MSOAs."""

from __future__ import annotations

import json

import pandas as pd
from shapely.geometry import box

from pcnreport.analysis import service_areas
from pcnreport.data.readers import Epcn
from pcnreport.report import map_colours, maps, profile_maps

# Three MSOAs in a row, 1 degree wide. CCG 1 covers A, B and 40% of C; CCG 2 covers 60% of C and D.
MSOAS = pd.DataFrame({
    "code": ["E02000001", "E02000002", "E02000003", "E02000004"],
    "name": ["A 001", "B 002", "C 003", "D 004"],
    "geometry": [box(i, 50, i + 1, 51) for i in range(4)],
})
CCGS = pd.DataFrame({
    "code": ["E38000001", "E38000002"],
    "name": ["NHS One CCG", "NHS Two CCG"],
    "geometry": [box(0, 50, 2.4, 51), box(2.4, 50, 4, 51)],
})
# One LSOA an MSOA; practice P1 (PCN U00001) has most of A's residents, P2 (U00002) of B, C and D.
LOOKUP = pd.DataFrame({"lsoa_code": [f"E0100000{i}" for i in range(1, 5)], "msoa_code": list(MSOAS["code"])})
REGISTRATIONS = pd.DataFrame({
    "practice_code": ["A00001", "A00002", "A00002", "A00002", "A00002", "A00001"],
    "lsoa_code": ["E01000001", "E01000001", "E01000002", "E01000003", "E01000004", "E01000004"],
    "patients": [90, 10, 50, 70, 60, 40],
})
EPCN = Epcn(
    pcns=pd.DataFrame({"pcn_code": ["U00001", "U00002"], "pcn_name": ["First PCN", "Second PCN"]}),
    members=pd.DataFrame({"practice_code": ["A00001", "A00002"], "pcn_code": ["U00001", "U00002"]}),
)


def _base() -> profile_maps.MapBase:
    return profile_maps.map_base(REGISTRATIONS, LOOKUP, EPCN, MSOAS, CCGS)


def _drawn(chart) -> dict[str, dict]:
    """MSOA code -> the properties of its area on the map."""
    spec = chart.to_dict()
    layer = spec["vconcat"][0]["layer"][0] if "vconcat" in spec else spec["layer"][0]
    return {f["properties"]["code"]: f["properties"] for f in layer["data"]["values"]}


def test_each_ccgs_map_has_its_own_msoas():
    base = _base()
    assert base.ccg_msoas == {"E38000001": ["E02000001", "E02000002"], "E38000002": ["E02000003", "E02000004"]}
    one, _ = profile_maps.ccg_map(base, "E38000001", "NHS One CCG")
    two, alt_text = profile_maps.ccg_map(base, "E38000002", "NHS Two CCG")
    assert set(_drawn(one)) == {"E02000001", "E02000002"}
    drawn = _drawn(two)
    assert set(drawn) == {"E02000003", "E02000004"}
    # D: 60 of 100 residents with U00002, 40 with U00001.
    assert (drawn["E02000004"]["pcn"], drawn["E02000004"]["share"], drawn["E02000004"]["pcns"]) == ("U00002 Second PCN", 0.6, 2)
    assert alt_text.startswith("Map of the 2 MSOAs of NHS Two CCG")


def test_the_profile_map_is_figure_4_2s_chart():
    # The shared state only saves work: the chart is the one maps.ccg_service_map draws for that CCG.
    base = _base()
    chart, _ = profile_maps.ccg_map(base, "E38000002", "NHS Two CCG", note="SYNTHETIC SAMPLE: test")
    direct = maps.ccg_service_map(REGISTRATIONS, LOOKUP, EPCN, MSOAS, CCGS, "E38000002", note="SYNTHETIC SAMPLE: test")
    assert json.dumps(chart.to_dict(), sort_keys=True) == json.dumps(direct.to_dict(), sort_keys=True)
    assert service_areas.msoas_by_ccg(MSOAS, CCGS)["E38000002"] == service_areas.msoas_inside(MSOAS, CCGS["geometry"][1])


def test_notices_where_no_map_can_be_drawn(tmp_path):
    (tmp_path / "figures").mkdir()
    unknown = profile_maps.write_ccg_map(tmp_path, _base(), "ccg-00X", "E38999999", "X", synthetic=True, attribution="")
    assert unknown is False
    notice = (tmp_path / "figures" / "profile-ccg-00X-map.md").read_text()
    assert "no boundary for this CCG (ONS code E38999999)" in notice and "callout-note" in notice

    no_boundaries = profile_maps.map_base(REGISTRATIONS, LOOKUP, EPCN, None, CCGS)
    chart, reason = profile_maps.ccg_map(no_boundaries, "E38000001", "NHS One CCG")
    assert chart is None and "The MSOA boundaries" in reason

    # Registrations of CCG 1's MSOAs only (a regional extract): CCG 2's map would be empty.
    local = REGISTRATIONS[REGISTRATIONS["lsoa_code"].isin(["E01000001", "E01000002"])]
    chart, reason = profile_maps.ccg_map(profile_maps.map_base(local, LOOKUP, EPCN, MSOAS, CCGS), "E38000002", "Two")
    assert chart is None and "hold no registered residents of this CCG's MSOAs" in reason


def test_a_drawn_map_replaces_a_notice_and_says_synthetic(tmp_path):
    (tmp_path / "figures").mkdir()
    assert profile_maps.write_ccg_map(tmp_path, _base(), "ccg-00A", "E38000001", "One", synthetic=True, attribution="")
    spec = json.loads((tmp_path / "figures" / "profile-ccg-00A-map.vl.json").read_text())
    assert spec["vconcat"][0]["title"]["text"].startswith("SYNTHETIC SAMPLE")
    assert not (tmp_path / "figures" / "profile-ccg-00A-map.pdf").exists()  # website only


def test_a_ccg_with_more_pcns_than_colours_names_each_one_on_the_map():
    """Twelve MSOAs in a row, each served by its own PCN: more PCNs than the nine colours. Neighbours
    still differ in colour, and every PCN has its own letter on the map, matched in the legend."""
    n = 12
    msoas = pd.DataFrame({"code": [f"E02{i:06d}" for i in range(n)], "name": [f"M {i:03d}" for i in range(n)],
                          "geometry": [box(i, 50, i + 1, 51) for i in range(n)]})
    ccgs = pd.DataFrame({"code": ["E38000009"], "name": ["NHS Long CCG"], "geometry": [box(0, 50, n, 51)]})
    lookup = pd.DataFrame({"lsoa_code": [f"E01{i:06d}" for i in range(n)], "msoa_code": list(msoas["code"])})
    registrations = pd.DataFrame({"practice_code": [f"P{i:05d}" for i in range(n)],
                                  "lsoa_code": list(lookup["lsoa_code"]), "patients": [100] * n})
    epcn = Epcn(
        pcns=pd.DataFrame({"pcn_code": [f"U{i:05d}" for i in range(n)], "pcn_name": [f"PCN {i}" for i in range(n)]}),
        members=pd.DataFrame({"practice_code": list(registrations["practice_code"]),
                              "pcn_code": [f"U{i:05d}" for i in range(n)]}),
    )
    base = profile_maps.map_base(registrations, lookup, epcn, msoas, ccgs)
    chart, _ = profile_maps.ccg_map(base, "E38000009", "NHS Long CCG")
    spec = chart.to_dict()
    layers = spec["layer"]
    scale = layers[0]["encoding"]["color"]["scale"]
    colour_of = dict(zip(scale["domain"], scale["range"]))
    assert len(colour_of) == n and len(set(scale["range"])) < n  # colours repeat...
    drawn = _drawn(chart)
    fills = [colour_of[f"{map_colours.key_letters(i)}: {drawn[code]['pcn']}"] for i, code in enumerate(msoas["code"])]
    assert all(fills[i] != fills[i + 1] for i in range(n - 1))  # ...but never between neighbours
    letters = layers[4]["data"]
    rows = letters["values"] if "values" in letters else spec["datasets"][letters["name"]]
    assert sorted(row["key"] for row in rows) == sorted(map_colours.key_letters(i) for i in range(n))
    assert {row["pcn"] for row in rows} == set(scale["domain"])
