"""Each CCG profile's map: Figure 4.2's chart (`maps.ccg_service_chart`) drawn for that CCG.

A build draws 135 of these, on a few long-lived kernels (`pcnreport.build.kernels`). What all CCGs share is
computed once per kernel, in `MapBase` (`base_from_inputs`): registered residents by MSOA and PCN
(registrations by LSOA joined to MSOAs and PCNs), each CCG's MSOAs, and every boundary simplified for
the web. A profile run then only filters that and draws (`write_ccg_map`).

Profiles name CCGs by ODS code (00L, from the practice mapping); boundaries by ONS code (E38000050).
The mapping's `ccg_ons_code` links the two (`profiles.National.ccg_ons`, kept in each CCG's
`area_records` file).

The same map is drawn for each area of the sub-ICB era with the boundaries of its level (`LEVELS`): a
sub-ICB location's with the sub-ICB location boundaries (keyed by its ONS code, E38, as a CCG's), an
ICB's with the ICB boundaries (E54); a page never calls either a CCG. Without its level's boundaries an
area's page shows the notice below.

The map is website-only, like the rest of a CCG's profile. Where it cannot be drawn (no boundaries in
the data folder, a CCG without a boundary, no registered residents of the CCG's MSOAs in the
registrations by LSOA, as with a regional extract) the page shows a short notice in its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pcnreport.analysis import footprints, service_areas
from pcnreport.core.atomic import write_text_atomic
from pcnreport.report import figures, maps
from pcnreport.report.map_sections import map_labels
from pcnreport.report.outputs import unavailable_fragment

# What the maps read, besides the ePCN (which the profile reads anyway). Boundaries are optional.
DATASETS = ("registrations-lsoa", "lsoa-msoa", "boundaries-msoa", "boundaries-ccg")
# Area type -> (its boundaries' dataset, its name in the notices).
LEVELS = {
    "ccg": ("boundaries-ccg", "CCG"),
    "sub-icb": ("boundaries-sub-icb", "sub-ICB location"),
    "icb": ("boundaries-icb", "ICB"),
}


@dataclass(frozen=True)
class MapBase:
    """What every CCG's map draws from; `unavailable` says why no map can be drawn ("" when they can)."""

    unavailable: str
    residents: pd.DataFrame | None = None  # footprints.residents_by_msoa_and_pcn: msoa_code, pcn_code, residents
    msoa_boundaries: pd.DataFrame | None = None  # full geometries: label points and which areas touch
    ccg_boundaries: pd.DataFrame | None = None
    ccg_msoas: dict[str, list[str]] | None = None  # ONS code -> its MSOAs (service_areas.msoas_by_ccg)
    shapes: pd.Series | None = None  # MSOA and CCG geometries simplified for the web, by code
    pcn_names: pd.Series | None = None  # pcn_name by pcn_code
    level: str = "ccg"  # the area type whose boundaries `ccg_boundaries` holds (`LEVELS`)

    @property
    def word(self) -> str:
        return LEVELS[self.level][1]


def map_base(registrations: pd.DataFrame | None, lsoa_msoa: pd.DataFrame, epcn, msoa_boundaries: pd.DataFrame | None,
             ccg_boundaries: pd.DataFrame | None, level: str = "ccg") -> MapBase:
    """The shared part of every CCG's map (see the module); the arguments as `maps.ccg_service_map`'s.
    `level`: the area type of `ccg_boundaries` ("ccg", "sub-icb" or "icb"), which the notices name."""
    dataset, word = LEVELS[level]
    missing = [name for name, table in (("MSOA", msoa_boundaries), (word, ccg_boundaries)) if table is None]
    if missing:
        return MapBase(
            f"The {' and '.join(missing)} boundaries (ONS; catalogue datasets `boundaries-msoa`, `{dataset}`) "
            f"are not in this build's data folder, so this {word}'s map could not be drawn.", level=level,
        )
    if registrations is None:
        return MapBase(f"The registrations by LSOA are not in this build's data folder, so this {word}'s map could "
                       "not be drawn.", level=level)
    return MapBase(
        unavailable="",
        residents=footprints.residents_by_msoa_and_pcn(registrations, epcn.members, lsoa_msoa),
        msoa_boundaries=msoa_boundaries,
        ccg_boundaries=ccg_boundaries,
        ccg_msoas=service_areas.msoas_by_ccg(msoa_boundaries, ccg_boundaries),
        shapes=pd.concat([maps.web_geometry(msoa_boundaries), maps.web_geometry(ccg_boundaries)]),
        pcn_names=epcn.pcns.set_index("pcn_code")["pcn_name"],
        level=level,
    )


def ccg_map(base: MapBase, ons_code: str, ccg_name: str, *, note: str = "", attribution: str = ""):
    """(chart, alt text) of the CCG's map, or (None, why not)."""
    if base.unavailable:
        return None, base.unavailable
    if not ons_code or ons_code not in base.ccg_msoas:
        return None, (f"The {base.word} boundaries in this build's data folder have no boundary for this {base.word} "
                      f"(ONS code {ons_code or 'unknown'}), so its map could not be drawn.")
    codes = base.ccg_msoas[ons_code]
    # Checked first: a regional extract holds none of most CCGs' residents, and a map of empty areas
    # would read as a place nobody serves.
    served = base.residents["msoa_code"].isin(codes) & base.residents["pcn_code"].notna()
    if not served.any():
        return None, ("The registrations by LSOA in this build's data folder hold no registered residents of this "
                      f"{base.word}'s MSOAs (a regional extract covers a few areas only), so its map could not be drawn.")
    areas = service_areas.service_areas_of(base.residents, base.msoa_boundaries, codes)
    chart = maps.ccg_service_chart(areas, base.pcn_names, base.msoa_boundaries, base.ccg_boundaries, ons_code,
                                   note=note, attribution=attribution, shapes=base.shapes)
    return chart, maps.ccg_map_alt_text(areas, ccg_name)


def figure_name(slug: str) -> str:
    return f"profile-{slug}-map"


def write_ccg_map(output_dir: Path, base: MapBase, slug: str, ons_code: str, ccg_name: str, *,
                  synthetic: bool, attribution: str) -> bool:
    """figures/profile-<slug>-map.{vl.json,md} (website only: no print version), or its .md as a notice.
    Returns whether a map was drawn."""
    out = Path(output_dir) / "figures"
    name = figure_name(slug)
    note, credit = map_labels(synthetic, attribution)
    chart, text = ccg_map(base, ons_code, ccg_name, note=note, attribution=credit)
    if chart is None:
        (out / f"{name}.vl.json").unlink(missing_ok=True)  # a map of an earlier build must not linger
        write_text_atomic(out / f"{name}.md", unavailable_fragment(text))
        return False
    figures.save_figure(chart, name, out, text, print_version=False)
    return True


# --- once per kernel -----------------------------------------------------------------------------------

# level -> (identity of the files read, MapBase): the kernel keeps this module loaded between profile runs
# (a sub-ICB-era kernel draws ICBs' and sub-ICB locations' maps, one base for each).
_memo: dict[str, tuple[tuple, MapBase]] = {}


def base_from_inputs(inputs, level: str = "ccg") -> MapBase:
    """`map_base` from a `pcnreport.data.inputs.DataInputs` with the boundaries of `level`, reused while the
    same files are read. Every call locates the datasets, so each profile run's log names the files its
    map depends on."""
    boundaries = LEVELS[level][0]
    names = ("registrations-lsoa", "lsoa-msoa", "boundaries-msoa", boundaries, "epcn")
    identity = inputs.files_identity(names)
    if level in _memo and _memo[level][0] == identity:
        return _memo[level][1]
    base = map_base(inputs.read_optional("registrations-lsoa"), inputs.read("lsoa-msoa"), inputs.read("epcn"),
                    inputs.read_optional("boundaries-msoa"), inputs.read_optional(boundaries), level)
    _memo[level] = (identity, base)
    return base


def write_profile_map(output_dir: Path, inputs, area, ccg_ons_code: str) -> bool | None:
    """The profile notebook's call: the area's map (see `write_ccg_map`) drawn with its level's boundaries;
    nothing for a region (None). `ccg_ons_code` links the area's ODS code to its boundary: the CCG's or
    sub-ICB location's ONS code (E38), or the ICB's (E54) (`area_records.AreaRecord.ccg_ons_code`)."""
    if area.type not in LEVELS:
        return None
    return write_ccg_map(output_dir, base_from_inputs(inputs, area.type), area.slug, ccg_ons_code,
                         area.title, synthetic=inputs.synthetic,
                         attribution=inputs.catalogue["boundaries-msoa"].attribution)
