"""Tests of miakit.chest: anatomical facts, determinism, masks, prevalence, export, errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pydicom
import pytest

from miakit import chest
from miakit.chest import (
    CT_LABELS,
    FINDINGS,
    SITES,
    cardiothoracic_ratio,
    export_chest_ct,
    export_radiograph,
    generate_radiographs,
    make_chest_subject,
    render_chest_ct,
    simulate_radiograph,
)
from miakit.dicom import read_dicom, read_series

NORMAL = range(10)


@pytest.fixture(scope="module")
def normal_films():
    """PA and AP films (128^2) of ten subjects without findings."""
    subjects = [make_chest_subject(i, seed=5, findings=()) for i in NORMAL]
    pa = [simulate_radiograph(s, size=128) for s in subjects]
    ap = [simulate_radiograph(s, size=128, view="AP") for s in subjects]
    return subjects, pa, ap


# --- anatomical facts ---------------------------------------------------------------------


def test_normal_pa_ctr_between_040_and_050(normal_films):
    _, pa, _ = normal_films
    ctr = np.array([f.ctr for f in pa])
    assert np.all((ctr >= 0.40) & (ctr <= 0.50)), f"expected CTR in [0.40, 0.50], measured {ctr}"


def test_ap_magnifies_the_heart(normal_films):
    _, pa, ap = normal_films
    ratio = np.array([a.ctr / p.ctr for a, p in zip(ap, pa, strict=True)])
    assert np.all(ratio > 1.0) and ratio.mean() > 1.04, f"expected AP/PA CTR > 1, measured {ratio}"


def test_cardiomegaly_raises_ctr_above_050():
    ctr = np.array(
        [simulate_radiograph(make_chest_subject(i, seed=5, findings=("cardiomegaly",)), size=128).ctr
         for i in NORMAL]
    )  # fmt: skip
    assert np.all(ctr > 0.50), f"expected CTR > 0.50 with cardiomegaly, measured {ctr}"


def test_right_lung_larger_and_left_dome_lower():
    for i in range(5):
        subject = make_chest_subject(i, seed=2, findings=())
        ct = render_chest_ct(subject, shape=(48, 48, 48), noise_hu=0.0)
        right, left = ct.metadata["right_lung_ml"], ct.metadata["left_lung_ml"]
        assert right > left, f"expected right lung > left, measured {right:.0f} vs {left:.0f} ml"
        assert 1500 < right + left < 8000, f"total lung volume {right + left:.0f} ml"
        dome_r, dome_l = (lung.dome_top for lung in subject.thorax.lungs)
        assert dome_l < dome_r, f"expected left dome lower, measured {dome_l:.0f} vs {dome_r:.0f}"


def test_left_hemidiaphragm_lower_on_the_film(normal_films):
    _, pa, _ = normal_films
    for film in pa:
        bottom = [
            np.flatnonzero(film.masks[k].any(axis=1))[-1] for k in ("lung_right", "lung_left")
        ]
        assert bottom[1] > bottom[0], f"expected left lung field lower (rows), measured {bottom}"


def _heart_side_score(image: np.ndarray) -> float:
    """Mean of a band right of centre minus its exact mirror (rows at heart level)."""
    h, w = image.shape
    band = image[int(0.45 * h) : int(0.65 * h)]
    c0, c1 = int(0.58 * w), int(0.72 * w)
    return float(band[:, c0:c1].mean() - band[:, w - c1 : w - c0].mean())


def test_heart_on_patients_left_and_flip_is_detectable(normal_films):
    _, pa, _ = normal_films
    scores = []
    for film in pa:
        cols = np.flatnonzero(film.masks["heart"].any(axis=0))
        width = film.image.shape[1]
        assert cols.mean() > width / 2, f"heart centre column {cols.mean():.1f} <= {width / 2}"
        scores.append(_heart_side_score(film.image))
    # a left-right flip negates the score exactly (mirrored bands): the finding is that
    # unflipped films score > 0, so the score tells flipped from unflipped films
    scores = np.array(scores)
    assert np.mean(scores > 0) >= 0.9, f"expected >= 90 % positive heart-side scores, got {scores}"
    flipped = np.array([_heart_side_score(f.image[:, ::-1]) for f in pa])
    np.testing.assert_allclose(flipped, -scores, atol=1e-6)


def test_ct_intensities_are_physical():
    ct = render_chest_ct(make_chest_subject(1, findings=()), shape=(64, 64, 64), noise_hu=0.0)
    hu, labels = ct.image_hu, ct.labels
    lung = np.median(hu[(labels == 2) | (labels == 3)])
    soft = np.median(hu[labels == 4])
    assert -900 < lung < -800, f"lung median {lung:.0f} HU"
    assert 20 < soft < 60, f"heart median {soft:.0f} HU"
    assert hu[labels == 5].mean() > 250, f"bone mean {hu[labels == 5].mean():.0f} HU"
    assert set(np.unique(labels)) <= set(CT_LABELS)


# --- determinism ----------------------------------------------------------------------------


def test_same_subject_whatever_the_order():
    forward = [make_chest_subject(i, seed=3).metadata for i in range(6)]
    backward = [make_chest_subject(i, seed=3).metadata for i in reversed(range(6))][::-1]
    assert forward == backward
    small, large = (
        generate_radiographs(3, size=64, seed=3),
        generate_radiographs(5, size=64, seed=3),
    )
    np.testing.assert_array_equal(small.images[2], large.images[2])
    single = simulate_radiograph(
        make_chest_subject(2, seed=3, site=small.metadata.site[2]), size=64
    )
    np.testing.assert_array_equal(single.image, small.images[2])
    other = generate_radiographs(3, size=64, seed=4)
    assert not np.array_equal(other.images, small.images)


def test_forcing_a_finding_keeps_demographics_and_other_findings():
    free = make_chest_subject(8, seed=1, prevalence=0.0)
    forced = make_chest_subject(8, seed=1, findings=("effusion",))
    assert (free.age, free.sex, free.site) == (forced.age, forced.sex, forced.site)
    assert free.thorax.lungs == forced.thorax.lungs
    assert forced.findings.effusion is not None and free.findings.effusion is None


# --- masks, boxes, findings -------------------------------------------------------------------


def test_masks_boxes_and_labels_consistent():
    batch = generate_radiographs(12, size=128, seed=7, prevalence=0.5)
    for i, row in batch.metadata.iterrows():
        lungs, heart = batch.lung_masks[i], batch.heart_masks[i]
        assert lungs.sum() > 0.1 * lungs.size, "lung fields cover less than 10 % of the film"
        assert heart.any() and not (lungs & heart).any(), "SCR lung fields must exclude the heart"
        boxes = batch.boxes[batch.boxes.image_index == i]
        assert (boxes.label == "nodule").sum() == row.n_nodules
        assert bool(batch.nodule_masks[i].any()) == bool(row.nodule)
        for box in boxes.itertuples():
            assert 0 <= box.row0 < box.row1 <= 128 and 0 <= box.col0 < box.col1 <= 128
        for box in boxes[boxes.label == "nodule"].itertuples():
            assert batch.nodule_masks[i, box.row0 : box.row1, box.col0 : box.col1].any()


def test_findings_change_the_image_where_their_mask_is():
    subject = make_chest_subject(4, seed=0, findings=("consolidation", "effusion", "nodule"))
    clean = simulate_radiograph(make_chest_subject(4, seed=0, findings=()), size=128)
    sick = simulate_radiograph(subject, size=128)
    diff = sick.line_integral - clean.line_integral
    for name in ("consolidation", "effusion"):
        mask = sick.masks[name]
        assert mask.any(), f"{name} mask empty"
        assert diff[mask].mean() > 0.05, f"{name}: line integral rise {diff[mask].mean():.3f}"
    assert not (sick.masks["effusion"] & (sick.masks["lung_right"] | sick.masks["lung_left"])).any()


def test_nodules_grow_over_time():
    subject = make_chest_subject(6, findings=("nodule",))
    d0, d2 = subject.nodule_table(0)[:, 3], subject.nodule_table(2)[:, 3]
    assert np.all(d2 > d0) and np.all((d0 >= 4) & (d0 <= 30))
    ct0 = render_chest_ct(subject, shape=(64, 64, 64), noise_hu=0)
    ct2 = render_chest_ct(subject, shape=(64, 64, 64), noise_hu=0, timepoint=2)
    assert ct2.metadata["nodule_ml"] >= ct0.metadata["nodule_ml"]


def test_prevalence_controls_the_labels():
    none = pd.DataFrame([make_chest_subject(i, prevalence=0.0).metadata for i in range(40)])
    half = pd.DataFrame(
        [make_chest_subject(i, prevalence={"nodule": 0.5}).metadata for i in range(40)]
    )
    every = pd.DataFrame([make_chest_subject(i, prevalence=1.0).metadata for i in range(40)])
    assert none[list(FINDINGS)].to_numpy().sum() == 0
    assert every[list(FINDINGS)].to_numpy().all()
    assert 10 <= half.nodule.sum() <= 30, f"nodule count {half.nodule.sum()} of 40 at p=0.5"
    assert np.all(half.nodule.to_numpy() >= none.nodule.to_numpy())


def test_sites_differ_measurably():
    noise = {}
    for site in ("A", "C"):
        film = simulate_radiograph(make_chest_subject(0, site=site, findings=()), size=128)
        lung = film.masks["lung_right"]
        residual = film.log_image - film.line_integral
        noise[site] = float(residual[lung].std())
    assert noise["C"] > 1.3 * noise["A"], f"expected noisier site C, measured {noise}"


# --- export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("site", ["A", "B"])
def test_radiograph_dicom_round_trip(tmp_path, site):
    film = simulate_radiograph(make_chest_subject(1, site=site), size=64, view="AP")
    image = read_dicom(export_radiograph(film, tmp_path / "x.dcm", study_date=dt.date(2020, 1, 2)))
    ds = image.dataset
    assert ds.Modality == SITES[site].modality and ds.ViewPosition == "AP"
    assert float(ds.ImagerPixelSpacing[0]) == pytest.approx(film.pixel_spacing_mm, rel=1e-5)
    assert float(ds.PixelSpacing[0]) == pytest.approx(
        film.pixel_spacing_mm / film.magnification, rel=1e-4
    )
    values = image.pixels / 4095.0
    if ds.PhotometricInterpretation == "MONOCHROME1":
        values = 1.0 - values
    np.testing.assert_allclose(values, film.image, atol=1 / 4095)
    assert ds.StudyDate == "20200102" and str(ds.PatientName)


def test_ct_dicom_round_trip(tmp_path):
    ct = render_chest_ct(make_chest_subject(2), shape=(16, 32, 32))
    files = export_chest_ct(ct, tmp_path / "ct")
    volume = read_series(files)
    np.testing.assert_allclose(volume.array, np.clip(np.round(ct.image_hu), -1024, 3071), atol=0.5)
    assert pydicom.dcmread(files[0]).Modality == "CT"
    np.testing.assert_allclose(volume.spacing_mm, ct.spacing_mm)


# --- errors ------------------------------------------------------------------------------------------


def test_input_errors_name_the_argument():
    with pytest.raises(ValueError, match="subject_id must be >= 0"):
        make_chest_subject(-1)
    with pytest.raises(TypeError, match="seed must be an integer"):
        make_chest_subject(0, seed=1.5)
    with pytest.raises(ValueError, match="site must be one of"):
        make_chest_subject(0, site="Z")
    with pytest.raises(ValueError, match="findings must be one of"):
        make_chest_subject(0, findings=("tumour",))
    with pytest.raises(TypeError, match="findings must be a sequence"):
        make_chest_subject(0, findings="nodule")
    with pytest.raises(ValueError, match="prevalence must lie in"):
        make_chest_subject(0, prevalence=1.5)
    with pytest.raises(ValueError, match=r"prevalence\['nodule'\] must lie in"):
        make_chest_subject(0, prevalence={"nodule": -0.1})
    with pytest.raises(ValueError, match="prevalence keys must be in"):
        make_chest_subject(0, prevalence={"fracture": 0.1})
    with pytest.raises(TypeError, match="prevalence must be a float"):
        make_chest_subject(0, prevalence="high")
    with pytest.raises(ValueError, match="age must lie in"):
        make_chest_subject(0, age=5)
    with pytest.raises(ValueError, match="sex must be one of"):
        make_chest_subject(0, sex="X")
    subject = make_chest_subject(0)
    with pytest.raises(TypeError, match="subject must be a ChestSubject"):
        simulate_radiograph("film")
    with pytest.raises(ValueError, match="view must be one of"):
        simulate_radiograph(subject, view="LAT")
    with pytest.raises(ValueError, match="size must be a multiple of 4"):
        simulate_radiograph(subject, size=2048)
    with pytest.raises(ValueError, match="size must be >= 64"):
        generate_radiographs(2, size=32)
    with pytest.raises(ValueError, match="timepoint must be >= 0"):
        simulate_radiograph(subject, timepoint=-1)
    with pytest.raises(ValueError, match="timepoint must be <= 10"):
        render_chest_ct(subject, shape=(16, 16, 16), timepoint=11)
    with pytest.raises(ValueError, match="shape must be 3 integers"):
        render_chest_ct(subject, shape=(8, 8, 8))
    with pytest.raises(ValueError, match="noise_hu must be finite"):
        render_chest_ct(subject, shape=(16, 16, 16), noise_hu=-1)
    with pytest.raises(ValueError, match="sites must name at least one site"):
        generate_radiographs(2, size=64, sites=())
    with pytest.raises(ValueError, match="sites must be one of"):
        generate_radiographs(2, size=64, sites=("Q",))
    with pytest.raises(ValueError, match="n_subjects must be >= 1"):
        generate_radiographs(0)
    with pytest.raises(TypeError, match="radiograph must come from"):
        export_radiograph(subject, "x.dcm")
    with pytest.raises(TypeError, match="ct must come from"):
        export_chest_ct(subject, "folder")
    with pytest.raises(ValueError, match="lungs_mask shape"):
        cardiothoracic_ratio(np.ones((4, 4), bool), np.ones((4, 5), bool))
    assert np.isnan(cardiothoracic_ratio(np.zeros((4, 4), bool), np.ones((4, 4), bool)))
    assert set(chest.__all__) <= set(dir(chest))


# --- PyTorch dataset --------------------------------------------------------------------------------


def test_torch_dataset_targets_and_joint_transforms():
    from miakit.chest_torch import BOX_LABELS, ChestRadiographDataset
    from miakit.nn.data import RandomFlip, RandomRotation

    films = generate_radiographs(3, size=64, seed=2, prevalence={"nodule": 1.0})
    data = ChestRadiographDataset(films)
    image, target = data[1]
    assert tuple(image.shape) == (1, 64, 64) and image.dtype.is_floating_point
    assert tuple(target["masks"].shape) == (3, 64, 64)
    n_boxes = int((films.boxes.image_index == 1).sum())
    assert tuple(target["boxes"].shape) == (n_boxes, 4) and len(target["labels"]) == n_boxes
    assert set(target["labels"].tolist()) <= set(BOX_LABELS.values())
    for (x0, y0, x1, y1), label in zip(
        target["boxes"].tolist(), target["labels"].tolist(), strict=True
    ):
        channel = {1: 0, 2: 0, 3: 1, 4: 2}[label]
        assert target["masks"][channel, int(y0) : int(y1), int(x0) : int(x1)].any()
    flip = ChestRadiographDataset(films, transform=RandomFlip("left-right", p=1.0))
    flipped_image, flipped = flip[1]
    np.testing.assert_array_equal(flipped_image.numpy(), image.numpy()[..., ::-1])
    np.testing.assert_array_equal(flipped["masks"].numpy(), target["masks"].numpy()[..., ::-1])
    np.testing.assert_allclose(flipped["boxes"][:, 0], 64 - target["boxes"][:, 2])
    moved_image, moved = ChestRadiographDataset(films, transform=RandomRotation(8.0))[1]
    assert moved_image.shape == image.shape
    heart_box = moved["boxes"][moved["labels"] == BOX_LABELS["heart"]][0].tolist()
    rows, cols = np.nonzero(moved["masks"][1].numpy())
    assert heart_box[0] <= cols.min() + 1 and cols.max() <= heart_box[2] + 1
    assert heart_box[1] <= rows.min() + 1 and rows.max() <= heart_box[3] + 1
    with pytest.raises(TypeError, match="films must be ChestRadiographs"):
        ChestRadiographDataset(films.images)
    with pytest.raises(TypeError, match="transform must be callable"):
        ChestRadiographDataset(films, transform=3)
