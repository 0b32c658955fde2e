"""The files an area profile becomes: its numbers, chart, tables and Quarto page; and the profiles' index.

One profile run (analysis/profile.ipynb) writes, for area `<slug>` (region-Y56, ccg-00L, sub-icb-16C):

    _generated/profiles/<slug>.json          its numbers (raw and as printed), read by the index
    figures/profile-<slug>-sizes.{vl.json,pdf,md}   the chart (interactive in HTML, vector in the PDF)
    figures/profile-<slug>-characteristics.{md,csv}, figures/profile-<slug>-{pcns|ccgs}.{md,csv}
    figures/profile-ccg-<code>-map.{vl.json,md}   a CCG's map, or a notice (pcnreport.report.profile_maps)
    profiles/<slug>.qmd                      the page, which includes the fragments above

The page is generated, so its numbers are written into it as text by the code below (there is no
hand-typed prose to keep in step with `_variables.yml`). After all runs, the build calls `write_index`:
`profiles/index.qmd` lists every area with a filter box, and `_generated/profiles.yml` (listed in
`_quarto.yml`'s `metadata-files`) appends the index and the regional profiles to the book's
appendices, so they are in the sidebar and the PDF. CCG profiles are website-only pages, rendered
because `project.render` lists `profiles/*.qmd`, and reached through the index.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from pcnreport.analysis.profiles import AREA_TYPES, Area, AreaProfile
from pcnreport.core.atomic import write_text_atomic
from pcnreport.report import figures
from pcnreport.report.commissioner_words import link_vintage
from pcnreport.report.numbers import count, decimal, percent, write_numbers
from pcnreport.report.tables import escape_markdown, save_table
from pcnreport.report.wording import noun, verb

PAGES_DIR = "profiles"
NUMBERS_DIR = Path("_generated") / "profiles"
BOOK_METADATA = Path("_generated") / "profiles.yml"
INDEX_PAGE = "index.qmd"
FIGURES_HREF = "../figures"  # from profiles/ to figures/
NOTEBOOKS_HREF = "../notebooks/profiles"  # where the site carries each profile's executed notebook
BAND_WORDS = {"under": "under 30,000", "within": "30,000 to 50,000", "over": "over 50,000"}
# A commissioner level's words on the pages: (table column, heading's plural, "a ..." in the summary). A
# sub-ICB location's page never calls it a CCG.
COMMISSIONER_WORDS = {
    "ccg": ("CCG", "Clinical Commissioning Groups", "a Clinical Commissioning Group"),
    "sub-icb": ("Sub-ICB location", "Sub-ICB locations", "a sub-ICB location"),
}


def page_path(output_dir: Path, area: Area) -> Path:
    return Path(output_dir) / PAGES_DIR / f"{area.slug}.qmd"


def numbers_file(output_dir: Path, area: Area) -> Path:
    return Path(output_dir) / NUMBERS_DIR / f"{area.slug}.json"


def _value(value: float | None, places: int) -> str:
    return "-" if value is None or pd.isna(value) else decimal(value, places)


def characteristics_table(profile: AreaProfile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(printed table, unrounded data): each characteristic in the area, in England, across PCNs."""
    title = profile.area.title
    rows = []
    for r in profile.characteristics.itertuples():
        rows.append({
            "Population characteristic": r.label,
            title: _value(r.area, r.places),
            "England": _value(r.england, r.places),
            "Median of its PCNs": _value(r.pcn_median, r.places),
            "England's PCNs, P10 to P90": f"{_value(r.england_p10, r.places)} to {_value(r.england_p90, r.places)}",
        })
    return pd.DataFrame(rows), profile.characteristics.drop(columns=["places"])


def pcns_table(profile: AreaProfile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A CCG's PCNs, largest first: (printed, data)."""
    pcns = profile.pcns
    printed = pd.DataFrame({
        "PCN": pcns["pcn_name"].fillna(pcns["pcn_code"]),
        "Code": pcns["pcn_code"],
        "Practices": [count(v) for v in pcns["practices"]],
        "Registered population": [count(v) for v in pcns["population"]],
        "Size": [BAND_WORDS[b] for b in pcns["size_band"]],
    })
    data = pcns[["pcn_code", "pcn_name", "practices", "population", "size_band"]]
    return printed, data


def _ccg_rows(profile: AreaProfile) -> pd.DataFrame:
    """A region's commissioners (CCGs or sub-ICB locations, as the data have)."""
    ccgs, kind = profile.ccgs, profile.commissioner_type
    return pd.DataFrame({
        COMMISSIONER_WORDS[kind][0]: [
            Area(kind, c, n if isinstance(n, str) else c).title for c, n in zip(ccgs["ccg_code"], ccgs["ccg_name"])
        ],
        "Code": ccgs["ccg_code"],
        "PCNs": [count(v) for v in ccgs["pcns"]],
        "Registered population": [count(v) for v in ccgs["population"]],
        "PCNs of 30,000 to 50,000": [count(v) for v in ccgs["pcns_in_range"]],
    })


def raw_numbers(profile: AreaProfile) -> dict:
    dist = profile.population_distribution
    return {
        "area": {"type": profile.area.type, "code": profile.area.code, "name": profile.area.name},
        "pcns": len(profile.pcns),
        "practices": profile.practices,
        "population": profile.population,
        "england_population": profile.england_population,
        "england_pcns": profile.england_pcns,
        "bands": {"under": profile.bands.under, "within": profile.bands.within, "over": profile.bands.over},
        "population_distribution": None if dist is None else dist.__dict__,
        "england_population_distribution": profile.england_population_distribution.__dict__,
        "characteristics": json.loads(profile.characteristics.to_json(orient="records")),
    }


def numbers_for_page(profile: AreaProfile) -> dict:
    """The profile's numbers as the page and the index print them."""
    n = len(profile.pcns)
    eng = profile.england_population_distribution
    text = {
        "title": profile.area.title,
        "type": AREA_TYPES[profile.area.type],
        "pcns": count(n),
        "practices": count(profile.practices),
        "population": count(profile.population),
        "population_share": percent(profile.population / profile.england_population, 1),
        "england_pcns": count(profile.england_pcns),
        "england_p10": count(eng.p10),
        "england_median": count(eng.median),
        "england_p90": count(eng.p90),
        "england_within_pct": percent(profile.england_bands.share("within")),
    }
    for band in ("under", "within", "over"):
        text[f"{band}_n"] = count(getattr(profile.bands, band))
        text[f"{band}_pct"] = percent(profile.bands.share(band)) if n else "-"
    dist = profile.population_distribution
    text["median"] = count(dist.median) if dist else "-"
    text["smallest"] = count(dist.minimum) if dist else "-"
    text["largest"] = count(dist.maximum) if dist else "-"
    return text


def alt_text(profile: AreaProfile, text: dict) -> str:
    if not len(profile.pcns):
        return f"No PCN is assigned to {text['title']}; the chart shows England's {text['england_pcns']} PCNs only."
    return (
        f"Strip chart of PCN registered populations: {text['title']}'s {text['pcns']} PCNs, from "
        f"{text['smallest']} to {text['largest']} (median {text['median']}), above England's "
        f"{text['england_pcns']} PCNs, with the 30,000 to 50,000 range shaded and England's P10 "
        f"({text['england_p10']}), median ({text['england_median']}) and P90 ({text['england_p90']}) marked. "
        f"Of the area's PCNs, {_pcns(text['within_n'])} within the range, {text['under_n']} under and "
        f"{text['over_n']} over."
    )


def _pcns(n: str) -> str:
    """'1' -> '1 is', '3' -> '3 are', '0' -> 'none is' (n as printed)."""
    if n == "0":
        return "none is"
    return f"{n} is" if n == "1" else f"{n} are"


def _printed(n: str) -> int:
    """A count as printed ('1,250') as a number, for the words that agree with it."""
    return int(n.replace(",", ""))


def _within(n: str, pct: str) -> str:
    """'17 (59%) are within', '1 (100%) is within', 'none is within': the sentence opens before it, so a
    count never starts one."""
    if n == "0":
        return "none is within"
    return f"{n} ({pct}) {verb(_printed(n), 'is', 'are')} within"


def _summary(profile: AreaProfile, text: dict, releases: dict[str, str] | None = None) -> str:
    if profile.area.type == "region":
        kind = "an NHS England region"
    elif profile.area.type == "icb":
        kind = f"an Integrated Care Board {link_vintage('sub-icb', releases or {})}"
    else:  # "a Clinical Commissioning Group of April 2020", dated by the mapping's release
        kind = f"{COMMISSIONER_WORDS[profile.area.type][2]} {link_vintage(profile.area.type, releases or {})}"
    if not len(profile.pcns):
        return f"{escape_markdown(text['title'])} is {kind}. No PCN has most of its registered patients here."
    return (
        f"{escape_markdown(text['title'])} is {kind}. Its {text['pcns']} {noun(_printed(text['pcns']), 'PCN')} "
        f"(of England's {text['england_pcns']}) {verb(_printed(text['pcns']), 'has', 'have')} "
        f"{text['practices']} member {noun(_printed(text['practices']), 'practice')} and {text['population']} "
        f"registered patients, {text['population_share']} of England's PCN population. "
        f"Of these, {_within(text['within_n'], text['within_pct'])} the recommended size of 30,000 "
        f"to 50,000 patients, against {text['england_within_pct']} in England; {_pcns(text['under_n'])} "
        f"smaller and {_pcns(text['over_n'])} larger. The median PCN here serves {text['median']} patients; "
        f"across England the middle 80% of PCNs serve {text['england_p10']} to {text['england_p90']}."
    )


def _include(name: str) -> str:
    return f"{{{{< include {FIGURES_HREF}/{name}.md >}}}}"


def page_text(profile: AreaProfile, text: dict, region: Area | None, executed_notebook: str,
              releases: dict[str, str] | None = None, icb: Area | None = None) -> str:
    area, slug = profile.area, profile.area.slug
    lines = [f"# {escape_markdown(text['title'])} {{#{slug} .unnumbered}}", "", _summary(profile, text, releases), ""]
    if region is not None:
        # A sub-ICB location names its ICB too (an ICB's page lists its sub-ICB locations).
        within = "" if icb is None else f"Integrated Care Board: [{escape_markdown(icb.title)}]({icb.slug}.html). "
        lines += [
            '::: {.content-visible when-format="html"}',
            f"{within}Region: [{escape_markdown(region.title)}]({region.slug}.html). "
            f"[All area profiles]({INDEX_PAGE.replace('.qmd', '.html')}).",
            ":::",
            "",
        ]
    lines += [
        f"## PCN sizes against England's range {{#{slug}-sizes .unnumbered}}", "",
        _include(f"profile-{slug}-sizes"), "",
    ]
    if area.type != "region":
        # Figure 4.2's map for this area (pcnreport.report.profile_maps), or a notice where it cannot be drawn.
        word = {"icb": "ICB"}.get(area.type) or COMMISSIONER_WORDS[area.type][0].replace("Sub-ICB", "sub-ICB")
        lines += [
            f"## Its PCNs on a map {{#{slug}-map .unnumbered}}", "",
            f"Each MSOA of the {word} coloured by the PCN serving most of its registered residents and shaded by "
            "that PCN's share, labelled with its number of PCNs, as in Figure 4.2.", "",
            _include(f"profile-{slug}-map"), "",
        ]
    lines += [
        f"## Population characteristics against England {{#{slug}-characteristics .unnumbered}}", "",
        "Each value is a ratio of sums over the member practices (of the area, of England, of each PCN), "
        "as in Table 6.1; the last columns place the area's PCNs among England's.", "",
        _include(f"profile-{slug}-characteristics"), "",
    ]
    if profile.ccgs is not None:  # a region's or an ICB's commissioners
        lines += [f"## Its {COMMISSIONER_WORDS[profile.commissioner_type][1]} {{#{slug}-ccgs .unnumbered}}", ""]
        lines += ['::: {.content-visible when-format="html"}', _include(f"profile-{slug}-ccgs-links"), ":::", ""]
        lines += ['::: {.content-visible unless-format="html"}', _include(f"profile-{slug}-ccgs"), ":::", ""]
    if area.type != "region":  # a commissioner's PCNs, and an ICB's
        lines += [f"## Its Primary Care Networks {{#{slug}-pcns .unnumbered}}", "", _include(f"profile-{slug}-pcns"), ""]
    lines += [
        '::: {.content-visible when-format="html"}',
        # data-noresolveinput: Quarto would take the .ipynb for a project input it cannot find (the executed
        # notebooks are copied into the site after rendering); the fallback ignores the attribute.
        f"This profile was computed by [its executed notebook]({NOTEBOOKS_HREF}/{executed_notebook}){{data-noresolveinput=\"\"}} "
        "(analysis/profile.ipynb run for this area).",
        ":::",
        "",
    ]
    return "\n".join(lines)


def _linked_ccg_table(profile: AreaProfile) -> str:
    """The region's CCG (or sub-ICB location) table with each name linking to its profile (HTML only: the
    PDF has no pages for them)."""
    printed = _ccg_rows(profile)
    header = "| " + " | ".join(escape_markdown(c) for c in printed.columns) + " |"
    lines = [header, "|:---|:---|---:|---:|---:|"]
    for row, code in zip(printed.itertuples(index=False), profile.ccgs["ccg_code"]):
        cells = [f"[{escape_markdown(row[0])}]({profile.commissioner_type}-{code}.html)"] + [escape_markdown(v) for v in row[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_profile(
    output_dir: Path, profile: AreaProfile, england_pcns: pd.DataFrame, region: Area | None,
    releases: dict[str, str], population_source: str, executed_notebook: str, icb: Area | None = None,
) -> Path:
    """Every file of one area's profile; returns the page."""
    output_dir = Path(output_dir)
    out = output_dir / "figures"
    slug = profile.area.slug
    text = numbers_for_page(profile)
    write_numbers(numbers_file(output_dir, profile.area),
                  raw_numbers(profile),
                  {**text, "population_source": population_source, "releases": releases})
    eng = profile.england_population_distribution
    chart = figures.area_pcn_sizes(england_pcns, profile.pcns, f"{text['title']} ({text['pcns']} PCNs)",
                                   {"P10": eng.p10, "median": eng.median, "P90": eng.p90})
    # Only the regional profiles are in the PDF: a CCG's chart needs no print version.
    figures.save_figure(chart, f"profile-{slug}-sizes", out, alt_text(profile, text),
                        print_version=profile.area.type == "region")
    printed, data = characteristics_table(profile)
    save_table(printed, f"profile-{slug}-characteristics", out, data=data,
               align={c: "l" if i == 0 else "r" for i, c in enumerate(printed.columns)})
    if profile.ccgs is not None:
        printed = _ccg_rows(profile)
        align = {column: "l" if i < 2 else "r" for i, column in enumerate(printed.columns)}  # name and code left
        save_table(printed, f"profile-{slug}-ccgs", out, data=profile.ccgs, align=align)
        write_text_atomic(out / f"profile-{slug}-ccgs-links.md", _linked_ccg_table(profile))
    if profile.area.type != "region":
        printed, data = pcns_table(profile)
        save_table(printed, f"profile-{slug}-pcns", out, data=data, align={"PCN": "l", "Code": "l", "Practices": "r",
                                                                "Registered population": "r", "Size": "l"})
    page = page_path(output_dir, profile.area)
    write_text_atomic(page, page_text(profile, text, region, executed_notebook, releases, icb))
    return page


# --- the index and the book's metadata, written by the build once every profile has run ---------------


def load_texts(output_dir: Path, areas: list[Area]) -> list[dict]:
    """The printed numbers of each area's profile, in the order of `areas`; a missing one is an error."""
    texts = []
    for area in areas:
        path = numbers_file(output_dir, area)
        try:
            texts.append(json.loads(path.read_text(encoding="utf-8"))["text"])
        except FileNotFoundError:
            raise FileNotFoundError(f"'{path}': the profile of {area.type} {area.code} was not written") from None
    return texts


FILTER_SCRIPT = """
(function () {
  var input = document.getElementById("profile-filter");
  var status = document.getElementById("profile-filter-status");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#profile-list tbody tr"));
  function apply() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var match = words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !match;
      if (match) shown += 1;
    });
    status.textContent = shown + " of " + rows.length + " areas shown";
  }
  input.addEventListener("input", apply);
  apply();
})();
"""


def _commissioner_type(areas: list[Area]) -> str:
    return next((a.type for a in areas if a.type not in ("region", "icb")), "ccg")


def _commissioner(areas: list[Area]) -> str:
    """The commissioners' short name: "CCG" or "sub-ICB location"."""
    return {"ccg": "CCG", "sub-icb": "sub-ICB location"}[_commissioner_type(areas)]


def _commissioners_of(areas: list[Area], releases: dict[str, str] | None) -> str:
    """'Clinical Commissioning Groups of April 2020', dated by the mapping's release (`vintage`)."""
    kind = _commissioner_type(areas)
    plural = COMMISSIONER_WORDS[kind][1]
    plural = plural if kind == "ccg" else plural[0].lower() + plural[1:]
    return f"{plural} {link_vintage(kind, releases or {})}"


def index_text(areas: list[Area], texts: list[dict]) -> str:
    """profiles/index.qmd: a filterable list of every area (site), the regions (PDF)."""
    rows = []
    for area, text in zip(areas, texts):
        rows.append(
            f'<tr><td><a href="{html.escape(area.slug)}.html">{html.escape(text["title"])}</a></td>'
            f"<td>{html.escape(AREA_TYPES[area.type])}</td><td>{html.escape(area.code)}</td>"
            f'<td class="num">{html.escape(text["pcns"])}</td><td class="num">{html.escape(text["population"])}</td></tr>'
        )
    regions = [(a, t) for a, t in zip(areas, texts) if a.type == "region"]
    icbs = sum(a.type == "icb" for a in areas)
    ccgs = len(areas) - len(regions) - icbs
    # The sub-ICB era's ICBs are listed between the regions and their sub-ICB locations.
    icb_words = f", {count(icbs)} Integrated Care Boards" if icbs else ""
    within = (f"the {_commissioner(areas)} holding most of its registered patients, to that one's ICB" if icbs
              else f"the {_commissioner(areas)} holding most of its registered patients")
    releases = next((t.get("releases") for t in texts if t.get("releases")), None)  # the same in every profile
    lines = [
        "# Area profiles {#area-profiles .unnumbered}",
        "",
        f"A profile of each of the {count(len(regions))} NHS England regions{icb_words} and {count(ccgs)} "
        f"{_commissioners_of(areas, releases)}: its PCNs, their sizes against England's range, and its "
        f"population's characteristics against England's. Each PCN belongs to {within}, "
        "and to that one's region. Every profile is one run of the "
        "same notebook (analysis/profile.ipynb) with the area as its parameter.",
        "",
        '::: {.content-visible when-format="html"}',
        "```{=html}",
        '<form class="profile-filter" role="search" onsubmit="return false">',
        '<label for="profile-filter">Filter the areas by name, type or code</label>',
        '<input id="profile-filter" type="search" autocomplete="off" aria-controls="profile-list" '
        'aria-describedby="profile-filter-status">',
        '<p id="profile-filter-status" role="status" aria-live="polite"></p>',
        "</form>",
        # data-quarto-disable-processing: Quarto would make this raw table a numbered float ("Table 1",
        # a second id="profile-list", warning "ref type 'profile' does not match 'tbl'").
        '<table id="profile-list" class="profile-list" data-quarto-disable-processing="true">',
        "<caption>Every area profile</caption>",
        '<thead><tr><th scope="col">Area</th><th scope="col">Type</th><th scope="col">Code</th>'
        '<th scope="col">PCNs</th><th scope="col">Registered population</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        f"<script>{FILTER_SCRIPT}</script>",
        "```",
        ":::",
        "",
        '::: {.content-visible unless-format="html"}',
        # Print names the address: a reader of the PDF has no link to follow.
        f"The regional profiles follow; the {_commissioner(areas)} profiles are on the report's website, "
        "{{< var edition.site_url >}}/profiles/index.html.",
        "",
        "| Region | Code | PCNs | Registered population |",
        "|:---|:---|---:|---:|",
        *[f"| {escape_markdown(t['title'])} | {escape_markdown(a.code)} | {t['pcns']} | {t['population']} |"
          for a, t in regions],
        "",
        ": The NHS England regions",
        ":::",
        "",
    ]
    return "\n".join(lines)


def book_metadata(areas: list[Area]) -> str:
    """`_generated/profiles.yml`: the index and the regional profiles appended to the book's appendices."""
    import yaml

    pages = [f"{PAGES_DIR}/{INDEX_PAGE}"] + [f"{PAGES_DIR}/{a.slug}.qmd" for a in areas if a.type == "region"]
    return (
        "# Generated by `pcnreport build` (pcnreport.report.profile_pages): the area profiles in the book.\n"
        "# Quarto merges metadata-files into the project's configuration, appending to book.appendices.\n"
        + yaml.safe_dump({"book": {"appendices": pages}}, sort_keys=False)
    )


def write_index(output_dir: Path, areas: list[Area]) -> list[Path]:
    """Write profiles/index.qmd and _generated/profiles.yml from the profiles' numbers."""
    output_dir = Path(output_dir)
    texts = load_texts(output_dir, areas)
    return [
        write_text_atomic(output_dir / PAGES_DIR / INDEX_PAGE, index_text(areas, texts)),
        write_text_atomic(output_dir / BOOK_METADATA, book_metadata(areas)),
    ]


def remove_stale(output_dir: Path, areas: list[Area]) -> list[Path]:
    """Delete generated profile files of areas no longer in the data (a CCG merged away, another release)."""
    output_dir = Path(output_dir)
    wanted = {a.slug for a in areas}
    removed = []
    candidates = list((output_dir / PAGES_DIR).glob("*.qmd")) + list((output_dir / NUMBERS_DIR).glob("*.json"))
    for path in candidates:
        if path.stem != "index" and path.stem not in wanted:
            path.unlink()
            removed.append(path)
    for path in (output_dir / "figures").glob("profile-*"):
        # profile-<slug>-<part>: a slug's type may itself hold a hyphen (sub-icb-16C), its code never does.
        name = path.name[len("profile-"):]
        if not any(name.startswith(f"{slug}-") or name.startswith(f"{slug}.") for slug in wanted):
            path.unlink()
            removed.append(path)
    return removed
