"""Chapter 6, section 6.3: Figure 6.4, its table and the chapter's numbers, from `analysis.footprints`.

The numbers formatted as the chapter prints them, the grouped bar chart of urban and rural MSOAs by the
number of PCNs serving them with its alternative text, the displayed table and the MSOA download;
`write_section`, which the notebook 06-footprints calls, writes them, or a notice where the
registrations by LSOA are not the national file.
"""

from __future__ import annotations

import math
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from pcnreport.analysis import measures
from pcnreport.analysis.footprints import DEFAULT_THRESHOLD, FootprintResults, Spread, footprint_results, raw_numbers
from pcnreport.report.figures import FONT, HEIGHT, WIDTH, save_figure
from pcnreport.report.numbers import count, decimal, percent, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path, write_unavailable
from pcnreport.report.tables import save_table

# Okabe-Ito blue and vermillion: distinguishable with the common colour-vision deficiencies; the
# areas are also named in the legend, the tooltips and the alternative text.
AREA_COLOURS = {"Urban": "#0072B2", "Rural": "#D55E00"}
# The chart's last bar gathers MSOAs served by this many PCNs or more.
CHART_CAP = 10


def numbers_for_report(results: FootprintResults) -> dict:
    """The chapter's numbers, formatted as the report prints them (see pcnreport.report.numbers)."""
    table = results.msoas

    def one_decimal(s: Spread) -> dict:
        return {"n": count(s.n), "mean": decimal(s.mean, 1), "sd": decimal(s.sd, 1)}

    single = single_network_shares(table)
    urban = {**{k: one_decimal(v) for k, v in results.by_area["urban"].items()}, "single_network_pct": single["urban"]}
    rural = {**{k: one_decimal(v) for k, v in results.by_area["rural"].items()}, "single_network_pct": single["rural"]}
    return {
        "msoas": count(len(table)),
        "threshold_pct": percent(results.threshold, 0 if (100 * results.threshold).is_integer() else 1),
        "mean_residents": count(table["residents"].mean()) if len(table) else "-",
        "patients_not_in_pcn": count(results.patients_not_in_pcn),
        "patients_outside_msoas": count(results.patients_outside_msoas),
        "pcns_any": one_decimal(results.pcns_any),
        "pcns_1pct": one_decimal(results.pcns_1pct),
        "urban": urban,
        "rural": rural,
        "wording": {
            "threshold_verb": threshold_verb(decimal(results.pcns_any.mean, 1), decimal(results.pcns_1pct.mean, 1)),
            "urban_rural": urban_rural_clause(urban["pcns_1pct"]["mean"], rural["pcns_1pct"]["mean"]),
            "single_network": single_network_sentence(single["urban"], single["rural"]),
        },
    }


def single_network_shares(msoas: pd.DataFrame, column: str = "pcns_1pct") -> dict[str, str]:
    """The share of urban and of rural MSOAs where a single PCN reaches the threshold, as printed ('-'
    where an area has no MSOAs)."""
    classified = msoas[msoas["rural"].notna()]
    rural = classified["rural"].astype(bool)
    shares = {}
    for area, rows in (("urban", classified[~rural]), ("rural", classified[rural])):
        shares[area] = percent(float((rows[column] == 1).mean())) if len(rows) else "-"
    return shares


def single_network_sentence(urban_pct: str, rural_pct: str) -> str:
    """Where one network alone reaches the threshold, for the areas that have MSOAs ('-' for none)."""
    if rural_pct == "-" and urban_pct == "-":
        return "No MSOA is classified urban or rural."
    if "-" in (urban_pct, rural_pct):
        pct, area = (urban_pct, "urban") if rural_pct == "-" else (rural_pct, "rural")
        return f"In {pct} of {area} MSOAs, only one network reaches the threshold."
    return f"In {rural_pct} of rural MSOAs and {urban_pct} of urban ones, only one network reaches the threshold."


def threshold_verb(mean_any: str, mean_threshold: str) -> str:
    """How the average moves when a PCN must reach the threshold, judged on the printed values: it can
    only fall or stay (a PCN reaching the threshold has a resident), and 'falls to 3.5' from a printed
    3.5 would contradict the page."""
    if mean_any == mean_threshold or "-" in (mean_any, mean_threshold):
        return "is still"
    return "falls to"


def urban_rural_clause(urban_mean: str, rural_mean: str) -> str:
    """Where the overlap is greater, urban or rural MSOAs, chosen by the printed means of PCNs reaching
    the threshold: the interim report found it greater in towns and cities, a later release or another
    area need not."""
    if "-" in (urban_mean, rural_mean):
        area = "rural" if urban_mean == "-" else "urban"
        return f"every MSOA classified is {area}, so urban and rural areas cannot be compared"
    urban, rural = float(urban_mean.replace(",", "")), float(rural_mean.replace(",", ""))
    if urban > rural:
        return (
            "overlap is greater in urban MSOAs, where practices are close together and patients choose between "
            f"them, than in rural ones ({urban_mean} networks on average against {rural_mean})"
        )
    if rural > urban:
        return f"overlap is greater in rural MSOAs than in urban ones ({rural_mean} networks on average against {urban_mean})"
    return f"urban and rural MSOAs are served by as many networks on average ({urban_mean})"


def distribution_by_area(msoas: pd.DataFrame, column: str = "pcns_1pct", cap: int = CHART_CAP) -> pd.DataFrame:
    """Share of urban and of rural MSOAs by number of PCNs serving them, `cap` or more pooled.

    One row an area and count: area ("Urban"/"Rural"), pcns (int, `cap` standing for cap or more),
    pcns_label ("1", ..., "10+"), msoas, share (of the area's MSOAs), share_label ("23%"). Every
    count from the smallest to `cap` appears for both areas, with zeros, so bars line up.
    """
    table = msoas[msoas["rural"].notna()]
    area = np.where(table["rural"].astype(bool), "Rural", "Urban")
    capped = table[column].clip(upper=cap)
    counts = pd.crosstab(capped, area)
    low = int(min(capped.min(), 1)) if len(capped) else 1
    counts = counts.reindex(index=range(low, cap + 1), columns=list(AREA_COLOURS), fill_value=0)
    long = counts.rename_axis(index="pcns", columns="area").stack().rename("msoas").reset_index()
    totals = long.groupby("area")["msoas"].transform("sum")
    long["share"] = (long["msoas"] / totals.where(totals > 0)).fillna(0.0)
    long["pcns_label"] = [f"{n}+" if n == cap else str(n) for n in long["pcns"]]
    # Half up (12.5% -> 13%), as a reader rounds; empty bars get no label, to keep the chart quiet.
    long["share_label"] = [f"{math.floor(100 * s + 0.5)}%" if n else "" for s, n in zip(long["share"], long["msoas"])]
    long["area_label"] = long["area"].map(_area_labels(table))
    return long[["area", "area_label", "pcns", "pcns_label", "msoas", "share", "share_label"]]


def _area_labels(msoas: pd.DataFrame) -> dict[str, str]:
    rural = int(msoas["rural"].astype(bool).sum())
    return {"Urban": f"Urban ({count(len(msoas) - rural)} MSOAs)", "Rural": f"Rural ({count(rural)} MSOAs)"}


def footprint_chart(results: FootprintResults, cap: int = CHART_CAP) -> alt.Chart:
    """Figure 6.4: share of urban and of rural MSOAs by the number of PCNs serving them."""
    data = distribution_by_area(results.msoas, "pcns_1pct", cap)
    labels = _area_labels(results.msoas[results.msoas["rural"].notna()])
    order = [labels["Urban"], labels["Rural"]]
    x_order = list(dict.fromkeys(data["pcns_label"]))
    threshold = percent(results.threshold, 0 if (100 * results.threshold).is_integer() else 1)
    base = alt.Chart(data).encode(
        x=alt.X(
            "pcns_label:N",
            sort=x_order,
            title=f"Number of PCNs with at least {threshold} of the MSOA's registered residents",
            axis=alt.Axis(labelAngle=0),
        ),
        xOffset=alt.XOffset("area_label:N", sort=order),
        y=alt.Y("share:Q", title="Share of MSOAs", axis=alt.Axis(format="%")),
        tooltip=[
            alt.Tooltip("area:N", title="Area"),
            alt.Tooltip("pcns_label:N", title="PCNs serving the MSOA"),
            alt.Tooltip("msoas:Q", title="MSOAs", format=",d"),
            alt.Tooltip("share:Q", title="Share of the area's MSOAs", format=".1%"),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "area_label:N",
            title=None,
            sort=order,
            scale=alt.Scale(domain=order, range=[AREA_COLOURS["Urban"], AREA_COLOURS["Rural"]]),
            legend=alt.Legend(orient="top"),
        )
    )
    text = base.mark_text(dy=-5, fontSize=9, color="#333").encode(text="share_label:N")
    chart = (bars + text).properties(width=WIDTH, height=HEIGHT)
    return chart.configure(font=FONT).configure_view(stroke=None).configure_axis(
        labelFontSize=11, titleFontSize=12, grid=False
    )


def alt_text(results: FootprintResults) -> str:
    text = numbers_for_report(results)
    return (
        f"Grouped bar chart of {text['msoas']} MSOAs, urban and rural, by the number of PCNs with at least "
        f"{text['threshold_pct']} of their registered residents. On average {text['pcns_1pct']['mean']} PCNs "
        f"serve an MSOA ({text['urban']['pcns_1pct']['mean']} in urban, {text['rural']['pcns_1pct']['mean']} "
        f"in rural MSOAs); counting every PCN with any resident, {text['pcns_any']['mean']}."
    )


def summary_table(results: FootprintResults) -> pd.DataFrame:
    """The displayed table: MSOAs, and mean (SD) PCNs per MSOA both ways, for all, urban and rural."""
    threshold = numbers_for_report(results)["threshold_pct"]
    rows = [("All MSOAs", results.pcns_any, results.pcns_1pct)]
    rows += [
        (area.capitalize() + " MSOAs", spreads["pcns_any"], spreads["pcns_1pct"])
        for area, spreads in results.by_area.items()
    ]
    return pd.DataFrame(
        {
            "MSOAs": [name for name, _, _ in rows],
            "Number": [count(any_.n) for _, any_, _ in rows],
            "PCNs with any resident, mean (SD)": [_mean_sd(any_) for _, any_, _ in rows],
            f"PCNs with at least {threshold}, mean (SD)": [_mean_sd(thr) for _, _, thr in rows],
        }
    )


def align(table: pd.DataFrame) -> dict[str, str]:
    """tables.save_table's alignment for a displayed table: labels left, formatted numbers right."""
    return {column: "l" if i == 0 else "r" for i, column in enumerate(table.columns)}


def _mean_sd(s: Spread) -> str:
    return f"{decimal(s.mean, 1)} ({decimal(s.sd, 1)})"


def msoa_table(results: FootprintResults) -> pd.DataFrame:
    """The download: every MSOA with its counts, rurality and the PCNs serving it with their shares."""
    columns = ["msoa_code", "residents", "residents_not_in_pcn", "pcns_any", "pcns_1pct", "rural", "rural_share", "pcn_shares"]
    table = results.msoas[columns].copy()
    table["rural_share"] = table["rural_share"].round(4)
    return table


# --- The section's outputs --------------------------------------------------------------------------

SECTION = "footprints"
FRAGMENTS = ("fig-pcn-footprints", "tbl-pcn-footprints")


def write_section(
    output_dir: Path,
    registrations: pd.DataFrame,
    members: pd.DataFrame,
    lsoa_msoa: pd.DataFrame,
    ruc: pd.DataFrame,
    list_sizes: pd.DataFrame,
    releases: dict[str, str],
    threshold: float = DEFAULT_THRESHOLD,
) -> FootprintResults | None:
    """Figure 6.4, its table and numbers; a notice instead when the LSOA file is not national.

    A regional extract would count only the PCNs of that region's practices in its border MSOAs and
    nothing elsewhere: a map of England from it would be wrong, so the section says why it is absent.
    """
    coverage = measures.patient_coverage(members, registrations, list_sizes)
    if not coverage >= measures.MIN_COVERAGE:
        reason = (
            f"The registrations by LSOA in this data folder account for {percent(coverage, 1)} of the "
            "patients registered with PCN member practices: a regional extract, not the national file. "
            "Counting the PCNs that serve each MSOA of England needs the national file."
        )
        write_unavailable(output_dir, SECTION, FRAGMENTS, reason, releases)
        return None
    results = footprint_results(registrations, members, lsoa_msoa, ruc, threshold=threshold)
    text = {**numbers_for_report(results), "available": True, "unavailable_reason": "", "releases": releases,
            "coverage_pct": percent(coverage, 1)}
    raw = {**raw_numbers(results), "available": True, "releases": releases, "coverage": coverage}
    write_numbers(numbers_path(output_dir, SECTION), raw, text)
    out = figures_dir(output_dir)
    save_figure(footprint_chart(results), "fig-pcn-footprints", out, alt_text(results))
    summary = summary_table(results)
    save_table(summary, "tbl-pcn-footprints", out, data=msoa_table(results), align=align(summary))
    return results
