"""A report section's outputs when its data are present, and an honest stand-in when they are not.

Two cases leave a section without data: research data the team has not supplied (federations), and
a dataset present only as a regional extract where the section needs national coverage (registrations
by LSOA). The section then writes `available: false` with the reason; the pipeline turns that into
the metadata the chapter's `when-meta` / `unless-meta` blocks test, so the chapter shows the reason
in place of the text, and every fragment the chapter includes is a short notice instead of a table.
"""

from __future__ import annotations

from pathlib import Path

from pcnreport.core.atomic import write_text_atomic
from pcnreport.report.numbers import write_numbers


def numbers_path(output_dir: Path, section: str) -> Path:
    """Where a section's numbers go: the pipeline merges every such file into _variables.yml."""
    return Path(output_dir) / "_generated" / "numbers" / f"{section}.json"


def figures_dir(output_dir: Path) -> Path:
    """Where figures, tables and their fragments go (chapters include them from here)."""
    return Path(output_dir) / "figures"


def unavailable_fragment(reason: str) -> str:
    return f"""::: {{.callout-note title="Not available in this build"}}
{reason}
:::
"""


def write_unavailable(
    output_dir: Path, section: str, fragments: tuple[str, ...], reason: str, releases: dict[str, str]
) -> None:
    """Record a section as unavailable: its numbers say why, and each fragment is a notice."""
    write_numbers(
        numbers_path(output_dir, section),
        {"available": False, "unavailable_reason": reason, "releases": releases},
        {"available": False, "unavailable_reason": reason, "releases": releases},
    )
    for name in fragments:
        write_text_atomic(figures_dir(output_dir) / f"{name}.md", unavailable_fragment(reason))


def availability_metadata(variables: dict) -> dict[str, bool]:
    """Quarto metadata from the sections' numbers: `ventures.available` -> `ventures-available`.

    Keys named `available` or ending in `_available` are collected, so a section can also mark part
    of itself (population_profile's `lsoa_available` -> `population-profile-lsoa-available`). A section
    that says nothing is available.
    """
    metadata = {}
    for section, numbers in variables.items():
        if not isinstance(numbers, dict):
            continue
        metadata[_meta_key(section, "available")] = bool(numbers.get("available", True))
        for key, value in numbers.items():
            if key.endswith("_available") and isinstance(value, bool):
                metadata[_meta_key(section, key)] = value
    return metadata


def _meta_key(section: str, key: str) -> str:
    return f"{section}-{key}".replace("_", "-")
