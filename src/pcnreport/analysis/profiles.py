"""Area profiles: for each NHS region and each commissioner, its PCNs and its population against England.

Areas come from the practice-to-geography mapping (QOF 2019-20: practice -> CCG -> region). The
commissioner is the level the mapping has: the CCG (area type "ccg") to 2021/22, the sub-ICB location
(area type "sub-icb") from 2022/23; the names below say "CCG" for either. A PCN
belongs to the CCG holding most of its member practices' registered patients (`measures.majority_ccg`,
as Table 6.3 assigns them) and to that CCG's region, so every PCN sits in exactly one CCG and one
region and the areas' PCNs add up to England's. In the sub-ICB era the Integrated Care Boards are
areas too (type "icb"): a PCN belongs to the ICB of its sub-ICB location, and an ICB's profile lists its
sub-ICB locations as a region's lists its commissioners. The CCG era's STPs get no profiles.

Nothing here re-derives a measure: the population characteristics are `population_profile.pcn_profile`
computed twice, once per PCN and once with each member practice relabelled by the areas it lies in
(its PCN's region, its PCN's CCG, England). Because every measure is a ratio of sums over member
practices, the second call gives each area's value over exactly the practices of its PCNs.

`national` does the heavy part once; `area_profile` then cuts one area out of it in milliseconds.
`area_records` writes each area's cut to its own file, which is all its profile run reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pcnreport.analysis import measures, population_profile
from pcnreport.core.errors import DataFormatError
from pcnreport.data import commissioner_link

AREA_TYPES = {
    "region": "NHS region", "icb": "Integrated Care Board", "ccg": "Clinical Commissioning Group",
    "sub-icb": "Sub-ICB location",
}
COMMISSIONER_TYPES = ("ccg", "sub-icb")  # the commissioner levels, named as the readers name them
ENGLAND = "england"  # the group label of the whole country in `National.areas`


@dataclass(frozen=True)
class Area:
    type: str  # "region", "icb", or the commissioner level: "ccg" or "sub-icb"
    code: str  # ODS code: Y56, 00L
    name: str  # as the publisher writes it

    @property
    def slug(self) -> str:
        """The area's file and page name: region-Y56, ccg-00L."""
        return f"{self.type}-{self.code}"

    @property
    def group(self) -> str:
        """Its label in `National.areas`."""
        return f"{self.type}:{self.code}"

    @property
    def title(self) -> str:
        return display_name(self.name)


# Words the publisher writes in capitals that are acronyms, not shouting.
_ACRONYMS = {"NHS", "CCG", "CCGS", "PCN", "STP", "ICS", "ICB", "UK", "II", "III"}


def display_name(name: str) -> str:
    """'NHS BRISTOL, NORTH SOMERSET AND SOUTH GLOUCESTERSHIRE CCG' -> 'NHS Bristol, North Somerset and
    South Gloucestershire CCG'. Names already in mixed case are left as they are."""
    if name != name.upper():
        return name
    words = []
    for i, word in enumerate(name.split()):
        bare = word.strip(",.()&'-")
        # A code keeps its capitals: a sub-ICB location's name ends with its ODS code ('ICB - 16C').
        if bare in _ACRONYMS or any(ch.isdigit() for ch in bare):
            words.append(word)
        elif bare.lower() in {"and", "of", "the", "on", "upon", "in"} and i > 0:
            words.append(word.lower())
        else:
            words.append("-".join(part.capitalize() for part in word.split("-")))
    return " ".join(words)


def commissioner_level(practice_ccg: pd.DataFrame) -> str:
    """What the mapping's ccg_* columns hold, as read_practice_ccg records it ("ccg" when not recorded)."""
    level = practice_ccg.attrs.get("commissioner_level", "ccg")
    if level not in COMMISSIONER_TYPES:
        raise ValueError(f"commissioner level {level!r}: expected one of {', '.join(COMMISSIONER_TYPES)}")
    return level


def areas_from_mapping(practice_ccg: pd.DataFrame) -> list[Area]:
    """Every region, then (sub-ICB era) every ICB, then every commissioner (CCG or sub-ICB location, as the
    mapping has), of the mapping (read_practice_ccg's table), each sorted by code."""
    level = commissioner_level(practice_ccg)
    regions = practice_ccg.drop_duplicates("region_code").sort_values("region_code")
    ccgs = practice_ccg.drop_duplicates("ccg_code").sort_values("ccg_code")
    icbs = _icb_rows(practice_ccg).drop_duplicates("icb_code").sort_values("icb_code")
    return (
        [Area("region", r.region_code, r.region_name) for r in regions.itertuples()]
        + [Area("icb", i.icb_code, i.icb_name if isinstance(i.icb_name, str) else i.icb_code) for i in icbs.itertuples()]
        + [Area(level, c.ccg_code, c.ccg_name) for c in ccgs.itertuples()]
    )


def _icb_rows(practice_ccg: pd.DataFrame) -> pd.DataFrame:
    """The mapping's rows that name an ICB, in the sub-ICB era only: a CCG-era file has STPs, not ICBs,
    and a sub-ICB-era file without ICB columns (they are optional) gives no ICB areas."""
    if commissioner_level(practice_ccg) != "sub-icb" or "icb_code" not in practice_ccg:
        return practice_ccg.iloc[0:0].assign(icb_code=pd.Series(dtype=object), icb_name=pd.Series(dtype=object))
    return practice_ccg[practice_ccg["icb_code"].notna()]


def _source(practice_ccg: pd.DataFrame, source: str | None) -> str:
    """The dataset an error names: the one given, else the mapping's own (`commissioner_link` records whether
    QOF's or the monthly registrations' mapping gave the link), else QOF's."""
    return source or practice_ccg.attrs.get("dataset", "practice-ccg")


def _one_parent(pairs: pd.DataFrame, child: str, parent: str, what: str, within: str, source: str) -> pd.Series:
    """`parent` indexed by `child`; a child the mapping puts under two parents is an error naming them."""
    pairs = pairs[[child, parent]].drop_duplicates()
    split = pairs[pairs[child].duplicated(keep=False)]
    if len(split):
        problems = [
            f"column {parent}: {what} {code} has practices in {within}s {', '.join(sorted(group[parent]))}; "
            f"expected every practice of a {what} in one {within}"
            for code, group in split.groupby(child)
        ]
        raise DataFormatError(source, problems)
    return pairs.set_index(child)[parent]


def ccg_icbs(practice_ccg: pd.DataFrame, source: str | None = None) -> pd.Series:
    """icb_code indexed by ccg_code (sub-ICB location) in the sub-ICB era; empty before. A sub-ICB location
    whose practices the mapping puts in two ICBs is an error."""
    what = {"ccg": "CCG", "sub-icb": "sub-ICB location"}[commissioner_level(practice_ccg)]
    return _one_parent(_icb_rows(practice_ccg), "ccg_code", "icb_code", what, "ICB", _source(practice_ccg, source))


def icb_regions(practice_ccg: pd.DataFrame, source: str | None = None) -> pd.Series:
    """region_code indexed by icb_code; an ICB whose practices lie in two regions is an error."""
    return _one_parent(_icb_rows(practice_ccg), "icb_code", "region_code", "ICB", "region", _source(practice_ccg, source))


def ccg_regions(practice_ccg: pd.DataFrame, source: str | None = None) -> pd.Series:
    """region_code indexed by ccg_code; a CCG whose practices the mapping puts in two regions is an error."""
    what = {"ccg": "CCG", "sub-icb": "sub-ICB location"}[commissioner_level(practice_ccg)]
    return _one_parent(practice_ccg, "ccg_code", "region_code", what, "region", _source(practice_ccg, source))


def pcn_areas(members: pd.DataFrame, list_sizes: pd.DataFrame, practice_ccg: pd.DataFrame) -> pd.DataFrame:
    """One row a PCN of `members`: pcn_code, ccg_code, region_code, icb_code (NA when no practice is in the
    mapping; icb_code NA throughout before the sub-ICB era)."""
    assignment = measures.majority_ccg(members, list_sizes, practice_ccg)[["pcn_code", "ccg_code"]]
    assignment["region_code"] = assignment["ccg_code"].map(ccg_regions(practice_ccg))
    assignment["icb_code"] = assignment["ccg_code"].map(ccg_icbs(practice_ccg)).astype(object)
    return assignment


@dataclass(frozen=True)
class National:
    """What every profile compares with, computed once for all areas."""

    pcns: pd.DataFrame  # one row a PCN: pcn_code, pcn_name, ccg_code, region_code, practices, population, size_band, measures...
    areas: pd.DataFrame  # indexed by Area.group and ENGLAND: practices, population, measures...
    distributions: dict[str, measures.Distribution]  # PCN measure (and "population", "practices") -> across England's PCNs
    measures: tuple[population_profile.Measure, ...]  # the characteristics computed, in the report's order
    area_list: tuple[Area, ...]
    ccg_region: dict[str, str]  # ccg_code -> region_code
    ccg_ons: dict[str, str] = field(default_factory=dict)  # ccg_code -> the CCG's ONS code (its boundary's key)
    commissioner_level: str = "ccg"  # the area type of the commissioners: "ccg" or "sub-icb"
    ccg_icb: dict[str, str] = field(default_factory=dict)  # sub-ICB location -> its ICB (empty before July 2022)
    icb_region: dict[str, str] = field(default_factory=dict)  # icb_code -> region_code
    icb_ons: dict[str, str] = field(default_factory=dict)  # icb_code -> the ICB's ONS code (its boundary's key)


def _area_of(national_results: National, area_type: str, code: str | None) -> Area | None:
    return next((a for a in national_results.area_list if a.type == area_type and a.code == code), None)


def region_of(national_results: National, area: Area) -> Area | None:
    """The region a CCG or ICB lies in (None for a region)."""
    if area.type == "region":
        return None
    lookup = national_results.icb_region if area.type == "icb" else national_results.ccg_region
    return _area_of(national_results, "region", lookup[area.code])


def icb_of(national_results: National, area: Area) -> Area | None:
    """The ICB a sub-ICB location lies in (None for any other area, or when the mapping names no ICB)."""
    if area.type not in COMMISSIONER_TYPES:
        return None
    return _area_of(national_results, "icb", national_results.ccg_icb.get(area.code))


def national(
    members: pd.DataFrame,
    list_sizes: pd.DataFrame,
    practice_ccg: pd.DataFrame,
    pcn_names: pd.DataFrame,
    **characteristics: pd.DataFrame | None,
) -> National:
    """Per-PCN and per-area sizes and characteristics.

    `characteristics` are `population_profile.pcn_profile`'s keyword inputs (ages, lsoa_patients, ruc,
    imd, qof, payments); `pcn_names` has pcn_code and pcn_name (the ePCN's PCN table).
    """
    level = commissioner_level(practice_ccg)
    assignment = pcn_areas(members, list_sizes, practice_ccg)
    per_pcn = population_profile.pcn_profile(members, list_sizes, **characteristics)
    pcns = (
        per_pcn.pcns.merge(assignment, on="pcn_code", how="left")
        .merge(pcn_names[["pcn_code", "pcn_name"]].drop_duplicates("pcn_code"), on="pcn_code", how="left")
    )
    # Each member practice once under each area it lies in: its PCN's region, ICB (sub-ICB era) and CCG,
    # and England.
    located = members[["practice_code", "pcn_code"]].merge(assignment, on="pcn_code", how="left")
    stacked = pd.concat(
        [
            _labelled(located, "region_code", "region:"),
            _labelled(located, "icb_code", "icb:"),
            _labelled(located, "ccg_code", f"{level}:"),
            located.assign(group=ENGLAND),
        ]
    )
    grouped = stacked[["practice_code", "group"]].rename(columns={"group": "pcn_code"})
    per_area = population_profile.pcn_profile(grouped, list_sizes, **characteristics).pcns.set_index("pcn_code")
    per_area.index.name = "group"
    distributions = dict(per_pcn.distributions)
    distributions["population"] = measures.describe(pcns["population"])
    distributions["practices"] = measures.describe(pcns["practices"])
    return National(
        pcns=pcns,
        areas=per_area,
        distributions=distributions,
        measures=per_pcn.measures,
        area_list=tuple(areas_from_mapping(practice_ccg)),
        ccg_region=ccg_regions(practice_ccg).to_dict(),
        ccg_ons=(practice_ccg.drop_duplicates("ccg_code").set_index("ccg_code")["ccg_ons_code"].to_dict()
                 if "ccg_ons_code" in practice_ccg else {}),
        commissioner_level=level,
        ccg_icb=ccg_icbs(practice_ccg).to_dict(),
        icb_region=icb_regions(practice_ccg).to_dict(),
        icb_ons=_icb_ons(practice_ccg),
    )


def _icb_ons(practice_ccg: pd.DataFrame) -> dict[str, str]:
    if "icb_ons_code" not in practice_ccg:
        return {}
    rows = _icb_rows(practice_ccg).dropna(subset=["icb_ons_code"]).drop_duplicates("icb_code")
    return dict(zip(rows["icb_code"], rows["icb_ons_code"]))


def _labelled(located: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    """The rows with a `column`, each labelled prefix + its code. (Labelled from the kept rows themselves:
    assigning a Series of the whole table to an empty frame would bring back every row, unlabelled.)"""
    kept = located.dropna(subset=[column])
    return kept.assign(group=prefix + kept[column].astype(str))


@dataclass(frozen=True)
class AreaProfile:
    area: Area
    pcns: pd.DataFrame  # the area's PCNs, largest first: pcn_code, pcn_name, ccg_code, practices, population, size_band
    bands: measures.SizeBands  # the area's PCNs under, within and over the recommended range
    england_bands: measures.SizeBands
    population: int  # registered patients of the area's PCNs' member practices
    practices: int
    england_population: int
    england_pcns: int
    population_distribution: measures.Distribution | None  # of the area's PCN populations (None: no PCNs)
    england_population_distribution: measures.Distribution
    characteristics: pd.DataFrame  # one row a measure: key, label, places, area, england, pcn_median, england_p10, england_median, england_p90
    ccgs: pd.DataFrame | None  # a region's or ICB's CCGs: ccg_code, ccg_name, pcns, population, pcns_in_range (None for a CCG)
    commissioner_type: str = "ccg"  # what `ccgs` (and a commissioner's own profile) are: "ccg" or "sub-icb"


def find_area(national_results: National, area_type: str, area_code: str) -> Area:
    if area_type not in AREA_TYPES:
        raise ValueError(f"area_type must be one of {', '.join(AREA_TYPES)}, not {area_type!r}")
    for area in national_results.area_list:
        if area.type == area_type and area.code == area_code:
            return area
    known = [a.code for a in national_results.area_list if a.type == area_type]
    raise ValueError(
        f"no {area_type} {area_code!r} in the practice mapping that gave the link (it has {len(known)}: {', '.join(known[:8])}"
        + (", ..." if len(known) > 8 else "") + ")"
    )


def area_profile(national_results: National, area_type: str, area_code: str) -> AreaProfile:
    """One area's profile, cut out of the national results."""
    area = find_area(national_results, area_type, area_code)
    all_pcns = national_results.pcns
    column = {"region": "region_code", "icb": "icb_code"}.get(area_type, "ccg_code")
    pcns = all_pcns[all_pcns[column] == area_code].sort_values(["population", "pcn_code"], ascending=[False, True])
    pcns = pcns.reset_index(drop=True)
    england = national_results.areas.loc[ENGLAND]
    has_pcns = len(pcns) > 0
    rows = []
    for m in national_results.measures:
        dist = national_results.distributions.get(m.key)
        value = national_results.areas[m.key].get(area.group) if has_pcns else None
        pcn_values = pcns[m.key].dropna() if m.key in pcns else pd.Series(dtype=float)
        rows.append({
            "key": m.key,
            "label": m.label,
            "places": m.places,
            "area": None if value is None or pd.isna(value) else float(value),
            "england": None if pd.isna(england[m.key]) else float(england[m.key]),
            "pcn_median": float(pcn_values.median()) if len(pcn_values) else None,
            "england_p10": dist.p10 if dist else None,
            "england_median": dist.median if dist else None,
            "england_p90": dist.p90 if dist else None,
        })
    ccgs = None
    if area_type in ("region", "icb"):  # its commissioners (an ICB: its sub-ICB locations)
        names = {a.code: a.name for a in national_results.area_list if a.type == national_results.commissioner_level}
        in_range = pcns.assign(in_range=pcns["size_band"] == "within")
        ccgs = (
            in_range.groupby("ccg_code")
            .agg(pcns=("pcn_code", "size"), population=("population", "sum"), pcns_in_range=("in_range", "sum"))
            .reset_index()
        )
        ccgs.insert(1, "ccg_name", ccgs["ccg_code"].map(names))
        ccgs = ccgs.astype({"pcns": "int64", "population": "int64", "pcns_in_range": "int64"})
    return AreaProfile(
        area=area,
        pcns=pcns,
        bands=measures.size_bands(pcns["population"]),
        england_bands=measures.size_bands(all_pcns["population"]),
        population=int(pcns["population"].sum()),
        practices=int(pcns["practices"].sum()),
        england_population=int(all_pcns["population"].sum()),
        england_pcns=len(all_pcns),
        population_distribution=measures.describe(pcns["population"]) if has_pcns else None,
        england_population_distribution=national_results.distributions["population"],
        characteristics=pd.DataFrame(rows),
        ccgs=ccgs,
        commissioner_type=national_results.commissioner_level,
    )


# --- reading the inputs ------------------------------------------------------------------------------

def national_from_inputs(inputs, population_source: str) -> National:
    """`national` from a `pcnreport.data.inputs.DataInputs` (each dataset located, so the run log names it).
    The practice -> commissioner link is the newer of QOF's and the registrations' mappings
    (`commissioner_link`)."""
    epcn = inputs.read("epcn")
    return national(
        epcn.members,
        inputs.list_sizes(population_source),
        commissioner_link.practice_commissioners(inputs).table,
        epcn.pcns,
        ages=inputs.read("registrations-age"),
        lsoa_patients=inputs.read("registrations-lsoa"),
        ruc=inputs.read("ruc"),
        imd=inputs.read("imd"),
        qof=inputs.read("qof-prevalence"),
        payments=inputs.read("payments"),
    )
