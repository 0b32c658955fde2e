"""Maps: the boundary readers, Figure 4.2's dominance computation on hand-made areas, web simplification,
colours, the chart builders, and the synthetic boundaries."""

from __future__ import annotations

import io
import json
import re

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
from pcnreport.report import map_colours, maps


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
    few = map_colours.pcn_colours(["U3", "U1", "U2"], set())
    assert len(set(few.values())) == 3
    codes = [f"U{i:02d}" for i in range(12)]
    chain = {frozenset((codes[i], codes[i + 1])) for i in range(11)}
    many = map_colours.pcn_colours(codes, chain)
    assert all(many[codes[i]] != many[codes[i + 1]] for i in range(11))
    assert set(many.values()) <= set(map_colours.PCN_COLOURS)


# --- Telling every PCN apart: which territories touch, their colours, their letters -----------------
#
# A 5 x 5 grid of unit squares, each its own PCN: 25 PCNs, each touching up to eight others (corners
# count), far more than the nine colours.

GRID = [box(x, y, x + 1, y + 1) for y in range(5) for x in range(5)]
GRID_PCNS = [f"U{i:05d}" for i in range(25)]


def test_touching_pairs_count_shared_edges_and_corners_not_gaps():
    shapes = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(1, 1, 2, 2), box(2.5, 0, 3, 1), box(0, 1 + 1e-7, 1, 2)]
    # 0-1 share an edge, 0-2 a corner, 1-2 an edge, 4 lies a hair's breadth (0.1 m) above 0 and touches
    # 2 along an edge and 1 at a corner; 3 is half a unit from anything.
    assert map_colours.touching_pairs(shapes) == [(0, 1), (0, 2), (0, 4), (1, 2), (1, 4), (2, 4)]
    assert map_colours.touching_pairs([]) == []
    # Areas of one PCN touching are not a pair of PCNs; an area no PCN serves (None) touches no PCN.
    assert map_colours.touching_pcns(["P", "P", "Q", None, None], map_colours.touching_pairs(shapes)) == {frozenset(("P", "Q"))}


def test_grid_of_25_pcns_no_touching_pair_shares_a_colour_and_the_colours_spread():
    pairs = map_colours.touching_pairs(GRID)
    assert len(pairs) == 2 * 5 * 4 + 2 * 4 * 4  # 40 edges and 32 corners
    adjacent = map_colours.touching_pcns(GRID_PCNS, pairs)
    colours = map_colours.pcn_colours(GRID_PCNS, adjacent)
    assert all(colours[a] != colours[b] for a, b in map(sorted, adjacent))
    assert set(colours.values()) <= set(map_colours.PCN_COLOURS)
    uses = pd.Series(colours).value_counts()
    assert uses.max() - uses.min() <= 2  # repeats spread over the palette
    # Deterministic, whatever the order the PCNs come in.
    assert map_colours.pcn_colours(list(reversed(GRID_PCNS)), set(adjacent)) == colours


def test_a_pcn_touching_every_colour_still_gets_one():
    hub, ring = "U00000", [f"U{i:05d}" for i in range(1, 11)]
    # Ten PCNs all touching one another and the hub: eleven mutually touching, nine colours.
    adjacent = {frozenset((a, b)) for a in [hub, *ring] for b in [hub, *ring] if a != b}
    colours = map_colours.pcn_colours([hub, *ring], adjacent)
    assert set(colours) == {hub, *ring} and set(colours.values()) == set(map_colours.PCN_COLOURS)


def test_keys_are_letters_in_code_order_running_on_past_z():
    assert [map_colours.key_letters(n) for n in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip
    keys = map_colours.pcn_keys(["U00003", "U00001", "U00002", "U00001"])
    assert keys == {"U00001": "A", "U00002": "B", "U00003": "C"}
    assert len(set(map_colours.pcn_keys(GRID_PCNS + [f"V{i}" for i in range(40)]).values())) == 65


def test_label_point_sits_deep_inside_the_largest_part():
    # An L: a 3 x 1 bar along the bottom and a 1 x 3 bar up the left side.
    ell = shapely.union_all([box(0, 0, 3, 1), box(0, 0, 1, 3)])
    point = map_colours.label_point(ell)
    assert ell.contains(point)
    assert ell.exterior.distance(point) > 0.4  # a centroid-like point would sit near the inner corner
    # Of two parts, the larger: a small square far away does not pull the label off the large one.
    two = shapely.MultiPolygon([box(0, 0, 4, 4), box(10, 10, 10.5, 10.5)])
    assert box(0, 0, 4, 4).contains(map_colours.label_point(two))
    # At 60 degrees north a degree of longitude is half a degree of latitude: a box 2 degrees wide
    # and 1 high is a square on the map, its label at the centre. In plain degrees it would be a 2 x 1
    # rectangle, every point of whose middle line is as deep inside as any other.
    square = box(0, 60, 2, 61)
    assert map_colours.label_point(square).distance(shapely.Point(1, 60.5)) < 0.03


def test_a_pcns_letter_goes_on_its_largest_piece_in_the_middle():
    # A row of five squares: P holds 0, 1, 2 and 4; Q holds 3. P's largest piece is 0-1-2: its
    # letter goes on 1, the middle one; Q's on 3, its only area.
    row = [box(x, 50, x + 1, 51) for x in range(5)]
    codes = [f"E0200000{i}" for i in range(5)]
    pcns = ["P", "P", "P", "Q", "P"]
    hosts = map_colours.pcn_label_hosts(codes, pcns, row, map_colours.touching_pairs(row))
    assert hosts == {"P": "E02000001", "Q": "E02000003"}
    # Two pieces of equal size: the one holding the lowest code wins, whatever the input order.
    pcns = ["P", "Q", "P", "Q", "P"]
    assert map_colours.pcn_label_hosts(codes, pcns, row, map_colours.touching_pairs(row))["P"] == "E02000000"
    assert map_colours.pcn_label_hosts(codes[::-1], pcns[::-1], row[::-1], map_colours.touching_pairs(row[::-1]))["P"] == "E02000000"
    # An area nobody serves carries no letter.
    assert map_colours.pcn_label_hosts(codes, [None] * 5, row, []) == {}


# --- Count labels that stand out from their fill ------------------------------------------------------


def test_contrast_follows_wcag():
    assert map_colours.relative_luminance("#FFFFFF") == pytest.approx(1)
    assert map_colours.relative_luminance("#000000") == 0
    assert map_colours.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert map_colours.contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # WCAG's own example
    assert map_colours.over_white("#000000", 0.5) == "#808080"
    assert map_colours.over_white("#332288", 1.0) == "#332288" and map_colours.over_white("#332288", 0) == "#FFFFFF"
    assert map_colours.share_opacity(0) == pytest.approx(0.2) and map_colours.share_opacity(1) == pytest.approx(1)
    assert map_colours.share_opacity(None) == 1 and map_colours.share_opacity(float("nan")) == 1


def test_labels_white_on_dark_fills_and_dark_on_light_ones():
    assert map_colours.label_ink("#332288") == map_colours.LIGHT_INK  # indigo: black on it was the complaint
    assert map_colours.label_ink("#882255") == map_colours.LIGHT_INK
    assert map_colours.label_ink("#DDCC77") == map_colours.DARK_INK
    assert map_colours.label_ink("#332288", 0.3) == map_colours.DARK_INK  # pale where the PCN's share is small
    # Every colour at every share: the chosen ink reaches WCAG's 4.5 on the colour actually shown.
    for colour in (*map_colours.PCN_COLOURS, maps.NO_DATA_COLOUR):
        for share in [i / 20 for i in range(21)]:
            shown = map_colours.over_white(colour, map_colours.share_opacity(share))
            assert map_colours.contrast_ratio(map_colours.label_ink(colour, map_colours.share_opacity(share)), shown) >= 4.5, (colour, share)
    # A mid-tone where near-black falls short and white too: black.
    grey = "#797979"
    assert max(map_colours.contrast_ratio(map_colours.DARK_INK, grey), map_colours.contrast_ratio(map_colours.LIGHT_INK, grey)) < 4.5
    assert map_colours.label_ink(grey) == map_colours.BLACK and map_colours.contrast_ratio(map_colours.BLACK, grey) > 4.5


# --- Figure 4.2's chart --------------------------------------------------------------------------------


def test_ccg_chart_draws_the_areas_the_outline_the_counts_and_the_letters():
    areas = service_areas.ccg_service_areas(RESIDENTS, MSOAS, CCGS, "E38000001")
    names = pd.Series({"U00001": "First PCN", "U00002": "Second PCN"})
    chart = maps.ccg_service_chart(areas, names, MSOAS, CCGS, "E38000001", note="SYNTHETIC", attribution="Contains OS data")
    spec = json.dumps(chart.to_dict())
    assert "U00001 First PCN" in spec and "U00002 Second PCN" in spec
    assert "SYNTHETIC" in spec and "Contains OS data" in spec
    full = chart.to_dict()
    layers = full["vconcat"][0]["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["geoshape", "geoshape", "text", "point", "text"]
    labels = {row["name"]: row["pcns"] for row in _rows(full, layers[2]["data"])}
    assert labels == {"A 001": 3, "B 002": 3}
    # The legend names each PCN after its letter; each PCN's letter is drawn once, in a white disc.
    scale = layers[0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["A: U00001 First PCN", "B: U00002 Second PCN"]
    assert len(set(scale["range"])) == 2
    letters = _rows(full, layers[4]["data"])
    assert sorted(row["key"] for row in letters) == ["A", "B"]
    assert {row["pcn"] for row in letters} == set(scale["domain"])
    assert layers[3]["mark"]["fill"] == "white"
    # Each count's ink is worked out from its area's fill and share.
    counts = {row["name"]: row["ink"] for row in _rows(full, layers[2]["data"])}
    a = areas.set_index("msoa_name").loc["A 001"]
    colour = scale["range"][0]
    assert counts["A 001"] == map_colours.label_ink(colour, map_colours.share_opacity(a["dominant_share"]))
    assert layers[2]["encoding"]["color"] == {"field": "ink", "type": "nominal", "scale": None}


def test_a_ccg_with_many_pcns_gets_a_wider_map_and_its_legend_underneath():
    codes = [f"E02{i:06d}" for i in range(25)]
    msoas = pd.DataFrame({"code": codes, "name": [f"M {i:03d}" for i in range(25)],
                          "geometry": [shapely.affinity.translate(shape, -2, 50) for shape in GRID]})
    ccgs = pd.DataFrame({"code": ["E38000001"], "name": ["NHS Grid CCG"], "geometry": [box(-2, 50, 3, 55)]})
    residents = pd.DataFrame({"msoa_code": codes, "pcn_code": pd.array(GRID_PCNS, dtype="string"),
                              "residents": [100] * 25})
    areas = service_areas.ccg_service_areas(residents, msoas, ccgs, "E38000001")
    chart = maps.ccg_service_chart(areas, pd.Series(dtype=str), msoas, ccgs, "E38000001").to_dict()
    layers = chart["layer"]
    assert (chart["width"], layers[0]["encoding"]["color"]["legend"]["orient"]) == (maps.WIDE_SERVICE_WIDTH, "bottom")
    letters = _rows(chart, layers[4]["data"])
    assert len({row["key"] for row in letters}) == 25  # every PCN lettered, nine colours or not


# --- The credit line fits the map -----------------------------------------------------------------------

CREDIT = ("Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS "
          "data © Crown copyright and database right 2011-2020.")


def test_credit_lines_wrap_at_spaces_within_the_width():
    lines = maps.credit_lines(CREDIT, 400)
    assert " ".join(lines) == CREDIT and len(lines) == 2
    assert all(len(line) * maps.CREDIT_FONT_SIZE * maps.CREDIT_CHAR_EM <= 400 for line in lines)
    assert maps.credit_lines("short", 400) == ["short"]


def _svg_width(chart) -> float:
    """The width of the chart as vl-convert draws it, with the report's font: Vega sizes the SVG to
    hold every mark, text included, so text running past the chart's edge widens it."""
    import vl_convert

    from pcnreport.report.figures import _register_fonts

    _register_fonts()
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    return float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', svg).group(1))


def test_the_credit_line_never_runs_past_the_map():
    import altair as alt

    # A bare chart 400 pixels wide: with the credit under it, the drawing is still 400 wide (plus
    # Vega's 5-pixel padding each side). The credit written on one line, as before, measured 850.
    bare = alt.Chart().mark_rect().encode(x=alt.value(0), x2=alt.value(400), y=alt.value(0), y2=alt.value(50))
    bare = bare.properties(width=400, height=50)
    assert _svg_width(maps._titled(bare, "", CREDIT, 400)) == pytest.approx(410)
    # Both maps are no wider with the long credit than with a one-word one.
    areas = service_areas.ccg_service_areas(RESIDENTS, MSOAS, CCGS, "E38000001")
    names = pd.Series({"U00001": "First PCN", "U00002": "Second PCN"})

    def service(credit):
        return maps.ccg_service_chart(areas, names, MSOAS, CCGS, "E38000001", attribution=credit)

    assert _svg_width(service(CREDIT)) == _svg_width(service("Credit"))
    results = _footprint_results()
    assert _svg_width(maps.footprint_map(results, MSOAS, attribution=CREDIT)) == _svg_width(
        maps.footprint_map(results, MSOAS, attribution="Credit"))


def _footprint_results() -> footprints.FootprintResults:
    return footprints.FootprintResults(
        msoas=footprints.msoa_footprints(RESIDENTS),
        residents=footprints.with_shares(RESIDENTS),
        threshold=0.01, pcns_any=footprints.Spread(0, 0, 0), pcns_1pct=footprints.Spread(0, 0, 0),
        by_area={}, patients_outside_msoas=0, patients_not_in_pcn=50,
    )


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


def test_service_map_wording_follows_the_counts():
    from pcnreport.report.map_sections import service_map_wording

    def words(**counts):
        raw = {"dominant_pcns": 15, "msoas": 52, "msoas_without_residents": 0, "msoas_shared": 52,
               "msoas_no_majority": 12, "max_pcns_1pct": 6, **counts}
        return service_map_wording(raw, "1%")

    assert words()["dominant"] == "15 networks each serve"
    assert words(dominant_pcns=1)["dominant"] == "1 network serves"
    assert words()["sharing"] == ("Two or more networks each have at least 1% of the residents in every one of those "
                                  "areas, up to 6 networks in one area; in 12 of them no single network has half of the residents")
    assert words(msoas_shared=60, msoas=70)["sharing"].startswith(
        "Two or more networks each have at least 1% of the residents in 60 of those areas,")
    assert words(msoas_no_majority=1)["sharing"].endswith("; in 1 of them no single network has half of the residents")
    assert words(msoas_no_majority=0)["sharing"].endswith("; in every area one network has at least half of the residents")
    assert words(msoas_shared=0, msoas_no_majority=0)["sharing"] == (
        "No area has two or more networks each with at least 1% of its residents; "
        "in every area one network has at least half of the residents")
