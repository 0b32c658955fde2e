"""The analysis functions against small cases computed by hand."""

import math

import pandas as pd
import pytest

from pcnreport.analysis import measures


def test_describe_hand_computed():
    # Values 1..10: mean 5.5; type-7 percentiles: P10 = 1 + 0.9 * (2 - 1) = 1.9, P90 = 9.1, median 5.5.
    dist = measures.describe(pd.Series(range(1, 11)))
    assert dist.n == 10
    assert dist.mean == pytest.approx(5.5)
    assert dist.median == pytest.approx(5.5)
    assert dist.p10 == pytest.approx(1.9)
    assert dist.p90 == pytest.approx(9.1)
    assert dist.decile_ratio == pytest.approx(9.1 / 1.9)
    assert (dist.minimum, dist.maximum) == (1, 10)


def test_describe_ignores_missing_and_rejects_empty():
    assert measures.describe(pd.Series([2.0, None, 4.0])).mean == pytest.approx(3.0)
    with pytest.raises(ValueError):
        measures.describe(pd.Series([], dtype=float))


def test_decile_ratio_undefined_when_p10_is_zero():
    assert math.isnan(measures.describe(pd.Series([0] * 9 + [5])).decile_ratio)


def _spread(p10: float, median: float, p90: float) -> measures.Distribution:
    return measures.Distribution(n=100, mean=median, median=median, p10=p10, p90=p90, minimum=0, maximum=p90)


def test_decile_ratio_suppressed_when_p10_is_under_a_fifth_of_the_median():
    # The synthetic sample's rural share: P10 0.1 against a median of 6.6 would print 559, not a spread.
    assert math.isnan(_spread(0.1, 6.6, 55.9).decile_ratio)
    # Just under the threshold (1.99 < 0.2 * 10) and exactly at it (2.0): suppressed, then printed.
    assert math.isnan(_spread(1.99, 10, 30).decile_ratio)
    assert _spread(2.0, 10, 30).decile_ratio == pytest.approx(15.0)
    # The interim report's rows: cardiovascular disease (P10 0.8, median 1.1) keeps its ratio; the
    # affluent share (P10 0.3, median 12.3) is "-".
    assert _spread(0.8, 1.1, 1.5).decile_ratio == pytest.approx(1.875)
    assert math.isnan(_spread(0.3, 12.3, 50.3).decile_ratio)


def test_pcn_sizes_sums_list_sizes_and_counts_gaps():
    members = pd.DataFrame(
        {"practice_code": ["A1", "A2", "A3", "B1"], "pcn_code": ["U2", "U2", "U2", "U1"]}
    )
    list_sizes = pd.DataFrame({"practice_code": ["A1", "A2", "B1", "Z9"], "list_size": [10, 20, 5, 99]})
    sizes = measures.pcn_sizes(members, list_sizes).set_index("pcn_code")
    assert sizes.loc["U2", "practices"] == 3
    assert sizes.loc["U2", "population"] == 30  # A3 has no list size: counted, adds nothing
    assert sizes.loc["U2", "practices_without_list_size"] == 1
    assert sizes.loc["U1"].tolist() == [1, 5, 0]
    assert "Z9" not in set(members["practice_code"])  # a practice outside every PCN is ignored


def test_size_bands_include_both_ends_of_the_range():
    population = pd.Series([29_999, 30_000, 40_000, 50_000, 50_001, 80_000])
    bands = measures.size_bands(population)
    assert (bands.under, bands.within, bands.over) == (1, 3, 2)
    assert bands.total == 6
    assert bands.share("within") == pytest.approx(0.5)
    assert measures.size_band(population).tolist() == ["under", "within", "within", "within", "over", "over"]


def test_practice_count_extremes():
    practices = pd.Series([1, 1, 2, 3, 4, 5, 6, 10, 11, 12])
    ext = measures.practice_count_extremes(practices)
    assert ext.single_practice == 2
    assert ext.ten_or_more == 3
    assert ext.more_than_ten == 2
    # P10 of these ten values is 1 (1 + 0.9 * 0); P90 is 11 + 0.1 * (12 - 11) = 11.1.
    assert ext.at_most_p10 == 2
    assert ext.at_least_p90 == 1


def test_shares_and_correlation():
    values = pd.Series([10, 20, 30, 40])
    assert measures.share_below(values, 20) == 0.25
    assert measures.share_above(values, 20) == 0.5
    assert measures.correlation(pd.Series([1, 2, 3]), pd.Series([2, 4, 6])) == pytest.approx(1.0)


def test_patient_coverage_of_a_by_lsoa_file():
    members = pd.DataFrame({"practice_code": ["A1", "A2"], "pcn_code": ["U1", "U1"]})
    lists = pd.DataFrame({"practice_code": ["A1", "A2", "Z9"], "list_size": [100, 300, 1000]})
    # A regional cut: all of A1's patients, a quarter of A2's; Z9 is in no PCN and is ignored.
    lsoa = pd.DataFrame({"practice_code": ["A1", "A1", "A2", "Z9"], "lsoa_code": ["L1", "L2", "L1", "L1"],
                         "patients": [60, 40, 75, 1000]})
    assert measures.patient_coverage(members, lsoa, lists) == pytest.approx(175 / 400)
