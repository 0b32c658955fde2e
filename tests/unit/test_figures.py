"""Charts and the files that carry them: escaped specs, both output forms, the offline runtime."""

import json
import re

import pandas as pd

from pcnreport.report import figures


def _sizes():
    return pd.DataFrame(
        {
            "pcn_code": ["U00001", "U00002", "U00003"],
            "pcn_name": ["</script><script>alert(1)</script>", "B & C PCN", "Plain PCN"],
            "practices": [1, 5, 9],
            "population": [12_000, 40_000, 75_000],
        }
    )


def test_markup_in_data_cannot_break_out_of_the_spec_script():
    chart = figures.practices_vs_population(_sizes())
    fragment = figures.html_fragment("fig-x", chart.to_dict(), "alt <text>", "../figures/pcn-charts.js")
    spec_block = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', fragment, re.S).group(1)
    assert "</script" not in spec_block and "<" not in spec_block
    # The escaped JSON still parses to the exact name.
    names = [row["pcn_name"] for row in json.loads(spec_block)["datasets"].popitem()[1]]
    assert "</script><script>alert(1)</script>" in names
    assert 'aria-label="alt &lt;text&gt;"' in fragment


def test_histogram_bars_start_at_zero_and_bands_are_labelled():
    spec = figures.population_histogram(_sizes()).to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y2"] == {"datum": 0}
    rows = spec["datasets"][bars["data"]["name"]] if "name" in bars.get("data", {}) else next(iter(spec["datasets"].values()))
    assert {row["band_label"] for row in rows} == {"under 30,000", "30,000 to 50,000", "over 50,000"}


def test_save_figure_writes_spec_vector_pdf_and_fragment(tmp_path):
    paths = figures.save_figure(figures.practices_histogram(_sizes()), "fig-y", tmp_path, "Bar chart")
    assert json.loads(paths["spec"].read_text())["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    pdf = paths["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF") and b"/FontFile" in pdf  # text kept, with its font embedded
    fragment = paths["fragment"].read_text()
    assert 'when-format="html"' in fragment and "![](../figures/fig-y.pdf)" in fragment


def test_runtime_bundles_vega_and_draws_every_chart(tmp_path):
    runtime = figures.write_runtime(tmp_path).read_text()
    # Vega, Vega-Lite and vega-embed are in the file itself (the browser tests check that no request
    # leaves the machine), and the snippet draws every chart placeholder.
    assert len(runtime) > 500_000
    assert "drawAll" in runtime and "pcn-chart-spec" in runtime


def test_runtime_is_bundled_again_only_when_its_inputs_or_content_change(tmp_path, monkeypatch):
    calls = []
    real_bundle = figures.vl_convert.javascript_bundle

    def counting_bundle(**options):
        calls.append(options)
        return real_bundle(**options)

    monkeypatch.setattr(figures.vl_convert, "javascript_bundle", counting_bundle)
    path = figures.write_runtime(tmp_path)
    figures.write_runtime(tmp_path)
    assert len(calls) == 1  # unchanged: kept
    path.write_text(path.read_text().replace("drawAll", "drawNone"))
    figures.write_runtime(tmp_path)
    assert len(calls) == 2 and "drawAll" in path.read_text()  # edited or damaged: bundled again
    first_line = path.read_text().splitlines()[0]
    monkeypatch.setattr(figures, "_RUNTIME_SNIPPET", figures._RUNTIME_SNIPPET + "\n// changed\n")
    figures.write_runtime(tmp_path)
    assert len(calls) == 3 and calls[-1]["snippet"].endswith("// changed\n")  # another snippet: bundled again
    assert path.read_text().splitlines()[0] != first_line


def test_a_website_only_figure_has_no_print_version(tmp_path):
    paths = figures.save_figure(figures.practices_histogram(_sizes()), "fig-w", tmp_path, "Bar chart",
                                print_version=False)
    assert "pdf" not in paths and not (tmp_path / "fig-w.pdf").exists()
    fragment = paths["fragment"].read_text()
    assert 'when-format="html"' in fragment and "unless-format" not in fragment and ".pdf" not in fragment


def test_area_chart_marks_the_range_and_englands_percentiles():
    sizes = _sizes().assign(pcn_name=lambda d: d["pcn_code"], practices=3)
    spec = figures.area_pcn_sizes(sizes, sizes.head(2), "Area (2 PCNs)", {"P10": 31_000, "median": 44_000, "P90": 69_000}).to_dict()
    rows = [row for data in spec["datasets"].values() for row in data]
    assert {row["row"] for row in rows if "row" in row} == {"Area (2 PCNs)", f"England ({len(sizes):,} PCNs)"}
    assert sum(row.get("row") == "Area (2 PCNs)" for row in rows) == 2
    assert {"lower": 30_000, "upper": 50_000} in rows
    assert {row["label"] for row in rows if "label" in row} == {"P10", "median", "P90"}
