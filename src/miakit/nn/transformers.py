"""Attention models small enough for a CPU: a tiny Vision Transformer and a tiny
DETR-style detector with Hungarian matching.

Boxes are ``(cx, cy, w, h)`` normalised to [0, 1] as in DETR (Carion et al., 2020);
:func:`box_cxcywh_to_xyxy` converts to corners. Chapter 13 measures how slowly such a
detector converges compared with a U-Net; this module only provides the pieces.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn

from .._checks import positive_int
from .models import SeededModule, init_weights

__all__ = [
    "TinyDETR",
    "TinyViT",
    "box_cxcywh_to_xyxy",
    "detr_loss",
    "generalized_box_iou",
    "hungarian_match",
]


def _patchify_check(image_size: int, patch_size: int) -> None:
    positive_int(image_size, "image_size")
    positive_int(patch_size, "patch_size")
    if image_size % patch_size:
        raise ValueError(f"image_size {image_size} must be divisible by patch_size {patch_size}")


class TinyViT(SeededModule):
    """A Vision Transformer (Dosovitskiy et al., 2021) for small images.

    Non-overlapping ``patch_size`` patches are embedded linearly (a strided convolution),
    a learned class token and position embeddings are added, and a pre-norm Transformer
    encoder of ``depth`` layers feeds a linear head on the class token.

    Examples
    --------
    >>> vit = TinyViT(1, 2, image_size=32, patch_size=8, dim=16, depth=1, heads=2)
    >>> tuple(vit(torch.zeros(3, 1, 32, 32)).shape)
    (3, 2)
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        *,
        image_size: int = 64,
        patch_size: int = 8,
        dim: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_ratio: int = 2,
        dropout: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        _patchify_check(image_size, patch_size)
        positive_int(dim, "dim")
        positive_int(heads, "heads")
        if dim % heads:
            raise ValueError(f"dim {dim} must be divisible by heads {heads}")
        self.image_size = image_size
        self.embed = nn.Conv2d(in_channels, dim, patch_size, stride=patch_size)
        n_patches = (image_size // patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.position = nn.Parameter(torch.zeros(1, n_patches + 1, dim))
        layer = nn.TransformerEncoderLayer(
            dim, heads, dim * mlp_ratio, dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(
            layer, positive_int(depth, "depth"), enable_nested_tensor=False
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)
        init_weights(self, seed=seed)
        generator = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            nn.init.trunc_normal_(self.position, std=0.02, generator=generator)
            nn.init.trunc_normal_(self.cls_token, std=0.02, generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(
                f"x must be (N, C, {self.image_size}, {self.image_size}), got {tuple(x.shape)}"
            )
        tokens = self.embed(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.cls_token.expand(len(x), -1, -1), tokens], dim=1)
        tokens = self.encoder(tokens + self.position)
        return self.head(self.norm(tokens[:, 0]))


def box_cxcywh_to_xyxy(boxes: torch.Tensor) -> torch.Tensor:
    """Convert boxes (..., 4) from centre/size to corner form.

    Examples
    --------
    >>> box_cxcywh_to_xyxy(torch.tensor([[0.5, 0.5, 0.2, 0.4]])).tolist()
    [[0.4000000059604645, 0.30000001192092896, 0.6000000238418579, 0.699999988079071]]
    """
    cx, cy, w, h = boxes.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)


def generalized_box_iou(boxes_a: torch.Tensor, boxes_b: torch.Tensor) -> torch.Tensor:
    """Pairwise generalised IoU (Rezatofighi et al., 2019) of corner boxes (A, 4), (B, 4).

    Examples
    --------
    >>> box = torch.tensor([[0.0, 0.0, 1.0, 1.0]])
    >>> generalized_box_iou(box, box).item()
    1.0
    """
    area_a = (boxes_a[:, 2] - boxes_a[:, 0]).clamp(min=0) * (boxes_a[:, 3] - boxes_a[:, 1]).clamp(
        min=0
    )
    area_b = (boxes_b[:, 2] - boxes_b[:, 0]).clamp(min=0) * (boxes_b[:, 3] - boxes_b[:, 1]).clamp(
        min=0
    )
    low = torch.max(boxes_a[:, None, :2], boxes_b[None, :, :2])
    high = torch.min(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
    inter = (high - low).clamp(min=0).prod(-1)
    union = area_a[:, None] + area_b[None, :] - inter
    iou = inter / union.clamp(min=1e-9)
    hull = (
        (
            torch.max(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
            - torch.min(boxes_a[:, None, :2], boxes_b[None, :, :2])
        )
        .clamp(min=0)
        .prod(-1)
    )
    return iou - (hull - union) / hull.clamp(min=1e-9)


class TinyDETR(SeededModule):
    """A DETR-style set predictor: CNN backbone, Transformer encoder–decoder, queries.

    Each of ``n_queries`` learned queries predicts class logits over ``n_classes`` + 1
    (the last is "no object") and a box ``(cx, cy, w, h)`` in [0, 1]. There is no anchor,
    no non-maximum suppression: training matches predictions to targets one-to-one
    (:func:`hungarian_match`).

    Parameters
    ----------
    backbone : torch.nn.Module
        Maps (N, C, H, W) to feature maps (N, backbone_channels, h, w), e.g.
        ``ResNet.features`` wrapped in a module, or a U-Net encoder.
    backbone_channels : int
        Channels of the backbone output.
    n_classes, n_queries, dim, heads, encoder_layers, decoder_layers : int
        Sizes of the set predictor.
    seed : int
        Seed of :func:`init_weights` for the layers this class creates (the backbone is
        left as given, so a pretrained backbone keeps its weights).

    Examples
    --------
    >>> backbone = nn.Sequential(nn.Conv2d(1, 8, 3, stride=4, padding=1), nn.ReLU())
    >>> detr = TinyDETR(backbone, 8, n_classes=1, n_queries=5, dim=16, heads=2)
    >>> logits, boxes = detr(torch.zeros(2, 1, 32, 32))
    >>> tuple(logits.shape), tuple(boxes.shape)
    ((2, 5, 2), (2, 5, 4))
    """

    def __init__(
        self,
        backbone: nn.Module,
        backbone_channels: int,
        *,
        n_classes: int = 1,
        n_queries: int = 8,
        dim: int = 64,
        heads: int = 4,
        encoder_layers: int = 2,
        decoder_layers: int = 2,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if not isinstance(backbone, nn.Module):
            raise TypeError(f"backbone must be a torch.nn.Module, got {type(backbone).__name__}")
        positive_int(n_queries, "n_queries")
        if dim % positive_int(heads, "heads"):
            raise ValueError(f"dim {dim} must be divisible by heads {heads}")
        self.n_classes = positive_int(n_classes, "n_classes")
        head = nn.Module()
        head.project = nn.Conv2d(positive_int(backbone_channels, "backbone_channels"), dim, 1)
        head.transformer = nn.Transformer(
            dim, heads, encoder_layers, decoder_layers, dim * 2, 0.0, batch_first=True
        )
        head.queries = nn.Parameter(torch.zeros(n_queries, dim))
        head.row = nn.Parameter(torch.zeros(64, dim // 2))
        head.col = nn.Parameter(torch.zeros(64, dim // 2))
        head.classify = nn.Linear(dim, n_classes + 1)
        head.box = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, 4))
        init_weights(head, seed=seed)
        generator = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            for parameter in (head.queries, head.row, head.col):
                nn.init.normal_(parameter, std=1.0, generator=generator)
        self.backbone, self.head = backbone, head

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.head.project(self.backbone(x))
        n, d, h, w = features.shape
        if h > 64 or w > 64:
            raise ValueError(f"backbone feature map {h}x{w} exceeds the 64x64 position table")
        position = torch.cat(
            [
                self.head.col[:w][None, :, :].expand(h, -1, -1),
                self.head.row[:h][:, None, :].expand(-1, w, -1),
            ],
            dim=-1,
        ).reshape(1, h * w, d)
        memory = features.flatten(2).transpose(1, 2) + position
        queries = self.head.queries[None].expand(n, -1, -1)
        decoded = self.head.transformer(memory, queries)
        return self.head.classify(decoded), self.head.box(decoded).sigmoid()


def hungarian_match(
    logits: torch.Tensor,
    boxes: torch.Tensor,
    target_labels: torch.Tensor,
    target_boxes: torch.Tensor,
    *,
    weight_class: float = 1.0,
    weight_l1: float = 5.0,
    weight_giou: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one assignment of one image's predictions to its targets.

    The cost of pairing query ``q`` with target ``t`` is
    ``-weight_class * p_q(label_t) + weight_l1 * |box_q - box_t|_1
    - weight_giou * GIoU(box_q, box_t)``; :func:`scipy.optimize.linear_sum_assignment`
    finds the pairing of least total cost (the Hungarian algorithm's problem).

    Parameters
    ----------
    logits : Tensor of shape (Q, n_classes + 1)
    boxes : Tensor of shape (Q, 4), (cx, cy, w, h) in [0, 1]
    target_labels : Tensor of shape (T,), ints in [0, n_classes)
    target_boxes : Tensor of shape (T, 4)

    Returns
    -------
    query_index, target_index : ndarray of int
        Matched pairs (length ``min(Q, T)``).

    Raises
    ------
    ValueError
        If shapes disagree.

    Examples
    --------
    >>> logits = torch.zeros(3, 2)
    >>> boxes = torch.tensor([[0.2, 0.2, 0.1, 0.1], [0.8, 0.8, 0.1, 0.1], [0.5, 0.5, 0.1, 0.1]])
    >>> q, t = hungarian_match(logits, boxes, torch.tensor([0, 0]), boxes[[1, 0]])
    >>> q.tolist(), t.tolist()
    ([0, 1], [1, 0])
    """
    if logits.ndim != 2 or boxes.shape != (logits.shape[0], 4):
        raise ValueError(
            f"logits must be (Q, K) and boxes (Q, 4), got {tuple(logits.shape)} and "
            f"{tuple(boxes.shape)}"
        )
    if (
        target_boxes.ndim != 2
        or target_boxes.shape[1:] != (4,)
        or target_labels.shape != target_boxes.shape[:1]
    ):
        raise ValueError(
            f"target_labels must be (T,) and target_boxes (T, 4), got "
            f"{tuple(target_labels.shape)} and {tuple(target_boxes.shape)}"
        )
    if len(target_labels) == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    with torch.no_grad():
        probability = logits.softmax(-1)[:, target_labels.long()]
        cost_l1 = torch.cdist(boxes.float(), target_boxes.float(), p=1)
        giou = generalized_box_iou(box_cxcywh_to_xyxy(boxes), box_cxcywh_to_xyxy(target_boxes))
        cost = weight_l1 * cost_l1 - weight_class * probability - weight_giou * giou
    rows, cols = linear_sum_assignment(cost.cpu().numpy())
    return rows.astype(int), cols.astype(int)


def detr_loss(
    logits: torch.Tensor,
    boxes: torch.Tensor,
    targets: list[tuple[torch.Tensor, torch.Tensor]],
    *,
    no_object_weight: float = 0.1,
    weight_l1: float = 5.0,
    weight_giou: float = 2.0,
) -> torch.Tensor:
    """DETR's set loss over a batch: match, then classify every query and regress matched boxes.

    Unmatched queries must predict "no object" (weighted by ``no_object_weight``, since
    most queries are unmatched); matched ones pay L1 and (1 - GIoU) box losses averaged
    over the number of targets.

    Parameters
    ----------
    logits : Tensor (N, Q, n_classes + 1)
    boxes : Tensor (N, Q, 4)
    targets : list of (labels (T,), boxes (T, 4)), one per image

    Examples
    --------
    >>> logits, boxes = torch.zeros(1, 4, 2, requires_grad=True), torch.full((1, 4, 4), 0.5)
    >>> loss = detr_loss(logits, boxes, [(torch.tensor([0]), torch.tensor([[0.5, 0.5, 0.2, 0.2]]))])
    >>> loss.backward(); bool(loss > 0)
    True
    """
    if logits.ndim != 3 or boxes.shape != (*logits.shape[:2], 4) or len(targets) != len(logits):
        raise ValueError(
            f"logits (N, Q, K), boxes (N, Q, 4) and one target per image expected, got "
            f"{tuple(logits.shape)}, {tuple(boxes.shape)} and {len(targets)} targets"
        )
    n_classes = logits.shape[-1] - 1
    weights = torch.ones(n_classes + 1, device=logits.device)
    weights[-1] = no_object_weight
    class_target = torch.full(logits.shape[:2], n_classes, dtype=torch.long, device=logits.device)
    matched_pred, matched_true = [], []
    for i, (labels, target_boxes) in enumerate(targets):
        q, t = hungarian_match(
            logits[i], boxes[i], labels, target_boxes, weight_l1=weight_l1, weight_giou=weight_giou
        )
        class_target[i, q] = labels.long()[t]
        matched_pred.append(boxes[i, q])
        matched_true.append(target_boxes[t].to(boxes.dtype))
    loss = F.cross_entropy(logits.flatten(0, 1), class_target.flatten(), weight=weights)
    n_targets = max(sum(len(labels) for labels, _ in targets), 1)
    pred, true = torch.cat(matched_pred), torch.cat(matched_true)
    if len(pred):
        loss = loss + weight_l1 * F.l1_loss(pred, true, reduction="sum") / n_targets
        giou = torch.diag(generalized_box_iou(box_cxcywh_to_xyxy(pred), box_cxcywh_to_xyxy(true)))
        loss = loss + weight_giou * (1 - giou).sum() / n_targets
    return loss
