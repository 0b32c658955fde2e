"""A page for every PCN that has existed in the data, and an index to find one: the website's PCN directory.

The notebook `analysis/08-pcn-pages.ipynb` computes each PCN's history (`analysis.pcn_histories`) and its
patients' characteristics (`analysis.population_profile`, on its latest membership) and calls
`write_pages`, which writes under `_generated/pcns/`:

- `<code>.html`: the body of the PCN's page (its size month by month against the recommended range, its
  member practices joining and leaving, its commissioner then and now, how it began and ended, its
  patients against England's PCNs);
- `index.html`: the directory, with a filter by name, code, ICB and region that reads `index.json`;
- `region-<code>.html`: every PCN of a region, so the directory works without JavaScript too.

Bodies only: the build wraps each in the site's frame when it publishes (`build.pcn_site`), with the data
notice and the edition's footer, which are known only then. The pages are in the website only, light
(one chart spec of a few kilobytes; the chart runtime is the book's own `figures/pcn-charts.js`) and
never printed: about 1,400 pages would add 1,400 pages to the PDF.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path

import altair as alt
import pandas as pd

from pcnreport.analysis import landscape, landscape_months, measures, pcn_histories
from pcnreport.analysis.pcn_histories import PcnHistory
from pcnreport.analysis.population_profile import MEASURES
from pcnreport.core.atomic import write_text_atomic
from pcnreport.report import figures, pcn_maps
from pcnreport.report.commissioner_words import ABOVE, level_names
from pcnreport.report.numbers import count, decimal, percent
from pcnreport.report.wording import month_words
from pcnreport.report.wording import release_words as _release_words

FOLDER = Path("_generated") / "pcns"
RUNTIME_HREF = f"../figures/{figures.RUNTIME_NAME}"  # pages sit in pcns/, beside the book's figures/
INDEX_DATA = "index.json"


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _link(code: str | None, histories: dict[str, PcnHistory]) -> str:
    """A link to another PCN's page, by its name (its code when the data have no page for it)."""
    if code is None:
        return "another network"
    other = histories.get(code)
    label = f"{other.pcn_name} ({code})" if other else code
    return f'<a href="{_e(code)}.html">{_e(label)}</a>' if other else _e(label)


def status_sentence(history: PcnHistory, histories: dict[str, PcnHistory], first_month: str, last_month: str) -> str:
    """How the PCN began and how it ended (or where it stands), in one or two sentences of HTML."""
    if history.predecessor:
        began = f"It carried on the network {_link(history.predecessor, histories)} under a new code from {month_words(history.first)}."
    elif history.first == first_month:
        began = f"It was a network by {month_words(first_month)}, the first month of the data."
    else:
        began = f"It opened in {month_words(history.first)}."
    latest = history.sizes.iloc[-1]
    if history.status == pcn_histories.OPEN and history.last == last_month:
        ends = (f"In {month_words(last_month)} it has {count(latest['practices'])} "
                f"{'practice' if latest['practices'] == 1 else 'practices'} and {count(latest['population'])} registered patients.")
    elif history.status == pcn_histories.RECODED:
        ends = f"From {month_words(history.ended)} it carries on as {_link(history.successor, histories)}, the same practices under a new code."
    elif history.fate == landscape.MERGED:
        ends = f"It closed in {month_words(history.ended)}: most of its practices joined {_link(history.successor, histories)}."
    elif history.fate == landscape.SPLIT:
        ends = f"It closed in {month_words(history.ended)}: its practices went to two or more networks."
    elif history.fate == landscape.DISSOLVED:
        ends = f"It closed in {month_words(history.ended)}: none of its practices is in a network any more."
    else:  # in the data up to a month before the latest, and in none after: the data stop there
        ends = f"The data list it last in {month_words(history.last)}."
    return f"{began} {ends}"


SIZE_DATA = "pcn-sizes"  # the named dataset each page's spec fills with its PCN's months


@functools.cache
def _size_chart_template(bounds: tuple[int, int] = measures.RECOMMENDED_RANGE) -> str:
    """The size chart's spec with its data left out (as JSON): drawn once with Altair, which validates a
    spec against the Vega-Lite schema (about 60 ms a chart, over a minute for 1,400 pages)."""
    tooltip = [alt.Tooltip("date:T", title="Month", format="%B %Y"),
               alt.Tooltip("population:Q", title="Registered patients", format=",d"),
               alt.Tooltip("practices:Q", title="Practices")]  # fmt: skip
    span = alt.Chart(pd.DataFrame({"low": [bounds[0]], "high": [bounds[1]]})).mark_rect(
        opacity=0.12, color=figures.BAND_COLOURS["within"]).encode(y=alt.Y("low:Q"), y2="high:Q")  # fmt: skip
    line = alt.Chart(alt.Data(name=SIZE_DATA)).mark_line(point=alt.OverlayMarkDef(size=16), color=figures.BAND_COLOURS["within"]).encode(
        x=alt.X("date:T", title="Month of the release", axis=alt.Axis(format="%Y", tickCount="year")),
        y=alt.Y("population:Q", title="Registered patients", axis=alt.Axis(format=",d"), scale=alt.Scale(zero=True)),
        tooltip=tooltip,
    )  # fmt: skip
    chart = (span + line).properties(width="container", height=240).configure(font=figures.FONT).configure_view(stroke=None)
    return json.dumps(chart.to_dict())


def size_chart(history: PcnHistory) -> dict:
    """The PCN's registered patients month by month, with the recommended range shaded: a Vega-Lite spec."""
    spec = json.loads(_size_chart_template())
    spec["datasets"] = {**spec.get("datasets", {}), SIZE_DATA: [
        {"date": f"{month}-01", "practices": int(practices), "population": int(population)}
        for month, practices, population in zip(history.sizes["month"].tolist(), history.sizes["practices"].tolist(),
                                            history.sizes["population"].tolist())
    ]}  # fmt: skip
    return spec


def _band(population: float) -> str:
    lower, upper = measures.RECOMMENDED_RANGE
    return "under the range" if population < lower else "over the range" if population > upper else "within the range"


def _sizes_table(history: PcnHistory, yearly_months: set[str]) -> str:
    kept = yearly_months | {history.first, history.last}
    body = "".join(
        f"<tr><td>{month_words(m)}</td><td class='n'>{count(p)}</td><td class='n'>{count(n)}</td><td>{_band(n)}</td></tr>"
        for m, p, n in zip(history.sizes["month"].tolist(), history.sizes["practices"].tolist(), history.sizes["population"].tolist())
        if m in kept
    )
    return ("<table><caption>Registered patients and practices, one month a year and the first and last month "
            "(the chart has every month)</caption><thead><tr><th scope='col'>Month</th><th scope='col' class='n'>Practices</th>"
            f"<th scope='col' class='n'>Registered patients</th><th scope='col'>Against 30,000 to 50,000</th></tr></thead><tbody>{body}</tbody></table>")


def _practices_table(history: PcnHistory, first_month: str, last_month: str) -> str:
    def start(span):
        return f"{month_words(span.first)} or before" if span.first == first_month else month_words(span.first)

    def end(span):
        return "now" if span.last == last_month else f"{month_words(span.last)} (last listed)"

    body = "".join(
        f"<tr><td class='code'>{_e(s.practice_code)}</td><td>{_e(s.practice_name)}</td><td>{start(s)}</td><td>{end(s)}</td></tr>"
        for s in history.spans
    )
    return ("<table><caption>Every practice listed in the network in any month, with the months it was listed "
            "from and to</caption><thead><tr><th scope='col'>Code</th><th scope='col'>Practice</th><th scope='col'>From</th>"
            f"<th scope='col'>To</th></tr></thead><tbody>{body}</tbody></table>")


def _place_rows(history: PcnHistory) -> str:
    def describe(place: dict) -> tuple[str, str, str]:
        level = place.get("commissioner_level")
        above = ABOVE.get(level, ("ICB or STP",))[0]
        return (f"{_e(place.get('commissioner_name'))} ({_e(place.get('commissioner_code'))}), a {level_names(level)[0]}",
                f"{_e(place.get('icb_or_stp_name'))} ({_e(place.get('icb_or_stp_code'))}), its {above}",
                _e(place.get("region_name")))

    then, now = describe(history.then), describe(history.now)
    rows = [("Commissioner", then[0], now[0]), ("Above it", then[1], now[1]), ("Region", then[2], now[2])]
    body = "".join(f"<tr><th scope='row'>{a}</th><td>{b}</td><td>{c}</td></tr>" for a, b, c in rows)
    return (f"<table><caption>Where the network sat in its first month of the data ({month_words(history.first)}) and its last "
            f"({month_words(history.last)}), by the commissioner of most of its practices</caption><thead><tr><td></td>"
            f"<th scope='col'>{month_words(history.first)}</th><th scope='col'>{month_words(history.last)}</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _characteristics_table(values: pd.Series | None, england: dict[str, measures.Distribution], releases_note: str) -> str:
    if values is None or not england:
        return "<p>The data hold no characteristics for this network's practices.</p>"
    rows = []
    for measure in MEASURES:
        if measure.key not in england or measure.key not in values or pd.isna(values[measure.key]):
            continue
        dist = england[measure.key]
        rows.append(f"<tr><th scope='row'>{_e(measure.label)}</th><td class='n'>{decimal(values[measure.key], measure.places)}</td>"
                    f"<td class='n'>{decimal(dist.median, measure.places)}</td>"
                    f"<td class='n'>{decimal(dist.p10, measure.places)} to {decimal(dist.p90, measure.places)}</td></tr>")
    if not rows:
        return "<p>The data hold no characteristics for this network's practices.</p>"
    return (f"<table><caption>The network's patients (its practices in its last month) against England's networks of the "
            f"latest month: {releases_note}</caption><thead><tr><th scope='col'>Measure</th><th scope='col' class='n'>This network</th>"
            f"<th scope='col' class='n'>England: median network</th><th scope='col' class='n'>England: 10th to 90th percentile</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _whereabouts_section(history: PcnHistory, lives: pcn_maps.Whereabouts | None) -> str:
    if lives is None or lives.footprints.empty:
        return ("<p>The data hold no registrations by LSOA, so where its patients live is not shown.</p>")
    rows = lives.footprints[lives.footprints["pcn_code"] == history.pcn_code]
    if rows.empty:
        releases = ", ".join(sorted({_release_words(r) for r in lives.footprints["release"]}))
        return (f"<p>The registrations by LSOA in the data ({_e(releases)}) hold none of its patients: it was not a "
                "network in the months nearest them.</p>")
    body = "".join(
        f"<tr><td>{_e(_release_words(r.release))}</td><td class='n'>{count(r.patients)}</td>"
        f"<td class='n'>{count(r.lsoas_any)}</td><td class='n'>{count(r.lsoas_80pct)}</td>"
        f"<td class='n'>{percent(r.largest_lsoa_share)}</td></tr>"
        for r in rows.itertuples(index=False)
    )
    table = ("<table><caption>Its patients by the small area (LSOA) they live in, each release of registrations by "
             "LSOA</caption><thead><tr><th scope='col'>Release</th><th scope='col' class='n'>Patients</th>"
             "<th scope='col' class='n'>LSOAs with patients</th><th scope='col' class='n'>LSOAs holding 80%</th>"
             f"<th scope='col' class='n'>Largest LSOA's share</th></tr></thead><tbody>{body}</tbody></table>")
    features = lives.features.get(history.pcn_code)
    why_not = lives.why_not or "Its patients in the latest release live in no MSOA the boundaries hold, so no map is drawn."
    return table + "\n" + pcn_maps.map_section(history.pcn_code, history.pcn_name, features, lives.where, why_not)


def page_body(history: PcnHistory, histories: dict[str, PcnHistory], values: pd.Series | None,
              england: dict[str, measures.Distribution], first_month: str, last_month: str,
              yearly_months: set[str], releases_note: str, lives: pcn_maps.Whereabouts | None = None) -> str:  # fmt: skip
    """The body of one PCN's page (HTML)."""
    alt_text = (f"Line chart of the registered patients of {history.pcn_name} by month, from "
                f"{month_words(history.first)} to {month_words(history.last)}, with 30,000 to 50,000 shaded.")
    chart = figures.html_fragment(f"pcn-{history.pcn_code}", size_chart(history), alt_text, RUNTIME_HREF)
    return f"""<nav class="crumbs" aria-label="Breadcrumb"><a href="../index.html">The report</a> › <a href="index.html">Every PCN</a></nav>
<h1>{_e(history.pcn_name)} <span class="code">{_e(history.pcn_code)}</span></h1>
<p class="status">{status_sentence(history, histories, first_month, last_month)}</p>
<h2>Registered patients month by month</h2>
{chart}
{_sizes_table(history, yearly_months)}
<h2>Member practices</h2>
{_practices_table(history, first_month, last_month)}
<h2>Commissioner then and now</h2>
{_place_rows(history)}
<h2>Where its patients live</h2>
{_whereabouts_section(history, lives)}
<h2>Its patients against England</h2>
{_characteristics_table(values, england, releases_note)}
"""


def _index_entry(history: PcnHistory) -> dict:
    latest = history.sizes.iloc[-1]
    status = {pcn_histories.OPEN: "open", pcn_histories.RECODED: "re-coded"}.get(history.status, f"closed ({history.fate})")
    return {"code": history.pcn_code, "name": history.pcn_name, "icb": history.now.get("icb_or_stp_name") or "",
            "icb_code": history.now.get("icb_or_stp_code") or "", "region": history.now.get("region_name") or "",
            "region_code": history.now.get("region_code") or "", "status": status,
            "practices": int(latest["practices"]), "patients": int(latest["population"])}  # fmt: skip


_FILTER_SCRIPT = """<script>
(function () {
  var form = document.getElementById("pcn-filter"), out = document.getElementById("pcn-results");
  if (!form || !window.fetch) return;
  form.hidden = false;
  var rows = [];
  function esc(t) { return String(t).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function show() {
    var q = form.q.value.trim().toLowerCase(), icb = form.icb.value, region = form.region.value;
    var hits = rows.filter(function (r) {
      return (!q || r.name.toLowerCase().indexOf(q) >= 0 || r.code.toLowerCase().indexOf(q) >= 0)
        && (!icb || r.icb_code === icb) && (!region || r.region_code === region);
    });
    var shown = hits.slice(0, 200);
    out.innerHTML = "<p role='status'>" + hits.length.toLocaleString("en-GB") + (hits.length === 1 ? " network" : " networks") +
      (hits.length > shown.length ? " (the first 200 shown: narrow the filter)" : "") + "</p>" +
      "<table><thead><tr><th scope='col'>PCN</th><th scope='col'>Code</th><th scope='col'>ICB</th><th scope='col'>Region</th><th scope='col'>Status</th></tr></thead><tbody>" +
      shown.map(function (r) {
        return "<tr><td><a href='" + esc(r.code) + ".html'>" + esc(r.name) + "</a></td><td>" + esc(r.code) + "</td><td>" +
          esc(r.icb) + "</td><td>" + esc(r.region) + "</td><td>" + esc(r.status) + "</td></tr>";
      }).join("") + "</tbody></table>";
  }
  fetch("index.json").then(function (r) { return r.json(); }).then(function (data) { rows = data; show(); });
  form.addEventListener("input", show);
  form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
})();
</script>"""


def index_body(entries: list[dict], first_month: str, last_month: str) -> str:
    """The directory: a filter over every PCN (JavaScript, reading index.json) and a page per region."""
    icbs = sorted({(e["icb_code"], e["icb"]) for e in entries if e["icb_code"]}, key=lambda x: x[1])
    regions = sorted({(e["region_code"], e["region"]) for e in entries if e["region_code"]}, key=lambda x: x[1])
    icb_options = "".join(f'<option value="{_e(c)}">{_e(n)}</option>' for c, n in icbs)
    region_options = "".join(f'<option value="{_e(c)}">{_e(n)}</option>' for c, n in regions)
    open_now = sum(1 for e in entries if e["status"] == "open")
    region_links = "".join(
        f'<li><a href="region-{_e(c)}.html">{_e(n)}</a> ({count(sum(1 for e in entries if e["region_code"] == c))})</li>'
        for c, n in regions
    )
    return f"""<nav class="crumbs" aria-label="Breadcrumb"><a href="../index.html">The report</a> › Every PCN</nav>
<h1>Every PCN</h1>
<p>A page for each of the {count(len(entries))} networks the practice mapping lists in any month from
{month_words(first_month)} to {month_words(last_month)}, {count(open_now)} of them open in {month_words(last_month)}. Each page shows
the network's registered patients month by month, its practices joining and leaving, its commissioner then
and now, its patients against England's networks and where they live. A closed network is listed under the ICB and region of its last month.</p>
<form id="pcn-filter" hidden>
<label for="pcn-q">Name or code</label> <input id="pcn-q" name="q" type="search" autocomplete="off">
<label for="pcn-icb">ICB</label> <select id="pcn-icb" name="icb"><option value="">All</option>{icb_options}</select>
<label for="pcn-region">Region</label> <select id="pcn-region" name="region"><option value="">All</option>{region_options}</select>
</form>
<div id="pcn-results" aria-live="polite"></div>
<h2>By region</h2>
<ul class="regions">{region_links}</ul>
{_FILTER_SCRIPT}
"""


def region_body(code: str, name: str, entries: list[dict]) -> str:
    rows = "".join(
        f"<tr><td><a href='{_e(e['code'])}.html'>{_e(e['name'])}</a></td><td>{_e(e['code'])}</td><td>{_e(e['icb'])}</td>"
        f"<td>{_e(e['status'])}</td></tr>"
        for e in sorted(entries, key=lambda e: (e["icb"], e["name"]))
    )
    return f"""<nav class="crumbs" aria-label="Breadcrumb"><a href="../index.html">The report</a> › <a href="index.html">Every PCN</a> › {_e(name)}</nav>
<h1>PCNs of {_e(name)}</h1>
<table><caption>{count(len(entries))} networks, by ICB (or STP, for a network closed before July 2022)</caption>
<thead><tr><th scope="col">PCN</th><th scope="col">Code</th><th scope="col">ICB</th><th scope="col">Status</th></tr></thead>
<tbody>{rows}</tbody></table>
"""


def write_pages(output_dir: Path, months: list[landscape_months.MonthResult], characteristics: pd.DataFrame | None,
                england: dict[str, measures.Distribution], releases_note: str,
                lives: pcn_maps.Whereabouts | None = None) -> dict[str, PcnHistory]:  # fmt: skip
    """Every page's body, the index's data and the region pages under `_generated/pcns/`, from every month's
    results (`landscape_months`); a page left from an earlier build for a PCN no longer in the data is
    removed. Returns the histories."""
    folder = Path(output_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    histories = pcn_histories.from_months(months)
    if not histories:
        written = set()
    else:
        names = sorted(m.month for m in months)
        first, last = names[0], names[-1]
        yearly_months = set(landscape.yearly_months(names))
        values = characteristics.set_index("pcn_code") if characteristics is not None else None
        written = set()
        for code, history in histories.items():
            row = values.loc[code] if values is not None and code in values.index else None
            body = page_body(history, histories, row, england, first, last, yearly_months, releases_note, lives)
            # Not synced one by one (8 ms a file, 1,400 files): a page lost in a power cut is a run the
            # build repeats, since the run is cached only once the notebook has finished.
            written.add(write_text_atomic(folder / f"{code}.html", body, fsync=False).name)
        entries = [_index_entry(h) for h in sorted(histories.values(), key=lambda h: h.pcn_name)]
        written.add(write_text_atomic(folder / INDEX_DATA, json.dumps(entries, separators=(",", ":")) + "\n").name)
        written.add(write_text_atomic(folder / "index.html", index_body(entries, first, last)).name)
        for code, name in sorted({(e["region_code"], e["region"]) for e in entries if e["region_code"]}):
            body = region_body(code, name, [e for e in entries if e["region_code"] == code])
            written.add(write_text_atomic(folder / f"region-{code}.html", body).name)
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in written:
            stale.unlink()
    return histories
