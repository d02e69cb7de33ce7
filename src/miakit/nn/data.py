"""Datasets, subject-level splits and joint transforms for training on the cohorts.

A *sample* is a dict with ``"image"`` (float array (C, H, W)) and optionally ``"mask"``
(int array (H, W) or (K, H, W)), ``"boxes"`` (float array (N, 4) of pixel corners
``x0, y0, x1, y1``; x is the column) and ``"labels"``. A joint transform receives the
sample and a ``numpy.random.Generator`` and moves image, masks and boxes together, so a
flip or a rotation can never leave the mask behind (chapter 14 tests this).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
import torch
from scipy import ndimage
from torch.utils.data import Dataset

from .._checks import choice, positive, probability

__all__ = [
    "ArrayDataset",
    "Compose",
    "JointTransform",
    "RandomElastic",
    "RandomFlip",
    "RandomGamma",
    "RandomNoise",
    "RandomRotation",
    "subject_split",
]

Sample = dict[str, np.ndarray]


class JointTransform(Protocol):
    """``transform(sample, rng) -> sample``; see the module docstring."""

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample: ...


def subject_split(
    subject_ids: Sequence[object],
    *,
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    seed: int = 0,
) -> tuple[np.ndarray, ...]:
    """Split item indices into parts so that all items of a subject fall in one part.

    Slices of one subject are far more alike than slices of two subjects; splitting by
    slice puts near-copies in training and test and inflates the score (chapter 14
    measures by how much).

    Parameters
    ----------
    subject_ids : sequence
        Subject of each item (e.g. ``slices.metadata.subject_id``).
    fractions : sequence of float
        Fractions of *subjects* per part, positive, summing to 1.
    seed : int
        Seed of the subject permutation.

    Returns
    -------
    tuple of ndarray of int
        Item indices of each part, sorted.

    Raises
    ------
    ValueError
        If ``fractions`` are not positive or do not sum to 1, or a part would get no
        subject.

    Examples
    --------
    >>> train, test = subject_split([0, 0, 1, 1, 2, 2, 3, 3], fractions=(0.5, 0.5))
    >>> sorted(set(train // 2) & set(test // 2))  # no subject in both parts
    []
    """
    ids = np.asarray(subject_ids)
    if ids.ndim != 1 or len(ids) == 0:
        raise ValueError(f"subject_ids must be a non-empty 1D sequence, got shape {ids.shape}")
    parts = np.asarray(fractions, dtype=float)
    if parts.ndim != 1 or len(parts) < 2 or np.any(~(parts > 0)) or abs(parts.sum() - 1) > 1e-6:
        raise ValueError(f"fractions must be >= 2 positive numbers summing to 1, got {fractions!r}")
    unique = np.unique(ids)
    order = np.random.default_rng(seed).permutation(len(unique))
    bounds = np.round(np.cumsum(parts) * len(unique)).astype(int)
    starts = np.concatenate([[0], bounds[:-1]])
    if np.any(bounds - starts < 1):
        raise ValueError(
            f"{len(unique)} subjects are too few for fractions {tuple(parts)}: a part would be empty"
        )
    result = []
    for start, stop in zip(starts, bounds, strict=True):
        chosen = unique[order[start:stop]]
        result.append(np.flatnonzero(np.isin(ids, chosen)))
    return tuple(result)


def _check_sample(sample: Sample) -> Sample:
    if not isinstance(sample, dict) or "image" not in sample:
        raise TypeError("sample must be a dict with an 'image' entry")
    image = sample["image"]
    if image.ndim != 3:
        raise ValueError(f"sample['image'] must be (C, H, W), got shape {image.shape}")
    if "mask" in sample and sample["mask"].shape[-2:] != image.shape[-2:]:
        raise ValueError(
            f"sample['mask'] shape {sample['mask'].shape} does not match image {image.shape}"
        )
    if "boxes" in sample and (sample["boxes"].ndim != 2 or sample["boxes"].shape[1] != 4):
        raise ValueError(f"sample['boxes'] must be (N, 4), got {sample['boxes'].shape}")
    return dict(sample)


class Compose:
    """Apply transforms in order.

    Examples
    --------
    >>> t = Compose([RandomFlip("left-right", p=1.0), RandomFlip("left-right", p=1.0)])
    >>> image = np.arange(4.0).reshape(1, 2, 2)
    >>> bool(np.array_equal(t({"image": image}, np.random.default_rng(0))["image"], image))
    True
    """

    def __init__(self, transforms: Sequence[JointTransform]) -> None:
        for t in transforms:
            if not callable(t):
                raise TypeError(f"every transform must be callable, got {type(t).__name__}")
        self.transforms = list(transforms)

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        for t in self.transforms:
            sample = t(sample, rng)
        return sample


class RandomFlip:
    """Mirror image, masks and boxes left–right (columns) or up–down (rows) with probability p.

    Examples
    --------
    >>> sample = {"image": np.zeros((1, 4, 10)), "boxes": np.array([[1.0, 0.0, 3.0, 2.0]])}
    >>> RandomFlip("left-right", p=1.0)(sample, np.random.default_rng(0))["boxes"].tolist()
    [[7.0, 0.0, 9.0, 2.0]]
    """

    def __init__(self, axis: Literal["left-right", "up-down"], *, p: float = 0.5) -> None:
        self.axis = choice(axis, "axis", ("left-right", "up-down"))
        self.p = probability(p, "p")

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        sample = _check_sample(sample)
        if rng.random() >= self.p:
            return sample
        height, width = sample["image"].shape[-2:]
        dim = -1 if self.axis == "left-right" else -2
        sample["image"] = np.flip(sample["image"], dim).copy()
        if "mask" in sample:
            sample["mask"] = np.flip(sample["mask"], dim).copy()
        if "boxes" in sample:
            b = sample["boxes"].astype(float).copy()
            if self.axis == "left-right":
                b[:, [0, 2]] = width - b[:, [2, 0]]
            else:
                b[:, [1, 3]] = height - b[:, [3, 1]]
            sample["boxes"] = b
        return sample


def _warp(array: np.ndarray, coords: np.ndarray, order: int) -> np.ndarray:
    flat = array.reshape(-1, *array.shape[-2:])
    out = np.stack(
        [
            ndimage.map_coordinates(c, coords, order=order, mode="constant", cval=c.min())
            for c in flat
        ]
    )
    return out.reshape(array.shape).astype(array.dtype, copy=False)


class RandomRotation:
    """Rotate by an angle uniform in ±``max_degrees`` about the image centre.

    Images are interpolated linearly, masks by nearest neighbour; each box becomes the
    box enclosing its rotated corners (so boxes grow a little, as in every detector's
    rotation augmentation).

    Examples
    --------
    >>> sample = {"image": np.ones((1, 8, 8)), "mask": np.ones((8, 8), int)}
    >>> out = RandomRotation(10)(sample, np.random.default_rng(1))
    >>> out["image"].shape, out["mask"].dtype == np.int64
    ((1, 8, 8), True)
    """

    def __init__(self, max_degrees: float, *, p: float = 1.0) -> None:
        self.max_degrees = positive(max_degrees, "max_degrees")
        self.p = probability(p, "p")

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        sample = _check_sample(sample)
        angle = np.deg2rad(rng.uniform(-self.max_degrees, self.max_degrees))
        if rng.random() >= self.p:
            return sample
        height, width = sample["image"].shape[-2:]
        centre = np.array([(height - 1) / 2, (width - 1) / 2])
        cos, sin = np.cos(angle), np.sin(angle)
        rows, cols = np.mgrid[0:height, 0:width].astype(float)
        r, c = rows - centre[0], cols - centre[1]
        # Output pixel (r, c) samples the input at the inverse rotation.
        coords = np.stack([cos * r + sin * c + centre[0], -sin * r + cos * c + centre[1]])
        sample["image"] = _warp(sample["image"], coords, 1)
        if "mask" in sample:
            sample["mask"] = _warp(sample["mask"], coords, 0)
        if "boxes" in sample and len(sample["boxes"]):
            b = sample["boxes"].astype(float)
            xs = b[:, [0, 2, 2, 0]] - 0.5 - centre[1]
            ys = b[:, [1, 1, 3, 3]] - 0.5 - centre[0]
            new_x = cos * xs + sin * ys + centre[1] + 0.5
            new_y = -sin * xs + cos * ys + centre[0] + 0.5
            sample["boxes"] = np.stack(
                [
                    np.clip(new_x.min(1), 0, width),
                    np.clip(new_y.min(1), 0, height),
                    np.clip(new_x.max(1), 0, width),
                    np.clip(new_y.max(1), 0, height),
                ],
                axis=1,
            )
        return sample


class RandomElastic:
    """Elastic deformation (Simard et al., 2003): a random displacement field, smoothed
    by a Gaussian of ``sigma_px`` and scaled to ``alpha_px`` pixels, applied to image and
    masks. Samples with boxes are refused (a box has no exact elastic image).

    Examples
    --------
    >>> sample = {"image": np.random.default_rng(0).random((1, 16, 16))}
    >>> RandomElastic(2.0, 4.0)(sample, np.random.default_rng(0))["image"].shape
    (1, 16, 16)
    """

    def __init__(self, alpha_px: float, sigma_px: float, *, p: float = 1.0) -> None:
        self.alpha_px = positive(alpha_px, "alpha_px")
        self.sigma_px = positive(sigma_px, "sigma_px")
        self.p = probability(p, "p")

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        sample = _check_sample(sample)
        if "boxes" in sample:
            raise ValueError("RandomElastic cannot move boxes exactly; use it on masks only")
        height, width = sample["image"].shape[-2:]
        field = rng.uniform(-1, 1, size=(2, height, width))
        if rng.random() >= self.p:
            return sample
        field = np.stack([ndimage.gaussian_filter(f, self.sigma_px) for f in field])
        field *= self.alpha_px / max(np.abs(field).max(), 1e-12)
        coords = np.mgrid[0:height, 0:width].astype(float) + field
        sample["image"] = _warp(sample["image"], coords, 1)
        if "mask" in sample:
            sample["mask"] = _warp(sample["mask"], coords, 0)
        return sample


class RandomGamma:
    """Intensity gamma ``lo + (x - lo) ** g`` on the image's [min, max] range, log g
    uniform in ±``log_gamma``; masks and boxes are untouched.

    Examples
    --------
    >>> sample = {"image": np.linspace(0, 1, 4).reshape(1, 2, 2)}
    >>> out = RandomGamma(0.3)(sample, np.random.default_rng(0))["image"]
    >>> float(out.min()), float(out.max())
    (0.0, 1.0)
    """

    def __init__(self, log_gamma: float, *, p: float = 1.0) -> None:
        self.log_gamma = positive(log_gamma, "log_gamma")
        self.p = probability(p, "p")

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        sample = _check_sample(sample)
        gamma = np.exp(rng.uniform(-self.log_gamma, self.log_gamma))
        if rng.random() >= self.p:
            return sample
        image = sample["image"].astype(float)
        low, high = image.min(), image.max()
        if high > low:
            image = low + (high - low) * ((image - low) / (high - low)) ** gamma
        sample["image"] = image.astype(sample["image"].dtype)
        return sample


class RandomNoise:
    """Add Gaussian noise with SD uniform in [0, ``max_sigma``] (image units).

    Examples
    --------
    >>> sample = {"image": np.zeros((1, 8, 8), np.float32)}
    >>> float(RandomNoise(0.1)(sample, np.random.default_rng(0))["image"].std()) > 0
    True
    """

    def __init__(self, max_sigma: float, *, p: float = 1.0) -> None:
        self.max_sigma = positive(max_sigma, "max_sigma")
        self.p = probability(p, "p")

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        sample = _check_sample(sample)
        sigma = rng.uniform(0, self.max_sigma)
        noise = rng.normal(0, 1, sample["image"].shape)
        if rng.random() >= self.p:
            return sample
        sample["image"] = (sample["image"] + sigma * noise).astype(sample["image"].dtype)
        return sample


class ArrayDataset(Dataset):
    """Images with optional masks or class labels as a PyTorch dataset.

    Parameters
    ----------
    images : ndarray of shape (N, C, H, W)
    masks : ndarray of shape (N, H, W) or None
        Segmentation targets; item ``i`` is ``(image, mask)``.
    labels : ndarray of shape (N,) or None
        Class labels; item ``i`` is ``(image, label)`` (only one of masks/labels).
    transform : JointTransform or None
        Applied to each item with a generator seeded by ``(seed, epoch, index)``, so an
        epoch's augmentations are reproducible and independent of the loading order.
    seed : int
        Seed of the augmentations; :meth:`set_epoch` changes them each epoch
        (:func:`miakit.nn.fit` calls it).

    Examples
    --------
    >>> data = ArrayDataset(np.zeros((3, 1, 8, 8)), labels=np.array([0, 1, 0]))
    >>> image, label = data[1]
    >>> tuple(image.shape), int(label), len(data)
    ((1, 8, 8), 1, 3)
    """

    def __init__(
        self,
        images: np.ndarray,
        *,
        masks: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        transform: JointTransform | None = None,
        seed: int = 0,
    ) -> None:
        images = np.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"images must be (N, C, H, W), got shape {images.shape}")
        if masks is not None and labels is not None:
            raise ValueError("give masks or labels, not both")
        if masks is not None:
            masks = np.asarray(masks)
            if masks.shape != (images.shape[0], *images.shape[2:]):
                raise ValueError(f"masks shape {masks.shape} does not match images {images.shape}")
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != images.shape[:1]:
                raise ValueError(f"labels shape {labels.shape} must be ({images.shape[0]},)")
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable or None, got {type(transform).__name__}")
        self.images, self.masks, self.labels = images, masks, labels
        self.transform, self.seed, self.epoch = transform, seed, 0

    def set_epoch(self, epoch: int) -> None:
        """Use the augmentations of ``epoch``."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        sample = {"image": np.asarray(self.images[index], dtype=np.float32)}
        if self.masks is not None:
            sample["mask"] = self.masks[index].astype(np.int64)
        if self.transform is not None:
            rng = np.random.default_rng([self.seed, self.epoch, int(index)])
            sample = self.transform(sample, rng)
        image = torch.from_numpy(np.ascontiguousarray(sample["image"], dtype=np.float32))
        if self.masks is not None:
            return image, torch.from_numpy(np.ascontiguousarray(sample["mask"]).astype(np.int64))
        if self.labels is not None:
            return image, torch.as_tensor(self.labels[index])
        return image
