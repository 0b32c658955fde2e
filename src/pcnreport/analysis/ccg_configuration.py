"""Chapter 6, Table 6.3: how the PCNs of each commissioner are configured.

The commissioner is the level the practice mapping has: a Clinical Commissioning Group (CCG) in releases
to 2021/22, a sub-ICB location from 2022/23 (`CcgConfiguration.level`, from the reader). The names below
say "CCG" for either; what the report prints follows the level (`report.sections.ccg_configuration`).

Each PCN is assigned to one CCG: the CCG (of the practice-to-CCG mapping given, April 2020 in the
interim report) that holds most of its member practices' registered patients; ties are broken as
`measures.majority_ccg` documents and counted. Per CCG: its number of PCNs, the share of them in the
recommended size range, the shares of its PCNs' population and practices in its largest PCN, and the
ratio of its largest to its smallest PCN's population (CCGs with two PCNs or more). Each is summarised
across CCGs as the report does (mean, P10, median, P90, decile ratio), with the counts its text gives.

This module is the computation; `report.sections.ccg_configuration` prints Table 6.3 and
formats the chapter's numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from pcnreport.analysis import measures

__all__ = ["CCG_MEASURES", "CcgConfiguration", "ccg_configuration", "raw_numbers"]


@dataclass(frozen=True)
class CcgMeasure:
    key: str    # column of the per-CCG table
    # row label of Table 6.3; {level} and {levels} are the commissioner level's name and plural
    label: str


CCG_MEASURES = (
    CcgMeasure("pcns", "Number of Primary Care Networks"),
    CcgMeasure("pct_in_range", "Primary Care Networks in target population size range (%)"),
    CcgMeasure("pct_population_in_largest", "Percentage of {level} population in {level}'s largest PCN"),
    CcgMeasure("pct_practices_in_largest", "Percentage of {level} practices in {level}'s largest PCN"),
    CcgMeasure(
        "largest_to_smallest",
        "Ratio of largest to smallest PCN population in the {level} ({levels} with two PCNs or more)",
    ),
)

CCG_LEVEL, SUB_ICB_LEVEL = "ccg", "sub-icb"  # as the readers name them (`readers._headers`)


@dataclass(frozen=True)
class CcgConfiguration:
    assignment: pd.DataFrame  # one row a PCN: pcn_code, ccg_code, ccg_patient_share, ccgs, tied, practices, population
    ccgs: pd.DataFrame  # one row a CCG: measures.ccg_pcn_configuration's columns (+ ccg_name when known)
    distributions: dict[str, measures.Distribution]
    ccg_count: int  # CCGs with at least one PCN
    one_pcn: int  # CCGs with a single PCN
    two_or_more: int  # CCGs with two PCNs or more (those the ratio covers)
    all_in_range: int  # CCGs all of whose PCNs are in the range
    none_in_range: int  # CCGs none of whose PCNs is
    max_pcns: int  # the most PCNs in one CCG
    ties: int  # PCNs whose patients split equally between their two largest CCGs
    split_pcns: int  # PCNs whose practices span more than one CCG
    pcns_without_ccg: int  # PCNs none of whose practices is in the mapping (left out)
    level: str = CCG_LEVEL  # what the mapping's commissioners are: "ccg" or "sub-icb"


def ccg_configuration(
    members: pd.DataFrame,
    list_sizes: pd.DataFrame,
    practice_ccg: pd.DataFrame,
    bounds: tuple[int, int] = measures.RECOMMENDED_RANGE,
    level: str | None = None,
) -> CcgConfiguration:
    """Table 6.3 from membership, list sizes and a practice-to-CCG mapping (readers' tidy tables).

    `members`: practice_code, pcn_code (ePCN); `list_sizes`: practice_code, list_size;
    `practice_ccg`: practice_code, ccg_code and optionally ccg_name (read_practice_ccg).
    `level`: what ccg_code holds, "ccg" or "sub-icb"; by default the mapping's own
    `attrs["commissioner_level"]` (read_practice_ccg sets it), else "ccg".
    """
    level = level or practice_ccg.attrs.get("commissioner_level", CCG_LEVEL)
    if level not in (CCG_LEVEL, SUB_ICB_LEVEL):
        raise ValueError(f"commissioner level {level!r}: expected {CCG_LEVEL!r} or {SUB_ICB_LEVEL!r}")
    assignment = measures.majority_ccg(members, list_sizes, practice_ccg)
    sizes = measures.pcn_sizes(members, list_sizes)[["pcn_code", "practices", "population"]]
    assignment = assignment.merge(sizes, on="pcn_code", how="left")
    ccgs = measures.ccg_pcn_configuration(assignment, bounds)
    if "ccg_name" in practice_ccg:
        names = practice_ccg.dropna(subset=["ccg_code"]).drop_duplicates("ccg_code").set_index("ccg_code")["ccg_name"]
        ccgs.insert(1, "ccg_name", ccgs["ccg_code"].map(names))
    distributions = {m.key: measures.describe(ccgs[m.key]) for m in CCG_MEASURES if ccgs[m.key].notna().any()}
    return CcgConfiguration(
        assignment=assignment,
        ccgs=ccgs,
        distributions=distributions,
        ccg_count=len(ccgs),
        one_pcn=int((ccgs["pcns"] == 1).sum()),
        two_or_more=int((ccgs["pcns"] >= 2).sum()),
        all_in_range=int((ccgs["pcns_in_range"] == ccgs["pcns"]).sum()),
        none_in_range=int((ccgs["pcns_in_range"] == 0).sum()),
        max_pcns=int(ccgs["pcns"].max()),
        ties=int(assignment["tied"].sum()),
        split_pcns=int((assignment["ccgs"] > 1).sum()),
        pcns_without_ccg=int(assignment["ccg_code"].isna().sum()),
        level=level,
    )


def raw_numbers(config: CcgConfiguration) -> dict:
    """Every statistic unformatted, for tests and for comparing builds."""
    return {
        "measures": {k: {**asdict(d), "decile_ratio": d.decile_ratio} for k, d in config.distributions.items()},
        **{
            key: getattr(config, key)
            for key in ("ccg_count", "one_pcn", "two_or_more", "all_in_range", "none_in_range", "max_pcns",
                        "ties", "split_pcns", "pcns_without_ccg")
        },
        "pcns": int(config.ccgs["pcns"].sum()),
    }
