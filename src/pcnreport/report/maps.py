"""Maps as Altair charts: boundaries made small enough for a web page, and the report's two maps.

A chart's data travel inline in the page (see `figures`), so the national map carries 6,791 MSOA
outlines in its spec. `web_features` makes them small: shapely's `simplify` (Douglas-Peucker, keeping
each polygon valid) at a tolerance below what a map of England can show, then coordinates rounded to
a few decimals (3 decimals of a degree: about 110 m north-south). Simplifying each area on its own can
open hairline gaps between neighbours; at the national map's scale they are far below a pixel.

- `footprint_map`: Figure 6.4's map, every MSOA coloured by the number of PCNs with at least 1% of its
  registered residents (`footprints`), in a colour-blind-safe sequential scheme (viridis).
- `ccg_service_map`: Figure 4.2, one CCG's MSOAs coloured by their dominant PCN and shaded by its
  share, each labelled with its number of PCNs (`service_areas`). The area profiles call it per CCG.

Figure 4.2 must let a reader tell every PCN apart: its colours, letters and label inks come from
`map_colours`. The credit line under each map is wrapped to the map's width (`credit_lines`).
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from pcnreport.analysis import footprints, service_areas
from pcnreport.data.readers import Epcn
from pcnreport.report.figures import FONT
from pcnreport.report.map_colours import (
    DARK_INK,
    SHARE_OPACITY,
    label_ink,
    label_point,
    pcn_colours,
    pcn_keys,
    pcn_label_hosts,
    share_opacity,
    touching_pairs,
    touching_pcns,
)
from pcnreport.report.numbers import percent
from pcnreport.report.sections import footprints as footprints_section

# Degrees. National map: 0.004 (about 300 m) keeps every MSOA's shape recognisable at the 600-pixel
# width of England (a pixel there is about 1 km). A CCG map is zoomed in ~15 times, so it keeps more.
NATIONAL_TOLERANCE = 0.004
LOCAL_TOLERANCE = 0.0005
NATIONAL_DIGITS = 3
LOCAL_DIGITS = 4
# England is taller than wide: at 600 pixels high it needs about 470 across, so the national map is
# drawn 480 wide, which with its legend on the left stays inside the website's text column (about
# 725 pixels); a wider chart is cut off there, as the credit line under it once was.
MAP_WIDTH, MAP_HEIGHT = 480, 600
# Figure 4.2: the map with its legend beside it fits that column too. A CCG with more PCNs than one
# legend column holds gets a wider map and its legend underneath, in two columns.
SERVICE_WIDTH, SERVICE_HEIGHT = 400, 420
WIDE_SERVICE_WIDTH, WIDE_SERVICE_HEIGHT = 560, 520
COUNT_CAP = footprints_section.CHART_CAP

NO_DATA_COLOUR = "#DDDDDD"
NO_DATA_LABEL = "no registered residents in the data"
LEGEND_ROWS = 20
# The credit line: 8-pixel text wrapped at an average character width of 0.6 em. Lato's is near 0.5 em
# and the browsers' fallbacks (Helvetica, Arial) a little wider, so a wrapped line fits in any of them.
CREDIT_FONT_SIZE = 8
CREDIT_LINE_HEIGHT = 10
CREDIT_CHAR_EM = 0.6


def simplified(geometries, tolerance: float, digits: int) -> np.ndarray:
    """Each geometry simplified (topology of each polygon kept), its coordinates rounded, and its rings
    wound clockwise: Vega draws on a sphere (d3-geo), where a counter-clockwise ring (GeoJSON's RFC 7946
    order, which ONS files follow) is the whole globe *outside* the area."""
    simple = shapely.simplify(np.asarray(geometries, dtype=object), tolerance, preserve_topology=True)
    rounded = shapely.transform(simple, lambda coords: np.round(coords, digits))
    return shapely.orient_polygons(rounded, exterior_cw=True)


def web_geometry(boundaries: pd.DataFrame, tolerance: float = LOCAL_TOLERANCE, digits: int = LOCAL_DIGITS) -> pd.Series:
    """Every area's geometry as `simplified` makes it, indexed by code: done once when many maps are
    drawn from the same boundaries (each CCG's profile), then passed to `ccg_service_chart`."""
    return pd.Series(simplified(boundaries["geometry"].to_numpy(), tolerance, digits), index=boundaries["code"].to_numpy())


def web_features(boundaries: pd.DataFrame, properties: pd.DataFrame, tolerance: float, digits: int,
                 shapes: pd.Series | None = None) -> list[dict]:
    """GeoJSON Features for a chart: one an area of `properties` (keyed by its `code` column), with the
    boundary's geometry simplified, and every column of `properties` as a property (NaN as null).

    An area in `properties` with no boundary is an error: a map silently missing an area would
    misreport it.
    """
    features = web_shapes(boundaries, properties["code"], tolerance, digits, shapes)
    records = properties.astype(object).where(properties.notna(), None).to_dict("records")
    for feature, record in zip(features, records):
        feature["properties"] = record
    return features


def web_shapes(boundaries: pd.DataFrame, codes: pd.Series, tolerance: float, digits: int,
               shapes: pd.Series | None = None) -> list[dict]:
    """GeoJSON Features holding only a simplified geometry and the area's code as `id`: for a map whose
    numbers travel separately (`footprint_map`), so no feature repeats property names. `shapes`: the
    geometries already simplified (`web_geometry`), used instead of simplifying again."""
    geometry = boundaries.set_index("code")["geometry"] if shapes is None else shapes
    missing = sorted(set(codes) - set(geometry.index))
    if missing:
        raise ValueError(f"{len(missing)} area(s) have no boundary, e.g. {', '.join(missing[:5])}")
    picked = geometry.loc[list(codes)].to_numpy()
    shapes = simplified(picked, tolerance, digits) if shapes is None else picked
    return [{"type": "Feature", "id": code, "geometry": mapping(shape)} for code, shape in zip(codes, shapes)]


def spec_bytes(chart: alt.TopLevelMixin) -> int:
    """The size of a chart's spec as a page carries it (compact JSON)."""
    return len(json.dumps(chart.to_dict(), separators=(",", ":")).encode("utf-8"))


def credit_lines(text: str, width: float, font_size: float = CREDIT_FONT_SIZE) -> list[str]:
    """`text` broken at spaces into lines no wider than `width` pixels at `font_size` (estimated from an
    average character width: Python cannot measure the browser's font, and a generous estimate costs at
    most a shorter line)."""
    per_line = max(1, int(width // (font_size * CREDIT_CHAR_EM)))
    return textwrap.wrap(" ".join(text.split()), per_line) or [""]


def _titled(chart: alt.TopLevelMixin, note: str, attribution: str, width: float) -> alt.TopLevelMixin:
    """A synthetic-data note on top (when given) and the licence's credit line under the map, wrapped
    to the map's `width` and starting at its left edge: one long line ran past the chart's edge, where
    the website's column cut it off."""
    if note:
        chart = chart.properties(title=alt.TitleParams(note, anchor="start", color="#8a4b00", fontSize=12))
    if attribution:
        lines = credit_lines(attribution, width)
        # aria=False: the credit line and the outline below are not data; without it, Vega gives their
        # SVG groups an image role with no text, which screen readers announce as unlabelled images.
        credit = alt.Chart().mark_text(
            align="left", baseline="top", fontSize=CREDIT_FONT_SIZE, lineHeight=CREDIT_LINE_HEIGHT, lineBreak="\n",
            color="#444", aria=False,
        ).encode(x=alt.value(0), y=alt.value(0), text=alt.datum("\n".join(lines)))
        chart = alt.vconcat(chart, credit.properties(width=width, height=CREDIT_LINE_HEIGHT * len(lines)), spacing=4)
    return chart.configure(font=FONT).configure_view(stroke=None)


# --- Figure 6.4: PCNs per MSOA, England --------------------------------------------------------------


def count_labels(cap: int = COUNT_CAP) -> list[str]:
    return [str(n) for n in range(1, cap)] + [f"{cap}+"]


def footprint_map_data(results: footprints.FootprintResults, msoa_boundaries: pd.DataFrame) -> pd.DataFrame:
    """One row an MSOA: code, name, pcns (PCNs at or over the threshold), residents, pcn_shares (those
    PCNs with their shares)."""
    table = results.msoas[["msoa_code", "residents", "pcns_1pct"]].rename(columns={"msoa_code": "code", "pcns_1pct": "pcns"})
    names = msoa_boundaries.set_index("code")["name"]
    lists = service_areas.share_lists(results.residents, results.threshold).set_index("msoa_code")["pcn_shares"]
    table = table.assign(name=table["code"].map(names).fillna(""), pcn_shares=table["code"].map(lists).fillna(""))
    return table[["code", "name", "pcns", "residents", "pcn_shares"]]


def footprint_map(results: footprints.FootprintResults, msoa_boundaries: pd.DataFrame, *, note: str = "",
                  attribution: str = "", tolerance: float = NATIONAL_TOLERANCE, digits: int = NATIONAL_DIGITS,
                  cap: int = COUNT_CAP) -> alt.TopLevelMixin:
    """Figure 6.4's map: England's MSOAs coloured by the number of PCNs with at least the threshold share
    of their registered residents (hover: the MSOA, the count, the PCNs and their shares)."""
    data = footprint_map_data(results, msoa_boundaries)
    data = data[data["code"].isin(msoa_boundaries["code"])]
    labels = count_labels(cap)
    threshold = percent(results.threshold, 0 if (100 * results.threshold).is_integer() else 1)
    # 6,791 features: the outlines go as GeoJSON keyed by code, the numbers as one CSV text looked up by
    # that code, and the '10+' label is worked out in the page. Repeating property names in every
    # feature would add about a sixth to the page.
    numbers = data.to_csv(index=False, lineterminator="\n")
    csv = alt.InlineData(values=numbers, format=alt.DataFormat(type="csv", parse={"pcns": "number", "residents": "number"}))
    fields = ["name", "pcns", "residents", "pcn_shares"]
    chart = (
        alt.Chart(alt.Data(values=web_shapes(msoa_boundaries, data["code"], tolerance, digits)))
        .transform_lookup(lookup="id", from_=alt.LookupData(data=csv, key="code", fields=fields))
        .transform_calculate(pcns_label=f"datum.pcns >= {cap} ? '{cap}+' : '' + datum.pcns")
        .mark_geoshape(stroke=None)
        .encode(
            color=alt.Color(
                "pcns_label:O",
                title=f"PCNs with at least {threshold} of residents",
                sort=labels,
                scale=alt.Scale(domain=labels, scheme="viridis", reverse=True),
                legend=alt.Legend(orient="left", direction="vertical"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="MSOA"),
                alt.Tooltip("id:N", title="Code"),
                alt.Tooltip("pcns:Q", title=f"PCNs with at least {threshold}"),
                alt.Tooltip("pcn_shares:N", title="PCNs and their shares"),
                alt.Tooltip("residents:Q", title="Registered residents", format=",d"),
            ],
        )
        .project(type="mercator")
        .properties(width=MAP_WIDTH, height=MAP_HEIGHT)
    )
    return _titled(chart, note, attribution, MAP_WIDTH)


def footprint_map_alt_text(results: footprints.FootprintResults, cap: int = COUNT_CAP) -> str:
    counts = results.msoas["pcns_1pct"]
    threshold = percent(results.threshold, 0 if (100 * results.threshold).is_integer() else 1)
    return (
        f"Map of {len(counts):,} MSOAs of England, each coloured by the number of PCNs with at least {threshold} "
        f"of its registered residents, from {int(counts.min())} to {int(counts.max())} ({cap} or more share the "
        "darkest colour). The numbers for every MSOA are in the table's CSV download."
    )


# --- Figure 4.2: one CCG's MSOAs by dominant PCN ------------------------------------------------------


def ccg_map_data(areas: pd.DataFrame, pcn_names: pd.Series, keys: dict[str, str] | None = None) -> pd.DataFrame:
    """`service_areas.ccg_service_areas`'s table as the map draws it: code, name, pcn_code, pcn (the
    dominant PCN's code and name), key (its letter on the map: `pcn_keys`), share, pcns, residents,
    pcn_shares."""
    pcn = areas["dominant_pcn"].astype("string")
    keys = pcn_keys(list(pcn.dropna().unique())) if keys is None else keys
    label = [NO_DATA_LABEL if pd.isna(code) else f"{code} {pcn_names.get(code, '')}".strip() for code in pcn]
    return pd.DataFrame(
        {
            "code": areas["msoa_code"],
            "name": areas["msoa_name"],
            "pcn_code": pcn,
            "pcn": label,
            "key": [None if pd.isna(code) else keys[code] for code in pcn],
            "share": areas["dominant_share"].round(4),
            "pcns": areas["pcns_1pct"],
            "residents": areas["residents"],
            "pcn_shares": areas["pcn_shares"],
        }
    )


def legend_label(key: str | None, pcn: str) -> str:
    """A PCN's entry in the legend: its letter on the map, then its code and name."""
    return f"{key}: {pcn}" if key else pcn


def mercator_scale(bounds: Sequence[float], width: float, height: float) -> float:
    """Pixels per radian of the Mercator projection Vega fits to `bounds` (min lon, min lat, max lon,
    max lat, degrees) in a `width` x `height` chart: the chart's own fit, worked out before the page
    draws it so labels can be set a few pixels apart."""
    west, south, east, north = bounds

    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    across = max(math.radians(east - west), 1e-12)
    down = max(y(north) - y(south), 1e-12)
    return min(width / across, height / down)


def pixels_to_latitude(pixels: float, lat: float, scale: float) -> float:
    """Degrees of latitude that `pixels` vertical pixels span at `lat` on a map of `scale`
    (`mercator_scale`): Mercator stretches north-south distances by 1 / cos(latitude)."""
    return math.degrees(pixels * math.cos(math.radians(lat)) / scale)


def area_pixels(shape, scale: float) -> float:
    """The side, in pixels, of a square as large as `shape` drawn on a map of `scale`."""
    lat = shape.centroid.y
    return scale * math.radians(math.sqrt(shape.area)) / math.sqrt(max(math.cos(math.radians(lat)), 1e-6))


# Label sizes: (font size, disc size for one letter, for two, pixels from the area's label point to
# the disc's centre above and to the count's centre below, on the area holding a letter). Smaller
# where the typical area is under COMPACT_BELOW pixels across (a large CCG on a map of fixed size).
LABELS = (9, 210, 330, 6.5, 7.5)
COMPACT_LABELS = (8, 150, 250, 5.5, 6.5)
COMPACT_BELOW = 28


def label_sizes(area_sides: Sequence[float]) -> tuple:
    """`LABELS`, or `COMPACT_LABELS` when the median area is under `COMPACT_BELOW` pixels across."""
    return COMPACT_LABELS if len(area_sides) and float(np.median(area_sides)) < COMPACT_BELOW else LABELS


# The same, worked out in the page from each area's properties (so the features carry no third copy).
_LEGEND_EXPR = "datum.properties.key ? datum.properties.key + ': ' + datum.properties.pcn : datum.properties.pcn"


def ccg_service_map(
    registrations: pd.DataFrame,
    lsoa_msoa: pd.DataFrame,
    epcn: Epcn,
    msoa_boundaries: pd.DataFrame,
    ccg_boundaries: pd.DataFrame,
    ccg_code: str,
    *,
    threshold: float = footprints.DEFAULT_THRESHOLD,
    note: str = "",
    attribution: str = "",
) -> alt.TopLevelMixin:
    """Figure 4.2 for one CCG (ONS code E38...): each of its MSOAs coloured by the PCN serving most of
    its registered residents, shaded by that PCN's share, and labelled with the number of PCNs with at
    least `threshold` of its residents; the CCG's boundary drawn over them.

    `registrations` are by practice and LSOA (`read_registrations_lsoa`), `lsoa_msoa` the lookup,
    `epcn` the ePCN (members and PCN names), the boundaries from `readers.boundaries`.
    """
    residents = footprints.residents_by_msoa_and_pcn(registrations, epcn.members, lsoa_msoa)
    areas = service_areas.ccg_service_areas(residents, msoa_boundaries, ccg_boundaries, ccg_code, threshold)
    return ccg_service_chart(areas, epcn.pcns.set_index("pcn_code")["pcn_name"], msoa_boundaries,
                             ccg_boundaries, ccg_code, threshold=threshold, note=note, attribution=attribution)


def ccg_service_chart(areas: pd.DataFrame, pcn_names: pd.Series, msoa_boundaries: pd.DataFrame,
                      ccg_boundaries: pd.DataFrame, ccg_code: str, *, threshold: float = footprints.DEFAULT_THRESHOLD,
                      note: str = "", attribution: str = "", shapes: pd.Series | None = None) -> alt.TopLevelMixin:
    """The chart of `ccg_service_map` from an already computed `service_areas.ccg_service_areas` table.

    `shapes`: the MSOA and CCG geometries already simplified for the web (`web_geometry`, indexed by
    code), when many maps are drawn from the same boundaries; the full geometries still place the labels
    and tell which PCNs' areas touch (simplifying each area on its own can part neighbours)."""
    geometry = msoa_boundaries.set_index("code")["geometry"]
    codes = list(areas["msoa_code"])
    full = list(geometry.loc[codes].to_numpy())
    dominant = [None if pd.isna(code) else str(code) for code in areas["dominant_pcn"]]
    drawn_pcns = sorted({code for code in dominant if code is not None})
    pairs = touching_pairs(full)
    colours = pcn_colours(drawn_pcns, touching_pcns(dominant, pairs))
    keys = pcn_keys(drawn_pcns)
    points = [label_point(shape) for shape in full]
    hosts = pcn_label_hosts(codes, dominant, full, pairs, points)

    data = ccg_map_data(areas, pcn_names, keys)
    fills = [NO_DATA_COLOUR if code is None else colours[code] for code in dominant]
    data = data.assign(
        lon=[round(point.x, 4) for point in points], lat=[round(point.y, 4) for point in points],
        ink=[label_ink(fill, share_opacity(share)) for fill, share in zip(fills, data["share"])],
    )
    order = data.dropna(subset=["pcn_code"]).drop_duplicates("pcn_code").sort_values("pcn_code")
    domain = [legend_label(key, pcn) for key, pcn in zip(order["key"], order["pcn"])]
    palette = [colours[code] for code in order["pcn_code"]]
    if data["pcn_code"].isna().any():
        domain, palette = domain + [NO_DATA_LABEL], palette + [NO_DATA_COLOUR]
    wide = len(domain) > LEGEND_ROWS
    width, height = (WIDE_SERVICE_WIDTH, WIDE_SERVICE_HEIGHT) if wide else (SERVICE_WIDTH, SERVICE_HEIGHT)
    shown = percent(threshold, 0 if (100 * threshold).is_integer() else 1)
    tooltip = [
        alt.Tooltip("properties.name:N", title="MSOA"),
        alt.Tooltip("legend:N", title="PCN serving most residents"),
        alt.Tooltip("properties.share:Q", title="Its share of residents", format=".0%"),
        alt.Tooltip("properties.pcns:Q", title=f"PCNs with at least {shown}"),
        alt.Tooltip("properties.pcn_shares:N", title="PCNs and their shares"),
        alt.Tooltip("properties.residents:Q", title="Registered residents", format=",d"),
    ]
    features = web_features(msoa_boundaries, data.drop(columns=["lon", "lat", "ink"]), LOCAL_TOLERANCE, LOCAL_DIGITS, shapes)
    # Every PCN listed (Vega-Lite would cut a long legend short): beside the map in one column, or for
    # a CCG with many PCNs under a wider map in two.
    legend = (alt.Legend(orient="bottom", direction="vertical", columns=2, labelLimit=250, symbolType="square",
                         symbolLimit=0, titleLimit=500)
              if wide else alt.Legend(orient="right", labelLimit=260, symbolType="square", symbolLimit=0))
    areas_layer = (
        alt.Chart(alt.Data(values=features))
        .transform_calculate(legend=_LEGEND_EXPR)
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .encode(
            color=alt.Color("legend:N", title=["PCN serving most residents", "(its letter on the map)"], sort=domain,
                            scale=alt.Scale(domain=domain, range=palette), legend=legend),
            opacity=alt.Opacity("properties.share:Q", title="Its share of residents",
                                scale=alt.Scale(domain=[0, 1], range=list(SHARE_OPACITY)),
                                legend=alt.Legend(format=".0%", orient="right", values=[0.25, 0.5, 0.75, 1])),
            tooltip=tooltip,
        )
    )
    ccg_geometry, _ = service_areas.ccg_area(ccg_boundaries, ccg_code)
    scale = mercator_scale(shapely.union_all(full + [ccg_geometry]).bounds, width, height)
    font, disc, wide_disc, up, down = label_sizes([area_pixels(shape, scale) for shape in full])
    # The count of PCNs on every area keeps the overlap readable in print and without colour. The area
    # holding a PCN's letter shows both, the letter's disc above and the count below its label point.
    hosted = data["code"].isin(set(hosts.values())).to_numpy()
    shift = [pixels_to_latitude(down, lat, scale) if host else 0.0 for lat, host in zip(data["lat"], hosted)]
    counted = data[["lon", "lat", "pcns", "name", "ink"]].assign(lat=(data["lat"] - shift).round(4))
    located = data.set_index("code")
    badges = pd.DataFrame(
        [{"key": keys[pcn], "pcn": legend_label(keys[pcn], located.loc[msoa, "pcn"]),
          "lon": located.loc[msoa, "lon"],
          "lat": round(located.loc[msoa, "lat"] + pixels_to_latitude(up, located.loc[msoa, "lat"], scale), 4),
          "size": disc if len(keys[pcn]) == 1 else wide_disc}
         for pcn, msoa in sorted(hosts.items())],
        columns=["key", "pcn", "lon", "lat", "size"],
    )
    outline_shape = simplified([ccg_geometry], LOCAL_TOLERANCE, LOCAL_DIGITS)[0] if shapes is None else shapes[ccg_code]
    outline = alt.Chart(alt.Data(values=[{"type": "Feature", "geometry": mapping(outline_shape), "properties": {}}])).mark_geoshape(
        filled=False, stroke="#111", strokeWidth=1.6, aria=False
    )
    labels = alt.Chart(counted).mark_text(fontSize=font, fontWeight="bold").encode(
        longitude="lon:Q", latitude="lat:Q", text="pcns:Q", color=alt.Color("ink:N", scale=None),
        tooltip=[alt.Tooltip("name:N", title="MSOA"), alt.Tooltip("pcns:Q", title=f"PCNs with at least {shown}")],
    )
    badge = alt.Chart(badges).encode(longitude="lon:Q", latitude="lat:Q", tooltip=[alt.Tooltip("pcn:N", title="PCN")])
    discs = badge.mark_point(shape="circle", filled=True, fill="white", stroke="#111", strokeWidth=1, opacity=1).encode(
        size=alt.Size("size:Q", scale=None))
    letters = badge.mark_text(fontSize=font, fontWeight="bold", color=DARK_INK).encode(text="key:N")
    chart = alt.layer(areas_layer, outline, labels, discs, letters)
    chart = chart.project(type="mercator").properties(width=width, height=height)
    return _titled(chart, note, attribution, width)


def ccg_map_alt_text(areas: pd.DataFrame, ccg_name: str, threshold: float = footprints.DEFAULT_THRESHOLD) -> str:
    served = areas[areas["dominant_pcn"].notna()]
    shown = percent(threshold, 0 if (100 * threshold).is_integer() else 1)
    multiple = int((served["pcns_1pct"] >= 2).sum())
    under_half = int((served["dominant_share"] < 0.5).sum())
    return (
        f"Map of the {len(areas)} MSOAs of {ccg_name}, each coloured by the PCN with the most of its registered "
        f"residents ({served['dominant_pcn'].nunique()} PCNs in all) and shaded by that PCN's share. "
        f"{multiple} MSOAs have two or more PCNs with at least {shown} of their residents; in {under_half} no "
        "PCN has half. Each area is labelled with its number of PCNs, and each PCN with a letter on its "
        "largest territory, keyed to the legend; the table lists them all."
    )
