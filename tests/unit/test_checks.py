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


# --- like with like: percentages, amounts of money, other numbers ------------------------------------

def _typed_caught(tmp_path: Path, chapter: str, variables: dict) -> str:
    """The check's message for `chapter` ('' when it passes)."""
    try:
        checks.check_no_typed_numbers(make_project(tmp_path, chapter), variables)
    except RenderError as caught:
        return str(caught)
    return ""


# The chapter uses the section through {{< var >}}, so even its two-digit numbers are compared with it.
USES_SECTION = "# One\n\nThe data hold {{< var pcn_size.pcns >}} PCNs.\n\n"


@pytest.mark.parametrize("typed", ["from 70% to 100%", "70 per cent of it", "70 percent of it", "from 70 to 100%",
                                   "70-100%", "from 70 to 100 per cent"])
def test_a_typed_percentage_equal_to_a_computed_count_passes(tmp_path, typed):
    # The 2025 case: the introduction's "70% to 100%" and the count of 70 single-practice PCNs.
    variables = {"pcn_size": {"pcns": "1,250", "single_practice": "70"}}
    assert _typed_caught(tmp_path, USES_SECTION + f"Reimbursement rose {typed}.\n", variables) == ""


@pytest.mark.parametrize("typed", ["from 70% to 100%", "70 per cent of it", "from 70 to 100%"])
@pytest.mark.parametrize("computed", [{"single_pct": "70%"}, {"single_pct": "70"}, {"share": "70"}, {"pct_single": "70"}])
def test_a_typed_percentage_equal_to_a_computed_percentage_is_caught(tmp_path, typed, computed):
    # A computed percentage is one formatted with "%", or one whose key says so (printed as {{< var >}}%).
    variables = {"pcn_size": {"pcns": "1,250", **computed}}
    message = _typed_caught(tmp_path, USES_SECTION + f"Reimbursement rose {typed}.\n", variables)
    key = next(iter(computed))
    token = "70%" if "70%" in typed else "70"
    assert "1 problem(s)" in message and f"line 5: '{token}' is typed" in message
    assert f"(pcn_size.{key})" in message


def test_a_typed_count_equal_to_a_computed_count_is_caught_and_not_a_computed_percentage(tmp_path):
    variables = {"pcn_size": {"pcns": "1,250", "single_practice": "70", "over_pct": "35%", "share": "17.2"}}
    message = _typed_caught(tmp_path, USES_SECTION + "Of them, 70 PCNs have one practice.\n", variables)
    assert "line 5: '70' is typed, but the analysis computes it (pcn_size.single_practice)" in message
    # A plain number equal to a computed percentage is not the percentage.
    assert _typed_caught(tmp_path, USES_SECTION + "We held 35 interviews on 17.2 days.\n", variables) == ""
    # Three or more digits are compared with every section's values of their kind, used or not.
    message = _typed_caught(tmp_path, "# One\n\nIn all, 1,250 PCNs, 1,250% of the target.\n", variables)
    assert "1 problem(s)" in message and "'1,250' is typed" in message


def test_a_two_digit_percentage_counts_only_against_sections_the_file_uses(tmp_path):
    # Dozens of percentages are computed: "98% of practices" quoted from a policy paper would often equal
    # one of them by chance, as a two-digit count would.
    variables = {"ventures": {"covered_pct": "98%"}, "pcn_size": {"pcns": "1,250"}}
    assert _typed_caught(tmp_path, USES_SECTION + "In May 2020 98% of practices opted in.\n", variables) == ""
    variables["pcn_size"]["opted_in_pct"] = "98%"
    assert "'98%' is typed" in _typed_caught(tmp_path, USES_SECTION + "In May 2020 98% of practices opted in.\n", variables)


def test_amounts_of_money_are_compared_with_amounts(tmp_path):
    variables = {"payments": {"per_head": "£1,250", "practices": "1,300"}}
    assert "(payments.per_head)" in _typed_caught(tmp_path, "# One\n\nPaid £1,250 a head.\n", variables)
    assert _typed_caught(tmp_path, "# One\n\nIn all, 1,250 patients and £1,300.\n", variables) == ""


def test_kinds_of_computed_and_typed_values():
    assert checks.computed_kind("58%", "a.within_pct") == (checks.PERCENTAGE, "58")
    assert checks.computed_kind("16.8", "a.b.pct_65_plus") == (checks.PERCENTAGE, "16.8")
    assert checks.computed_kind("3.5", "footprints.pcns_1pct.mean") == (checks.NUMBER, "3.5")  # a group, not the leaf
    assert checks.computed_kind("2.5", "a.pct_in_range.decile_ratio") == (checks.NUMBER, "2.5")
    assert checks.computed_kind("£1,250", "a.cost") == (checks.MONEY, "1,250")
    assert checks.computed_kind("1,250", "a.pcns") == (checks.NUMBER, "1,250")
    typed = [(token, kind) for _, token, kind, _ in checks.typed_values(
        "A 70% B 70 per cent C £1,250 D 1,250 E 5.4 and 17.2% F 10 to 20% G 2017/18 H 2019.")]
    assert typed == [("70%", "percentage"), ("70", "percentage"), ("1,250", "amount of money"),
                     ("1,250", "number"), ("5.4", "number"), ("17.2%", "percentage"), ("10", "percentage"),
                     ("20%", "percentage"), ("2017/18", "number")]
