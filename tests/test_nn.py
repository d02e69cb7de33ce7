"""Tests of miakit.nn: shapes, gradients, joint transforms, determinism, bad inputs."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from miakit.nn import (
    ArrayDataset,
    Compose,
    RandomElastic,
    RandomFlip,
    RandomGamma,
    RandomNoise,
    RandomRotation,
    ResNet,
    SmallCNN,
    TinyDETR,
    TinyViT,
    UNet,
    count_parameters,
    detr_loss,
    dice_loss,
    dice_score,
    fit,
    hungarian_match,
    init_weights,
    predict,
    subject_split,
)
from miakit.nn.transformers import box_cxcywh_to_xyxy, generalized_box_iou


def test_import_miakit_does_not_import_torch():
    code = "import sys, miakit; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


# ---------------------------------------------------------------- models


@pytest.mark.parametrize("block", ["basic", "bottleneck"])
def test_resnet_shapes_and_parameter_count(block):
    model = ResNet(2, 3, block=block, layers=(1, 2), width=4)
    assert model(torch.zeros(2, 2, 16, 16)).shape == (2, 3)
    assert model.features(torch.zeros(1, 2, 16, 16)).shape[1] == model.n_features
    # stem conv 2*4*9 weights + BN (2*4) by hand
    stem = sum(p.numel() for p in model.stem.parameters())
    assert stem == 2 * 4 * 9 + 2 * 4


def test_resnet_without_shortcuts_has_no_projection():
    plain = ResNet(1, 2, layers=(1, 1), width=4, residual=False)
    residual = ResNet(1, 2, layers=(1, 1), width=4)
    assert count_parameters(plain) < count_parameters(residual)


@pytest.mark.parametrize("skips", [True, False])
def test_unet_shapes_and_gradients_flow(skips):
    model = UNet(1, 2, width=4, depth=2, skips=skips)
    x = torch.randn(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    target = (x[:, 0] > 0).long()
    loss = F.cross_entropy(model(x), target)
    loss.backward()
    missing = [
        n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0
    ]
    assert not missing, f"parameters without gradient: {missing}"


def test_unet_skips_change_the_decoder_and_3d_works():
    assert count_parameters(UNet(1, 1, width=4, depth=2)) > count_parameters(
        UNet(1, 1, width=4, depth=2, skips=False)
    )
    assert UNet(1, 3, width=2, depth=2, dims=3)(torch.zeros(1, 1, 8, 8, 8)).shape == (1, 3, 8, 8, 8)


def test_init_is_deterministic_and_seed_dependent():
    a, b, c = SmallCNN(1, 2, seed=1), SmallCNN(1, 2, seed=1), SmallCNN(1, 2, seed=2)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.head.weight, c.head.weight)


def test_init_does_not_touch_global_rng():
    state = torch.get_rng_state()
    SmallCNN(1, 2, seed=5)
    TinyViT(1, 2, image_size=16, patch_size=4, dim=8, depth=1, heads=2)
    assert torch.equal(state, torch.get_rng_state())


def test_vit_and_detr_shapes():
    vit = TinyViT(1, 4, image_size=16, patch_size=4, dim=8, depth=1, heads=2)
    assert vit(torch.zeros(2, 1, 16, 16)).shape == (2, 4)
    backbone = ResNet(1, 1, layers=(1, 1), width=4)
    detr = TinyDETR(
        torch.nn.Sequential(backbone.stem, *backbone.stages),
        backbone.n_features,
        n_classes=2,
        n_queries=3,
        dim=8,
        heads=2,
    )
    logits, boxes = detr(torch.zeros(2, 1, 16, 16))
    assert logits.shape == (2, 3, 3) and boxes.shape == (2, 3, 4)
    assert bool(((boxes >= 0) & (boxes <= 1)).all())


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: SmallCNN(0, 2), "in_channels"),
        (lambda: ResNet(1, 2, block="wide"), "block"),
        (lambda: ResNet(1, 2, layers=()), "layers"),
        (lambda: UNet(1, 2, dims=4), "dims"),
        (lambda: TinyViT(1, 2, image_size=30, patch_size=8), "divisible"),
        (lambda: TinyViT(1, 2, dim=10, heads=4), "heads"),
        (lambda: init_weights("model", seed=0), "model"),
        (lambda: init_weights(SmallCNN(1, 2), seed=-1), "seed"),
    ],
)
def test_model_bad_inputs(factory, match):
    with pytest.raises((ValueError, TypeError), match=match):
        factory()


def test_unet_refuses_indivisible_size():
    with pytest.raises(ValueError, match="divisible"):
        UNet(1, 1, width=2, depth=2)(torch.zeros(1, 1, 10, 10))


# ---------------------------------------------------------------- matching and losses


def test_hungarian_match_equals_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(20):
        q, t = 4, int(rng.integers(1, 4))
        logits = torch.tensor(rng.normal(size=(q, 2)), dtype=torch.float32)
        boxes = torch.tensor(rng.uniform(0.2, 0.8, (q, 4)), dtype=torch.float32)
        labels = torch.zeros(t, dtype=torch.long)
        target = torch.tensor(rng.uniform(0.2, 0.8, (t, 4)), dtype=torch.float32)
        rows, cols = hungarian_match(logits, boxes, labels, target)
        giou = generalized_box_iou(box_cxcywh_to_xyxy(boxes), box_cxcywh_to_xyxy(target))
        cost = (5 * torch.cdist(boxes, target, p=1) - logits.softmax(-1)[:, [0]] - 2 * giou).numpy()
        best = min(
            sum(cost[p, j] for j, p in enumerate(perm))
            for perm in itertools.permutations(range(q), t)
        )
        assert cost[rows, cols].sum() == pytest.approx(best, abs=1e-5)


def test_detr_loss_trains_queries():
    backbone = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, stride=4, padding=1), torch.nn.ReLU())
    detr = TinyDETR(backbone, 8, n_queries=4, dim=16, heads=2)
    x = torch.zeros(1, 1, 16, 16)
    targets = [(torch.tensor([0]), torch.tensor([[0.3, 0.6, 0.2, 0.2]]))]
    loss = detr_loss(*detr(x), targets)
    loss.backward()
    assert detr.head.queries.grad is not None and detr.head.queries.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="target"):
        detr_loss(*detr(x), targets * 2)


def test_dice_loss_matches_monai():
    monai_losses = pytest.importorskip("monai.losses")
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 1, 8, 8, generator=gen)
    target = (torch.rand(3, 8, 8, generator=gen) > 0.5).long()
    ours = dice_loss(logits, target, eps=1e-5)
    # MONAI averages per image and class; with batch=True it pools the batch like ours.
    theirs = monai_losses.DiceLoss(sigmoid=True, batch=True, smooth_nr=1e-5, smooth_dr=1e-5)(
        logits, target[:, None].float()
    )
    assert float(ours) == pytest.approx(float(theirs), abs=1e-5), (float(ours), float(theirs))


def test_dice_score_and_bad_labels():
    target = torch.zeros(1, 4, 4, dtype=torch.long)
    target[0, :2] = 1
    half = torch.full((1, 2, 4, 4), -5.0)
    half[:, 0] = 5.0
    half[0, 1, :1] = 10.0  # predicts the first row only: Dice 2*4/(4+8)
    assert dice_score(half, target) == pytest.approx(2 * 4 / 12)
    with pytest.raises(ValueError, match="labels"):
        dice_loss(torch.zeros(1, 2, 4, 4), target + 2)


# ---------------------------------------------------------------- data


def _box_mask(shape, box):
    mask = np.zeros(shape, np.int64)
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    mask[y0:y1, x0:x1] = 1
    return mask


def _bbox(mask):
    rows, cols = np.nonzero(mask)
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], float)


@pytest.mark.parametrize("axis", ["left-right", "up-down"])
def test_flip_moves_image_mask_and_boxes_together(axis):
    box = [3.0, 2.0, 9.0, 6.0]
    mask = _box_mask((12, 16), box)
    sample = {"image": mask[None].astype(float), "mask": mask, "boxes": np.array([box])}
    out = RandomFlip(axis, p=1.0)(sample, np.random.default_rng(0))
    np.testing.assert_array_equal(out["image"][0], out["mask"])
    np.testing.assert_array_equal(_bbox(out["mask"]), out["boxes"][0])


def test_rotation_moves_image_mask_and_boxes_together():
    box = [10.0, 6.0, 20.0, 14.0]
    mask = _box_mask((32, 32), box)
    sample = {"image": mask[None].astype(float), "mask": mask, "boxes": np.array([box])}
    out = RandomRotation(30)(sample, np.random.default_rng(3))
    # linear (image) and nearest (mask) interpolation may disagree on boundary pixels only
    disagree = np.mean((out["image"][0] > 0.5) != out["mask"].astype(bool))
    assert disagree < 0.01, f"image and mask disagree on {disagree:.1%} of pixels"
    rotated, moved = _bbox(out["mask"]), out["boxes"][0]
    # the box encloses the rotated object (1 px for resampling) and is not much larger
    assert np.all(moved[:2] <= rotated[:2] + 1) and np.all(moved[2:] >= rotated[2:] - 1), (
        moved,
        rotated,
    )
    assert np.all(np.abs(moved - rotated) < 3), (moved, rotated)
    assert not np.array_equal(out["mask"], mask), "a 30-degree range left the mask unchanged"


def test_elastic_gamma_noise():
    rng = np.random.default_rng(0)
    image = rng.random((1, 16, 16))
    mask = (image[0] > 0.5).astype(np.int64)
    out = RandomElastic(3.0, 3.0)({"image": image, "mask": mask}, np.random.default_rng(1))
    assert set(np.unique(out["mask"])) <= {0, 1}
    with pytest.raises(ValueError, match="boxes"):
        RandomElastic(3.0, 3.0)({"image": image, "boxes": np.zeros((1, 4))}, rng)
    gamma = RandomGamma(0.5)({"image": image}, np.random.default_rng(2))["image"]
    assert gamma.min() == pytest.approx(image.min()) and gamma.max() == pytest.approx(image.max())
    noisy = RandomNoise(0.2)({"image": image}, np.random.default_rng(2))["image"]
    assert not np.array_equal(noisy, image)
    with pytest.raises(ValueError, match="axis"):
        RandomFlip("sideways")
    with pytest.raises(ValueError, match="p"):
        RandomFlip("left-right", p=1.5)


def test_dataset_augmentation_is_reproducible_per_epoch():
    images = np.random.default_rng(0).random((4, 1, 8, 8)).astype(np.float32)
    data = ArrayDataset(
        images, masks=(images[:, 0] > 0.5), transform=Compose([RandomRotation(45)]), seed=1
    )
    first = data[2][0]
    assert torch.equal(first, data[2][0])
    data.set_epoch(1)
    assert not torch.equal(first, data[2][0])
    with pytest.raises(ValueError, match="masks shape"):
        ArrayDataset(images, masks=np.zeros((4, 4, 4)))
    with pytest.raises(ValueError, match="images"):
        ArrayDataset(images[0])


def test_subject_split_keeps_subjects_together():
    ids = np.repeat(np.arange(10), 3)
    parts = subject_split(ids, fractions=(0.6, 0.2, 0.2), seed=4)
    assert sorted(np.concatenate(parts)) == list(range(30))
    subjects = [set(ids[p]) for p in parts]
    assert all(not (a & b) for a, b in itertools.combinations(subjects, 2))
    assert [len(s) for s in subjects] == [6, 2, 2]
    with pytest.raises(ValueError, match="fractions"):
        subject_split(ids, fractions=(0.5, 0.6))
    with pytest.raises(ValueError, match="too few"):
        subject_split([0, 1], fractions=(0.5, 0.25, 0.25))


# ---------------------------------------------------------------- training


def _toy(seed=0, n=48):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = rng.normal(size=(n, 1, 8, 8)).astype(np.float32)
    images[:, :, 2:6, 2:6] += 1.5 * labels[:, None, None, None]
    return ArrayDataset(images, labels=labels, transform=RandomFlip("left-right"))


def test_fit_is_deterministic_and_leaves_global_state_alone():
    state = torch.get_rng_state()
    runs = []
    for _ in range(2):
        model = SmallCNN(1, 2, width=4, depth=1, seed=0)
        history = fit(model, _toy(), loss_fn=F.cross_entropy, epochs=3, lr=0.01, seed=7)
        runs.append((history.train_loss, model.head.weight.detach().clone()))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])
    assert torch.equal(state, torch.get_rng_state()), "fit changed the global torch RNG"
    other = fit(
        SmallCNN(1, 2, width=4, depth=1, seed=0),
        _toy(),
        loss_fn=F.cross_entropy,
        epochs=3,
        lr=0.01,
        seed=8,
    )
    assert other.train_loss != runs[0][0]


def test_fit_learns_early_stops_and_checkpoints(tmp_path):
    model = SmallCNN(1, 2, width=4, depth=1)
    history = fit(
        model,
        _toy(0),
        val_data=_toy(1, 24),
        loss_fn=F.cross_entropy,
        epochs=40,
        lr=0.05,
        patience=2,
        checkpoint_dir=tmp_path,
        score_fn=lambda out, y: float((out.argmax(1) == y).float().mean()),
    )
    assert history.stopped_early and len(history.train_loss) < 40
    assert max(history.val_score) > 0.8, history.val_score
    assert history.checkpoint.exists()
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert predict(model, _toy(1, 24)).shape == (24, 2)


def test_fit_bad_inputs():
    model = SmallCNN(1, 2, width=2, depth=1)
    with pytest.raises(ValueError, match="patience"):
        fit(model, _toy(), loss_fn=F.cross_entropy, epochs=2, patience=1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, _toy(), loss_fn=F.cross_entropy, epochs=10**9)
    with pytest.raises(ValueError, match="optimizer"):
        fit(model, _toy(), loss_fn=F.cross_entropy, epochs=1, optimizer="lbfgs")
    with pytest.raises(ValueError, match="loss became"):
        fit(model, _toy(), loss_fn=lambda out, y: out.sum() * float("nan"), epochs=1)
    for p in model.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="trainable"):
        fit(model, _toy(), loss_fn=F.cross_entropy, epochs=1)
