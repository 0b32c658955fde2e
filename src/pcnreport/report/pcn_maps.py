"""Each PCN page's map: the MSOAs where the network's patients live, from the latest registrations by LSOA.

A network's patients live in many small areas, most of them in a few. The map shows the MSOAs (about
7,000 in England, each of a few LSOAs) holding at least `THRESHOLD` of its patients who live in an MSOA,
shaded by that share, with the network's members as the practice mapping nearest the release lists them
(the same choice as the chapter's footprints). Areas below the threshold are left out, which keeps a page
light (a network's map carries 10 to 40 outlines, simplified as the profiles' maps are: `maps.web_shapes`)
and the picture readable: one patient far away is not where a network serves.

As with the size chart, the spec is built once with Altair (schema validation costs ~60 ms a chart) and
each page fills in its own features.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import altair as alt
import pandas as pd

from pcnreport.report import figures, maps
from pcnreport.report.numbers import count, percent
from pcnreport.report.wording import month_words, release_words

THRESHOLD = 0.01
LSOA = "registrations-lsoa"  # the datasets the map reads (data/catalogue.yaml)
LOOKUP = "lsoa-msoa"
BOUNDARIES = "boundaries-msoa"


@dataclass(frozen=True)
class Whereabouts:
    """Where the networks' patients live: every release's footprints (`landscape_months.footprints`) and the
    latest release's map features by PCN (`features_by_pcn`), `where` saying which release and networks
    they are; `why_not` (a sentence) when the data allow no map."""

    footprints: pd.DataFrame
    features: dict[str, list[dict]]
    where: str
    why_not: str


def whereabouts(inputs, months: list) -> Whereabouts:
    """The PCN pages' `Whereabouts` from every month's results (`landscape_months.MonthResult`, whose runs
    computed the footprints) and, for the map, the latest registrations by LSOA (`inputs`, a DataInputs:
    read whole, one release, in the build's LSOA vintage) joined to the networks of the month that stands
    for it, the LSOA to MSOA lookup and the MSOA boundaries."""
    from pcnreport.analysis import footprints as msoa_footprints
    from pcnreport.analysis import landscape_months

    prints = landscape_months.footprints(months)
    if prints.empty:
        return Whereabouts(prints, {}, "", "")
    latest = prints.iloc[-1]
    release, membership = str(latest["release"]), str(latest["membership"])
    where = f"in {release_words(release)}, with the networks of {month_words(membership)}"
    located = inputs.locate(LSOA)
    if located.release != release:  # a release label that does not sort last (an area's cut beside national files)
        return Whereabouts(prints, {}, where, f"The map needs the registrations by LSOA of {release_words(release)}, "
                                              f"which is not the release this build reads ({located.release}).")
    tables = {name: inputs.read_optional(name) for name in (LOOKUP, BOUNDARIES)}
    missing = [name for name, table in tables.items() if table is None]
    if missing:
        return Whereabouts(prints, {}, where, f"The data folder lacks {', '.join(missing)} (catalogue datasets), so "
                                              "no map is drawn.")
    members = next(m for m in months if m.month == membership).members[["practice_code", "pcn_code"]].dropna()
    members = members.drop_duplicates("practice_code")
    residents = msoa_footprints.residents_by_msoa_and_pcn(inputs.read(LSOA), members, tables[LOOKUP])
    boundaries = tables[BOUNDARIES]
    # A regional extract of the boundaries holds only some MSOAs: a network's others are left off its map.
    shares = msoa_shares(residents)
    shares = shares[shares["msoa_code"].isin(set(boundaries["code"]))]
    return Whereabouts(prints, features_by_pcn(shares, boundaries), where, "")
MAP_DATA = "pcn-msoas"
RUNTIME_HREF = "../figures/" + figures.RUNTIME_NAME


def msoa_shares(residents: pd.DataFrame, threshold: float = THRESHOLD) -> pd.DataFrame:
    """From `footprints.residents_by_msoa_and_pcn` (msoa_code, pcn_code, residents): pcn_code, msoa_code,
    patients, share (of the network's patients living in an MSOA), one row for each MSOA holding at least
    `threshold` of them, largest first within a network."""
    rows = residents.dropna(subset=["pcn_code"]).rename(columns={"residents": "patients"})
    if rows.empty:
        return pd.DataFrame(columns=["pcn_code", "msoa_code", "patients", "share"])
    rows = rows.assign(share=rows["patients"] / rows.groupby("pcn_code")["patients"].transform("sum"))
    kept = rows[rows["share"] >= threshold]
    return kept.sort_values(["pcn_code", "patients", "msoa_code"], ascending=[True, False, True], ignore_index=True)[
        ["pcn_code", "msoa_code", "patients", "share"]]


@functools.cache
def _template() -> str:
    """The map's spec with its features left out (as JSON)."""
    tooltip = [alt.Tooltip("properties.name:N", title="MSOA"), alt.Tooltip("properties.code:N", title="Code"),
               alt.Tooltip("properties.patients:Q", title="Patients", format=",d"),
               alt.Tooltip("properties.share:Q", title="Share of the network's patients", format=".1%")]  # fmt: skip
    chart = (
        alt.Chart(alt.Data(name=MAP_DATA))
        .mark_geoshape(stroke="white", strokeWidth=0.5)
        .encode(
            color=alt.Color("properties.share:Q", title="Share of its patients", scale=alt.Scale(scheme="viridis", reverse=True),
                            legend=alt.Legend(format=".0%", orient="bottom", gradientLength=180)),
            tooltip=tooltip,
        )
        .project(type="mercator")
        .properties(width="container", height=320)
        .configure(font=figures.FONT)
        .configure_view(stroke=None)
    )  # fmt: skip
    return json.dumps(chart.to_dict())


def map_spec(features: list[dict]) -> dict:
    spec = json.loads(_template())
    spec["datasets"] = {**spec.get("datasets", {}), MAP_DATA: features}
    return spec


def features_by_pcn(shares: pd.DataFrame, boundaries: pd.DataFrame) -> dict[str, list[dict]]:
    """pcn_code -> GeoJSON features of its MSOAs (code, name, patients, share as properties). Each MSOA's
    outline is simplified once, however many networks it appears for."""
    if shares.empty:
        return {}
    names = boundaries.set_index("code")["name"]
    wanted = boundaries[boundaries["code"].isin(set(shares["msoa_code"]))]
    shapes = maps.web_geometry(wanted)
    result: dict[str, list[dict]] = {}
    for pcn, rows in shares.groupby("pcn_code", sort=False):
        features = maps.web_shapes(wanted, rows["msoa_code"], maps.LOCAL_TOLERANCE, maps.LOCAL_DIGITS, shapes)
        for feature, (code, patients, share) in zip(features, rows[["msoa_code", "patients", "share"]].itertuples(index=False)):
            feature["properties"] = {"code": code, "name": names.get(code, ""), "patients": int(patients),
                                     "share": round(float(share), 4)}
        result[str(pcn)] = features
    return result


def map_section(pcn_code: str, pcn_name: str, features: list[dict] | None, where: str, why_not: str) -> str:
    """The page's map and its one-line summary; `why_not` (a sentence) when there is no map."""
    if not features:
        return f"<p>{why_not}</p>"
    top = features[0]["properties"]
    shown = sum(f["properties"]["patients"] for f in features)
    alt_text = (f"Map of the {len(features)} MSOAs each holding at least {percent(THRESHOLD)} of the patients of "
                f"{pcn_name} living in an MSOA, {where}; the most in {top['name'] or top['code']} "
                f"({percent(top['share'])}).")
    chart = figures.html_fragment(f"pcn-map-{pcn_code}", map_spec(features), alt_text, RUNTIME_HREF)
    return (f"{chart}\n<p class='map-note'>{where[:1].upper() + where[1:]}: {count(len(features))} MSOAs each hold at least "
            f"{percent(THRESHOLD)} of its patients ({count(shown)} patients in all); the most, "
            f"{percent(top['share'])}, live in {top['name'] or top['code']} ({top['code']}).</p>")
