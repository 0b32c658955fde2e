"""What to generate: the spec, and the constants every file shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

GENERATOR = "pcnreport.synth"
# Bump when the files a given seed (and vintage) produces change: the marker records it, so a cached build
# can tell. 6: the marker records the vintage; the default vintage's files are those of version 5. 7: the
# later vintages add the practice mapping's history (every month from 2020-04); the default's files are 6's.
# 8: the default vintage adds the history after it (2020-04 to the latest vintage's month); its other files are 7's.
GENERATOR_VERSION = 8
MARKER = "SYNTHETIC.json"

SAMPLE_PATHS = {
    "epcn": "epcn/2020-01/ePCN.xlsx",
    "registrations": "registrations/2020-01/gp-reg-pat-prac-all.csv",
    "payments": "payments/2019-20/payments_19-20.csv",
    "registrations-age": "registrations-age/2020-01/gp-reg-pat-prac-quin-age.csv",
    "registrations-lsoa": "registrations-lsoa/2020-01/gp-reg-pat-prac-lsoa-all.csv",
    "qof-prevalence": "qof/2017-18/PREVALENCE_1718.csv",
    "qof-organisations": "qof/2017-18/ORGANISATION_REFERENCE_1718.csv",
    "practice-ccg": "qof/2019-20/MAPPING_NHS_GEOGRAPHIES_1920.csv",
    "lsoa-msoa": "geography/lsoa_geog_lookup.csv",
    "ruc": "ruc/2011/ruc_2011.csv",
    "imd": "imd/2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
    "federations": "federations/2019/federations.csv",
    "interview-emphasis": "interviews/2019/emphasis.csv",
    "boundaries-msoa": "boundaries-msoa/2011/msoa-2011.geojson",
    "boundaries-ccg": "boundaries-ccg/2020-04/ccg-2020-04.geojson",
}

# NHS England's seven regions in 2019/20 with their share of practices (payments file 2019/20), which sets
# how many CCGs (and so PCNs) each region gets.
REGIONS = (
    ("Y56", "LONDON", 0.181),
    ("Y58", "SOUTH WEST", 0.086),
    ("Y59", "SOUTH EAST", 0.131),
    ("Y60", "MIDLANDS", 0.196),
    ("Y61", "EAST OF ENGLAND", 0.103),
    ("Y62", "NORTH WEST", 0.150),
    ("Y63", "NORTH EAST AND YORKSHIRE", 0.153),
)

EXTRACT_DAY = dt.date(2020, 1, 1)  # the registrations' extract date, and the workbook's timestamps
PCN_OPEN = 20191001  # PCNs and their memberships started on 1 October 2019 ...
LATE_OPEN = 20191201  # ... a handful two months later


@dataclass(frozen=True)
class SyntheticSpec:
    """What to generate. Defaults reproduce the interim report's published figures (chapter 6).

    Inverse-CDF knots are (cumulative share, value) pairs, interpolated monotonically (PCHIP).
    """

    seed: int = 20200101
    n_pcns: int = 1250
    n_ccgs: int = 135

    # PCN registered population. Published: 1% under 24,000, 7% under 30,000 (84 of 1,250 = 0.067), P10
    # 31,100, median 44,000, 35% over 50,000 (440 of 1,250: so 50,000 sits at 0.648), P90 69,200, 5% over
    # 80,000, mean 48,000. The ends (15,000 and 200,000) and the 0.99 knot are not published: the 0.99
    # knot is set so that the mean comes out at 48,000.
    pcn_population_quantiles: tuple[tuple[float, float], ...] = (
        (0.0, 15_000),
        (0.01, 24_000),
        (0.067, 30_000),
        (0.10, 31_100),
        (0.50, 44_000),
        (0.648, 50_000),
        (0.90, 69_200),
        (0.95, 80_000),
        (0.99, 105_000),
        (1.0, 200_000),
    )

    # Practices per PCN: weight of k = 1, 2, 3, ... practices (per 1,000 PCNs). Published: 34 PCNs of one
    # practice (27.2 per 1,000), P10 3, median 5, P90 8, mean 5.4, 77 PCNs of ten or more (61.6 per
    # 1,000). Between those points the shape follows the December 2019 ePCN, smoothed; the largest PCN has
    # 30 practices.
    practices_per_pcn: tuple[float, ...] = (
        27.2, 58, 142, 180, 179, 157, 91, 69, 35,  # 1-9
        18, 14, 11, 6, 3, 2, 1.6, 1.2, 1.2, 0.4,  # 10-19
        0.8, 0.4, 0.4, 0.4, 0.4, 0.4, 0, 0, 0, 0, 0.8,  # 20-30
    )

    # PCNs per CCG, April 2020's 135 CCGs: a few CCGs are a single PCN, the median is 7, the largest ~40.
    pcns_per_ccg_quantiles: tuple[tuple[float, float], ...] = (
        (0.0, 1),
        (0.012, 1),
        (0.04, 2.5),
        (0.10, 4),
        (0.25, 5),
        (0.50, 7),
        (0.75, 11),
        (0.90, 18),
        (0.98, 32),
        (1.0, 41),
    )

    # Gaussian-copula correlation between a PCN's population and its number of practices: 0.65 gives a
    # rank correlation near the real one (0.58): correlated, with wide spread.
    size_correlation: float = 0.65
    # "PCNs containing only two (super-)practices but covering nearly 100,000 people": this many PCNs of
    # 90,000-110,000 patients swap their practice count with a small two-practice PCN (both margins keep).
    super_practice_pcns: int = 2
    # A PCN's patients split among its practices with a symmetric Dirichlet of this concentration, on top
    # of a floor of `min_practice_list` patients a practice (real practices below ~500 are rare).
    practice_concentration: float = 2.5
    min_practice_list: int = 500

    # Practices in no PCN (in registrations and payments, not in ePCN), and member practices whose parent
    # CCG differs from their PCN's (the ePCN's last column is then FALSE; the real file has 30).
    unaffiliated_practices: int = 60
    cross_ccg_practices: int = 30

    # Practice rurality (payments 2019/20: 16% Rural, 1.5% MISSING). Rural practices cluster by CCG.
    rural_share: float = 0.16
    missing_rurality_share: float = 0.015
    # Weighted / registered patients (Carr-Hill formula), the "workload index". Table 6.1 across PCNs: P10
    # 0.90, median 1.01, P90 1.11, mean 1.01; Table 6.2: 0.98 under 30,000 patients, 1.00 within, 1.01
    # over (small PCNs lower, through `workload_small_weight`). The ends are not published. Within a PCN,
    # rural practices are weighted a little higher and practices vary a little around their PCN.
    pcn_workload_quantiles: tuple[tuple[float, float], ...] = (
        (0.0, 0.80), (0.10, 0.90), (0.50, 1.008), (0.90, 1.11), (1.0, 1.30),
    )  # fmt: skip
    workload_small_weight: float = -0.15
    rural_weighting_uplift: float = 0.02
    practice_weighting_sd: float = 0.015

    # --- PCN traits (see traits.py): Table 6.1's quantiles, Table 6.2's gradients by size ---------------
    # Share of patients living in rural LSOAs: mean 17.2%, P10 0, median 2.5%, P90 60.1% (34.2% under
    # 30,000 patients, 13.9% over 50,000). Blurring by where patients live (lsoa.py) pulls the
    # realised shares towards the middle, so the knots are set wider than the targets; 45% of PCNs' own
    # MSOAs are wholly urban.
    pcn_rural_quantiles: tuple[tuple[float, float], ...] = (
        (0.0, 0.0), (0.45, 0.0), (0.55, 0.02), (0.72, 0.16), (0.90, 0.78), (1.0, 1.0),
    )  # fmt: skip
    rural_ccg_weight: float = 0.75
    rural_small_weight: float = 0.30
    # Share aged 65 and over: mean 17.7%, P10 9.2%, median 18%, P90 25.6%; by size (Table 6.2) 21.3% under
    # 30,000, 17.8% within 30,000-50,000, 16.9% over 50,000. Older where rural and where small, but the
    # size gradient is steep only at the small end (3.5 points from small to within, 0.9 from within to
    # over), so smallness counts only above a hinge: the PCN's size score (normal score of minus its
    # population) beyond `age_small_from` (1.0: the smallest sixth of PCNs; under 30,000 is beyond 1.5).
    # A linear size factor, or a heavier rural weight (rural PCNs are small), leaves over-50,000 PCNs
    # about 1.5 points too young. Over seeds: under 30,000 20.4-21.9, within 17.7-17.9, over 16.7-16.9.
    pcn_aged_65_quantiles: tuple[tuple[float, float], ...] = (
        (0.0, 0.02), (0.10, 0.092), (0.50, 0.18), (0.90, 0.256), (1.0, 0.30),
    )  # fmt: skip
    age_rural_weight: float = 0.25
    age_small_weight: float = 0.15
    age_small_from: float = 1.0
    # Deprivation (higher = more deprived): lower where rural and where old.
    deprivation_rural_weight: float = -0.35
    deprivation_age_weight: float = -0.35

    # --- Geography (geography.py, lsoa.py) -------------------------------------------------------------
    # England's 2011 LSOAs and MSOAs (IMD 2019 File 1: 32,844 LSOAs; 6,791 MSOAs).
    n_msoas: int = 6_791
    n_lsoas: int = 32_844
    # LSOA noise around its PCN's deprivation: sets how concentrated deprivation is by PCN (Table 6.1:
    # share of patients in the 20% most deprived LSOAs, P10 0, median 12.8%, P90 55.6%).
    imd_lsoa_noise: float = 0.8
    # Patients around their practice: exp(-distance / scale) over cells up to `local_radius` away, in
    # cell widths (one cell is one MSOA); a tail share scattered with a normal offset of SD `tail_sd`.
    local_radius: int = 3
    local_scale_urban: float = 0.26
    local_scale_rural: float = 0.1
    tail_share_urban: float = 0.0025
    tail_share_rural: float = 0.001
    tail_sd: float = 8.0
    # A practice's patients start from its PCN's run of cells, its own cells this many times more.
    own_cell_weight: float = 3.0

    def __post_init__(self) -> None:
        # The code schemes have room for 9,999 PCNs and practice names of 4 digits.
        if not 1 <= self.n_pcns <= 9_999:
            raise ValueError(f"n_pcns must be 1-9,999, not {self.n_pcns}")
        if not len(REGIONS) <= self.n_ccgs <= min(260, self.n_pcns):
            raise ValueError(f"n_ccgs must be {len(REGIONS)}-260 and at most n_pcns, not {self.n_ccgs}")
