"""The charts of the chapter "Since the interim report": PCNs month by month, their sizes against the
recommended range, where the practices of closed PCNs went, and PCNs per ICB.

Each takes a table of `analysis.landscape` and returns an Altair chart; `sections.landscape` saves them with
`figures.save_figure` (interactive in the site, vector in the PDF) beside a table and CSV of the same data.
Months are drawn as dates (Vega-Lite's temporal axis), so quarterly and monthly releases sit at their
true distance apart.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from pcnreport.analysis.landscape import DESTINATIONS
from pcnreport.analysis.measures import RECOMMENDED_RANGE
from pcnreport.report.figures import BAND_COLOURS, BAND_LABELS, HEIGHT, WIDTH, _configure

LINE_COLOUR = BAND_COLOURS["within"]
# Okabe-Ito again, one colour a destination; the legend names each, so colour is not the only carrier.
DESTINATION_COLOURS = ["#0072B2", "#009E73", "#E69F00", "#999999"]


def _dated(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(date=pd.to_datetime(table["month"] + "-01"))


def _month_axis() -> alt.X:
    return alt.X("date:T", title="Month of the release", axis=alt.Axis(format="%Y", tickCount="year"))


def _month_tooltip() -> alt.Tooltip:
    return alt.Tooltip("date:T", title="Month", format="%B %Y")


def _line_by_month(summary: pd.DataFrame, field: str, title: str, tooltip: list) -> alt.Chart:
    """One value a month as a line with its points (the axis not forced to zero: the changes are small)."""
    chart = (
        alt.Chart(_dated(summary))
        .mark_line(point=alt.OverlayMarkDef(size=18), color=LINE_COLOUR)
        .encode(x=_month_axis(), y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(zero=False)),
                tooltip=[_month_tooltip(), *tooltip])
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _configure(chart)


def pcns_by_month(summary: pd.DataFrame) -> alt.Chart:
    """How many PCNs each month's practice mapping names."""
    return _line_by_month(summary[["month", "pcns", "practices"]], "pcns", "Number of PCNs",
                          [alt.Tooltip("pcns:Q", title="PCNs", format=",d"),
                           alt.Tooltip("practices:Q", title="Practices in a PCN", format=",d")])  # fmt: skip


def bands_by_month(summary: pd.DataFrame) -> alt.Chart:
    """The shares of PCNs under, within and over the recommended range, stacked, month by month."""
    long = summary.melt(id_vars="month", value_vars=["share_under", "share_within", "share_over"],
                        var_name="band", value_name="share")  # fmt: skip
    long["band_label"] = long["band"].str.removeprefix("share_").map(BAND_LABELS)
    order = list(BAND_LABELS.values())
    long["order"] = long["band_label"].map(order.index)
    chart = (
        alt.Chart(_dated(long))
        .mark_area()
        .encode(
            x=_month_axis(),
            y=alt.Y("share:Q", title="Share of PCNs", stack="normalize", axis=alt.Axis(format="%")),
            color=alt.Color("band_label:N", title="Registered population", sort=order,
                            scale=alt.Scale(domain=order, range=[BAND_COLOURS[k] for k in BAND_LABELS]),
                            legend=alt.Legend(orient="top")),
            order=alt.Order("order:Q"),
            tooltip=[_month_tooltip(), alt.Tooltip("band_label:N", title="Band"),
                     alt.Tooltip("share:Q", title="Share of PCNs", format=".1%")],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _configure(chart)


def sizes_by_month(summary: pd.DataFrame, bounds: tuple[int, int] = RECOMMENDED_RANGE) -> alt.Chart:
    """The median PCN's registered population with the 10th and 90th percentiles as a band, against the
    recommended range (dashed lines)."""
    data = _dated(summary[["month", "median", "p10", "p90"]])
    tooltip = [_month_tooltip(), alt.Tooltip("p10:Q", title="P10", format=",.0f"),
               alt.Tooltip("median:Q", title="Median", format=",.0f"), alt.Tooltip("p90:Q", title="P90", format=",.0f")]
    band = alt.Chart(data).mark_area(opacity=0.25, color=LINE_COLOUR).encode(
        x=_month_axis(), y=alt.Y("p10:Q", title="Registered population of a PCN", axis=alt.Axis(format=",d")),
        y2="p90:Q", tooltip=tooltip,
    )  # fmt: skip
    line = alt.Chart(data).mark_line(color=LINE_COLOUR).encode(x=_month_axis(), y="median:Q", tooltip=tooltip)
    rules = (
        alt.Chart(pd.DataFrame({"bound": list(bounds)}))
        .mark_rule(strokeDash=[4, 3], color="#333")
        .encode(y="bound:Q")
    )
    return _configure((band + line + rules).properties(width=WIDTH, height=HEIGHT))


def practices_by_month(summary: pd.DataFrame) -> alt.Chart:
    """The mean number of practices a PCN, month by month."""
    return _line_by_month(summary[["month", "practices_mean", "practices_median"]], "practices_mean",
                          "Mean practices a PCN", [alt.Tooltip("practices_mean:Q", title="Mean", format=".2f"),
                                                   alt.Tooltip("practices_median:Q", title="Median", format=".0f")])  # fmt: skip


def closed_flows(flows: pd.DataFrame) -> alt.Chart:
    """Where the practices of the PCNs closed each year went: one stacked bar a year."""
    # Bars are labelled by the year's end (short enough for six or more side by side); the tooltip names both.
    ends = pd.to_datetime(flows["end"] + "-01")
    data = flows.assign(year_to=ends.dt.strftime("%b %Y"), period=flows["start"] + " to " + flows["end"],
                        order=flows["destination"].map(DESTINATIONS.index))  # fmt: skip
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("year_to:N", title="Year to the release of", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("practices:Q", title="Practices of the PCNs closed that year"),
            color=alt.Color("destination:N", title="Went to", sort=list(DESTINATIONS),
                            scale=alt.Scale(domain=list(DESTINATIONS), range=DESTINATION_COLOURS),
                            legend=alt.Legend(orient="top", columns=2)),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("period:N", title="Releases compared"), alt.Tooltip("destination:N", title="Went to"),
                     alt.Tooltip("practices:Q", title="Practices")],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _configure(chart)


def pcns_per_icb(icbs: pd.DataFrame, level_plural: str) -> alt.Chart:
    """How many PCNs each ICB (STP in a CCG-era month) holds, one bar each, largest first."""
    chart = (
        alt.Chart(icbs[["icb_code", "icb_name", "region_name", "pcns"]])
        .mark_bar(color=LINE_COLOUR)
        .encode(
            x=alt.X("icb_code:N", title=f"{level_plural}, largest first", sort="-y", axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y("pcns:Q", title="Number of PCNs"),
            tooltip=[alt.Tooltip("icb_name:N", title="Name"), alt.Tooltip("icb_code:N", title="Code"),
                     alt.Tooltip("region_name:N", title="Region"), alt.Tooltip("pcns:Q", title="PCNs")],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _configure(chart)
