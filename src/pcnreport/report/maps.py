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
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from pcnreport.analysis import footprints, service_areas
from pcnreport.data.readers import Epcn
from pcnreport.report.figures import FONT
from pcnreport.report.numbers import percent
from pcnreport.report.sections import footprints as footprints_section

# Degrees. National map: 0.004 (about 300 m) keeps every MSOA's shape recognisable at the 600-pixel
# width of England (a pixel there is about 1 km). A CCG map is zoomed in ~15 times, so it keeps more.
NATIONAL_TOLERANCE = 0.004
LOCAL_TOLERANCE = 0.0005
NATIONAL_DIGITS = 3
LOCAL_DIGITS = 4
MAP_WIDTH, MAP_HEIGHT = 560, 600
COUNT_CAP = footprints_section.CHART_CAP

# Paul Tol's "muted" scheme: nine colours told apart with the common colour-vision deficiencies, dark
# enough for the white outlines and black labels. Each PCN is also named in the legend and tooltip.
PCN_COLOURS = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
NO_DATA_COLOUR = "#DDDDDD"
LEGEND_ROWS = 20


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


def _titled(chart: alt.TopLevelMixin, note: str, attribution: str) -> alt.TopLevelMixin:
    """A synthetic-data note on top (when given) and the licence's credit line under the map."""
    if note:
        chart = chart.properties(title=alt.TitleParams(note, anchor="start", color="#8a4b00", fontSize=12))
    if attribution:
        # aria=False: the credit line and the outline below are not data; without it, Vega gives their
        # SVG groups an image role with no text, which screen readers announce as unlabelled images.
        credit = alt.Chart().mark_text(align="left", fontSize=8, color="#444", aria=False).encode(text=alt.datum(attribution))
        chart = alt.vconcat(chart, credit.properties(width=MAP_WIDTH, height=12), spacing=4)
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
    return _titled(chart, note, attribution)


def footprint_map_alt_text(results: footprints.FootprintResults, cap: int = COUNT_CAP) -> str:
    counts = results.msoas["pcns_1pct"]
    threshold = percent(results.threshold, 0 if (100 * results.threshold).is_integer() else 1)
    return (
        f"Map of {len(counts):,} MSOAs of England, each coloured by the number of PCNs with at least {threshold} "
        f"of its registered residents, from {int(counts.min())} to {int(counts.max())} ({cap} or more share the "
        "darkest colour). The numbers for every MSOA are in the table's CSV download."
    )


# --- Figure 4.2: one CCG's MSOAs by dominant PCN ------------------------------------------------------


def pcn_colours(pcn_codes: list[str], adjacent: set[frozenset]) -> dict[str, str]:
    """A colour a PCN: distinct while there are enough colours; beyond that, greedy colouring in code
    order so that PCNs whose areas touch never share one (legend and tooltips still name each PCN)."""
    codes = sorted(pcn_codes)
    if len(codes) <= len(PCN_COLOURS):
        return dict(zip(codes, PCN_COLOURS))
    colours: dict[str, str] = {}
    for code in codes:
        taken = {colours[other] for other in colours if frozenset((code, other)) in adjacent}
        free = [colour for colour in PCN_COLOURS if colour not in taken] or list(PCN_COLOURS)
        # The least used free colour: repeats spread over the palette instead of piling on its start.
        used = list(colours.values())
        colours[code] = min(free, key=lambda colour: (used.count(colour), PCN_COLOURS.index(colour)))
    return colours


def _touching_pcns(areas: pd.DataFrame, geometry: pd.Series) -> set[frozenset]:
    """Pairs of dominant PCNs whose MSOAs share a border (or a point)."""
    drawn = areas[areas["dominant_pcn"].notna()]
    shapes = geometry.loc[drawn["msoa_code"]].to_numpy()
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    pcns = drawn["dominant_pcn"].to_numpy()
    return {frozenset((pcns[a], pcns[b])) for a, b in zip(left, right) if pcns[a] != pcns[b]}


def ccg_map_data(areas: pd.DataFrame, pcn_names: pd.Series) -> pd.DataFrame:
    """`service_areas.ccg_service_areas`'s table as the map draws it: code, name, pcn (the dominant PCN's
    code and name), share, pcns, residents, pcn_shares, and lon/lat of a point inside for the label."""
    pcn = areas["dominant_pcn"].astype("string")
    label = [
        "no registered residents in the data" if pd.isna(code) else f"{code} {pcn_names.get(code, '')}".strip()
        for code in pcn
    ]
    return pd.DataFrame(
        {
            "code": areas["msoa_code"],
            "name": areas["msoa_name"],
            "pcn_code": pcn,
            "pcn": label,
            "share": areas["dominant_share"].round(4),
            "pcns": areas["pcns_1pct"],
            "residents": areas["residents"],
            "pcn_shares": areas["pcn_shares"],
        }
    )


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
    data = ccg_map_data(areas, pcn_names)
    points = shapely.point_on_surface(geometry.loc[data["code"]].to_numpy())
    data = data.assign(lon=shapely.get_x(points).round(4), lat=shapely.get_y(points).round(4))
    colours = pcn_colours(list(data["pcn_code"].dropna().unique()), _touching_pcns(areas, geometry))
    order = data.dropna(subset=["pcn_code"]).drop_duplicates("pcn_code").sort_values("pcn_code")
    domain = list(order["pcn"]) + (["no registered residents in the data"] if data["pcn_code"].isna().any() else [])
    palette = [colours[code] for code in order["pcn_code"]] + ([NO_DATA_COLOUR] if len(domain) > len(order) else [])
    shown = percent(threshold, 0 if (100 * threshold).is_integer() else 1)
    tooltip = [
        alt.Tooltip("properties.name:N", title="MSOA"),
        alt.Tooltip("properties.pcn:N", title="PCN serving most residents"),
        alt.Tooltip("properties.share:Q", title="Its share of residents", format=".0%"),
        alt.Tooltip("properties.pcns:Q", title=f"PCNs with at least {shown}"),
        alt.Tooltip("properties.pcn_shares:N", title="PCNs and their shares"),
        alt.Tooltip("properties.residents:Q", title="Registered residents", format=",d"),
    ]
    features = web_features(msoa_boundaries, data.drop(columns=["lon", "lat"]), LOCAL_TOLERANCE, LOCAL_DIGITS, shapes)
    areas_layer = (
        alt.Chart(alt.Data(values=features))
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .encode(
            color=alt.Color("properties.pcn:N", title="PCN serving most residents", sort=domain,
                            scale=alt.Scale(domain=domain, range=palette),
                            # Every PCN listed (Vega-Lite would cut a long legend short), in two
                            # columns when there are many: a large CCG's profile can have dozens.
                            legend=alt.Legend(orient="right", labelLimit=260, symbolType="square", symbolLimit=0,
                                              columns=2 if len(domain) > LEGEND_ROWS else 1)),
            opacity=alt.Opacity("properties.share:Q", title="Its share of residents",
                                scale=alt.Scale(domain=[0, 1], range=[0.2, 1]),
                                legend=alt.Legend(format=".0%", orient="right", values=[0.25, 0.5, 0.75, 1])),
            tooltip=tooltip,
        )
    )
    ccg_geometry, _ = service_areas.ccg_area(ccg_boundaries, ccg_code)
    outline_shape = simplified([ccg_geometry], LOCAL_TOLERANCE, LOCAL_DIGITS)[0] if shapes is None else shapes[ccg_code]
    outline = alt.Chart(alt.Data(values=[{"type": "Feature", "geometry": mapping(outline_shape), "properties": {}}])).mark_geoshape(
        filled=False, stroke="#111", strokeWidth=1.6, aria=False
    )
    # The count of PCNs on every area keeps the overlap readable in print and without colour.
    labels = alt.Chart(data[["lon", "lat", "pcns", "name"]]).mark_text(fontSize=9, fontWeight="bold", color="#111").encode(
        longitude="lon:Q", latitude="lat:Q", text="pcns:Q", tooltip=[alt.Tooltip("name:N", title="MSOA"), alt.Tooltip("pcns:Q", title=f"PCNs with at least {shown}")]
    )
    chart = alt.layer(areas_layer, outline, labels).project(type="mercator").properties(width=MAP_WIDTH - 160, height=420)
    return _titled(chart, note, attribution)


def ccg_map_alt_text(areas: pd.DataFrame, ccg_name: str, threshold: float = footprints.DEFAULT_THRESHOLD) -> str:
    served = areas[areas["dominant_pcn"].notna()]
    shown = percent(threshold, 0 if (100 * threshold).is_integer() else 1)
    multiple = int((served["pcns_1pct"] >= 2).sum())
    under_half = int((served["dominant_share"] < 0.5).sum())
    return (
        f"Map of the {len(areas)} MSOAs of {ccg_name}, each coloured by the PCN with the most of its registered "
        f"residents ({served['dominant_pcn'].nunique()} PCNs in all) and shaded by that PCN's share. "
        f"{multiple} MSOAs have two or more PCNs with at least {shown} of their residents; in {under_half} no "
        "PCN has half. Each area is labelled with its number of PCNs; the table lists them all."
    )
