"""Random draws: one stream a stage, stratified inverse-CDF sampling."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

# --- -----------------------------------------------------------------------------------------


# Stream names in spawn order. Append only: a child's seed depends on its position, so adding a stage at
# the end leaves every earlier stage's draws (and files) unchanged.
STREAMS = ("ccgs", "pcns", "practices", "payments", "traits", "geography", "lsoa", "age", "qof", "federations", "history")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    names = STREAMS
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {name: np.random.default_rng(child) for name, child in zip(names, children)}


def _stratified_probabilities(draws: np.ndarray) -> np.ndarray:
    """(rank + 0.5) / n in the order of `draws`: evenly spaced probabilities, paired up by the draws.

    Feeding these to an inverse CDF reproduces its quantiles almost exactly whatever the seed, while the
    draws (correlated normals, for the copula) still decide which unit gets which value.
    """
    ranks = np.argsort(np.argsort(draws, kind="stable"), kind="stable")
    return (ranks + 0.5) / len(draws)


def _inverse_cdf(knots: tuple[tuple[float, float], ...], probabilities: np.ndarray) -> np.ndarray:
    """Monotone cubic (PCHIP, Fritsch-Carlson) interpolation through the (probability, value) knots.

    Piecewise-linear interpolation would also pass through the published quantiles, but gives a histogram
    of flat steps with jumps at each knot; PCHIP keeps the density continuous without overshooting.
    """
    p, x = (np.asarray(column, dtype=float) for column in zip(*knots))
    h = np.diff(p)
    secant = np.diff(x) / h
    slope = np.empty_like(x)
    # Interior knots: the weighted harmonic mean of the neighbouring secants (zero at a flat stretch).
    w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        interior = (w1 + w2) / (w1 / secant[:-1] + w2 / secant[1:])
    slope[1:-1] = np.where(secant[:-1] * secant[1:] > 0, interior, 0.0)
    slope[0] = _end_slope(h[0], h[1], secant[0], secant[1])
    slope[-1] = _end_slope(h[-1], h[-2], secant[-1], secant[-2])

    i = np.clip(np.searchsorted(p, probabilities, side="right") - 1, 0, len(h) - 1)
    t = (probabilities - p[i]) / h[i]
    return (
        (2 * t**3 - 3 * t**2 + 1) * x[i]
        + (t**3 - 2 * t**2 + t) * h[i] * slope[i]
        + (-2 * t**3 + 3 * t**2) * x[i + 1]
        + (t**3 - t**2) * h[i] * slope[i + 1]
    )


def _end_slope(h0: float, h1: float, s0: float, s1: float) -> float:
    # The three-point end condition, limited so the end segment stays monotone (as scipy's PCHIP does).
    d = ((2 * h0 + h1) * s0 - h0 * s1) / (h0 + h1)
    if np.sign(d) != np.sign(s0):
        return 0.0
    if np.sign(s0) != np.sign(s1) and abs(d) > 3 * abs(s0):
        return 3 * s0
    return d


def _discrete_inverse_cdf(weights: tuple[float, ...], probabilities: np.ndarray) -> np.ndarray:
    """The smallest k (1-based) whose cumulative weight share reaches each probability."""
    cumulative = np.cumsum(weights) / np.sum(weights)
    return np.searchsorted(cumulative, probabilities, side="left") + 1


_STANDARD_NORMAL = NormalDist()


def normal_scores(values: np.ndarray) -> np.ndarray:
    """Rank-based normal scores: the standard normal quantile of each value's stratified probability."""
    return np.array([_STANDARD_NORMAL.inv_cdf(p) for p in _stratified_probabilities(np.asarray(values))])


def copula(rng: np.random.Generator, *components: tuple[float, np.ndarray]) -> np.ndarray:
    """A standard normal variable correlated `weight` with each given standard normal component.

    The weights' squares must sum below 1: the rest of the variance is fresh noise.
    """
    weights = np.array([weight for weight, _ in components])
    rest = 1 - float(np.sum(weights**2))
    if rest < 0:
        raise ValueError("copula weights' squares sum above 1")
    n = len(components[0][1])
    mixed = sum((weight * z for weight, z in components), np.zeros(n))
    return mixed + np.sqrt(rest) * rng.standard_normal(n)
