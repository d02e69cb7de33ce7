"""Tests for miakit.noise: statistics on constant images, determinism, bad inputs."""

import numpy as np
import pytest

from miakit import noise

SHAPE = (400, 400)  # 160,000 samples: standard error of a mean ~ 0.25 % of the std


def test_gaussian_mean_and_std_on_constant_image():
    noisy = noise.add_gaussian_noise(np.full(SHAPE, 3.0), sigma=0.5, rng=0)
    assert noisy.mean() == pytest.approx(3.0, abs=0.01)
    assert noisy.std() == pytest.approx(0.5, rel=0.02)


def test_gaussian_sigma_zero_returns_copy_and_input_unchanged():
    image = np.arange(12.0).reshape(3, 4)
    out = noise.add_gaussian_noise(image, sigma=0.0, rng=0)
    np.testing.assert_array_equal(out, image)
    assert out is not image
    np.testing.assert_array_equal(image, np.arange(12.0).reshape(3, 4))


def test_poisson_mean_and_variance():
    # image 2.0, peak_counts 50 -> scale 25, counts ~ Poisson(50): var(g) = 50 / 25**2 = 0.08
    noisy = noise.add_poisson_noise(np.full(SHAPE, 2.0), peak_counts=50, rng=0)
    assert noisy.mean() == pytest.approx(2.0, rel=0.01)
    assert noisy.var() == pytest.approx(0.08, rel=0.03)


def test_poisson_fewer_counts_is_noisier():
    image = np.full(SHAPE, 1.0)
    low = noise.add_poisson_noise(image, peak_counts=10, rng=0).std()
    high = noise.add_poisson_noise(image, peak_counts=1000, rng=0).std()
    assert low / high == pytest.approx(10.0, rel=0.05)  # sqrt(1000 / 10)


def test_poisson_values_are_multiples_of_one_count():
    noisy = noise.add_poisson_noise(np.full((20, 20), 4.0), peak_counts=8, rng=0)
    counts = noisy * 2.0  # scale = 8 / 4
    np.testing.assert_allclose(counts, np.round(counts))


def test_poisson_zero_image_unchanged():
    np.testing.assert_array_equal(
        noise.add_poisson_noise(np.zeros((5, 5)), peak_counts=10, rng=0), 0.0
    )


def test_rician_zero_signal_bias_is_rayleigh_mean():
    dark = noise.add_rician_noise(np.zeros(SHAPE), sigma=2.0, rng=0)
    assert dark.mean() == pytest.approx(2.0 * np.sqrt(np.pi / 2), rel=0.01)
    assert dark.min() >= 0


def test_rician_high_snr_is_nearly_gaussian():
    bright = noise.add_rician_noise(np.full(SHAPE, 100.0), sigma=1.0, rng=0)
    assert bright.mean() == pytest.approx(100.0, abs=0.05)
    assert bright.std() == pytest.approx(1.0, rel=0.02)


def test_salt_and_pepper_fraction_and_values():
    image = np.full(SHAPE, 0.5)
    noisy = noise.add_salt_and_pepper_noise(
        image, amount=0.2, salt_value=1.0, pepper_value=0.0, rng=0
    )
    assert (noisy == 1.0).mean() == pytest.approx(0.1, abs=0.005)
    assert (noisy == 0.0).mean() == pytest.approx(0.1, abs=0.005)
    assert set(np.unique(noisy)) == {0.0, 0.5, 1.0}


def test_salt_and_pepper_defaults_are_image_extremes():
    image = np.linspace(-1.0, 3.0, 10_000).reshape(100, 100)
    noisy = noise.add_salt_and_pepper_noise(image, amount=1.0, rng=0)
    assert set(np.unique(noisy)) == {-1.0, 3.0}


def test_speckle_mean_one_variance_one_over_looks():
    noisy = noise.add_speckle_noise(np.full(SHAPE, 4.0), looks=2, rng=0)
    assert noisy.mean() == pytest.approx(4.0, rel=0.01)
    assert noisy.std() == pytest.approx(4.0 / np.sqrt(2), rel=0.02)


def test_speckle_std_proportional_to_mean():
    image = np.concatenate([np.full((200, 400), 1.0), np.full((200, 400), 10.0)])
    noisy = noise.add_speckle_noise(image, looks=1, rng=0)
    ratio = noisy[200:].std() / noisy[:200].std()
    assert ratio == pytest.approx(10.0, rel=0.05)


@pytest.mark.parametrize(
    ("kind", "level"),
    [("gaussian", 0.1), ("poisson", 20), ("rician", 0.1), ("salt_and_pepper", 0.1), ("speckle", 3)],
)
def test_dispatcher_matches_functions_and_is_deterministic(kind, level):
    image = np.linspace(0, 1, 64 * 64).reshape(64, 64)
    a = noise.add_noise(image, kind, level, rng=42)
    b = noise.add_noise(image, kind, level, rng=42)
    c = noise.add_noise(image, kind, level, rng=43)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == image.shape and a.dtype == np.float64


def test_generator_is_used_and_advanced():
    generator = np.random.default_rng(0)
    first = noise.add_gaussian_noise(np.zeros((4, 4)), sigma=1.0, rng=generator)
    second = noise.add_gaussian_noise(np.zeros((4, 4)), sigma=1.0, rng=generator)
    assert not np.array_equal(first, second)


def test_3d_images_are_accepted():
    assert noise.add_rician_noise(np.ones((3, 4, 5)), sigma=0.1, rng=0).shape == (3, 4, 5)


def test_negative_sigma_raises():
    with pytest.raises(ValueError, match=r"sigma must be finite and >= 0, got -1"):
        noise.add_gaussian_noise(np.zeros((4, 4)), sigma=-1)
    with pytest.raises(ValueError, match=r"sigma must be finite and >= 0"):
        noise.add_rician_noise(np.zeros((4, 4)), sigma=-0.5)


def test_amount_outside_unit_interval_raises():
    with pytest.raises(ValueError, match=r"amount must lie in \[0, 1\], got 1.5"):
        noise.add_salt_and_pepper_noise(np.zeros((4, 4)), amount=1.5)


def test_non_finite_salt_value_raises():
    with pytest.raises(ValueError, match="salt_value must be finite"):
        noise.add_salt_and_pepper_noise(np.zeros((4, 4)), amount=0.1, salt_value=np.inf)


def test_nan_image_raises():
    image = np.zeros((4, 4))
    image[0, 0] = np.nan
    with pytest.raises(ValueError, match="image must contain only finite values"):
        noise.add_gaussian_noise(image, sigma=1.0)


def test_wrong_dimension_raises():
    with pytest.raises(ValueError, match=r"image must be 2D or 3D, got 1D"):
        noise.add_gaussian_noise(np.zeros(5), sigma=1.0)


@pytest.mark.parametrize("function", ["add_poisson_noise", "add_rician_noise", "add_speckle_noise"])
def test_negative_image_raises_for_non_negative_models(function):
    kwargs = {"add_poisson_noise": {"peak_counts": 10}, "add_rician_noise": {"sigma": 1.0}}
    with pytest.raises(ValueError, match=r"image must be non-negative .* got minimum -1"):
        getattr(noise, function)(-np.ones((4, 4)), **kwargs.get(function, {}))


def test_non_positive_peak_counts_and_looks_raise():
    with pytest.raises(ValueError, match=r"peak_counts must be finite and > 0, got 0"):
        noise.add_poisson_noise(np.ones((4, 4)), peak_counts=0)
    with pytest.raises(ValueError, match=r"looks must be finite and > 0, got -2"):
        noise.add_speckle_noise(np.ones((4, 4)), looks=-2)


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match=r"kind must be one of .*'gaussian'.*got 'laplace'"):
        noise.add_noise(np.zeros((4, 4)), "laplace", 1.0)  # type: ignore[arg-type]
