"""How the report says where the area profiles' geography came from, and the profiles' numbers for the text.

The profiles place each practice with the newer of QOF's practice mapping and the registrations' monthly
one (`data.commissioner_link`). So their words follow the source: "sub-ICB locations of the QOF 2023/24
practice mapping" (`commissioner_words`, as chapter 6 dates its commissioners) or "of the practice
mapping of January 2023" when the monthly one gave the link. `write_summary` writes the section
`area_profiles` of the variables (counts, the areas' words, the link's source), which Appendix B prints.
"""

from __future__ import annotations

from pathlib import Path

from pcnreport.report.commissioner_words import LEVELS, link_dataset, link_source, link_vintage
from pcnreport.report.numbers import count, write_numbers
from pcnreport.report.outputs import numbers_path

SECTION = "area_profiles"


def summary(area_types: list[str], releases: dict[str, str]) -> tuple[dict, dict]:
    """(raw, text) numbers of the profiles: how many areas of each type, and the words Appendix B prints."""
    regions = area_types.count("region")
    icbs = area_types.count("icb")
    level = next((t for t in area_types if t not in ("region", "icb")), "ccg")
    commissioners = len(area_types) - regions - icbs
    words = LEVELS[level]
    areas = "NHS England region, each Integrated Care Board and each " if icbs else "NHS England region and each "
    listed = f"region, ICB and {words.name}" if icbs else f"region and {words.name}"
    raw = {"regions": regions, "icbs": icbs, "commissioners": commissioners, "level": level,
           "link_dataset": link_dataset(releases), "releases": releases}
    text = {
        "regions": count(regions), "icbs": count(icbs), "commissioners": count(commissioners),
        "level_name": words.name, "level_plural": words.plural,
        "areas": f"{areas}{words.name} {link_vintage(level, releases)}",  # after "once for each"
        "listed": listed,  # after "list every"
        "link_source": link_source(releases),
        "releases": releases,
    }
    return raw, text


def write_summary(output_dir: Path, area_types: list[str], releases: dict[str, str]) -> Path:
    raw, text = summary(area_types, releases)
    return write_numbers(numbers_path(output_dir, SECTION), raw, text)
