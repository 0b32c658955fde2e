"""Each PCN's population traits: rurality, age, deprivation, workload, illness.

These are the latent truths every later file is drawn from, so the files agree with each other: a PCN
drawn rural has its practices marked Rural in payments, its home MSOAs' LSOAs classed rural in RUC, and
its registered patients living mostly there.

Each trait is a Gaussian copula of a few shared factors, mapped through a stratified inverse CDF whose
knots are the interim report's published quantiles (Table 6.1), so the quantiles hold for any seed while
the correlations (Table 6.2: small PCNs are more rural, older, sicker, and have a lower workload index)
come from the factor weights:

- `small`: normal scores of minus the PCN's population (positive = small);
- `ccg`: normal scores of the CCG's rural propensity, so rural PCNs cluster by CCG (as rural practices
  already did in payments);
- `rural` then feeds `age`, and both feed `deprivation` (rural and older areas are less deprived);
- `age` takes smallness only beyond a hinge (`age_small_from`): Table 6.2's age gradient is steep among
  small PCNs and nearly flat among the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pcnreport.data.synth.draws import _inverse_cdf, _stratified_probabilities, copula, normal_scores
from pcnreport.data.synth.spec import SyntheticSpec


def make_traits(spec: SyntheticSpec, ccgs: pd.DataFrame, pcns: pd.DataFrame, rng) -> pd.DataFrame:
    """One row a PCN: rural (share of patients in rural LSOAs), aged_65 (share), deprivation (z score),
    workload (weighted / registered patients) and illness (z score shared by the QOF registers)."""
    small = normal_scores(-pcns["population"].to_numpy())
    ccg = normal_scores(ccgs["rural_propensity"].to_numpy())[pcns["ccg"].to_numpy()]
    z_rural = copula(rng, (spec.rural_ccg_weight, ccg), (spec.rural_small_weight, small))
    # Age rises steeply among the smallest PCNs and hardly above the middle (Table 6.2: 21.3, 17.8, 16.9),
    # so its size factor is a hinge: `small` beyond `age_small_from`, standardised. The mix is turned
    # back into normal scores, as later copulas (deprivation, QOF registers) take z_age as standard normal.
    hinge = np.maximum(small - spec.age_small_from, 0.0)
    spread = hinge.std()
    small_tail = (hinge - hinge.mean()) / spread if spread > 0 else np.zeros_like(hinge)
    z_age = normal_scores(copula(rng, (spec.age_rural_weight, z_rural), (spec.age_small_weight, small_tail)))
    z_deprivation = copula(rng, (spec.deprivation_rural_weight, z_rural), (spec.deprivation_age_weight, z_age))
    z_workload = copula(rng, (spec.workload_small_weight, small))
    z_illness = copula(rng, (0.3, small))
    return pd.DataFrame(
        {
            "rural": np.clip(_inverse_cdf(spec.pcn_rural_quantiles, _stratified_probabilities(z_rural)), 0, 1),
            "aged_65": _inverse_cdf(spec.pcn_aged_65_quantiles, _stratified_probabilities(z_age)),
            "deprivation": z_deprivation,
            "workload": _inverse_cdf(spec.pcn_workload_quantiles, _stratified_probabilities(z_workload)),
            "illness": z_illness,
            "z_age": z_age,
        },
        index=pcns.index,
    )


def practice_traits(traits: pd.DataFrame, practices_pcn: np.ndarray, practices_ccg: np.ndarray,
                    pcn_ccg: np.ndarray) -> pd.DataFrame:
    """Traits for each practice: its PCN's, or for a practice in no PCN the mean of its CCG's PCNs."""
    by_ccg = traits.groupby(pcn_ccg).mean()
    member = practices_pcn >= 0
    own = traits.to_numpy()[np.where(member, practices_pcn, 0)]
    fallback = by_ccg.reindex(practices_ccg).fillna(traits.mean()).to_numpy()
    return pd.DataFrame(np.where(member[:, None], own, fallback), columns=traits.columns)
