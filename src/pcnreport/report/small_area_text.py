"""Appendix B's paragraph on small areas, written from what the build did (never fixed text): which LSOA
vintage the shares used, which tables were carried to it from the other vintage and how, and where the
registrations by LSOA place their patients (England, the other nations, no area at all).

`record` is `PopulationProfile.small_areas` (`analysis.population_profile.small_area_record`).
"""

from __future__ import annotations

from pcnreport.report.numbers import count

DATASET_NAMES = {
    "registrations-lsoa": "the registrations by LSOA",
    "ruc": "the Rural-Urban Classification",
    "lsoa-msoa": "the LSOA to MSOA lookup",
}
# ONS's change indicators (S, M, X) as the text names them; from the source LSOA's side.
CHANGED = {"split": "split between the censuses", "merged": "merged between the censuses", "irregular": "changed irregularly"}
INDEX = {"2011": "the English Indices of Deprivation 2019", "2021": "the English Indices of Deprivation 2025"}


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _carried(name: str, conversion: dict) -> str:
    what = DATASET_NAMES.get(name, name)
    if "by_change" in conversion:  # patient counts
        changed = {k: v for k, v in conversion["by_change"].items() if k != "unchanged" and v}
        detail = (
            f"; {count(conversion['shared_out'])} patients lived in an LSOA that became several (or changed "
            "irregularly) and were shared equally among its parts" if conversion["shared_out"] else ""
        )
        moved = _joined([f"{count(v)} in LSOAs {CHANGED[k]}" for k, v in changed.items()]) if changed else "none in a changed LSOA"
        return (
            f"{what} were coded by {conversion['from']} LSOAs and were carried to {conversion['to']} LSOAs with the "
            f"Office for National Statistics' LSOA 2011 to 2021 lookup ({count(conversion['patients'])} patients, "
            f"{moved}{detail})"
        )
    return (
        f"{what} was of {conversion['from']} LSOAs and was carried to {conversion['to']} LSOAs with the same lookup, "
        f"each LSOA taking the class most of the LSOAs it overlaps have ({count(conversion['disagreeing'])} LSOAs "
        "overlapped areas of different classes)"
    )


def small_areas_note(record: dict) -> str:
    """One paragraph of plain text for Appendix B; '-' when the build used no small-area data."""
    vintage = record.get("vintage")
    if not vintage:
        return "-"
    text = (
        f"This build used the lower-layer super output areas (LSOAs) of the {vintage} census, those of "
        f"{INDEX.get(vintage, 'the deprivation index')}."
    )
    carried = record.get("carried") or {}
    if carried:
        sentences = [_carried(name, conversion) for name, conversion in carried.items()]
        text += " " + " ".join(s[0].upper() + s[1:] + "." for s in sentences)
        text += (
            " Patients are shared only where an LSOA became several: where several became one their patients are"
            " added, which is exact."
        )
    else:
        text += f" Every small-area table the build read was of {vintage} LSOAs, so none was converted."
    residence = record.get("residence")
    if residence:
        elsewhere = {nation: n for nation, n in residence["nations"].items() if n}
        unassigned = residence.get("unassigned") or {}
        parts = [f"{count(n)} lived in {nation}" for nation, n in elsewhere.items()]
        if unassigned:
            words = _joined([f"{count(n)} {word}" for word, n in unassigned.items()])
            parts.append(f"{count(sum(unassigned.values()))} had no small area (the publisher's codes: {words})")
        if parts:
            text += (
                f" Of the {count(residence['total'])} patients in the registrations by LSOA, {_joined(parts)}: they"
                " count towards each network's registered patients, but the rural and deprivation shares are of"
                " patients living in English LSOAs."
            )
        else:
            text += f" All {count(residence['total'])} patients in the registrations by LSOA lived in English LSOAs."
    return text


# The report's rural areas, as each edition of the Rural-Urban Classification names them (the split the
# reader makes: `readers.geography.RURAL_CODES`, `RURAL21_CODES`).
RURAL_CLASSES = {
    "2011": '"Rural town and fringe" or "Rural village and dispersed" (codes D1 to E2) of the 2011 classification',
    "2021": '"Larger rural" or "Smaller rural" (codes RLN1, RLF1, RSN1 and RSF1) of the 2021 classification, '
    "which like the 2011 one counts as rural the places outside towns and cities of 10,000 people or more",
}


def rural_classes(record: dict) -> str:
    return RURAL_CLASSES.get(record.get("ruc_classification") or "2011", RURAL_CLASSES["2011"])
