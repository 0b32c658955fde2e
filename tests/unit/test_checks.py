"""Checks on the chapters (typed numbers, unsupported Quarto features) and on a built site's links."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from pcnreport.build import checks
from pcnreport.core.errors import RenderError

CONFIG = """\
project:
  type: book
book:
  title: Tiny
  chapters:
    - index.qmd
    - chapters/01-one.qmd
"""

VARIABLES = {
    "pcn_size": {"pcns": "1,250", "population": {"median": "44,000", "within_pct": "58%"}, "mean": "5.4"},
    "ccg": {"count": "135", "share": "17.2", "releases": {"ruc": "2011"}},
    "published": {"pcns": "1,259"},          # the interim report's printed values: quoting them is fine
    "data": {"release": "seed 20200101"},
}


def make_project(tmp_path: Path, chapter: str, index: str = "# Preface {.unnumbered}\n\nHello.\n",
                 files: dict[str, str] | None = None) -> Path:
    (tmp_path / "chapters").mkdir(parents=True, exist_ok=True)
    (tmp_path / "_quarto.yml").write_text(CONFIG)
    (tmp_path / "index.qmd").write_text(index)
    (tmp_path / "chapters" / "01-one.qmd").write_text(textwrap.dedent(chapter))
    for rel, text in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


# --- typed numbers -----------------------------------------------------------------------------------

CLEAN = """\
---
title: "One"
note: 1,250 in the front matter is not prose
---
# One

The data hold {{< var pcn_size.pcns >}} PCNs, with a median of {{< var pcn_size.population.median >}}.
The interim report printed 1,259 [@nhs2020, p. 135]; see Table 6.4 and @fig-x, and the 2011
Rural-Urban Classification of 2017/18 and 2019-20 data; the 10th and 90th percentiles; £135m.
Half of it, [135]{.fixed-number} on purpose. `1,250` in code, and <span data-n="135">tags</span>.
[a link](https://example.org/135/1,250) and https://example.org/44,000 too.

::: {#fig-x fig-alt="135 things"}
![](x.png){width=135}
:::

<!-- 1,250 in a comment -->

```python
x = 1_250  # 135
```
"""


def test_clean_chapter_passes(tmp_path):
    checks.check_no_typed_numbers(make_project(tmp_path, CLEAN), VARIABLES)


def test_typed_numbers_are_reported_with_file_line_and_key(tmp_path):
    chapter = CLEAN + "\nIn all, 1,250 PCNs; 58% within range,\nmean 5.4 and 17.2% aged over; 135 CCGs.\n"
    project = make_project(tmp_path, chapter, files={"chapters/_part.qmd": "Included: 44,000 patients.\n"})
    (project / "chapters" / "01-one.qmd").write_text(chapter + "\n{{< include _part.qmd >}}\n")
    with pytest.raises(RenderError) as caught:
        checks.check_no_typed_numbers(project, VARIABLES)
    message = str(caught.value)
    assert "6 problem(s)" in message
    line = CLEAN.count("\n") + 2
    assert f"'chapters/01-one.qmd', line {line}: '1,250' is typed, but the analysis computes it (pcn_size.pcns)" in message
    assert "write {{< var pcn_size.pcns >}}" in message and "[1,250]{.fixed-number}" in message
    assert f"line {line}: '58%'" in message and "pcn_size.population.within_pct" in message
    assert f"line {line + 1}: '5.4'" in message
    assert f"line {line + 1}: '17.2%'" in message and "ccg.share" in message  # a bare number, typed with %
    assert f"line {line + 1}: '135'" in message
    assert "'chapters/_part.qmd', line 1: '44,000'" in message  # hand-written includes are prose too


def test_generated_includes_are_not_prose(tmp_path):
    project = make_project(tmp_path, "# One\n\n{{< include ../figures/table.md >}}\n",
                           files={"figures/table.md": "| PCNs |\n|---|\n| 1,250 |\n"})
    checks.check_no_typed_numbers(project, VARIABLES)


def test_computed_values_skip_published_data_and_releases():
    values = checks.computed_values(VARIABLES)
    assert values["1,250"] == ["pcn_size.pcns"] and values["135"] == ["ccg.count"]
    assert "1,259" not in values and "2011" not in values and "20200101" not in values
    assert checks.computed_values({"a": {"b": "7", "c": True, "d": "n/a", "e": 12}}) == {"12": ["a.e"]}


def test_typed_numbers_tokens():
    text = "A 1,250 B 2019 C 2017/18 D 90th E 3 F 12.5% G A81001 H 30,000."
    assert [t for _, t in checks.typed_numbers(text)] == ["1,250", "2017/18", "12.5%", "30,000"]


# --- unsupported features ----------------------------------------------------------------------------

UNSUPPORTED = """\
# One

```{python}
print(1)
```

```{mermaid}
graph TD
```

::: {.panel-tabset}
## A
:::

::: {.column-margin}
side
:::

See @eq-energy and @lst-code.

::: {.callout-note collapse="true"}
x
:::

::: {#fig-both layout-ncol=2}
:::

{{< video https://example.org/v.mp4 >}}
{{< embed notebook.ipynb#cell >}}

::: {.content-visible when-profile="print"}
x
:::

Inline `{python} 1 + 1` code.
"""


def test_unsupported_features_each_reported_with_line(tmp_path):
    project = make_project(tmp_path, UNSUPPORTED)
    with pytest.raises(RenderError) as caught:
        checks.check_supported_features(project)
    message = str(caught.value)
    expected = {
        3: "executable code cell ```{python}", 7: "diagram ```{mermaid}", 11: ".panel-tabset",
        15: ".column-*", 19: "@fig-, @tbl- and @sec-", 21: "collapse=", 25: "layout-ncol",
        28: "shortcode 'video'", 29: "shortcode 'embed'", 31: "when-profile", 35: "inline executable code",
    }
    for line, what in expected.items():
        assert re.search(rf"'chapters/01-one.qmd', line {line}: the pandoc path does not support [^\n]*{re.escape(what)}",
                         message), (line, what, message)
    assert "(supported: var, meta, include)" in message
    assert f"{len(expected)} problem(s)" in message


def test_supported_features_pass(tmp_path):
    chapter = """\
    # One {#sec-one}

    {{< var a.b >}} {{< meta title >}} {{{< video escaped-is-text >}}}

    ::: {#fig-x fig-alt="x"}
    ```{=html}
    <div></div>
    ```
    ::: {.content-visible unless-format="html"}
    ![](x.pdf)
    :::
    Caption
    :::

    ```{.python}
    static code
    ```

    ```python
    ```{r}
    shown as text inside a code block
    ```

    ::: {.callout-warning title="T"}
    x
    :::

    ::: {.content-hidden when-meta="a-available"}
    x
    :::

    See @fig-x, @sec-one and [@smith2020]; write to someone@example.org.
    """
    checks.check_supported_features(make_project(tmp_path, chapter))


# --- site links ---------------------------------------------------------------------------------------

def test_site_links(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "site_libs").mkdir()
    (tmp_path / "site_libs" / "a.css").write_text("")
    (tmp_path / "index.html").write_text(
        '<link rel="icon" href="data:,"><link href="site_libs/a.css" rel="stylesheet">'
        '<a href="chapters/one.html#sec-x">ok</a> <a href="https://example.org">out</a> <a href="#top">self</a>'
        '<h1 id="top">T</h1>'
    )
    (tmp_path / "chapters" / "one.html").write_text(
        '<h1 id="sec-x">X</h1>\n<a href="../index.html#top">ok</a>\n<a href="../index.html#nope">bad anchor</a>\n'
        '<script src="../missing.js"></script>\n<a href="#sec-y">bad local</a>\n<img src="../../outside.png" alt="x">'
    )
    problems = [str(p) for p in checks.site_link_problems(tmp_path)]
    assert problems == [
        "'chapters/one.html', line 3: link '../index.html#nope': no element with id 'nope' on that page",
        "'chapters/one.html', line 4: link '../missing.js': no such file",
        "'chapters/one.html', line 5: link '#sec-y': no element with id 'sec-y' on that page",
        "'chapters/one.html', line 6: link '../../outside.png' leaves the site folder",
    ]
    with pytest.raises(RenderError, match="broken links"):
        checks.check_site_links(tmp_path)


def test_a_bare_two_digit_number_counts_only_against_sections_the_file_uses(tmp_path):
    variables = {"ventures": {"stand_alone": "16"}, "pcn_size": {"single": "34"}}
    chapter = "# One\n\nWe held 16 interviews on 29 May 2020; {{< var pcn_size.single >}} PCNs.\n"
    checks.check_no_typed_numbers(make_project(tmp_path, chapter), variables)
    chapter += "\nOf them, 34 PCNs are single practices.\n"
    with pytest.raises(RenderError, match=r"line 5: '34' is typed, but the analysis computes it \(pcn_size.single\)"):
        checks.check_no_typed_numbers(make_project(tmp_path, chapter), variables)
