"""miakit's deep-learning layer: the only part of miakit that imports PyTorch.

``import miakit`` never imports torch; ``import miakit.nn`` does. Topic modules:
:mod:`~miakit.nn.data` (datasets, subject-level splits, joint transforms),
:mod:`~miakit.nn.models` (small CNN, ResNet), :mod:`~miakit.nn.unet` (U-Net), :mod:`~miakit.nn.transformers`
(tiny ViT and DETR with Hungarian matching), :mod:`~miakit.nn.training` (``fit``,
``predict``) and :mod:`~miakit.nn.losses` (Dice loss, segmentation scores).
"""

from .data import (
    ArrayDataset,
    Compose,
    JointTransform,
    RandomElastic,
    RandomFlip,
    RandomGamma,
    RandomNoise,
    RandomRotation,
    subject_split,
)
from .losses import dice_loss, dice_score
from .models import (
    BasicBlock,
    Bottleneck,
    ResNet,
    SeededModule,
    SmallCNN,
    count_parameters,
    init_weights,
)
from .training import History, fit, predict
from .transformers import (
    TinyDETR,
    TinyViT,
    box_cxcywh_to_xyxy,
    detr_loss,
    generalized_box_iou,
    hungarian_match,
)
from .unet import UNet

__all__ = [
    "ArrayDataset",
    "BasicBlock",
    "Bottleneck",
    "Compose",
    "History",
    "JointTransform",
    "RandomElastic",
    "RandomFlip",
    "RandomGamma",
    "RandomNoise",
    "RandomRotation",
    "ResNet",
    "SeededModule",
    "SmallCNN",
    "TinyDETR",
    "TinyViT",
    "UNet",
    "box_cxcywh_to_xyxy",
    "count_parameters",
    "detr_loss",
    "dice_loss",
    "dice_score",
    "fit",
    "generalized_box_iou",
    "hungarian_match",
    "init_weights",
    "predict",
    "subject_split",
]
