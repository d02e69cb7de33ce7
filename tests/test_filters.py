"""Tests for miakit.filters."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.filters import butterworth

from miakit.filters import (
    edge_width,
    frequency_filter,
    frequency_response,
    gradient_magnitude_mm,
    laplacian_of_gaussian_mm,
    sigma_in_pixels,
)


def test_ideal_response_hand():
    h = frequency_response((8, 8), cutoff=0.25, kind="ideal")
    # fftfreq(8) = 0, .125, .25, .375, -.5, ...; radius <= 0.25 passes
    assert h[0, 0] == 1.0 and h[0, 2] == 1.0 and h[0, 3] == 0.0
    assert h[1, 1] == 1.0  # sqrt(2) * 0.125 = 0.177
    assert h[2, 2] == 0.0  # sqrt(2) * 0.25 = 0.354
    hp = frequency_response((8, 8), cutoff=0.25, kind="ideal", high_pass=True)
    np.testing.assert_array_equal(h + hp, 1.0)


def test_butterworth_half_gain_at_cutoff():
    h = frequency_response((16, 16, 16), cutoff=0.25, order=3)
    assert h[0, 0, 4] == pytest.approx(0.5)
    assert h[0, 0, 0] == 1.0


@pytest.mark.parametrize("high_pass", [False, True])
@pytest.mark.parametrize("shape", [(32, 40), (31, 33), (8, 10, 12)])
def test_butterworth_matches_skimage(high_pass, shape):
    rng = np.random.default_rng(0)
    img = rng.random(shape)
    ours = frequency_filter(img, cutoff=0.1, high_pass=high_pass, order=2)
    ref = butterworth(img, 0.1, high_pass=high_pass, order=2, npad=0)
    np.testing.assert_allclose(ours, ref, atol=1e-10)


def test_lowpass_keeps_mean_highpass_removes_it():
    rng = np.random.default_rng(1)
    img = rng.random((20, 20)) + 3.0
    assert frequency_filter(img, cutoff=0.05, kind="ideal").mean() == pytest.approx(img.mean())
    assert frequency_filter(img, cutoff=0.05, high_pass=True).mean() == pytest.approx(
        0.0, abs=1e-12
    )


def test_ideal_rings_more_than_butterworth():
    step = np.zeros((64, 64))
    step[:, 16:48] = 1.0
    ideal = frequency_filter(step, cutoff=0.1, kind="ideal")
    smooth = frequency_filter(step, cutoff=0.1, kind="butterworth", order=2)
    assert ideal.max() - 1 > 0.05  # Gibbs overshoot, about 9% of the step
    assert ideal.max() > smooth.max()


def test_frequency_bad_inputs():
    with pytest.raises(ValueError, match=r"cutoff must lie in \(0, 0.5\] cycles/pixel, got 0.6"):
        frequency_response((8, 8), cutoff=0.6)
    with pytest.raises(ValueError, match="cutoff must be finite and > 0"):
        frequency_response((8, 8), cutoff=0)
    with pytest.raises(ValueError, match=r"kind must be one of \['butterworth', 'ideal'\]"):
        frequency_response((8, 8), cutoff=0.1, kind="gaussian")
    with pytest.raises(ValueError, match="order must be finite and > 0"):
        frequency_response((8, 8), cutoff=0.1, order=0)
    with pytest.raises(ValueError, match="shape must be 2D or 3D"):
        frequency_response((8,), cutoff=0.1)
    with pytest.raises(ValueError, match="image must be 2D or 3D, got 1D"):
        frequency_filter(np.zeros(8), cutoff=0.1)
    with pytest.raises(ValueError, match="image must contain only finite values"):
        frequency_filter(np.full((4, 4), np.nan), cutoff=0.1)


def test_edge_width_ramp():
    ramp = np.array([0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5.0])
    # levels 0 and 5: 10% = 0.5 at x = 3.5, 90% = 4.5 at x = 7.5
    assert edge_width(ramp) == pytest.approx(4.0)
    assert edge_width(ramp, spacing_mm=0.5) == pytest.approx(2.0)
    assert edge_width(ramp[::-1]) == pytest.approx(4.0)
    assert edge_width(ramp, low=0.2, high=0.8) == pytest.approx(3.0)


def test_edge_width_perfect_step_and_blur():
    from scipy.ndimage import gaussian_filter1d

    step = np.r_[np.zeros(30), np.ones(30)]
    assert edge_width(step) == pytest.approx(0.8)  # one sample interval: 0.1 -> 0.9
    sigma = 4.0
    blurred = gaussian_filter1d(step, sigma)
    # 10-90% width of a Gaussian-blurred step is 2 * 1.2816 * sigma
    assert edge_width(blurred) == pytest.approx(2 * 1.2816 * sigma, rel=0.02)


def test_edge_width_ignores_overshoot_in_levels():
    profile = np.r_[np.zeros(10), [0.5], 1.2, 1.1, np.ones(10)]
    # levels stay 0 and 1 (medians), not 1.2: 10% at 9 + 0.1/0.5, 90% at 10 + 0.4/0.7
    assert edge_width(profile) == pytest.approx(10 + 0.4 / 0.7 - 9.2)


def test_edge_width_bad_inputs():
    with pytest.raises(ValueError, match="profile must have at least 5 samples, got 3"):
        edge_width(np.zeros(3))
    with pytest.raises(ValueError, match="profile must be 1D, got 2D"):
        edge_width(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="profile has no step"):
        edge_width(np.ones(10))
    with pytest.raises(ValueError, match="low and high must satisfy"):
        edge_width(np.arange(10.0), low=0.9, high=0.1)
    with pytest.raises(ValueError, match="spacing_mm must be finite and > 0"):
        edge_width(np.arange(10.0), spacing_mm=-1)
    with pytest.raises(ValueError, match=r"plateau_fraction must lie in \(0, 0.5\]"):
        edge_width(np.arange(10.0), plateau_fraction=0.7)
    with pytest.raises(ValueError, match="profile must contain only finite values"):
        edge_width(np.array([0, 0, np.nan, 1, 1.0]))


def test_sigma_in_pixels_per_axis():
    assert sigma_in_pixels(1.0, (2.0, 0.5), ndim=2) == (0.5, 2.0)
    assert sigma_in_pixels((1.0, 2.0, 3.0), 1.0, ndim=3) == (1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="sigma_mm must have 2 values"):
        sigma_in_pixels((1.0, 2.0, 3.0), 1.0, ndim=2)
    with pytest.raises(ValueError, match=r"sigma_mm must be finite and >= 0, got \(-1.0, -1.0\)"):
        sigma_in_pixels(-1.0, 1.0, ndim=2)
    with pytest.raises(ValueError, match="spacing_mm must be positive and finite"):
        sigma_in_pixels(1.0, (0.0, 1.0), ndim=2)
    with pytest.raises(ValueError, match="ndim must be 2 or 3, got 4"):
        sigma_in_pixels(1.0, 1.0, ndim=4)


@pytest.mark.parametrize("sigma_mm", [None, 2.5])
@pytest.mark.parametrize("spacing", [(1.0, 1.0), (2.0, 0.5), (0.7, 1.3)])
def test_gradient_magnitude_is_per_mm(sigma_mm, spacing):
    # a plane rising 3 per mm along y and 4 per mm along x: |grad| = 5 per mm everywhere
    yy, xx = np.mgrid[:100, :100]
    plane = 3.0 * yy * spacing[0] + 4.0 * xx * spacing[1]
    g = gradient_magnitude_mm(plane, spacing_mm=spacing, sigma_mm=sigma_mm)
    np.testing.assert_allclose(g[40:-40, 40:-40], 5.0, rtol=2e-3)


def test_gradient_magnitude_3d_sobel():
    zz = np.mgrid[:12, :12, :12][0].astype(float)
    g = gradient_magnitude_mm(zz, spacing_mm=(2.5, 1.0, 1.0))
    np.testing.assert_allclose(g[3:-3, 3:-3, 3:-3], 1 / 2.5)


def test_pixel_units_exaggerate_the_coarse_axis():
    # the same physical ramp along both axes; pixel units see it 4x steeper along y
    spacing = (2.0, 0.5)
    yy, xx = np.mgrid[:30, :30]
    along_y = yy * spacing[0]
    along_x = xx * spacing[1]
    ratio_mm = (
        gradient_magnitude_mm(along_y, spacing_mm=spacing)[15, 15]
        / gradient_magnitude_mm(along_x, spacing_mm=spacing)[15, 15]
    )
    assert ratio_mm == pytest.approx(1.0)


def test_laplacian_of_gaussian_mm_quadratic():
    # LoG of y_mm**2 + 2 x_mm**2 is 2 + 4 = 6 per mm^2 for any sigma and spacing
    spacing = (0.5, 1.5)
    yy, xx = np.mgrid[:41, :41]
    bowl = ((yy - 20) * spacing[0]) ** 2 + 2 * ((xx - 20) * spacing[1]) ** 2
    log = laplacian_of_gaussian_mm(bowl, sigma_mm=(1.0, 2.0), spacing_mm=spacing)
    assert log[20, 20] == pytest.approx(6.0, rel=1e-2)


def test_laplacian_zero_crossing_at_a_step():
    step = np.zeros((40, 40))
    step[:, 20:] = 1.0
    log = laplacian_of_gaussian_mm(step, sigma_mm=1.0, spacing_mm=0.5)
    row = log[20, 10:30]
    # positive before the step, negative after it: one sign change, between columns 19 and 20
    assert (row[:10] > -1e-9).all() and (row[10:] < 1e-9).all()
    assert row[9] > 0.05 and row[10] < -0.05


def test_edge_detector_bad_inputs():
    with pytest.raises(ValueError, match="spacing_mm must have 2 values"):
        gradient_magnitude_mm(np.zeros((8, 8)), spacing_mm=(1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="sigma_mm must be > 0 along every axis"):
        laplacian_of_gaussian_mm(np.zeros((8, 8)), sigma_mm=(0.0, 1.0), spacing_mm=1.0)
    with pytest.raises(ValueError, match="image must be 2D or 3D"):
        laplacian_of_gaussian_mm(np.zeros(8), sigma_mm=1.0, spacing_mm=1.0)
