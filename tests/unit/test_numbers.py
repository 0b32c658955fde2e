"""Formatting of the chapters' numbers and the _variables.yml they are read from."""

import json

import yaml

from pcnreport.report import numbers


def test_formatting_as_the_report_prints():
    assert numbers.count(1250) == "1,250"
    assert numbers.rounded(48_213, 100) == "48,200"
    assert numbers.rounded(31_150, 100) == "31,200"  # half rounds up, not to even
    assert numbers.decimal(5.4056, 1) == "5.4"
    assert numbers.decimal(float("nan"), 1) == "-"
    assert numbers.percent(0.5808) == "58%"
    assert numbers.percent(0.0672) == "7%"


def test_variables_merge_each_notebook_under_its_key(tmp_path):
    numbers.write_numbers(tmp_path / "numbers" / "pcn_size.json", {"pcns": 3}, {"pcns": "3"})
    merged = numbers.collect_variables(tmp_path / "numbers", {"data": {"release": "x"}})
    assert merged == {"data": {"release": "x"}, "pcn_size": {"pcns": "3"}}
    numbers.write_variables(tmp_path / "_variables.yml", merged)
    assert yaml.safe_load((tmp_path / "_variables.yml").read_text()) == merged
    raw = json.loads((tmp_path / "numbers" / "pcn_size.json").read_text())
    assert raw["raw"] == {"pcns": 3}
