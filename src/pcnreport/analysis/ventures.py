"""Chapter 6, section 6.2 and Table 6.4: PCNs against the practices' pre-existing ventures.

The ventures are GP federations and super-practices (or super-partnerships) from the research data
of Forbes et al. (2019): one row a practice and venture (`read_federations`). They are not public
data, so nothing computed from them at practice level is published: the download beside Table 6.4
holds the summary only.

Table 6.4, "PCN core-member GP practices known working already together through the same GP
federation". For each core partner practice of a PCN (the ePCN membership):

- its *partners* are the other core partner practices of its PCN (the practice itself excluded);
- a partner is *in the same federation* when the two practices share at least one venture of type
  "federation" (a practice may belong to several ventures); super-practices do not count here, they
  are Table 6.4's companion measure below;
- its *share* is partners in the same federation / partners, and its category:
  "All" (share 1), "50-99%" (at least 1/2, below 1), "30-50%" (at least 3/10, below 1/2),
  "Below 30%" (below 3/10, including 0: in a federation none of its partners belongs to),
  "None in existing federations" (the practice is in no federation), and, for a practice in a
  federation but alone in its PCN (no partners, so no share), "Single-practice PCN". The report's
  bands meet at 50%; a lower bound belongs to its band. Comparisons are exact (integers), so 3 of
  10 partners is 30-50% and never falls to "Below 30%" through rounding.

The practice is excluded from its own share because the table is about practices *working
together*: with the practice counted, a federated practice whose only partner is in no federation
would score 1 of 2 = 50% and read as half "working already together", with nobody.
`include_self=True` gives the other reading (share of the whole PCN in the practice's federation;
a single-practice PCN is then "All"), kept for comparison.

Super-practice configurations of PCNs (the text before Table 6.4): for each PCN, the number of
distinct super-practices (ventures of type "super-practice") its core partners belong to, and its
*small partners* (core partners in no super-practice): "Stand-alone super-practice" (one
super-practice, no other practice), "One super-practice and small partners", "Two super-practices"
and "Three or more super-practices" (with or without small partners), or "No super-practice".

This module is the computation; `report.sections.ventures` prints Table 6.4, formats the
chapter's numbers and writes the notice that stands in when the research data were not supplied.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

ALL, HALF, THIRTY, BELOW, SINGLE, NONE = (
    "All",
    "50-99%",
    "30-50%",
    "Below 30%",
    "Single-practice PCN",
    "None in existing federations",
)
CATEGORIES = (ALL, HALF, THIRTY, BELOW, SINGLE, NONE)

STAND_ALONE, ONE_PLUS, TWO, THREE_PLUS, NO_SUPER = (
    "Stand-alone super-practice",
    "One super-practice and small partners",
    "Two super-practices",
    "Three or more super-practices",
    "No super-practice",
)
CONFIGURATIONS = (STAND_ALONE, ONE_PLUS, TWO, THREE_PLUS, NO_SUPER)


def _category(in_federation: bool, same: int, partners: int) -> str:
    if not in_federation:
        return NONE
    if partners == 0:
        return SINGLE
    if same == partners:
        return ALL
    if 2 * same >= partners:
        return HALF
    if 10 * same >= 3 * partners:
        return THIRTY
    return BELOW


def federation_overlap(
    members: pd.DataFrame,
    federations: pd.DataFrame,
    *,
    include_self: bool = False,
    venture_types: tuple[str, ...] = ("federation",),
) -> pd.DataFrame:
    """One row a PCN core partner practice: how many of its PCN partners share a federation with it.

    `members` has practice_code and pcn_code (one row a practice); `federations` practice_code,
    venture_id and venture_type (one row a practice and venture). Returns practice_code, pcn_code,
    federations (the practice's venture ids, ';'-joined), in_federation, partners,
    partners_same_federation, share (NaN without partners) and category (see the module's docstring).
    With `include_self`, the practice counts among both its partners and those in its federation.
    """
    members = members[["practice_code", "pcn_code"]].drop_duplicates()
    ventures = federations[federations["venture_type"].isin(venture_types)][["practice_code", "venture_id"]]
    ventures = ventures.drop_duplicates()
    in_pcns = members.merge(ventures, on="practice_code", how="inner")
    # Pairs of different practices of the same PCN in the same venture; a pair sharing two ventures
    # is one partner, hence the unique count.
    pairs = in_pcns.merge(in_pcns, on=["pcn_code", "venture_id"], suffixes=("", "_partner"))
    pairs = pairs[pairs["practice_code"] != pairs["practice_code_partner"]]
    same = pairs.groupby("practice_code")["practice_code_partner"].nunique()

    result = members.copy()
    ids: dict[str, list[str]] = {}
    for practice, venture in sorted(zip(ventures["practice_code"], ventures["venture_id"].astype(str))):
        ids.setdefault(practice, []).append(venture)
    result["federations"] = [";".join(ids.get(p, [])) for p in result["practice_code"]]
    result["in_federation"] = result["practice_code"].isin(ventures["practice_code"])
    result["partners"] = result.groupby("pcn_code")["practice_code"].transform("size").astype("int64") - 1
    result["partners_same_federation"] = result["practice_code"].map(same).fillna(0).astype("int64")
    if include_self:
        result["partners"] += 1
        result["partners_same_federation"] += result["in_federation"].astype("int64")
    result["share"] = result["partners_same_federation"] / result["partners"].where(result["partners"] > 0)
    result["category"] = [
        _category(f, s, p)
        for f, s, p in zip(result["in_federation"], result["partners_same_federation"], result["partners"])
    ]
    return result.sort_values(["pcn_code", "practice_code"]).reset_index(drop=True)


def overlap_summary(overlap: pd.DataFrame) -> pd.DataFrame:
    """Table 6.4's data: category, practices, share (fraction of all core partner practices)."""
    counts = overlap["category"].value_counts().reindex(list(CATEGORIES), fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "category": list(CATEGORIES),
            "practices": counts.astype("int64").to_list(),
            "share": [c / total if total else float("nan") for c in counts],
        }
    )


def super_practice_configurations(members: pd.DataFrame, federations: pd.DataFrame) -> pd.DataFrame:
    """One row a PCN: pcn_code, practices, super_practices, small_partners, configuration.

    A super-practice spanning two PCNs counts in both.
    """
    members = members[["practice_code", "pcn_code"]].drop_duplicates()
    supers = federations[federations["venture_type"] == "super-practice"][["practice_code", "venture_id"]]
    joined = members.merge(supers.drop_duplicates(), on="practice_code", how="left")
    grouped = joined.groupby("pcn_code")
    table = pd.DataFrame(
        {
            "practices": members.groupby("pcn_code")["practice_code"].nunique(),
            "super_practices": grouped["venture_id"].nunique(),
            "small_partners": members.assign(small=~members["practice_code"].isin(supers["practice_code"]))
            .groupby("pcn_code")["small"]
            .sum(),
        }
    ).astype("int64")

    def configuration(n_super: int, small: int) -> str:
        if n_super == 0:
            return NO_SUPER
        if n_super == 1:
            return STAND_ALONE if small == 0 else ONE_PLUS
        return TWO if n_super == 2 else THREE_PLUS

    table["configuration"] = [configuration(n, s) for n, s in zip(table["super_practices"], table["small_partners"])]
    return table.rename_axis("pcn_code").reset_index()


@dataclass(frozen=True)
class VentureResults:
    overlap: pd.DataFrame          # one row a core partner practice (federation_overlap)
    summary: pd.DataFrame          # Table 6.4 (overlap_summary)
    summary_with_self: pd.DataFrame  # the same with the practice counted in its own share
    configurations: pd.DataFrame   # one row a PCN (super_practice_configurations)
    federations: int               # distinct federations with at least one PCN core partner
    super_practices: int           # distinct super-practices with at least one PCN core partner
    ventured_practices_not_in_pcn: int  # practices of the research data that are no PCN's core partner


def venture_results(members: pd.DataFrame, federations: pd.DataFrame) -> VentureResults:
    overlap = federation_overlap(members, federations)
    in_pcn = federations[federations["practice_code"].isin(members["practice_code"])]
    return VentureResults(
        overlap=overlap,
        summary=overlap_summary(overlap),
        summary_with_self=overlap_summary(federation_overlap(members, federations, include_self=True)),
        configurations=super_practice_configurations(members, federations),
        federations=int(in_pcn.loc[in_pcn["venture_type"] == "federation", "venture_id"].nunique()),
        super_practices=int(in_pcn.loc[in_pcn["venture_type"] == "super-practice", "venture_id"].nunique()),
        ventured_practices_not_in_pcn=int(
            federations.loc[~federations["practice_code"].isin(members["practice_code"]), "practice_code"].nunique()
        ),
    )


def _configuration_counts(results: VentureResults) -> dict[str, int]:
    counts = results.configurations["configuration"].value_counts()
    return {name: int(counts.get(name, 0)) for name in CONFIGURATIONS}


_KEYS = {ALL: "all", HALF: "half_to_99", THIRTY: "thirty_to_50", BELOW: "below_30", SINGLE: "single_practice_pcn", NONE: "none"}
_CONFIG_KEYS = {STAND_ALONE: "stand_alone", ONE_PLUS: "one_plus_small", TWO: "two", THREE_PLUS: "three_or_more", NO_SUPER: "none"}


def _together(summary: pd.DataFrame) -> float:
    """Share of practices whose PCN partners are at least half in their federation (All + 50-99%)."""
    rows = summary.set_index("category")
    return float(rows.loc[[ALL, HALF], "share"].sum())


def raw_numbers(results: VentureResults) -> dict:
    def by_key(summary: pd.DataFrame) -> dict:
        return {
            _KEYS[c]: {"practices": int(n), "share": float(s)}
            for c, n, s in summary[["category", "practices", "share"]].itertuples(index=False)
        }

    configurations = _configuration_counts(results)
    return {
        "practices": len(results.overlap),
        "pcns": len(results.configurations),
        "categories": by_key(results.summary),
        "together_share": _together(results.summary),
        "categories_with_self": by_key(results.summary_with_self),
        "configurations": {_CONFIG_KEYS[c]: n for c, n in configurations.items()},
        "pcns_with_super_practice": sum(n for c, n in configurations.items() if c != NO_SUPER),
        "federations": results.federations,
        "super_practices": results.super_practices,
        "ventured_practices_not_in_pcn": results.ventured_practices_not_in_pcn,
    }
