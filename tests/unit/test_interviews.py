"""Figure 3.1: the interview-emphasis reader, its patterns and chart, the section's notice, the synthetic file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pcnreport.analysis import programme_theories
from pcnreport.core.errors import DataFormatError
from pcnreport.data.readers import read_interview_emphasis
from pcnreport.data.readers.interviews import emphasis_shares
from pcnreport.data.synth import SAMPLE_PATHS
from pcnreport.data.synth import interviews as synthetic
from pcnreport.report.sections import programme_theories as programme_theories_section

HEADER = "interviewee_id,theme_1,theme_2,theme_3\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "emphasis.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(DataFormatError) as excinfo:
        read_interview_emphasis(path)
    assert str(path) in str(excinfo.value)
    return excinfo.value.problems


# --- Reader ------------------------------------------------------------------------------------------------


def test_reads_weights_in_file_order(tmp_path):
    table = read_interview_emphasis(write(tmp_path, HEADER + "N710cg,3,2,1\nn210x8, 0.5 ,.5,1\n"))
    expected = pd.DataFrame(
        {"interviewee_id": ["N710cg", "n210x8"], "theme_1": [3.0, 0.5], "theme_2": [2.0, 0.5], "theme_3": [1.0, 1.0]}
    )
    pd.testing.assert_frame_equal(table, expected)


def test_shares_are_each_rows_proportions(tmp_path):
    table = read_interview_emphasis(write(tmp_path, HEADER + "A,3,2,1\nB,50,25,25\n"))
    shares = emphasis_shares(table)
    assert shares[["theme_1", "theme_2", "theme_3"]].sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    assert shares.loc[1, "theme_1"] == 0.5


def test_bad_cells_are_all_reported_with_row_and_column(tmp_path):
    found = problems(write(tmp_path, HEADER + "A,3,-1,1\n,1,1,1\nC,x,1,1\n"))
    assert "row 2, column 'theme_2': expected a weight: a number >= 0, like 2 or 0.5, found '-1'" in found
    assert "row 3, column 'interviewee_id': expected a value (not blank), found a blank cell" in found
    assert "row 4, column 'theme_1': expected a weight: a number >= 0, like 2 or 0.5, found 'x'" in found


def test_a_repeated_interviewee_and_an_all_zero_row_are_refused(tmp_path):
    assert problems(write(tmp_path, HEADER + "A,1,1,1\nA,2,1,1\n")) == [
        "column 'interviewee_id': interviewee 'A' appears in rows 2 and 3; expected once"
    ]
    found = problems(write(tmp_path, HEADER + "A,1,1,1\nB,0,0,0\n"))
    assert found == [
        (
            "row 3: interviewee 'B' has every theme weighted 0; expected at least one weight above 0 "
            "(the chart shows each interviewee's proportions)"
        )
    ]


def test_a_missing_column_is_named(tmp_path):
    found = problems(write(tmp_path, "interviewee_id,theme_1,theme_2\nA,1,1\n"))
    assert len(found) == 1 and found[0].startswith("missing column 'theme_3'")


# --- Patterns, chart and section -----------------------------------------------------------------------------


@pytest.fixture
def emphasis() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interviewee_id": ["A", "B", "C", "D"],
            "theme_1": [6.0, 3.0, 5.0, 34.0],
            "theme_2": [3.0, 3.0, 1.0, 33.0],
            "theme_3": [1.0, 3.0, 5.0, 33.0],
        }
    )


def test_patterns_count_what_the_text_describes(emphasis):
    assert programme_theories.patterns(emphasis) == {
        "interviewees": 4,
        "first_second_third": 1,  # A; D's 34/33/33 is "alike", within the tolerance
        "theme_1_highest": 1,
        "one_and_three": 1,  # C
        "all_alike": 2,  # B and D
    }


def test_chart_stacks_each_interviewee_in_theme_order(emphasis):
    spec = programme_theories_section.emphasis_chart(emphasis).to_dict()
    encoding = spec["encoding"]
    assert encoding["x"]["stack"] == "normalize"
    assert encoding["y"]["sort"] == ["A", "C", "D", "B"]  # by share on theme 1, largest first
    assert encoding["color"]["scale"]["domain"][0].startswith("1. Supporting general practice")
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 12 and {v["order"] for v in values} == {0, 1, 2}
    assert "title" not in spec
    synthetic_spec = programme_theories_section.emphasis_chart(emphasis, synthetic=True).to_dict()
    assert "SYNTHETIC" in json.dumps(synthetic_spec["title"])


def test_section_writes_the_figure_and_its_numbers(emphasis, tmp_path):
    programme_theories_section.write_section(tmp_path, emphasis, {"interview-emphasis": "2019"}, synthetic=True)
    fragment = (tmp_path / "figures" / "fig-theme-emphasis.md").read_text(encoding="utf-8")
    assert "Synthetic illustration: Horizontal stacked bars, one for each of 4 interviewees" in fragment
    assert (tmp_path / "figures" / "fig-theme-emphasis.pdf").read_bytes().startswith(b"%PDF")
    numbers = json.loads((tmp_path / "_generated" / "numbers" / "programme_theories.json").read_text())
    assert numbers["text"]["available"] is True and numbers["text"]["interviewees"] == "4"
    assert numbers["text"]["data_note"] == programme_theories_section.SYNTHETIC_NOTE


def test_without_the_research_data_the_section_is_a_notice(tmp_path):
    assert programme_theories_section.write_section(tmp_path, None, {}) is None
    numbers = json.loads((tmp_path / "_generated" / "numbers" / "programme_theories.json").read_text())
    assert numbers["text"]["available"] is False
    assert "interview-emphasis" in numbers["text"]["unavailable_reason"]
    fragment = (tmp_path / "figures" / "fig-theme-emphasis.md").read_text(encoding="utf-8")
    assert "Not available in this build" in fragment


# --- The synthetic sample's file -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [20200101, 7, 12345])
def test_synthetic_emphasis_has_the_pattern_the_report_describes(tmp_path, seed):
    path = tmp_path / "emphasis.csv"
    path.write_bytes(synthetic.emphasis_csv(seed))
    table = read_interview_emphasis(path)  # the project's own reader accepts it
    assert len(table) == 16
    assert table["interviewee_id"].str.startswith("SYNTHETIC-").all()
    t1, t2, t3 = table["theme_1"], table["theme_2"], table["theme_3"]
    alike = (t1 == t2) & (t2 == t3)
    one_and_three = (t1 == t3) & (t2 < t1) & ~alike
    first_second_third = (t1 > t2) & (t2 > t3)
    assert alike.sum() == 4
    assert one_and_three.sum() == 1
    assert first_second_third.sum() == 11 > len(table) / 2  # the majority
    assert (first_second_third | alike | one_and_three).all()
    # Overall, theme 1 is emphasised most, then theme 2, then theme 3.
    shares = emphasis_shares(table)
    assert shares["theme_1"].mean() > shares["theme_2"].mean() > shares["theme_3"].mean()
    assert programme_theories.patterns(table)["all_alike"] == 4


def test_synthetic_emphasis_is_deterministic_and_seeded():
    assert synthetic.emphasis_csv(1) == synthetic.emphasis_csv(1)
    assert synthetic.emphasis_csv(1) != synthetic.emphasis_csv(2)
    assert SAMPLE_PATHS["interview-emphasis"] == "interviews/2019/emphasis.csv"
