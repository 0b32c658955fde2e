"""How the report names a commissioner level and dates it, in one place for every section that does.

Chapter 6's Table 6.3 (`sections.ccg_configuration`), the area profiles (`area_links`, `profile_pages`)
all place a practice in its commissioner by the link `data.commissioner_link` chooses: QOF's practice
mapping, or the newer monthly one published with the registrations. Their words follow that choice
("the 106 CCGs of April 2021", "sub-ICB locations of the QOF 2023/24 practice mapping", "of the practice
mapping of January 2023"). Kept apart from the sections so that they depend on it and not on each other.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pcnreport.analysis.ccg_configuration import CCG_LEVEL, SUB_ICB_LEVEL
from pcnreport.data import commissioner_link
from pcnreport.report.sections.population_profile import qof_year


@dataclass(frozen=True)
class Level:
    """How the report names a commissioner level."""

    name: str  # in running text, after "the" or "a": "CCG", "sub-ICB location"
    plural: str
    long: str  # the first mention, spelt out
    column: str  # the prefix of the CSV download's code and name columns


LEVELS = {
    CCG_LEVEL: Level("CCG", "CCGs", "clinical commissioning group (CCG)", "ccg"),
    SUB_ICB_LEVEL: Level(
        "sub-ICB location",
        "sub-ICB locations",
        "sub-ICB location (a local part of an integrated care board, ICB)",
        "sub_icb",
    ),
}

# The bodies above the commissioners in the practice mapping: STPs above CCGs, ICBs above sub-ICB locations.
ABOVE = {CCG_LEVEL: ("STP", "STPs"), SUB_ICB_LEVEL: ("ICB", "ICBs")}


def level_names(level: str, singular: str = "commissioner", plural: str = "commissioners") -> tuple[str, str]:
    """(name, plural) of a level; the fallbacks for a level the data do not name."""
    words = LEVELS.get(level)
    return (words.name, words.plural) if words else (singular, plural)


def vintage(level: str, mapping_release: str | None) -> str:
    """When the commissioners are as of, as QOF's practice mapping's release gives it, to follow the level's
    plural ("CCGs of April 2020"). QOF's mapping of year YYYY-YY has the CCGs of the April that follows the
    year (2019-20: the 135 CCGs of April 2020; 2020-21: the 106 of April 2021). For sub-ICB locations the
    mapping's date is not established here, so the release is named instead of a month."""
    year = re.fullmatch(r"(\d{4})-(\d{2})", mapping_release or "")
    if year is None:
        return "of the practice mapping used"
    if level == CCG_LEVEL:
        return f"of April {int(year.group(1)) + 1}"
    # Written as the chapters write a QOF year (2023/24), so one page never spells it two ways.
    return f"of the QOF {qof_year(mapping_release)} practice mapping"


def link_dataset(releases: dict[str, str]) -> str:
    """The dataset that gave the practice -> commissioner link, from the releases a build read."""
    return commissioner_link.source_of(releases.get(commissioner_link.QOF_MAPPING, ""),
                                       releases.get(commissioner_link.MONTHLY_MAPPING))


def _monthly_month(releases: dict[str, str]) -> str:
    """'January 2023': the month of the monthly mapping that gave the link."""
    return dt.datetime.strptime(releases[commissioner_link.MONTHLY_MAPPING], "%Y-%m").strftime("%B %Y")


def link_vintage(level: str, releases: dict[str, str]) -> str:
    """'of April 2020', 'of the QOF 2023/24 practice mapping', or 'of the practice mapping of January 2023'."""
    if link_dataset(releases) == commissioner_link.MONTHLY_MAPPING:
        return f"of the practice mapping of {_monthly_month(releases)}"
    return vintage(level, releases.get(commissioner_link.QOF_MAPPING))


def link_source(releases: dict[str, str]) -> str:
    """The sentence's object saying which file gave the practice -> commissioner link."""
    if link_dataset(releases) == commissioner_link.MONTHLY_MAPPING:
        return (f"the practice mapping published with Patients Registered at a GP Practice ({_monthly_month(releases)}; dataset "
                "`registrations-map`), newer than the QOF practice mapping")
    return f"the QOF practice mapping ({releases.get(commissioner_link.QOF_MAPPING, 'release unknown')}; dataset `practice-ccg`)"
