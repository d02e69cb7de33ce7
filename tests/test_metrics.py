"""Tests for miakit.metrics: hand-checkable cases, library cross-checks, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial.distance import directed_hausdorff
from skimage import metrics as skm
from skimage.measure import shannon_entropy

from miakit import metrics
from miakit._surface import surface_distances
from miakit.metrics import (
    ThresholdDice,
    average_symmetric_surface_distance,
    best_threshold_dice,
    cnr,
    dice_coefficient,
    dice_per_label,
    entropy,
    hausdorff_distance,
    hd95,
    jaccard_index,
    mse,
    psnr,
    relative_volume_difference,
    snr,
    ssim,
    surface_dice,
)


def _cube(shape=(12, 12, 12), start=(3, 3, 3), size=4) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[tuple(slice(s, s + size) for s in start)] = True
    return mask


def _sphere(shape, centre, radius) -> np.ndarray:
    grid = np.indices(shape)
    dist2 = sum((g - c) ** 2 for g, c in zip(grid, centre, strict=True))
    return dist2 <= radius**2


def _surface(mask: np.ndarray) -> np.ndarray:
    structure = ndimage.generate_binary_structure(mask.ndim, 1)
    return mask & ~ndimage.binary_erosion(mask, structure=structure)


# --- overlap -----------------------------------------------------------------------


def test_all_names_exported():
    for name in metrics.__all__:
        assert callable(getattr(metrics, name))


def test_dice_per_label_hand_and_default_labels():
    truth = np.array([[0, 1, 1, 2], [0, 1, 2, 2]])
    pred = np.array([[0, 1, 2, 2], [1, 1, 2, 2]])
    # label 1: truth 3 px, pred 3 px, 2 shared -> 4/6; label 2: 3 and 4 px, 3 shared -> 6/7
    scores = dice_per_label(truth, pred)
    assert list(scores) == [1, 2]
    assert scores[1] == pytest.approx(4 / 6)
    assert scores[2] == pytest.approx(6 / 7)
    # an explicit label absent from both maps gets empty_score
    assert dice_per_label(truth, pred, labels=[5], empty_score=0.5) == {5: 0.5}


def test_dice_per_label_errors():
    with pytest.raises(TypeError, match="labels_true must have dtype kind in 'biu'"):
        dice_per_label(np.zeros((3, 3)), np.zeros((3, 3), int))
    with pytest.raises(ValueError, match="labels_pred shape"):
        dice_per_label(np.zeros((3, 3), int), np.zeros((3, 4), int))


def _brute_force_threshold_dice(values, truth):
    best = 0.0
    for t in np.unique(values):
        for pred in (values >= t, values <= t):
            best = max(best, dice_coefficient(truth, pred))
    return best


def test_best_threshold_dice_matches_brute_force():
    rng = np.random.default_rng(3)
    truth = rng.random((12, 12)) > 0.7
    image = truth * 1.0 + rng.normal(0, 0.6, truth.shape)
    image = np.round(image, 1)  # ties: only cuts between distinct values count
    result = best_threshold_dice(image, truth)
    assert isinstance(result, ThresholdDice)
    assert result.dice == pytest.approx(_brute_force_threshold_dice(image, truth))
    side = image >= result.threshold if result.direction == "above" else image <= result.threshold
    assert dice_coefficient(truth, side) == pytest.approx(result.dice)


def test_best_threshold_dice_dark_object_and_region():
    image = np.array([[0.9, 0.1, 0.8], [0.2, 0.9, 0.5]])
    truth = image < 0.3  # a dark object
    assert best_threshold_dice(image, truth, direction="below") == (1.0, 0.2, "below")
    assert best_threshold_dice(image, truth, direction="above").dice < 1.0
    region = np.array([[1, 1, 0], [1, 1, 0]], bool)
    assert best_threshold_dice(image, truth, mask=region).dice == 1.0
    assert best_threshold_dice(image, np.zeros_like(truth)).dice == 0.0


def test_best_threshold_dice_errors():
    image, truth = np.zeros((3, 3)), np.zeros((3, 3), bool)
    with pytest.raises(ValueError, match="direction must be one of"):
        best_threshold_dice(image, truth, direction="up")
    with pytest.raises(ValueError, match="mask_true shape"):
        best_threshold_dice(image, np.zeros((2, 3), bool))
    with pytest.raises(ValueError, match="mask must contain at least one True voxel"):
        best_threshold_dice(image, truth, mask=np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="image must contain only finite values"):
        best_threshold_dice(np.full((3, 3), np.nan), truth)


def test_relative_volume_difference():
    a = _cube()  # 64 voxels
    assert relative_volume_difference(a, np.roll(a, 6, axis=0)) == 0.0  # disjoint, same size
    b = a.copy()
    b[0, 0, 0] = True
    assert relative_volume_difference(a, b) == pytest.approx(1 / 64)
    assert relative_volume_difference(b, a) == pytest.approx(-1 / 65)
    with pytest.raises(ValueError, match="mask_true must not be empty"):
        relative_volume_difference(np.zeros_like(a), a)


def test_dice_known_overlap():
    a = np.zeros((4, 4), bool)
    a[:2] = True  # 8 px
    b = np.zeros((4, 4), bool)
    b[1:3] = True  # 8 px, 4 shared
    assert dice_coefficient(a, b) == pytest.approx(0.5)  # 2*4/16
    assert jaccard_index(a, b) == pytest.approx(1 / 3)  # 4/12


def test_dice_identical_and_disjoint():
    a = _cube()
    assert dice_coefficient(a, a) == 1.0
    assert jaccard_index(a, a) == 1.0
    b = np.roll(a, 6, axis=0)  # disjoint
    assert dice_coefficient(a, b) == 0.0
    assert jaccard_index(a, b) == 0.0


def test_dice_cube_shift_3d():
    a = _cube()  # 64 voxels
    b = np.roll(a, 1, axis=2)  # 48 shared
    assert dice_coefficient(a, b) == pytest.approx(2 * 48 / 128)
    assert jaccard_index(a, b) == pytest.approx(48 / 80)


def test_dice_jaccard_relation():
    rng = np.random.default_rng(0)
    a = rng.random((20, 20)) > 0.5
    b = rng.random((20, 20)) > 0.5
    j = jaccard_index(a, b)
    assert dice_coefficient(a, b) == pytest.approx(2 * j / (1 + j))


def test_dice_accepts_01_integers():
    a = np.array([[1, 0], [0, 0]])
    assert dice_coefficient(a, a.astype(float)) == 1.0


def test_empty_masks_overlap():
    empty = np.zeros((5, 5), bool)
    full = np.ones((5, 5), bool)
    assert dice_coefficient(empty, empty) == 1.0
    assert jaccard_index(empty, empty) == 1.0
    assert dice_coefficient(empty, empty, empty_score=0.0) == 0.0
    assert jaccard_index(empty, empty, empty_score=float(0)) == 0.0
    assert dice_coefficient(empty, full) == 0.0
    assert jaccard_index(full, empty) == 0.0


# --- surface distances ---------------------------------------------------------------


def test_hausdorff_cube_shift_anisotropic():
    a = _cube()
    b = np.roll(a, 2, axis=0)  # 2 voxels along axis 0 with 3 mm spacing -> 6 mm
    assert hausdorff_distance(a, b, spacing_mm=(3.0, 1.0, 0.5)) == pytest.approx(6.0)
    b = np.roll(a, 2, axis=2)  # same shift along the 0.5 mm axis -> 1 mm
    assert hausdorff_distance(a, b, spacing_mm=(3.0, 1.0, 0.5)) == pytest.approx(1.0)
    assert hd95(a, b, spacing_mm=(3.0, 1.0, 0.5)) == pytest.approx(1.0)


def test_hausdorff_isotropic_scalar_spacing():
    a = _cube()
    b = np.roll(a, 3, axis=1)
    assert hausdorff_distance(a, b, spacing_mm=2.0) == pytest.approx(6.0)


def test_hausdorff_spheres_radius_difference():
    a = _sphere((31, 31, 31), (15, 15, 15), 10)
    b = _sphere((31, 31, 31), (15, 15, 15), 7)
    # concentric spheres: every surface point is ~3 voxels from the other surface,
    # up to about one voxel of discretisation
    assert hausdorff_distance(a, b) == pytest.approx(3.0, abs=1.0)
    assert average_symmetric_surface_distance(a, b) == pytest.approx(3.0, abs=0.5)
    assert hd95(a, b) <= hausdorff_distance(a, b)


def test_hausdorff_matches_skimage_and_scipy_on_surfaces():
    rng = np.random.default_rng(1)
    a = _sphere((40, 50), (20, 22), 12) | (rng.random((40, 50)) > 0.995)
    b = _sphere((40, 50), (18, 27), 9)
    sa, sb = _surface(a), _surface(b)
    ours = hausdorff_distance(a, b)
    assert ours == pytest.approx(skm.hausdorff_distance(sa, sb))
    spacing = np.array([2.5, 0.7])
    pa, pb = np.argwhere(sa) * spacing, np.argwhere(sb) * spacing
    expected = max(directed_hausdorff(pa, pb)[0], directed_hausdorff(pb, pa)[0])
    assert hausdorff_distance(a, b, spacing_mm=tuple(spacing)) == pytest.approx(expected)


def test_hd95_ignores_one_outlier():
    a = np.zeros((20, 20), bool)
    a[5:15, 5:15] = True
    b = a.copy()
    b[0, 0] = True  # one false-positive pixel, sqrt(50) from the square's corner
    assert hausdorff_distance(a, b) == pytest.approx(math.sqrt(50))
    assert hd95(a, b) == pytest.approx(0.0)
    assert hd95(a, b) == hausdorff_distance(a, b, percentile=95)


def test_assd_hand_computed():
    a = np.zeros((10, 10), bool)
    a[2:6, 2:6] = True  # 12 surface px
    b = np.zeros((10, 10), bool)
    b[2:6, 2:7] = True  # 14 surface px
    # a -> b: 2 px at 1 mm; b -> a: 4 px at 1 mm
    assert average_symmetric_surface_distance(a, b) == pytest.approx(6 / 26)
    # columns 2 mm apart: a -> b still 2 px at 1 mm (along rows); b -> a: 4 px at 2 mm
    assert average_symmetric_surface_distance(a, b, spacing_mm=(1.0, 2.0)) == pytest.approx(10 / 26)


def test_distances_are_symmetric():
    a = _sphere((30, 30), (12, 14), 8)
    b = _sphere((30, 30), (16, 13), 6)
    for f in (hausdorff_distance, hd95, average_symmetric_surface_distance):
        assert f(a, b, spacing_mm=(1.5, 0.8)) == pytest.approx(f(b, a, spacing_mm=(1.5, 0.8)))


def test_empty_masks_distances():
    empty = np.zeros((6, 6, 6), bool)
    cube = _cube((6, 6, 6), (1, 1, 1), 3)
    for f in (hausdorff_distance, hd95, average_symmetric_surface_distance):
        assert f(empty, empty) == 0.0
        assert f(empty, cube) == math.inf
        assert f(cube, empty) == math.inf


def test_surface_dice_hand_and_tolerance():
    a = np.zeros((10, 10), bool)
    a[2:6, 2:6] = True
    b = np.roll(a, 2, axis=1)  # 2 columns = 2 mm
    assert surface_dice(a, b, tolerance_mm=2.0) == 1.0
    # at 0 mm only coinciding surface pixels agree: rows 2 and 5, columns 4-5, of each
    # square (4 + 4 of the 12 + 12 surface pixels)
    assert surface_dice(a, b, tolerance_mm=0.0) == pytest.approx(8 / 24)
    # with 3 mm columns the same shift is 6 mm
    assert surface_dice(a, b, tolerance_mm=2.0, spacing_mm=(1.0, 3.0)) < 1.0
    assert surface_dice(a, a, tolerance_mm=0.0) == 1.0


def test_surface_dice_empty_and_errors():
    empty = np.zeros((6, 6, 6), bool)
    cube = _cube((6, 6, 6), (1, 1, 1), 3)
    assert surface_dice(empty, empty, tolerance_mm=1.0) == 1.0
    assert surface_dice(cube, empty, tolerance_mm=1.0) == 0.0
    with pytest.raises(ValueError, match="tolerance_mm must be finite and >= 0"):
        surface_dice(cube, cube, tolerance_mm=-1.0)


def test_cropping_keeps_values_for_masks_touching_the_border():
    # Masks on the volume's edge: the crop must pad, not cut, the surface
    a = np.zeros((20, 20, 20), bool)
    a[:8, :10, 5:] = True
    b = np.zeros_like(a)
    b[:6, 2:12, 7:] = True
    # reference: this module's uncropped surface definition, on the zero-padded masks
    sa = _surface(np.pad(a, 1))[1:-1, 1:-1, 1:-1]
    sb = _surface(np.pad(b, 1))[1:-1, 1:-1, 1:-1]
    spacing = (2.0, 1.0, 0.5)
    ref_ab = ndimage.distance_transform_edt(~sb, sampling=spacing)[sa]
    ref_ba = ndimage.distance_transform_edt(~sa, sampling=spacing)[sb]
    d_ab, d_ba = surface_distances(a, b, spacing)
    np.testing.assert_allclose(np.sort(d_ab), np.sort(ref_ab))
    np.testing.assert_allclose(np.sort(d_ba), np.sort(ref_ba))


@pytest.mark.filterwarnings("ignore::FutureWarning")  # MONAI 1.6 warns about its own call
def test_surface_metrics_match_monai():
    torch = pytest.importorskip("torch")
    monai_metrics = pytest.importorskip("monai.metrics")
    rng = np.random.default_rng(0)
    a = _sphere((40, 44, 36), (18, 20, 17), 11) | (rng.random((40, 44, 36)) > 0.999)
    b = _sphere((40, 44, 36), (21, 22, 15), 9)
    spacing = (1.5, 0.8, 1.2)
    ta, tb = (torch.from_numpy(m[None, None]) for m in (a, b))
    # MONAI's metrics take (y_pred, y); ours take (mask_true, mask_pred)
    expected_hd95 = monai_metrics.compute_hausdorff_distance(
        tb, ta, percentile=95, spacing=spacing
    ).item()
    expected_hd = monai_metrics.compute_hausdorff_distance(tb, ta, spacing=spacing).item()
    expected_assd = monai_metrics.compute_average_surface_distance(
        tb, ta, symmetric=True, spacing=spacing
    ).item()
    expected_nsd = monai_metrics.compute_surface_dice(
        torch.cat([1 - tb.int(), tb.int()], 1),
        torch.cat([1 - ta.int(), ta.int()], 1),
        class_thresholds=[2.0],
        spacing=spacing,
    ).item()
    assert hd95(a, b, spacing_mm=spacing) == pytest.approx(expected_hd95, abs=1e-5)
    assert hausdorff_distance(a, b, spacing_mm=spacing) == pytest.approx(expected_hd, abs=1e-5)
    assert average_symmetric_surface_distance(a, b, spacing_mm=spacing) == pytest.approx(
        expected_assd, abs=1e-5
    )
    assert surface_dice(a, b, tolerance_mm=2.0, spacing_mm=spacing) == pytest.approx(
        expected_nsd, abs=1e-6
    )


# --- bad inputs (masks) --------------------------------------------------------------


def test_shape_mismatch_message():
    with pytest.raises(
        ValueError, match=r"mask_pred shape \(3, 4\) does not match mask_true shape \(4, 4\)"
    ):
        dice_coefficient(np.zeros((4, 4)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="does not match"):
        hausdorff_distance(np.zeros((4, 4)), np.zeros((3, 4)))


def test_non_binary_mask():
    with pytest.raises(ValueError, match="mask_pred must be binary"):
        jaccard_index(np.zeros((4, 4)), np.full((4, 4), 2))


def test_wrong_dimensionality():
    with pytest.raises(ValueError, match=r"mask_true must be 2D or 3D, got 1D"):
        dice_coefficient(np.zeros(4), np.zeros(4))


def test_bad_spacing():
    a = _cube()
    with pytest.raises(ValueError, match="spacing_mm must have 3 values"):
        hausdorff_distance(a, a, spacing_mm=(1.0, 1.0))
    with pytest.raises(ValueError, match="spacing_mm must be positive"):
        average_symmetric_surface_distance(a, a, spacing_mm=(1.0, 0.0, 1.0))


def test_bad_percentile():
    a = _cube()
    with pytest.raises(ValueError, match=r"percentile must lie in \[0, 100\], got 101"):
        hausdorff_distance(a, a, percentile=101)
    with pytest.raises(ValueError, match="percentile must be finite and >= 0"):
        hausdorff_distance(a, a, percentile=-1)


def test_bad_empty_score():
    a = _cube()
    with pytest.raises(TypeError, match="empty_score must be a number"):
        dice_coefficient(a, a, empty_score="one")
    with pytest.raises(ValueError, match="empty_score must be finite"):
        jaccard_index(a, a, empty_score=float("nan"))


# --- image quality -------------------------------------------------------------------


@pytest.fixture
def image_pair():
    rng = np.random.default_rng(0)
    x = np.clip(
        np.linspace(0, 1, 48 * 40).reshape(48, 40) + 0.05 * rng.standard_normal((48, 40)), 0, 1
    )
    y = np.clip(x + 0.1 * rng.standard_normal(x.shape), 0, 1)
    return x, y


def test_mse_hand():
    assert mse(np.zeros((2, 2)), np.array([[0.0, 2.0], [0.0, 0.0]])) == 1.0


def test_psnr_hand_and_skimage(image_pair):
    assert psnr(np.zeros((2, 2)), np.full((2, 2), 0.1), data_range=1.0) == pytest.approx(20.0)
    x, y = image_pair
    assert psnr(x, y, data_range=1.0) == pytest.approx(
        skm.peak_signal_noise_ratio(x, y, data_range=1.0)
    )
    assert mse(x, y) == pytest.approx(skm.mean_squared_error(x, y))
    assert psnr(x, x, data_range=1.0) == math.inf


def test_ssim_matches_skimage(image_pair):
    x, y = image_pair
    expected = skm.structural_similarity(x, y, data_range=1.0)
    assert ssim(x, y, data_range=1.0) == pytest.approx(expected)
    value, ssim_map = ssim(x, y, data_range=1.0, return_map=True)
    assert value == pytest.approx(expected)
    assert ssim_map.shape == x.shape
    assert ssim(x, x, data_range=1.0) == pytest.approx(1.0)


def test_ssim_3d():
    rng = np.random.default_rng(3)
    x = rng.random((8, 9, 10))
    assert ssim(x, x + 0.01, data_range=1.0) == pytest.approx(
        skm.structural_similarity(x, x + 0.01, data_range=1.0)
    )


def test_image_metric_bad_inputs():
    with pytest.raises(
        ValueError, match=r"image_test shape \(3, 4\) does not match image_true shape \(4, 4\)"
    ):
        mse(np.zeros((4, 4)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="data_range must be finite and > 0"):
        psnr(np.zeros((4, 4)), np.ones((4, 4)), data_range=0)
    with pytest.raises(ValueError, match="at least 7 voxels"):
        ssim(np.zeros((5, 9)), np.zeros((5, 9)), data_range=1.0)
    with pytest.raises(ValueError, match="image_true must contain only finite values"):
        ssim(np.full((9, 9), np.nan), np.zeros((9, 9)), data_range=1.0)


def test_snr_cnr_hand():
    img = np.array([[10.0, 10.0], [1.0, -1.0]])
    sig = np.array([[1, 1], [0, 0]])
    bg = 1 - sig
    assert snr(img, signal_mask=sig, background_mask=bg) == pytest.approx(10 / math.sqrt(2))
    img = np.array([[5.0, 3.0], [1.0, -1.0]])
    a = np.array([[1, 0], [0, 0]])
    b = np.array([[0, 1], [0, 0]])
    assert cnr(img, mask_a=a, mask_b=b, background_mask=bg) == pytest.approx(2 / math.sqrt(2))
    assert cnr(img, mask_a=b, mask_b=a, background_mask=bg) == pytest.approx(2 / math.sqrt(2))


def test_snr_noise_free_background():
    img = np.array([[4.0, 4.0], [0.0, 0.0]])
    sig = np.array([[1, 1], [0, 0]])
    assert snr(img, signal_mask=sig, background_mask=1 - sig) == math.inf


def test_snr_scales_with_noise():
    rng = np.random.default_rng(0)
    img = np.zeros((64, 64))
    img[:32] = 100.0
    sig = np.zeros((64, 64), bool)
    sig[:32] = True
    noisy = img + 5.0 * rng.standard_normal(img.shape)
    assert snr(noisy, signal_mask=sig, background_mask=~sig) == pytest.approx(20.0, rel=0.05)


def test_snr_cnr_bad_inputs():
    img = np.zeros((4, 4))
    m = np.zeros((4, 4), bool)
    m[0, 0] = True
    with pytest.raises(ValueError, match="background_mask must contain at least 2 voxels, got 1"):
        snr(img, signal_mask=m, background_mask=m)
    with pytest.raises(ValueError, match="mask_b must contain at least 1 voxels, got 0"):
        cnr(img, mask_a=m, mask_b=np.zeros((4, 4)), background_mask=np.ones((4, 4)))
    with pytest.raises(ValueError, match=r"signal_mask shape \(3, 4\) does not match image shape"):
        snr(img, signal_mask=np.ones((3, 4)), background_mask=np.ones((4, 4)))


def test_entropy_hand_and_skimage():
    assert entropy(np.array([0, 0, 1, 1]), bins=2) == pytest.approx(1.0)
    assert entropy(np.full((5, 5), 3.0)) == 0.0
    rng = np.random.default_rng(0)
    img = rng.integers(0, 16, size=(32, 32))
    # one bin per integer value: same as skimage's value-counting entropy
    assert entropy(img, bins=16, value_range=(-0.5, 15.5)) == pytest.approx(shannon_entropy(img))
    assert entropy(rng.random(10000), bins=8, value_range=(0, 1)) == pytest.approx(3.0, abs=0.01)


def test_entropy_bad_inputs():
    with pytest.raises(ValueError, match="bins must be >= 1, got 0"):
        entropy(np.zeros(4), bins=0)
    with pytest.raises(ValueError, match="value_range must be increasing"):
        entropy(np.zeros(4), value_range=(1.0, 0.0))
    with pytest.raises(ValueError, match="image must not be empty"):
        entropy(np.zeros(0))
    with pytest.raises(ValueError, match="image must contain only finite values"):
        entropy(np.array([0.0, np.inf]))
