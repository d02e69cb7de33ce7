"""Tests for miakit.intensity (Nyúl landmark standardisation)."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import exposure

from miakit.intensity import NYUL_PERCENTILES, nyul_fit, nyul_standardize


def _two_tissue_image(rng, n_dark, n_bright, gain=1.0, gamma=1.0):
    values = np.concatenate([rng.normal(30, 3, n_dark), rng.normal(80, 4, n_bright)])
    return gain * np.clip(values, 1, None) ** gamma


def test_fit_on_one_image_gives_its_rescaled_landmarks():
    image = np.arange(1001.0)
    standard = nyul_fit([image], scale=(0.0, 10.0))
    # uniform values: the percentile landmarks are the percentiles themselves, rescaled
    expected = (np.array(NYUL_PERCENTILES) - 1.0) * 10.0 / 98.0
    np.testing.assert_allclose(standard, expected)


def test_standardized_landmarks_equal_standard_and_map_is_increasing():
    rng = np.random.default_rng(0)
    standard = nyul_fit([_two_tissue_image(rng, 500, 500) for _ in range(3)])
    image = _two_tissue_image(rng, 35_000, 65_000, gain=2.5, gamma=1.3)
    out = nyul_standardize(image, standard)
    # dense samples: the output's percentiles sit on the standard landmarks
    np.testing.assert_allclose(np.percentile(out, NYUL_PERCENTILES), standard, atol=0.05)
    order = np.argsort(image)
    assert np.all(np.diff(out[order]) >= 0)


def test_standardize_ignores_gain_and_offset():
    rng = np.random.default_rng(1)
    image = _two_tissue_image(rng, 300, 700)
    standard = nyul_fit([image])
    np.testing.assert_allclose(
        nyul_standardize(4.0 * image + 11.0, standard), nyul_standardize(image, standard)
    )


def test_mask_sets_landmarks_and_extrapolation_is_linear():
    image = np.arange(100.0).reshape(10, 10)
    mask = np.zeros((10, 10), bool)
    mask[2:8] = True  # values 20..79 set the landmarks
    out = nyul_standardize(image, np.array([0.0, 100.0]), mask=mask, percentiles=(0, 100))
    assert out[2, 0] == pytest.approx(0.0) and out[7, 9] == pytest.approx(100.0)
    assert out[0, 0] == pytest.approx(-20 * 100 / 59)  # the first segment continued


def test_landmarks_keep_composition_that_histogram_matching_erases():
    # A reference with 50 % bright tissue, a subject with 80 %: same tissue values
    rng = np.random.default_rng(2)
    reference = _two_tissue_image(rng, 500, 500)
    subject = _two_tissue_image(rng, 200, 800)
    matched = exposure.match_histograms(subject, reference)
    standard = nyul_fit([reference], percentiles=(1, 99))
    standardized = nyul_standardize(subject, standard, percentiles=(1, 99))
    ref_std = nyul_standardize(reference, standard, percentiles=(1, 99))
    threshold = 0.5 * (np.median(ref_std[:500]) + np.median(ref_std[500:]))
    # histogram matching copies the reference's 50 % bright fraction
    assert np.mean(matched > np.median(reference)) == pytest.approx(0.5, abs=0.01)
    assert np.mean(standardized > threshold) == pytest.approx(0.8, abs=0.02)


def test_errors():
    image = np.arange(10.0)
    with pytest.raises(ValueError, match="images must hold at least one training image"):
        nyul_fit([])
    with pytest.raises(ValueError, match=r"masks must have one mask per image \(1\), got 2"):
        nyul_fit([image], masks=[image > 2, image > 3])
    with pytest.raises(ValueError, match="percentiles must increase strictly"):
        nyul_fit([image], percentiles=(50, 10))
    with pytest.raises(ValueError, match="percentiles must hold at least 2 values"):
        nyul_fit([image], percentiles=(50,))
    with pytest.raises(ValueError, match="scale must be two finite increasing values"):
        nyul_fit([image], scale=(1.0, 0.0))
    with pytest.raises(ValueError, match="repeated landmark values"):
        nyul_fit([np.zeros(10)])
    with pytest.raises(ValueError, match="mask of images\\[0\\] must contain at least one"):
        nyul_fit([image], masks=[np.zeros(10, bool)])
    with pytest.raises(ValueError, match="standard_landmarks must hold 11 increasing values"):
        nyul_standardize(image, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="mask of image shape"):
        nyul_standardize(image, np.array([0.0, 1.0]), mask=np.ones(3, bool), percentiles=(0, 100))
