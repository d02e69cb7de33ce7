"""Segmentation losses and scores on logits: soft Dice loss and the hard Dice score."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["dice_loss", "dice_score"]


def _probabilities(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if logits.ndim < 3 or target.shape != (logits.shape[0], *logits.shape[2:]):
        raise ValueError(
            f"logits must be (N, K, spatial...) and target (N, spatial...), got "
            f"{tuple(logits.shape)} and {tuple(target.shape)}"
        )
    if logits.shape[1] == 1:
        p = torch.sigmoid(logits)
        return torch.cat([1 - p, p], dim=1), F.one_hot(target.long(), 2).movedim(-1, 1)
    n_classes = logits.shape[1]
    if target.min() < 0 or target.max() >= n_classes:
        raise ValueError(
            f"target labels must be in [0, {n_classes}), got {int(target.min())}..{int(target.max())}"
        )
    return logits.softmax(1), F.one_hot(target.long(), n_classes).movedim(-1, 1)


def dice_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    include_background: bool = False,
    eps: float = 1.0,
) -> torch.Tensor:
    """Soft Dice loss ``1 - mean_k 2 Σ p t / (Σ p + Σ t)`` over the batch (Milletari et al., 2016).

    Parameters
    ----------
    logits : Tensor (N, K, spatial...)
        ``K = 1`` means binary with a sigmoid; ``K >= 2`` a softmax over classes.
    target : Tensor (N, spatial...) of int labels
    include_background : bool
        Whether class 0 enters the mean.
    eps : float
        Smoothing added to numerator and denominator (keeps empty masks finite).

    Examples
    --------
    >>> target = torch.zeros(1, 4, 4, dtype=torch.long); target[0, 1:3, 1:3] = 1
    >>> perfect = torch.where(target.bool(), 20.0, -20.0)[:, None]
    >>> round(float(dice_loss(perfect, target)), 4)
    0.0
    """
    probs, onehot = _probabilities(logits, target)
    if not include_background:
        probs, onehot = probs[:, 1:], onehot[:, 1:]
    dims = (0, *range(2, probs.ndim))
    inter = (probs * onehot).sum(dims)
    total = probs.sum(dims) + onehot.sum(dims)
    return 1 - ((2 * inter + eps) / (total + eps)).mean()


def dice_score(logits: torch.Tensor, target: torch.Tensor) -> float:
    """Hard Dice of the foreground (binary) or mean over foreground classes, per image then
    averaged; an image where both masks are empty counts as 1.

    Examples
    --------
    >>> target = torch.zeros(2, 4, 4, dtype=torch.long); target[:, :2] = 1
    >>> logits = torch.where(target.bool(), 5.0, -5.0)[:, None]
    >>> dice_score(logits, target)
    1.0
    """
    probs, onehot = _probabilities(logits, target)
    predicted = F.one_hot(probs.argmax(1), probs.shape[1]).movedim(-1, 1)[:, 1:].float()
    truth = onehot[:, 1:].float()
    dims = tuple(range(2, predicted.ndim))
    inter = (predicted * truth).sum(dims)
    total = predicted.sum(dims) + truth.sum(dims)
    per = torch.where(total > 0, 2 * inter / total.clamp(min=1), torch.ones_like(total))
    return float(per.mean())
