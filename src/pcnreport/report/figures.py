"""Altair charts for the report, and the files that carry them into both outputs.

A chart is saved three ways (see `save_figure`):
- `NAME.vl.json`: the Vega-Lite spec, the chart's single source of truth;
- `NAME.pdf`: a vector rendering by vl-convert for the PDF (Typst draws SVG text in a fallback
  font, PDF keeps the chart's own);
- `NAME.md`: a Quarto fragment that a chapter includes inside its `::: {#fig-...}` div. For HTML it
  holds the spec inline and a loader for `pcn-charts.js` (Vega bundled locally, so the site works
  offline); for every other format it shows the PDF image.
"""

from __future__ import annotations

import functools
import html
import importlib.resources
import json
from importlib import metadata
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from pcnreport.analysis.measures import RECOMMENDED_RANGE
from pcnreport.core.atomic import write_bytes_atomic, write_text_atomic
from pcnreport.core.hashing import sha256_bytes, sha256_json

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. Bands are also
# labelled in text (legend and tooltips), so colour is never the only carrier of meaning.
BAND_COLOURS = {"under": "#E69F00", "within": "#0072B2", "over": "#CC79A7"}
BAND_LABELS = {
    "under": "under 30,000",
    "within": "30,000 to 50,000",
    "over": "over 50,000",
}
WIDTH, HEIGHT = 560, 300
# Lato comes from a pip package (font-lato) so that the PDF charts have their text on any machine:
# vl-convert silently drops text set in a font it cannot find. Browsers fall back along the list.
FONT = "Lato, 'Helvetica Neue', Arial, sans-serif"

# The runtime file every chart page loads once; its name is part of the fragment contract.
RUNTIME_NAME = "pcn-charts.js"
VEGA_LITE_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]  # e.g. "6.4"


def _band_encoding(title: str = "PCN size"):
    order = list(BAND_LABELS.values())
    return alt.Color(
        "band_label:N",
        title=title,
        sort=order,
        scale=alt.Scale(domain=order, range=[BAND_COLOURS[k] for k in BAND_LABELS]),
        legend=alt.Legend(orient="top"),
    )


def _with_band_labels(sizes: pd.DataFrame, bounds: tuple[int, int]) -> pd.DataFrame:
    lower, upper = bounds
    band = pd.Series("within", index=sizes.index)
    band[sizes["population"] < lower] = "under"
    band[sizes["population"] > upper] = "over"
    return sizes.assign(band_label=band.map(BAND_LABELS))


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure(font=FONT).configure_view(stroke=None).configure_axis(
        labelFontSize=11, titleFontSize=12, grid=False
    )


def population_histogram(
    sizes: pd.DataFrame, bounds: tuple[int, int] = RECOMMENDED_RANGE, bin_width: int = 2_500
) -> alt.Chart:
    """Figure 6.1: PCNs by registered population, bars coloured by the recommended range."""
    data = _with_band_labels(sizes[["pcn_code", "population"]], bounds)
    data = data.assign(bin_start=(data["population"] // bin_width) * bin_width)
    counts = (
        data.groupby(["bin_start", "band_label"], as_index=False)
        .size()
        .rename(columns={"size": "pcns"})
        .assign(bin_end=lambda d: d["bin_start"] + bin_width)
    )
    bars = (
        alt.Chart(counts)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("bin_start:Q", title="Registered population of the PCN", axis=alt.Axis(format=",d")),
            x2="bin_end:Q",
            y=alt.Y("pcns:Q", title="Number of PCNs"),
            # With x ranged (x to x2), Vega-Lite would place y as a position: anchor bars at zero.
            y2=alt.datum(0),
            color=_band_encoding(),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="From", format=",d"),
                alt.Tooltip("bin_end:Q", title="To (below)", format=",d"),
                alt.Tooltip("pcns:Q", title="PCNs"),
                alt.Tooltip("band_label:N", title="Size band"),
            ],
        )
    )
    rules = (
        alt.Chart(pd.DataFrame({"bound": list(bounds)}))
        .mark_rule(strokeDash=[4, 3], color="#333")
        .encode(x="bound:Q")
    )
    return _configure((bars + rules).properties(width=WIDTH, height=HEIGHT))


def practices_histogram(sizes: pd.DataFrame) -> alt.Chart:
    """Figure 6.2: PCNs by their number of core partner practices."""
    counts = sizes.groupby("practices", as_index=False).size().rename(columns={"size": "pcns"})
    chart = (
        alt.Chart(counts)
        .mark_bar(color=BAND_COLOURS["within"])
        .encode(
            x=alt.X("practices:O", title="Number of GP practices in the PCN"),
            y=alt.Y("pcns:Q", title="Number of PCNs"),
            tooltip=[
                alt.Tooltip("practices:O", title="Practices"),
                alt.Tooltip("pcns:Q", title="PCNs"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _configure(chart)


def practices_vs_population(sizes: pd.DataFrame, bounds: tuple[int, int] = RECOMMENDED_RANGE) -> alt.Chart:
    """Figure 6.3: each PCN's practices against its population, with the recommended range marked."""
    data = _with_band_labels(sizes[["pcn_code", "pcn_name", "practices", "population"]], bounds)
    points = (
        alt.Chart(data)
        .mark_point(filled=True, opacity=0.55, size=22)
        .encode(
            x=alt.X("practices:Q", title="Number of GP practices in the PCN"),
            y=alt.Y("population:Q", title="Registered population", axis=alt.Axis(format=",d")),
            color=_band_encoding(),
            shape=alt.Shape("band_label:N", sort=list(BAND_LABELS.values()), legend=None),
            tooltip=[
                alt.Tooltip("pcn_name:N", title="PCN"),
                alt.Tooltip("pcn_code:N", title="Code"),
                alt.Tooltip("practices:Q", title="Practices"),
                alt.Tooltip("population:Q", title="Population", format=",d"),
            ],
        )
    )
    rules = (
        alt.Chart(pd.DataFrame({"bound": list(bounds)}))
        .mark_rule(strokeDash=[4, 3], color="#333")
        .encode(y="bound:Q")
    )
    return _configure((points + rules).properties(width=WIDTH, height=HEIGHT))


def area_pcn_sizes(
    england: pd.DataFrame, area: pd.DataFrame, area_label: str, percentiles: dict[str, float],
    bounds: tuple[int, int] = RECOMMENDED_RANGE,
) -> alt.Chart:
    """An area profile's chart: its PCNs' populations as ticks on one row, all of England's on another,
    over the recommended range (shaded) and England's P10, median and P90 (labelled rules).

    `england` and `area` have pcn_code, pcn_name, practices, population; `percentiles` maps a label
    ("P10", "median", "P90") to its value.
    """
    england_label = f"England ({len(england):,} PCNs)"
    rows = [england_label, area_label]
    columns = ["pcn_code", "pcn_name", "practices", "population"]
    # England's row carries only what its ticks need: the chart sits on 142 pages, each holding its data.
    data = pd.concat([
        _with_band_labels(england[["population"]], bounds).assign(row=england_label),
        _with_band_labels(area[columns], bounds).assign(row=area_label),
    ])
    # Narrower than the chapters' charts: the row labels (an area's name) sit beside the plot, and
    # chart and labels must fit the page's column without scrolling.
    y = alt.Y("row:N", title=None, sort=rows, axis=alt.Axis(labelLimit=170))
    band = (
        alt.Chart(pd.DataFrame({"lower": [bounds[0]], "upper": [bounds[1]]}))
        .mark_rect(color="#dceaf7")
        .encode(x="lower:Q", x2="upper:Q")
    )
    ticks = (
        alt.Chart(data)
        .mark_tick(thickness=2, size=26, opacity=0.75)
        .encode(
            x=alt.X("population:Q", title="Registered population of the PCN", axis=alt.Axis(format=",d")),
            y=y,
            color=_band_encoding(),
            tooltip=[
                alt.Tooltip("pcn_name:N", title="PCN"),
                alt.Tooltip("pcn_code:N", title="Code"),
                alt.Tooltip("practices:Q", title="Practices"),
                alt.Tooltip("population:Q", title="Population", format=",d"),
            ],
        )
    )
    marks = pd.DataFrame({"label": list(percentiles), "value": list(percentiles.values())})
    rules = alt.Chart(marks).mark_rule(strokeDash=[4, 3], color="#333").encode(x="value:Q")
    labels = (
        alt.Chart(marks)
        .mark_text(align="left", dx=3, dy=-4, baseline="bottom", fontSize=10, color="#333")
        .encode(x="value:Q", y=alt.value(0), text=alt.Text("label:N"))
    )
    return _configure((band + ticks + rules + labels).properties(width=WIDTH - 180, height=110))


def _json_for_script_tag(spec: dict) -> str:
    """JSON that cannot end the <script> element it sits in, whatever the data hold.

    A PCN name such as `</script><b>` would otherwise close the tag; escaping '<', '>' and '&'
    as JSON unicode escapes keeps the value exact when parsed and inert in HTML.
    """
    text = json.dumps(spec, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html_fragment(name: str, spec: dict, alt_text: str, runtime_href: str) -> str:
    """The HTML part of a figure: a chart placeholder, its spec, and a load-once runtime loader."""
    chart_id = f"chart-{name}"
    alt_attr = html.escape(alt_text, quote=True)
    # tabindex: a chart wider than a narrow screen scrolls (styles.css), and a keyboard user must be able
    # to reach a scrolling region to scroll it.
    return f"""<div class="pcn-chart" id="{chart_id}" role="img" aria-label="{alt_attr}" tabindex="0"></div>
<script type="application/json" class="pcn-chart-spec" data-chart="{chart_id}">{_json_for_script_tag(spec)}</script>
<script>
/* Load {RUNTIME_NAME} once per page however many charts the page has: the bundle declares
   top-level constants and must not run twice. */
(function () {{
  if (document.querySelector("script[data-pcn-charts]")) return;
  var s = document.createElement("script");
  s.src = "{runtime_href}";
  s.setAttribute("data-pcn-charts", "");
  document.head.appendChild(s);
}})();
</script>"""


def quarto_fragment(name: str, spec: dict, alt_text: str, figures_href: str, print_version: bool = True) -> str:
    """The include file a chapter puts inside its figure div: HTML chart, or PDF image elsewhere
    (`print_version=False`: HTML only, for a page that is never printed)."""
    html_part = html_fragment(name, spec, alt_text, f"{figures_href}/{RUNTIME_NAME}")
    alt_attr = alt_text.replace('"', "'")
    html_block = f"""::: {{.content-visible when-format="html"}}
```{{=html}}
{html_part}
```
:::
"""
    if not print_version:
        return html_block
    return html_block + f"""
::: {{.content-visible unless-format="html"}}
![]({figures_href}/{name}.pdf){{fig-alt="{alt_attr}"}}
:::
"""


@functools.cache
def _register_fonts() -> None:
    vl_convert.register_font_directory(str(importlib.resources.files("font_lato") / "files"))


def save_figure(
    chart: alt.TopLevelMixin, name: str, out_dir: Path, alt_text: str, figures_href: str = "../figures",
    print_version: bool = True,
) -> dict[str, Path]:
    """Write the spec, the vector PDF and the Quarto fragment of a chart; return their paths.

    `figures_href` is how the including chapter reaches the figures folder (chapters live in
    chapters/, figures in figures/, hence "../figures"). `print_version=False` skips the PDF (0.4 s a
    chart) for a page that is in the website only, such as a CCG's profile.
    """
    out_dir = Path(out_dir)
    spec = chart.to_dict()
    paths = {"spec": out_dir / f"{name}.vl.json", "fragment": out_dir / f"{name}.md"}
    write_text_atomic(paths["spec"], json.dumps(spec, indent=1, sort_keys=True))
    if print_version:
        _register_fonts()
        paths["pdf"] = out_dir / f"{name}.pdf"
        write_bytes_atomic(paths["pdf"], vl_convert.vegalite_to_pdf(spec, vl_version=VEGA_LITE_VERSION))
    write_text_atomic(paths["fragment"], quarto_fragment(name, spec, alt_text, figures_href, print_version))
    return paths


# The runtime: find every chart placeholder, parse its spec, draw it as SVG with vega-embed.
# SVG (not canvas) keeps text selectable and lets tests see that a chart drew.
_RUNTIME_SNIPPET = """
function drawAll() {
  document.querySelectorAll("script.pcn-chart-spec").forEach(function (node) {
    var target = document.getElementById(node.getAttribute("data-chart"));
    if (!target || target.dataset.drawn) return;
    target.dataset.drawn = "pending";
    vegaEmbed(target, JSON.parse(node.textContent), {renderer: "svg", actions: false})
      .then(function () { target.dataset.drawn = "yes"; })
      .catch(function (err) { target.dataset.drawn = "failed"; console.error(err); });
  });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", drawAll);
} else {
  drawAll();
}
"""


def write_runtime(out_dir: Path) -> Path:
    """Write pcn-charts.js: Vega, Vega-Lite and vega-embed bundled, plus the drawing snippet.

    Bundling takes vl-convert 1.5 to 3 s, on every build that re-runs any notebook, for a file that
    changes only with vl-convert, the Vega-Lite version or the snippet. So the file's first line records
    a key over those and a SHA-256 of the rest, and an existing file whose line matches (and whose
    content is intact) is kept as it is.
    """
    path = Path(out_dir) / RUNTIME_NAME
    key = sha256_json(
        {"vl-convert": metadata.version("vl-convert-python"), "vega-lite": VEGA_LITE_VERSION, "snippet": _RUNTIME_SNIPPET}
    )
    if _runtime_key(path) == key:
        return path
    bundle = vl_convert.javascript_bundle(snippet=_RUNTIME_SNIPPET, vl_version=VEGA_LITE_VERSION)
    write_text_atomic(path, f"/* {RUNTIME_NAME} {key} {sha256_bytes(bundle.encode('utf-8'))} */\n{bundle}")
    return path


def _runtime_key(path: Path) -> str | None:
    """The key recorded in an existing runtime file, if its content still matches its recorded hash."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    first, _, body = data.partition(b"\n")
    parts = first.split()
    if len(parts) != 5 or parts[:2] != [b"/*", RUNTIME_NAME.encode()] or parts[4] != b"*/":
        return None
    return parts[2].decode("ascii", "replace") if parts[3].decode("ascii", "replace") == sha256_bytes(body) else None
