"""The synthetic sample: a made-up national picture of England's PCNs, in the publishers' own formats.

Why it exists: the real inputs are large downloads, and some (the national January 2020 registrations)
are no longer published. The sample lets anyone build the whole report offline, and because it is written
in exactly the publishers' file formats, it goes through the same readers as real data: nothing
downstream has a "synthetic" code path except the label on every page.

    epcn/2020-01/ePCN.xlsx                                  NHS Digital ePCN workbook (PCNs, core partners)
    registrations/2020-01/gp-reg-pat-prac-all.csv           Patients Registered at a GP Practice, all persons
    registrations-age/2020-01/gp-reg-pat-prac-quin-age.csv  ... by sex and 5-year age band
    registrations-lsoa/2020-01/gp-reg-pat-prac-lsoa-all.csv ... by LSOA of residence
    payments/2019-20/payments_19-20.csv                     NHS Payments to General Practice
    qof/2017-18/PREVALENCE_1718.csv                         QOF 2017/18 registers and list sizes
    qof/2017-18/ORGANISATION_REFERENCE_1718.csv             QOF 2017/18 practices' CCG, STP, region
    qof/2019-20/MAPPING_NHS_GEOGRAPHIES_1920.csv            practice -> PCN, CCG (April 2020), STP, region
    geography/lsoa_geog_lookup.csv                          LSOA -> MSOA lookup (third-party format)
    ruc/2011/ruc_2011.csv                                   ONS Rural-Urban Classification of LSOAs
    imd/2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx   MHCLG IMD 2019, File 1
    federations/2019/federations.csv                        federations and super-practices (project format)
    interviews/2019/emphasis.csv                            WP1 interviewees' emphasis on three themes (project format)
    boundaries-msoa/2011/msoa-2011.geojson                  MSOA boundaries (ONS GeoJSON): the geography's grid cells
    boundaries-ccg/2020-04/ccg-2020-04.geojson              CCG boundaries (ONS GeoJSON): unions of their MSOAs
    SYNTHETIC.json                                          the marker: seed, vintage, every file and its sha256

That is the default vintage, 2019-12: the formats of the interim report's December 2019 edition.
`write_sample(..., vintage="2022-02")` (or `pcnreport synth --vintage`) writes the same made-up
organisations in the formats published at a later date (sheet names, header rows, code shapes, the
commissioner level, number styles, release folders): `vintages` is the one table of those differences,
`headers` holds every era's header rows, and the writers read both rather than branching on dates. The
later vintages also carry the registrations' practice mapping (registrations-map/<month>/), and with
it the sample as a history (`history`): the mapping of every month from 2020-04 (quarterly to 2021),
with PCNs opening, merging, splitting and re-coded and practices moving, and SYNTHETIC-HISTORY.json, the
record of every event planted.

Nothing in it is real, and every name says so (SYNTHETIC PRACTICE 0001, SYNTHETIC PCN 0001, NHS
SYNTHETIC CCG 001). Codes have the real shapes, so the readers' checks apply unchanged, but are chosen to
stay clear of real codes where the code space allows:

- practices `Z` + 5 digits: ODS GP practice codes use the letters A-P and Y only;
- CCGs `Z` + digit + letter (Z0A, Z0B, ...): real CCG codes start with a digit (00L, 99A, 15N);
- ONS CCG codes E38900001...: real ones are E380000xx-E380002xx;
- postcodes in the made-up districts ZZ1-ZZ7 (one a region; ZZ99 is the NHS's own pseudo-postcode);
- PCNs U90001...: ODS issues PCN codes at random over all of U00000-U99999, so no block is free of real
  codes. A synthetic PCN code may equal a real one; its name never does;
- regions keep their real codes (Y56, Y58-Y63), so regional breakdowns read naturally; their names say
  SYNTHETIC.

Modules, in the order `write_sample` runs them: `organisations` (CCGs, PCNs, practices), `traits` (each
PCN's rurality, age, deprivation, workload), `geography` (MSOAs and LSOAs on a map, RUC, IMD), `lsoa`
(where patients live), `registrations`, `qof`, `payments`, `federations`, `epcn`, `interviews`,
`boundaries` (the geography's grid as MSOA and CCG boundaries), and in the later vintages
`practice_map` and `history` (and in the latest, `lsoa2021`: the small areas redrawn for the 2021 census); `spec` holds every calibration target, `draws` the sampling helpers, `formats` the byte
conventions, `vintages` and `headers` the format eras.

Calibration: the distributions follow what the interim report publishes about PCNs in January 2020
(chapter 6): see `SyntheticSpec`. Margins are drawn by *stratified* inverse-CDF sampling (the i-th
smallest of n draws sits at probability (i + 0.5) / n), so the published quantiles are reproduced almost
exactly for any seed; the seed decides which PCN gets which size, how they pair up and how a PCN's
patients split among its practices.

Determinism: one seed gives byte-identical files (the build keys cached steps on data hashes). Each stage
draws from its own child of the seed's `SeedSequence`, so changing one stage does not reshuffle the others.
The workbook's timestamps (document properties and zip entries) are fixed. Identical bytes assume the same
numpy, openpyxl and zlib versions: the project pins them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from pcnreport.core.atomic import write_bytes_atomic, write_text_atomic
from pcnreport.core.errors import DataFormatError
from pcnreport.data.synth.spec import (
    EXTRACT_DAY,
    GENERATOR,
    GENERATOR_VERSION,
    MARKER,
    SAMPLE_PATHS,
    SyntheticSpec,
)  # fmt: skip
from pcnreport.data.synth.vintages import DEFAULT_VINTAGE, LATEST, VINTAGES, Vintage, get_vintage

__all__ = [
    "DEFAULT_VINTAGE", "LATEST", "MARKER", "SAMPLE_PATHS", "VINTAGES", "SyntheticSpec", "Vintage", "get_vintage",
    "is_synthetic", "write_sample",
]  # fmt: skip


def write_sample(
    out_dir: Path, spec: SyntheticSpec = SyntheticSpec(), vintage: str = DEFAULT_VINTAGE
) -> dict[str, Path]:
    """Write the synthetic sample under `out_dir` in the formats of `vintage` (YYYY-MM or `latest`, see
    `vintages`); return each dataset's name -> the file written.

    Each file is written atomically. The marker is written last, and an old marker is left in place until
    then, so the folder is never unmarked while it holds synthetic files.
    """
    out_dir = Path(out_dir)
    era = get_vintage(vintage)
    contents, history = _contents(spec, era)
    paths = era.paths
    written = {name: write_bytes_atomic(out_dir / paths[name], data) for name, data in contents.items()}
    # The history's other months (and the record of its events) are files of the sample too, named in the
    # marker with the rest; `written` keeps one file a dataset, the vintage's own.
    for path, data in history.items():
        write_bytes_atomic(out_dir / path, data)
    files = {paths[name]: data for name, data in contents.items()} | history
    marker = {
        "synthetic": True,
        "seed": spec.seed,
        "vintage": era.name,
        "generator": GENERATOR,
        "version": GENERATOR_VERSION,
        "spec": asdict(spec),
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in files.items()},
    }
    write_text_atomic(out_dir / MARKER, json.dumps(marker, indent=2, sort_keys=True) + "\n")
    return written


def _contents(spec: SyntheticSpec, vintage: Vintage) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Every file's bytes, by dataset name (the keys of the vintage's paths); and the history's files by
    path (`history`: the practice mapping's earlier months and the record of what they plant)."""
    # Imported here, not at the top: a build that finds its sample already written (every rebuild)
    # should not pay for importing numpy, pandas and openpyxl just to read the marker.
    from pcnreport.data.synth import boundaries, federations, geography, interviews, lsoa, qof, registrations
    from pcnreport.data.synth.draws import _streams
    from pcnreport.data.synth.epcn import _epcn_workbook
    from pcnreport.data.synth.organisations import _make_ccgs, _make_pcns, _make_practices, label_commissioners
    from pcnreport.data.synth.payments import _payments_csv
    from pcnreport.data.synth.traits import make_traits

    streams = _streams(spec.seed)
    april_2020 = _make_ccgs(spec, streams["ccgs"])  # the CCG boundaries' areas, whatever the vintage's labels
    ccgs = label_commissioners(april_2020, vintage)
    pcns = _make_pcns(spec, ccgs, streams["pcns"])
    traits = make_traits(spec, ccgs, pcns, streams["traits"])
    practices = _make_practices(spec, ccgs, pcns, traits, streams["practices"])
    places = geography.make_geography(spec, ccgs, practices, streams["geography"])
    where = lsoa.spread_patients(spec, places, practices, streams["lsoa"])
    bands = registrations.age_bands(practices, streams["age"])
    present, blank = qof.qof_practices(practices, streams["qof"])
    when = dt.datetime.combine(EXTRACT_DAY, dt.time())
    contents = {
        "epcn": _epcn_workbook(pcns, practices, vintage),
        "registrations": registrations._registrations_csv(practices, vintage),
        "payments": _payments_csv(practices, streams["payments"], vintage),
        "registrations-age": registrations.age_csv(practices, bands, vintage),
        "registrations-lsoa": registrations.lsoa_csv(practices, places.lsoas["code"], where, vintage),
        "qof-prevalence": qof.prevalence_csv(practices, bands, present, blank, streams["qof"], vintage),
        "qof-organisations": qof.organisation_csv(practices, ccgs, present),
        "practice-ccg": qof.mapping_csv(practices, ccgs, vintage),
        "lsoa-msoa": geography.lookup_csv(places, ccgs, streams["geography"]),
        "ruc": geography.ruc_csv(places),
        "imd": geography.imd_workbook(places, when),
        "federations": federations.federations_csv(practices, federations.make_ventures(practices, streams["federations"])),
        "interview-emphasis": interviews.emphasis_csv(spec.seed),
        "boundaries-msoa": boundaries.msoa_geojson(places),
        "boundaries-ccg": boundaries.ccg_geojson(places, april_2020),
    }
    if vintage.commissioner == "sub-icb":
        from pcnreport.data.synth import commissioner_boundaries

        contents["boundaries-sub-icb"] = commissioner_boundaries.sub_icb_geojson(places, ccgs)
        contents["boundaries-icb"] = commissioner_boundaries.icb_geojson(places, ccgs)
    from pcnreport.data.synth.history import history_files

    if "registrations-map" in vintage.paths:
        from pcnreport.data.synth.practice_map import practice_map_csv

        contents["registrations-map"] = practice_map_csv(practices, ccgs, vintage)
    months = history_files(practices, pcns, april_2020, vintage, streams["history"])
    if vintage.lsoa_vintage == "2021":
        from pcnreport.data.synth.lsoa2021 import small_area_files

        contents.update(small_area_files(places, where, practices, vintage, when, spec.seed))
    # A vintage writes the datasets its era published (QOF's organisation reference ended in 2018/19).
    return {name: data for name, data in contents.items() if name in vintage.paths}, months


def is_synthetic(data_dir: Path) -> bool:
    """True when `data_dir` holds a SYNTHETIC.json marker saying `"synthetic": true`.

    An unreadable marker is an error rather than False: guessing "real" would publish a synthetic report
    without its label.
    """
    path = Path(data_dir) / MARKER
    if not path.is_file():
        return False
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFormatError(
            path, f"not valid JSON ({error}): regenerate the sample, or delete the file if the folder holds real data"
        ) from None
    return isinstance(marker, dict) and marker.get("synthetic") is True
