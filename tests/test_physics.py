"""Tests for miakit.physics: CT, MRI and PET simulators against hand-checkable cases."""

import numpy as np
import pytest
from skimage.draw import disk
from skimage.transform import iradon, radon

from miakit import physics


def _disk_phantom(size=64, radius=20, value=0.2):
    mu = np.zeros((size, size))
    mu[disk((size // 2, size // 2), radius)] = value
    return mu


# ------------------------------------------------------------------------------- HU
def test_hu_round_trip_and_fixed_points():
    np.testing.assert_allclose(
        physics.hu_from_mu([0.0, 0.19, 0.38], mu_water_per_cm=0.19), [-1000, 0, 1000]
    )
    hu = np.array([-1000.0, -500.0, 40.0, 1200.0])
    back = physics.hu_from_mu(physics.mu_from_hu(hu, mu_water_per_cm=0.2), mu_water_per_cm=0.2)
    np.testing.assert_allclose(back, hu)


def test_hu_bad_mu_water_raises():
    with pytest.raises(ValueError, match=r"mu_water_per_cm must be finite and > 0, got 0"):
        physics.hu_from_mu(0.2, mu_water_per_cm=0)


# ------------------------------------------------------------------------------- CT
def test_ct_noise_free_matches_skimage_directly():
    mu = _disk_phantom()
    scan = physics.simulate_ct_scan(mu, n_views=60, pixel_size_cm=0.5)
    theta = np.linspace(0, 180, 60, endpoint=False)
    np.testing.assert_allclose(scan.theta_deg, theta)
    np.testing.assert_allclose(scan.sinogram, radon(mu, theta=theta) * 0.5)
    expected = iradon(radon(mu, theta=theta), theta=theta, output_size=64)
    np.testing.assert_allclose(scan.reconstruction, expected, atol=1e-10)


def test_ct_line_integral_through_centre_is_diameter_times_mu():
    # a disk of radius 20 px, 0.1 cm pixels, mu 0.2/cm: central ray crosses 4 cm -> p = 0.8
    scan = physics.simulate_ct_scan(_disk_phantom(), n_views=4, pixel_size_cm=0.1)
    assert scan.sinogram[32, 0] == pytest.approx(0.8, rel=0.05)


def test_ct_lower_dose_gives_more_noise_about_one_over_sqrt_dose():
    mu = _disk_phantom()
    clean = physics.simulate_ct_scan(mu, n_views=90).reconstruction
    inside = np.zeros_like(mu, dtype=bool)
    inside[disk((32, 32), 12)] = True
    stds = []
    for photons in (1e3, 1e5):
        noisy = physics.simulate_ct_scan(mu, n_views=90, incident_photons=photons, rng=0)
        stds.append((noisy.reconstruction - clean)[inside].std())
    assert stds[0] / stds[1] == pytest.approx(10.0, rel=0.25)  # sqrt(1e5 / 1e3)


def test_ct_fewer_views_larger_error():
    mu = _disk_phantom()
    errors = [
        np.sqrt(np.mean((physics.simulate_ct_scan(mu, n_views=n).reconstruction - mu) ** 2))
        for n in (8, 90)
    ]
    assert errors[0] > 2 * errors[1]


def test_ct_seed_is_deterministic():
    mu = _disk_phantom()
    a = physics.simulate_ct_scan(mu, n_views=10, incident_photons=100, rng=3).sinogram
    b = physics.simulate_ct_scan(mu, n_views=10, incident_photons=100, rng=3).sinogram
    np.testing.assert_array_equal(a, b)


def test_ct_bad_inputs_raise():
    mu = _disk_phantom()
    with pytest.raises(ValueError, match=r"image_mu must be square, got shape \(64, 32\)"):
        physics.simulate_ct_scan(mu[:, :32], n_views=10)
    with pytest.raises(ValueError, match="image_mu must be >= 0"):
        physics.simulate_ct_scan(-mu, n_views=10)
    with pytest.raises(ValueError, match="zero outside the inscribed circle"):
        physics.simulate_ct_scan(np.ones((16, 16)), n_views=10)
    with pytest.raises(ValueError, match=r"n_views must be >= 1, got 0"):
        physics.simulate_ct_scan(mu, n_views=0)
    with pytest.raises(ValueError, match=r"incident_photons must be finite and > 0"):
        physics.simulate_ct_scan(mu, n_views=10, incident_photons=-5)
    with pytest.raises(ValueError, match=r"filter_name must be one of .* got 'box'"):
        physics.simulate_ct_scan(mu, n_views=10, filter_name="box")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ MRI
def test_kspace_round_trip_and_energy():
    image = np.random.default_rng(0).random((16, 20))
    k = physics.image_to_kspace(image)
    np.testing.assert_allclose(physics.kspace_to_image(k), image, atol=1e-12)
    assert np.sum(np.abs(k) ** 2) == pytest.approx(np.sum(image**2))  # Parseval


def test_kspace_dc_at_centre_equals_scaled_sum():
    image = np.full((8, 8), 2.0)
    k = physics.image_to_kspace(image)
    assert k[4, 4] == pytest.approx(2.0 * 8)  # sum / sqrt(64)
    assert np.abs(k).sum() == pytest.approx(16.0)


def test_kspace_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"image must be 2D, got 3D"):
        physics.image_to_kspace(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="kspace must contain only finite values"):
        physics.kspace_to_image(np.full((2, 2), np.nan))


def test_undersample_keeps_expected_rows_and_centre():
    k = physics.image_to_kspace(np.ones((40, 10)))
    masked, mask = physics.undersample_kspace(k, factor=4, center_fraction=0.1, rng=0)
    rows = mask[:, 0]
    assert rows.sum() == 10  # 40 / 4
    assert rows[18:22].all()  # 4 central rows
    assert (mask == rows[:, None]).all()
    np.testing.assert_array_equal(masked[~mask], 0)
    np.testing.assert_array_equal(masked[mask], k[mask])


def test_undersample_equispaced_folds_image_with_fov_over_factor_shift():
    image = np.zeros((32, 32))
    image[4:8, 10:14] = 1.0
    _, mask = physics.undersample_kspace(
        physics.image_to_kspace(image), factor=2, center_fraction=0.0, pattern="equispaced"
    )
    assert mask[::2, 0].all() and not mask[1::2, 0].any()
    masked = np.where(mask, physics.image_to_kspace(image), 0)
    aliased = np.abs(physics.kspace_to_image(masked))
    np.testing.assert_allclose(aliased[4:8, 10:14], 0.5, atol=1e-12)  # original, halved
    np.testing.assert_allclose(aliased[20:24, 10:14], 0.5, atol=1e-12)  # ghost at +32/2


def test_undersample_factor_one_keeps_everything():
    k = physics.image_to_kspace(np.ones((8, 8)))
    masked, mask = physics.undersample_kspace(k, factor=1, rng=0)
    assert mask.all()
    np.testing.assert_array_equal(masked, k)


def test_undersample_bad_inputs_raise():
    k = np.zeros((8, 8), dtype=complex)
    with pytest.raises(ValueError, match=r"factor must be >= 1, got 0"):
        physics.undersample_kspace(k, factor=0)
    with pytest.raises(TypeError, match=r"factor must be an integer, got 2.5"):
        physics.undersample_kspace(k, factor=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"center_fraction must lie in \[0, 1\], got 2"):
        physics.undersample_kspace(k, factor=2, center_fraction=2)
    with pytest.raises(ValueError, match=r"pattern must be one of .* got 'spiral'"):
        physics.undersample_kspace(k, factor=2, pattern="spiral")  # type: ignore[arg-type]


def test_spin_echo_limits_and_weighting():
    # TR >> T1 and TE -> 0 leaves PD
    assert physics.spin_echo_signal(0.7, 100.0, 50.0, tr_ms=1e6, te_ms=1e-6) == pytest.approx(0.7)
    # TE = T2, TR = T1: (1 - 1/e) / e = 0.2325
    value = physics.spin_echo_signal(1.0, 800.0, 80.0, tr_ms=800.0, te_ms=80.0)
    assert value == pytest.approx((1 - np.exp(-1)) * np.exp(-1))
    t1 = np.array([800.0, 4000.0])  # short-T1 tissue vs fluid
    t2 = np.array([80.0, 2000.0])
    t1w = physics.spin_echo_signal(1.0, t1, t2, tr_ms=500.0, te_ms=15.0)
    t2w = physics.spin_echo_signal(1.0, t1, t2, tr_ms=4000.0, te_ms=100.0)
    assert t1w[0] > t1w[1] and t2w[1] > t2w[0]


def test_spin_echo_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"te_ms must be shorter than tr_ms"):
        physics.spin_echo_signal(1.0, 800.0, 80.0, tr_ms=50.0, te_ms=80.0)
    with pytest.raises(ValueError, match=r"t1_ms must be finite and > 0"):
        physics.spin_echo_signal(1.0, 0.0, 80.0, tr_ms=500.0, te_ms=10.0)
    with pytest.raises(ValueError, match=r"pd must be >= 0"):
        physics.spin_echo_signal(-1.0, 800.0, 80.0, tr_ms=500.0, te_ms=10.0)
    with pytest.raises(ValueError, match=r"tr_ms must be finite and > 0"):
        physics.spin_echo_signal(1.0, 800.0, 80.0, tr_ms=-1.0, te_ms=10.0)


# ------------------------------------------------------------------------------ PET
def test_pet_without_blur_has_poisson_statistics():
    activity = np.full((200, 200), 3.0)  # 1e6 counts over 4e4 pixels: 25 per pixel
    pet = physics.simulate_pet(activity, counts=1e6, fwhm_px=0.0, rng=0)
    assert pet.mean() == pytest.approx(3.0, rel=0.01)
    assert pet.std() == pytest.approx(3.0 / 5.0, rel=0.03)  # relative noise 1/sqrt(25)


def test_pet_blur_lowers_small_spot_peak_but_keeps_total():
    activity = np.zeros((61, 61))
    activity[29:32, 29:32] = 1.0
    sharp = physics.simulate_pet(activity, counts=1e9, fwhm_px=1.0, rng=0)
    blurred = physics.simulate_pet(activity, counts=1e9, fwhm_px=8.0, rng=0)
    assert blurred.max() < 0.5 * sharp.max()
    assert blurred.sum() == pytest.approx(activity.sum(), rel=1e-3)


def test_pet_bad_inputs_raise():
    with pytest.raises(ValueError, match="activity must be >= 0"):
        physics.simulate_pet(-np.ones((4, 4)), counts=10, fwhm_px=1)
    with pytest.raises(ValueError, match="activity must not be all zero"):
        physics.simulate_pet(np.zeros((4, 4)), counts=10, fwhm_px=1)
    with pytest.raises(ValueError, match=r"counts must be finite and > 0, got 0"):
        physics.simulate_pet(np.ones((4, 4)), counts=0, fwhm_px=1)
    with pytest.raises(ValueError, match=r"fwhm_px must be finite and >= 0, got -1"):
        physics.simulate_pet(np.ones((4, 4)), counts=10, fwhm_px=-1)
