"""Maps: the boundary readers, Figure 4.2's dominance computation on hand-made areas, web simplification,
colours, the chart builders, and the synthetic boundaries."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import shapely
from shapely.geometry import box, mapping

from pcnreport.analysis import footprints, service_areas
from pcnreport.core.errors import DataFormatError, PcnReportError
from pcnreport.data.readers import Epcn, read_ccg_boundaries, read_msoa_boundaries
from pcnreport.data.synth import SyntheticSpec
from pcnreport.data.synth import boundaries as synth_boundaries
from pcnreport.data.synth.draws import _streams
from pcnreport.data.synth.geography import make_geography
from pcnreport.data.synth.organisations import _make_ccgs, _make_pcns, _make_practices
from pcnreport.data.synth.traits import make_traits
from pcnreport.report import maps


def _write_geojson(path, features, **extra):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}), encoding="utf-8")
    return path


def _feature(properties, geometry=None):
    return {"type": "Feature", "properties": properties, "geometry": geometry or mapping(box(-2, 53, -1.9, 53.1))}


# --- Readers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code_key, name_key", [("MSOA11CD", "MSOA11NM"), ("msoa11cd", "msoa11nm"), ("msoa11_code", "msoa11_name")]
)
def test_msoa_reader_accepts_each_spelling_and_keeps_england(tmp_path, code_key, name_key):
    path = _write_geojson(
        tmp_path / "msoa.geojson",
        [
            _feature({code_key: "W02000001", name_key: "Welsh 001"}),
            _feature({code_key: "E02000002", name_key: "Second 001", "other": 1}),
            _feature({code_key: "E02000001", name_key: "First 001"}),
        ],
    )
    table = read_msoa_boundaries(path)
    assert list(table["code"]) == ["E02000001", "E02000002"]
    assert list(table["name"]) == ["First 001", "Second 001"]
    assert table["geometry"].iloc[0].equals(box(-2, 53, -1.9, 53.1))


def test_boundary_reader_reports_every_bad_feature_by_number(tmp_path):
    path = _write_geojson(
        tmp_path / "bad.geojson",
        [
            _feature({"msoa11cd": "E02000001", "msoa11nm": "Fine"}),
            _feature({"msoa11cd": "X12", "msoa11nm": "Bad code"}),
            _feature({"msoa11nm": "No code"}),
            _feature({"msoa11cd": "E02000004", "msoa11nm": "Point"}, {"type": "Point", "coordinates": [0, 51]}),
            _feature({"msoa11cd": "E02000001", "msoa11nm": "Repeated"}),
        ],
    )
    with pytest.raises(DataFormatError) as caught:
        read_msoa_boundaries(path)
    message = str(caught.value)
    assert str(path) in message
    assert "feature 2: property 'msoa11cd': expected an MSOA code" in message and "'X12'" in message
    assert "feature 3: missing column 'MSOA11CD'" in message
    assert "feature 4: (E02000004) geometry: expected a Polygon or MultiPolygon, found 'Point'" in message
    assert "code 'E02000001' appears on more than one feature" in message


def test_boundary_reader_refuses_projected_coordinates_and_non_geojson(tmp_path):
    projected = _write_geojson(
        tmp_path / "bng.geojson", [_feature({"ccg20cd": "E38000014", "ccg20nm": "X"}, mapping(box(369000, 422000, 370000, 423000)))]
    )
    with pytest.raises(DataFormatError, match="expected WGS84 longitude and latitude"):
        read_ccg_boundaries(projected)
    not_json = tmp_path / "x.geojson"
    not_json.write_text("LSOA11CD,LSOA11NM\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="not valid JSON"):
        read_ccg_boundaries(not_json)
    wrong = tmp_path / "y.geojson"
    wrong.write_text(json.dumps({"type": "Feature"}), encoding="utf-8")
    with pytest.raises(DataFormatError, match="expected a GeoJSON FeatureCollection"):
        read_ccg_boundaries(wrong)


# --- Figure 4.2's computation on hand-made areas -------------------------------------------------------
#
# Three MSOAs side by side, each 1 x 1 degree: A and B inside the CCG (x 0..2), C outside (x 2..3) except
# for 0.4 of its width, so 40% of C lies inside: not enough.

MSOAS = pd.DataFrame(
    {
        "code": ["E02000001", "E02000002", "E02000003"],
        "name": ["A 001", "B 002", "C 003"],
        "geometry": [box(0, 50, 1, 51), box(1, 50, 2, 51), box(2, 50, 3, 51)],
    }
)
CCGS = pd.DataFrame({"code": ["E38000001"], "name": ["NHS Test CCG"], "geometry": [box(0, 50, 2.4, 51)]})

# Residents by MSOA and PCN (pcn <NA>: a practice in no PCN).
RESIDENTS = pd.DataFrame(
    {
        "msoa_code": ["E02000001"] * 4 + ["E02000002"] * 3 + ["E02000003"],
        "pcn_code": pd.array(["U00001", "U00002", "U00003", pd.NA, "U00002", "U00003", "U00004", "U00001"], dtype="string"),
        "residents": [500, 300, 150, 50, 40, 40, 20, 100],
    }
)


def test_dominant_pcn_is_the_largest_share_ties_to_the_lower_code():
    table = service_areas.dominant_pcns(RESIDENTS).set_index("msoa_code")
    # A: 500 of 1,000 residents (the 50 outside any PCN count in the total).
    assert table.loc["E02000001", "dominant_pcn"] == "U00001"
    assert table.loc["E02000001", "dominant_share"] == pytest.approx(0.5)
    # B: U00002 and U00003 tie at 40 of 100: the lower code wins.
    assert table.loc["E02000002", "dominant_pcn"] == "U00002"
    assert table.loc["E02000002", "dominant_share"] == pytest.approx(0.4)


def test_msoas_inside_need_half_their_area_inside():
    assert service_areas.msoas_inside(MSOAS, CCGS["geometry"].iloc[0]) == ["E02000001", "E02000002"]
    assert service_areas.msoas_inside(MSOAS, CCGS["geometry"].iloc[0], min_inside=0.35) == [
        "E02000001", "E02000002", "E02000003",
    ]  # fmt: skip


def test_ccg_service_areas_counts_by_hand():
    table = service_areas.ccg_service_areas(RESIDENTS, MSOAS, CCGS, "E38000001", threshold=0.2).set_index("msoa_code")
    assert list(table.index) == ["E02000001", "E02000002"]
    a = table.loc["E02000001"]
    assert (a["residents"], a["dominant_pcn"], a["dominant_residents"], a["pcns_any"], a["pcns_1pct"]) == (
        1000, "U00001", 500, 3, 2,  # 15% for U00003 is under 20%
    )  # fmt: skip
    assert a["pcn_shares"] == "U00001 50%; U00002 30%"
    b = table.loc["E02000002"]
    assert (b["pcns_1pct"], b["pcn_shares"]) == (3, "U00002 40%; U00003 40%; U00004 20%")


def test_an_msoa_without_residents_stays_on_the_map_without_a_pcn():
    residents = RESIDENTS[RESIDENTS["msoa_code"] != "E02000002"]
    table = service_areas.ccg_service_areas(residents, MSOAS, CCGS, "E38000001").set_index("msoa_code")
    assert table.loc["E02000002", "residents"] == 0
    assert pd.isna(table.loc["E02000002", "dominant_pcn"])


def test_unknown_ccg_is_a_clear_error_and_default_is_the_most_populous():
    with pytest.raises(PcnReportError, match="CCG 'E38999999' is not in the CCG boundaries"):
        service_areas.ccg_service_areas(RESIDENTS, MSOAS, CCGS, "E38999999")
    two = pd.concat([CCGS, pd.DataFrame({"code": ["E38000002"], "name": ["Other"], "geometry": [box(2, 50, 3, 51)]})])
    assert service_areas.default_ccg(RESIDENTS, MSOAS, two) == "E38000001"  # 1,100 residents against 100
    # A CCG larger than a readable map is passed over while a smaller one exists.
    assert service_areas.default_ccg(RESIDENTS, MSOAS, two, max_msoas=1) == "E38000002"


# --- Geometry for the web ----------------------------------------------------------------------------


def test_simplification_keeps_every_feature_and_shrinks_the_spec():
    # A wiggly boundary: 2,000 points on a circle with a small ripple.
    circle = shapely.Point(-1.5, 52.5).buffer(0.05, quad_segs=500)
    rippled = shapely.affinity.scale(circle, 1.0, 1.0)
    areas = pd.DataFrame({"code": [f"E0200000{i}" for i in range(5)], "name": list("abcde"),
                          "geometry": [shapely.affinity.translate(rippled, 0.2 * i) for i in range(5)]})
    full = maps.web_features(areas, areas[["code"]], tolerance=0, digits=8)
    small = maps.web_features(areas, areas[["code"]], tolerance=0.002, digits=3)
    assert [f["properties"]["code"] for f in small] == list(areas["code"])
    assert all(shapely.geometry.shape(f["geometry"]).is_valid for f in small)
    assert len(json.dumps(small)) < len(json.dumps(full)) / 10
    # Clockwise exterior rings: Vega's spherical drawing reads counter-clockwise as "everything outside".
    ring = shapely.LinearRing(small[0]["geometry"]["coordinates"][0])
    assert not ring.is_ccw


def test_web_features_refuse_an_area_without_a_boundary():
    with pytest.raises(ValueError, match=r"1 area\(s\) have no boundary, e.g. E02999999"):
        maps.web_features(MSOAS, pd.DataFrame({"code": ["E02000001", "E02999999"]}), 0.001, 3)


def test_pcn_colours_distinct_when_they_fit_and_never_shared_by_neighbours():
    few = maps.pcn_colours(["U3", "U1", "U2"], set())
    assert len(set(few.values())) == 3
    codes = [f"U{i:02d}" for i in range(12)]
    chain = {frozenset((codes[i], codes[i + 1])) for i in range(11)}
    many = maps.pcn_colours(codes, chain)
    assert all(many[codes[i]] != many[codes[i + 1]] for i in range(11))
    assert set(many.values()) <= set(maps.PCN_COLOURS)


def test_ccg_chart_draws_the_areas_the_outline_and_the_counts():
    areas = service_areas.ccg_service_areas(RESIDENTS, MSOAS, CCGS, "E38000001")
    names = pd.Series({"U00001": "First PCN", "U00002": "Second PCN"})
    chart = maps.ccg_service_chart(areas, names, MSOAS, CCGS, "E38000001", note="SYNTHETIC", attribution="Contains OS data")
    spec = json.dumps(chart.to_dict())
    assert "U00001 First PCN" in spec and "U00002 Second PCN" in spec
    assert "SYNTHETIC" in spec and "Contains OS data" in spec
    full = chart.to_dict()
    layers = full["vconcat"][0]["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["geoshape", "geoshape", "text"]
    labels = {row["name"]: row["pcns"] for row in _rows(full, layers[2]["data"])}
    assert labels == {"A 001": 3, "B 002": 3}


def test_ccg_service_map_from_the_tables_a_profile_holds():
    registrations = pd.DataFrame({"practice_code": ["A00001", "A00002"], "lsoa_code": ["E01000001", "E01000002"],
                                  "patients": [80, 20]})
    members = pd.DataFrame({"practice_code": ["A00001", "A00002"], "pcn_code": ["U00001", "U00002"]})
    pcns = pd.DataFrame({"pcn_code": ["U00001", "U00002"], "pcn_name": ["First PCN", "Second PCN"]})
    lookup = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "msoa_code": ["E02000001", "E02000001"]})
    chart = maps.ccg_service_map(registrations, lookup, Epcn(pcns=pcns, members=members), MSOAS, CCGS, "E38000001")
    values = chart.to_dict()["layer"][0]["data"]["values"]
    a = next(v["properties"] for v in values if v["properties"]["code"] == "E02000001")
    assert (a["pcn"], a["share"], a["pcns"]) == ("U00001 First PCN", 0.8, 2)


def test_footprint_map_colours_each_msoa_by_its_count():
    residents = RESIDENTS
    results = footprints.FootprintResults(
        msoas=footprints.msoa_footprints(residents),
        residents=footprints.with_shares(residents),
        threshold=0.01, pcns_any=footprints.Spread(0, 0, 0), pcns_1pct=footprints.Spread(0, 0, 0),
        by_area={}, patients_outside_msoas=0, patients_not_in_pcn=50,
    )
    spec = maps.footprint_map(results, MSOAS, note="SYNTHETIC").to_dict()
    # The outlines carry only their code; the numbers are one CSV text the page looks up by that code.
    assert sorted(feature["id"] for feature in spec["data"]["values"]) == list(MSOAS["code"])
    assert all(set(feature) == {"type", "id", "geometry"} for feature in spec["data"]["values"])
    lookup = spec["transform"][0]
    assert (lookup["lookup"], lookup["from"]["key"]) == ("id", "code")
    numbers = pd.read_csv(io.StringIO(_rows(spec, lookup["from"]["data"]))).set_index("code")
    assert numbers.loc["E02000001", "pcns"] == 3
    assert numbers.loc["E02000001", "pcn_shares"] == "U00001 50%; U00002 30%; U00003 15%"
    assert numbers.loc["E02000003", "pcns"] == 1
    assert spec["encoding"]["color"]["field"] == "pcns_label"
    assert "SYNTHETIC" in json.dumps(spec)


def _rows(spec: dict, data: dict) -> list:
    """A layer's data: inline values, or the named dataset Altair moved to the spec's top level."""
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


# --- Synthetic boundaries ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_geography():
    spec = SyntheticSpec()  # the default sample's geography: what the build draws
    streams = _streams(spec.seed)
    ccgs = _make_ccgs(spec, streams["ccgs"])
    pcns = _make_pcns(spec, ccgs, streams["pcns"])
    traits = make_traits(spec, ccgs, pcns, streams["traits"])
    practices = _make_practices(spec, ccgs, pcns, traits, streams["practices"])
    return make_geography(spec, ccgs, practices, streams["geography"]), ccgs


def test_synthetic_boundaries_are_deterministic_and_match_the_sample_codes(small_geography, tmp_path):
    geography, ccgs = small_geography
    first = synth_boundaries.msoa_geojson(geography)
    assert first == synth_boundaries.msoa_geojson(geography)
    msoas = read_msoa_boundaries(_bytes_to(tmp_path / "m.geojson", first))
    assert list(msoas["code"]) == sorted(geography.msoas["code"])
    assert msoas["name"].str.startswith("SYNTHETIC").all()
    ccg_areas = read_ccg_boundaries(_bytes_to(tmp_path / "c.geojson", synth_boundaries.ccg_geojson(geography, ccgs)))
    assert set(ccg_areas["code"]) == set(ccgs["ons_code"].iloc[sorted(geography.msoas["ccg"].unique())])
    # Each CCG is exactly the union of its MSOAs: every MSOA lies inside its own CCG and no other.
    for ccg_index, group in geography.msoas.groupby("ccg"):
        area = ccg_areas.set_index("code").loc[ccgs["ons_code"].iloc[ccg_index], "geometry"]
        assert service_areas.msoas_inside(msoas, area) == sorted(group["code"])


def _bytes_to(path, data: bytes):
    path.write_bytes(data)
    return path
