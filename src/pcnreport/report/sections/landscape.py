"""The chapter "Since the interim report" (`sec-landscape`): the PCN landscape month by month.

Presents `pcnreport.analysis.landscape` over every month of the registrations' practice mapping in the data
folder: the numbers the text prints (and the phrases whose words follow them), six charts, and a table and
CSV beside each. `write_section` writes them where the chapter includes them; with fewer than two months
the section is written unavailable, saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pandas as pd

from pcnreport.analysis import footprint_series, landscape, landscape_months, measures
from pcnreport.core.atomic import write_text_atomic
from pcnreport.report import figures, landscape_figures
from pcnreport.report.commissioner_words import ABOVE, level_names
from pcnreport.report.numbers import count, decimal, percent, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path, unavailable_fragment, write_unavailable
from pcnreport.report.tables import save_table
from pcnreport.report.wording import counted, join, month_words, release_area, release_words, verb

SECTION = "landscape"
FIGURES = ("fig-landscape-pcns", "fig-landscape-bands", "fig-landscape-sizes", "fig-landscape-practices",
           "fig-landscape-flows", "fig-landscape-icbs")  # fmt: skip
TABLES = ("tbl-landscape-months", "tbl-landscape-years", "tbl-landscape-flows", "tbl-landscape-commissioners",
          "tbl-landscape-icbs", "tbl-landscape-footprints")  # fmt: skip



@dataclass(frozen=True)
class LandscapeResults:
    months: list[str]               # every month of the mapping, oldest first
    yearly_months: list[str]        # landscape.yearly_months: the months a year apart
    sizes_used: dict[str, str]      # month -> registrations release that gave its list sizes
    summary: pd.DataFrame           # landscape.monthly_summary
    years: pd.DataFrame             # landscape.changes_by_year
    flows: pd.DataFrame             # landscape.flows_by_year
    commissioners: pd.DataFrame     # landscape.commissioners_by_month
    icbs: pd.DataFrame              # landscape.pcns_by_icb of the latest month
    whole: landscape.Changes        # first month -> latest month
    footprints: pd.DataFrame        # footprint_series.summary_by_release, with the membership month each used


def landscape_results(months: list[landscape_months.MonthResult]) -> LandscapeResults:
    """The chapter's results from every month's own (`landscape_months`: one keyed run a month)."""
    first, last = months[0], months[-1]
    return LandscapeResults(
        months=[m.month for m in months],
        yearly_months=landscape.yearly_months([m.month for m in months]),
        sizes_used={m.month: m.sizes_release for m in months if m.sizes_release is not None},
        summary=landscape_months.summary(months),
        years=landscape_months.years_table(months),
        flows=landscape.flows_table(landscape_months.yearly_changes(months)),
        commissioners=landscape_months.commissioners(months),
        icbs=landscape.pcns_by_icb(last.snapshot, last.pcns),
        whole=landscape.changes(first.snapshot, last.snapshot),
        footprints=footprint_series.summary_by_release(landscape_months.footprints(months)),
    )


def change_clause(first: int, last: int, noun_words: tuple[str, str]) -> str:
    """'rose by 72 to 1,325 PCNs', 'fell by 3 to 1,250 PCNs', 'stayed at 1,250 PCNs'."""
    if last == first:
        return f"stayed at {counted(last, *noun_words)}"
    direction = "rose" if last > first else "fell"
    return f"{direction} by {count(abs(last - first))} to {counted(last, *noun_words)}"


def sizes_note(used: dict[str, str]) -> str:
    """Which registrations releases gave the months' list sizes, in words."""
    months = sorted(used)
    if not months:
        return "The data hold no registrations release, so populations are not known."
    own = [m for m in months if used[m] == m]
    releases = sorted(set(used.values()))
    if len(own) == len(months):
        return "Each month's populations use the list sizes registered that month."
    if len(releases) == 1:
        # "nearest", not "only": a folder may hold later releases too (June 2026's beside maps of 2022-2025).
        return (f"Every month's populations use the list sizes of {month_words(releases[0])}, the nearest "
                "registrations release the data hold: a practice that changes network takes its patients with "
                "it, but each practice's own list is held at that month.")
    return (f"{counted(len(own), 'month')} of {count(len(months))} {verb(len(own), 'has', 'have')} "
            "a registrations release of the same month; the others use the nearest earlier one (the earliest "
            "one for months before it).")


def cadence(months: list[str]) -> str:
    """How often the folder's releases come, in words: 'one a month'; 'quarterly to December 2021, then one a
    month'; 'at intervals of up to 45 months' (a folder holding a few months only)."""
    index = [int(m[:4]) * 12 + int(m[5:7]) for m in months]
    gaps = [b - a for a, b in pairwise(index)]
    if all(g == 1 for g in gaps):
        return "one a month"
    last_gap = max(i for i, g in enumerate(gaps) if g != 1)  # months[last_gap + 1:] come one a month
    earlier = gaps[: last_gap + 1]
    spacing = "quarterly" if all(g == 3 for g in earlier) else f"at intervals of up to {max(earlier)} months"
    if last_gap == len(gaps) - 1:
        return spacing
    return f"{spacing} to {month_words(months[last_gap + 1])}, then one a month"


def level_change(commissioners: pd.DataFrame) -> str:
    """When the mapping's commissioners changed level, in words ('' when they did not)."""
    levels = commissioners["level"].tolist()
    for before, after, month in zip(levels, levels[1:], commissioners["month"].tolist()[1:]):
        if before != after:
            return (f"From {month_words(month)} the mapping names {level_names(after, after, after)[1]} "
                    f"in place of {level_names(before, before, before)[1]}.")
    return ""


def footprint_numbers(summary: pd.DataFrame) -> dict:
    """Where the networks' patients live, from the latest release of registrations by LSOA, in words."""
    if summary.empty:
        return {"sentence": ("The data hold no release of registrations by LSOA, so where each network's patients "
                             "live is not shown; `pcnreport data fetch registrations-lsoa --all` downloads the "
                             "quarterly releases.")}
    latest = summary.iloc[-1]
    releases = join([release_words(r) for r in summary["release"]])
    n = len(summary)
    return {
        "releases": f"{counted(n, 'release')} ({releases})",
        "latest": release_words(latest["release"]),
        "membership": month_words(latest["membership"]),
        "pcns": count(latest["pcns"]),
        "lsoas_any": decimal(latest["lsoas_any_median"], 0),
        "lsoas_80pct": decimal(latest["lsoas_80pct_median"], 0),
        "largest_pct": percent(latest["largest_share_median"]),
        "without_area_pct": percent(latest["without_area_share"]),
        "sentence": (f"The data hold {counted(n, 'release')} of registrations by LSOA ({releases}). In "
                     f"{release_words(latest['release'])}, with the networks of {month_words(latest['membership'])}, "
                     f"the median network's patients lived in {decimal(latest['lsoas_any_median'], 0)} "
                     f"LSOAs, and 80% of them in {decimal(latest['lsoas_80pct_median'], 0)}; its largest LSOA held "
                     f"{percent(latest['largest_share_median'])} of them." + _area_cut(latest["release"])),
    }


def _area_cut(release: str) -> str:
    """A release of one area's residents (2020-01-pennine-lancashire) holds only the patients living there, so
    a network elsewhere appears with the few of its patients who do: the figures describe that area."""
    area = release_area(release)
    if area is None:
        return ""
    return (f" That release holds only the patients living in {area}, so these figures describe where networks "
            f"serve {area}'s residents, not whole networks.")


def numbers_for_report(results: LandscapeResults) -> dict:
    summary, whole = results.summary, results.whole
    first, last = summary.iloc[0], summary.iloc[-1]
    comm_first, comm_last = results.commissioners.iloc[0], results.commissioners.iloc[-1]
    level_first = level_names(comm_first["level"])
    level_last = level_names(comm_last["level"])
    above = ABOVE.get(comm_last["level"], ("ICB", "ICBs"))
    icbs = measures.describe(results.icbs["pcns"])
    fates = whole.fates
    closed_practices = int(results.flows["practices"].sum())
    to_existing = int(results.flows.loc[results.flows["destination"] == landscape.TO_EXISTING, "practices"].sum())
    lower, upper = measures.RECOMMENDED_RANGE
    return {
        "first_month": month_words(first["month"]),
        "last_month": month_words(last["month"]),
        "months": count(len(summary)),
        "pcns_first": count(first["pcns"]),
        "pcns_last": count(last["pcns"]),
        "pcns_min": count(summary["pcns"].min()),
        "pcns_max": count(summary["pcns"].max()),
        "practices_last": count(last["practices"]),
        "range_lower": count(lower),
        "range_upper": count(upper),
        "first": _size_numbers(first),
        "last": _size_numbers(last),
        "whole": {
            "opened": count(len(whole.opened)),
            "merged": count(fates[landscape.MERGED]),
            "split": count(fates[landscape.SPLIT]),
            "dissolved": count(fates[landscape.DISSOLVED]),
            "recoded": count(len(whole.recoded)),
            "moved": count(len(whole.moves)),
        },
        "years": count(len(results.years)),
        "closed_practices": count(closed_practices),
        "to_existing_pct": percent(to_existing / closed_practices) if closed_practices else "0%",
        "commissioners_first": count(comm_first["commissioners"]),
        "commissioners_last": count(comm_last["commissioners"]),
        "level_first_plural": level_first[1],
        "level_last_plural": level_last[1],
        "above_plural": above[1],
        "above_name": above[0],
        "icbs": count(len(results.icbs)),
        "icb_median": decimal(icbs.median, 0),
        "icb_min": count(icbs.minimum),
        "icb_max": count(icbs.maximum),
        "sizes_note": sizes_note(results.sizes_used),
        "footprints_available": not results.footprints.empty,
        "footprints": footprint_numbers(results.footprints),
        "cadence": cadence(summary["month"].tolist()),
        "wording": wording(results),
    }


def _size_numbers(row: pd.Series) -> dict:
    return {
        "under_pct": percent(row["share_under"]),
        "within_pct": percent(row["share_within"]),
        "over_pct": percent(row["share_over"]),
        "median": count(round(row["median"], -2)),
        "p10": count(round(row["p10"], -2)),
        "p90": count(round(row["p90"], -2)),
        "practices_mean": decimal(row["practices_mean"], 1),
    }


def wording(results: LandscapeResults) -> dict[str, str]:
    """Phrases whose words follow the counts (`{{< var landscape.wording.* >}}`)."""
    summary, whole = results.summary, results.whole
    first, last = summary.iloc[0], summary.iloc[-1]
    fates = whole.fates
    closed = [counted(fates[landscape.MERGED], "merged into another network", "merged into other networks")
              if fates[landscape.MERGED] else "",
              f"{count(fates[landscape.SPLIT])} split between two or more" if fates[landscape.SPLIT] else "",
              f"{count(fates[landscape.DISSOLVED])} dissolved" if fates[landscape.DISSOLVED] else ""]
    closed = [c for c in closed if c]
    n_closed = sum(fates.values())
    return {
        "pcns_change": change_clause(int(first["pcns"]), int(last["pcns"]), ("PCN", "PCNs")),
        "opened": f"{counted(len(whole.opened), 'network')} {verb(len(whole.opened), 'was', 'were')} new",
        "closed": (f"{counted(n_closed, 'network')} {verb(n_closed, 'has', 'have')} gone: {join(closed)}"
                   if n_closed else "none has gone"),
        "recoded": (f"{counted(len(whole.recoded), 'network', start=True)} carried on with the same practices under "
                    "a new code; each is counted as one network, not as one closing and another opening."
                    if whole.recoded else "No network carried on under a new code."),
        "moved": (f"{counted(len(whole.moves), 'practice')} {verb(len(whole.moves), 'was', 'were')} in a different "
                  "network at the end than at the start"),
        "level_change": level_change(results.commissioners),
        "icb_count": f"{counted(len(results.icbs), *ABOVE.get(results.commissioners.iloc[-1]['level'], ('ICB', 'ICBs')))}",
        "within_change": _share_change(first["share_within"], last["share_within"]),
    }


def _share_change(first: float, last: float) -> str:
    """'up from 58% to 61%', 'down from ...', 'unchanged at 58%' (compared as printed, whole percents)."""
    a, b = percent(first), percent(last)
    if a == b:
        return f"unchanged at {a}"
    return f"{'up' if last > first else 'down'} from {a} to {b}"


def raw_numbers(results: LandscapeResults) -> dict:
    """The unrounded figures the tests and the edition comparison read (the CSVs hold every month)."""
    first, last = results.summary.iloc[0], results.summary.iloc[-1]
    return {
        "first_month": first["month"], "last_month": last["month"], "months": len(results.summary),
        "pcns_first": int(first["pcns"]), "pcns_last": int(last["pcns"]),
        "share_within_first": float(first["share_within"]), "share_within_last": float(last["share_within"]),
        "median_first": float(first["median"]), "median_last": float(last["median"]),
        "opened": len(results.whole.opened), "fates": results.whole.fates, "recoded": len(results.whole.recoded),
        "moved": len(results.whole.moves), "icbs": len(results.icbs), "sizes_used": results.sizes_used,
    }  # fmt: skip


def alt_texts(text: dict) -> dict[str, str]:
    first, last = text["first"], text["last"]
    return {
        "fig-landscape-pcns": (f"Line chart of the number of PCNs in each month's practice mapping, from "
                               f"{text['pcns_first']} in {text['first_month']} to {text['pcns_last']} in "
                               f"{text['last_month']} (lowest {text['pcns_min']}, highest {text['pcns_max']})."),
        "fig-landscape-bands": (f"Stacked area chart of the shares of PCNs under, within and over "
                                f"{text['range_lower']} to {text['range_upper']} patients by month; within: "
                                f"{first['within_pct']} in {text['first_month']}, {last['within_pct']} in "
                                f"{text['last_month']}."),
        "fig-landscape-sizes": (f"Line chart of the median PCN's registered population by month, with the 10th to "
                                f"90th percentiles shaded: median {first['median']} in {text['first_month']} and "
                                f"{last['median']} in {text['last_month']}; dashed lines at {text['range_lower']} "
                                f"and {text['range_upper']}."),
        "fig-landscape-practices": (f"Line chart of the mean number of practices a PCN by month: "
                                    f"{first['practices_mean']} in {text['first_month']}, "
                                    f"{last['practices_mean']} in {text['last_month']}."),
        "fig-landscape-flows": (f"Stacked bar chart, one bar a year, of where the {text['closed_practices']} "
                                f"practices of PCNs closed in those years went; {text['to_existing_pct']} joined "
                                "a PCN that already existed."),
        "fig-landscape-icbs": (f"Bar chart of the number of PCNs in each of {text['icbs']} {text['above_plural']} "
                               f"in {text['last_month']}, from {text['icb_min']} to {text['icb_max']} "
                               f"(median {text['icb_median']})."),
    }


def tables(results: LandscapeResults) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, dict]]:
    """name -> (the printed table, the CSV's data, column alignment)."""
    summary = results.summary
    months = pd.DataFrame({
        "Month": summary["month"].map(month_words),
        "PCNs": summary["pcns"].map(count),
        "Practices": summary["practices"].map(count),
        "Under (%)": summary["share_under"].map(lambda v: decimal(100 * v, 0)),
        "Within (%)": summary["share_within"].map(lambda v: decimal(100 * v, 0)),
        "Over (%)": summary["share_over"].map(lambda v: decimal(100 * v, 0)),
        "P10": summary["p10"].map(lambda v: count(round(v, -2))),
        "Median": summary["median"].map(lambda v: count(round(v, -2))),
        "P90": summary["p90"].map(lambda v: count(round(v, -2))),
        "Practices a PCN": summary["practices_mean"].map(lambda v: decimal(v, 1)),
    })
    # The printed table keeps one month a year (the yearly comparison's months) and the first: the CSV has all.
    kept = set(results.yearly_months) | {summary["month"].iloc[0]}
    printed = months[summary["month"].isin(kept).to_numpy()]
    years = results.years
    years_table = pd.DataFrame({
        "From": years["start"].map(month_words), "To": years["end"].map(month_words),
        "PCNs at start": years["pcns_start"].map(count), "PCNs at end": years["pcns_end"].map(count),
        "Opened": years["opened"].map(count), "Merged": years["closed_merged"].map(count),
        "Split": years["closed_split"].map(count), "Dissolved": years["closed_dissolved"].map(count),
        "Re-coded": years["recoded"].map(count), "Practices moved": years["practices_moved"].map(count),
    })  # fmt: skip
    flows = results.flows.pivot_table(index=["start", "end"], columns="destination", values="practices",
                                      aggfunc="sum", sort=False).reindex(columns=list(landscape.DESTINATIONS)).reset_index()  # fmt: skip
    flows_table = pd.DataFrame({"From": flows["start"].map(month_words), "To": flows["end"].map(month_words)})
    for where in landscape.DESTINATIONS:
        flows_table[where[:1].upper() + where[1:]] = flows[where].fillna(0).astype(int).map(count)
    comm = results.commissioners
    # One row a period of months whose commissioner counts stayed the same.
    counted_columns = ["level", "commissioners", "icbs_or_stps", "regions"]
    period = (comm[counted_columns] != comm[counted_columns].shift()).any(axis=1).cumsum()
    periods = comm.groupby(period).agg(start=("month", "first"), end=("month", "last"),
                                       **{column: (column, "first") for column in counted_columns})
    comm_table = pd.DataFrame({
        "From": periods["start"].map(month_words), "To": periods["end"].map(month_words),
        "Commissioners": [level_names(v, v, v)[1] for v in periods["level"]],
        "Number": periods["commissioners"].map(count),
        "Above them": [f"{count(n)} {ABOVE.get(v, (v, v))[1]}" for n, v in zip(periods["icbs_or_stps"], periods["level"])],
        "Regions": periods["regions"].map(count),
    }).reset_index(drop=True)  # fmt: skip
    icbs = results.icbs
    icb_table = pd.DataFrame({
        "Code": icbs["icb_code"], "Name": icbs["icb_name"], "Region": icbs["region_name"],
        "PCNs": icbs["pcns"].map(count), "Registered patients": icbs["population"].map(lambda v: count(round(v))),
    })  # fmt: skip
    prints = results.footprints
    footprint_table = pd.DataFrame({
        "Release": prints["release"].map(release_words) if len(prints) else [],
        "Networks of": prints["membership"].map(month_words) if len(prints) else [],
        "PCNs": prints["pcns"].map(count), "LSOAs with patients": prints["lsoas_any_median"].map(lambda v: decimal(v, 0)),
        "LSOAs holding 80%": prints["lsoas_80pct_median"].map(lambda v: decimal(v, 0)),
        "Largest LSOA's share": prints["largest_share_median"].map(percent),
        "Patients with no area": prints["without_area_share"].map(percent),
    })  # fmt: skip
    numeric = dict.fromkeys(("PCNs", "Practices", "LSOAs with patients", "LSOAs holding 80%", "Largest LSOA's share",
                             "Patients with no area", "Under (%)", "Within (%)", "Over (%)", "P10", "Median", "P90",
                             "Practices a PCN", "PCNs at start", "PCNs at end", "Opened", "Merged", "Split",
                             "Dissolved", "Re-coded", "Practices moved", "Number", "Regions", "Registered patients"),
                            "r")  # fmt: skip
    return {
        "tbl-landscape-months": (printed, summary, numeric),
        "tbl-landscape-years": (years_table, years, numeric),
        "tbl-landscape-flows": (flows_table, results.flows, dict.fromkeys(flows_table.columns[2:], "r")),
        "tbl-landscape-commissioners": (comm_table, comm, numeric),
        "tbl-landscape-icbs": (icb_table, icbs, numeric),
        "tbl-landscape-footprints": (footprint_table, prints, numeric),
    }


def write_section(output_dir: Path, months: list[landscape_months.MonthResult],
                  releases: dict[str, str]) -> LandscapeResults | None:
    """The chapter's numbers, charts and tables from every month's results (`landscape_months.read_all`);
    unavailable (with the reason) with fewer than two months."""
    if len(months) < 2:
        have = "no month" if not months else f"one month ({month_words(months[0].month)})"
        reason = (f"The data folder holds {have} of the practice mapping published with Patients Registered at "
                  "a GP Practice (dataset `registrations-map`); this chapter compares two months or more. "
                  "`pcnreport data fetch registrations-map --all` downloads every month.")
        write_unavailable(output_dir, SECTION, FIGURES + TABLES, reason, releases)
        return None
    results = landscape_results(months)
    text = {**numbers_for_report(results), "available": True, "unavailable_reason": "", "releases": releases}
    write_numbers(numbers_path(output_dir, SECTION), {**raw_numbers(results), "available": True, "releases": releases}, text)
    out, alts = figures_dir(output_dir), alt_texts(text)
    level_plural = ABOVE.get(results.commissioners.iloc[-1]["level"], ("ICB", "ICBs"))[1]
    charts = {
        "fig-landscape-pcns": landscape_figures.pcns_by_month(results.summary),
        "fig-landscape-bands": landscape_figures.bands_by_month(results.summary),
        "fig-landscape-sizes": landscape_figures.sizes_by_month(results.summary),
        "fig-landscape-practices": landscape_figures.practices_by_month(results.summary),
        "fig-landscape-flows": landscape_figures.closed_flows(results.flows),
        "fig-landscape-icbs": landscape_figures.pcns_per_icb(results.icbs, level_plural),
    }
    for name, chart in charts.items():
        figures.save_figure(chart, name, out, alts[name])
    for name, (table, data, align) in tables(results).items():
        if data.empty:  # no release of registrations by LSOA: the chapter says why instead
            write_text_atomic(out / f"{name}.md", unavailable_fragment(text["footprints"]["sentence"]))
            continue
        save_table(table, name, out, data=data, align=align)
    return results

