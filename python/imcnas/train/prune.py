"""Structured pruning aligned to crossbar columns: whole output channels are removed.

Removing output channel ``j`` of a layer frees one weight column of its crossbars and
the matching input rows (channel ``j``, or its ``H*W`` flattened features) of the next
layer. Layers shrink physically, so the cost model prices the smaller geometry.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from imcnas.train.layers import IMCConv2d, IMCLayer, IMCLinear
from imcnas.train.model import IMCNet


def channels_to_remove(n_out: int, fraction: float) -> int:
    """Return ``floor(fraction * n_out)``, capped so that at least one channel stays."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"prune fraction must be in [0, 1); got {fraction}")
    # The small tolerance keeps e.g. 0.3 * 10 = 2.9999999999999996 from rounding down to 2.
    return min(math.floor(fraction * n_out + 1e-9), n_out - 1)


def select_channels(layer: IMCLayer, n_remove: int) -> torch.Tensor:
    """Return the sorted indices of the output channels to keep: all but the ``n_remove`` of lowest L1 norm.

    Ties in the norm go to the lower index first (it is removed first).
    """
    norms = layer.weight_matrix().detach().abs().sum(dim=1)
    order = torch.argsort(norms, stable=True)
    kept = order[n_remove:]
    return torch.sort(kept).values


@torch.no_grad()
def prune_model(model: IMCNet, fractions: Sequence[float]) -> list[torch.Tensor]:
    """Remove the lowest-L1 output channels of each weight layer of ``model``, in place.

    ``fractions`` has one entry per weight layer (convs, hidden linears, classifier);
    the classifier's entry must be 0. Layers are pruned in order, so a layer's channel
    norms exclude the input rows that pruning its predecessor already removed. Returns
    the kept output indices of every layer (all of them for the classifier).
    """
    layers = model.weight_layers
    if len(fractions) != len(layers):
        raise ValueError(f"fractions has {len(fractions)} entries but the model has {len(layers)} weight layers")
    if fractions[-1] != 0.0:
        raise ValueError(f"the classifier cannot be pruned; got fraction {fractions[-1]} for the last layer")

    n_convs = len(model.convs)
    conv_shapes = model.conv_output_shapes()
    kept_per_layer = []
    for index, fraction in enumerate(fractions):
        layer = model.weight_layers[index]
        kept = select_channels(layer, channels_to_remove(layer.n_out, fraction))
        kept_per_layer.append(kept)
        if len(kept) == layer.n_out:
            continue

        _set_layer(model, index, shrink_layer(layer, out_index=kept))
        follower = model.weight_layers[index + 1]
        if index < n_convs - 1:
            in_index = kept
        elif index == n_convs - 1:
            # The last conv's map is flattened channel-major into the first linear layer.
            _, height, width = conv_shapes[index]
            positions = torch.arange(height * width)
            in_index = (kept[:, None] * (height * width) + positions[None, :]).reshape(-1)
        else:
            in_index = kept
        _set_layer(model, index + 1, shrink_layer(follower, in_index=in_index))
    return kept_per_layer


def shrink_layer(
    layer: IMCLayer, *, out_index: torch.Tensor | None = None, in_index: torch.Tensor | None = None
) -> IMCLayer:
    """Return a copy of ``layer`` with only the output rows ``out_index`` and the input
    channels (conv) or features (linear) ``in_index``; range-tracking state is kept."""
    weight = layer.weight.detach()
    bias = None if layer.bias is None else layer.bias.detach()
    if out_index is not None:
        weight = weight[out_index]
        bias = None if bias is None else bias[out_index]
    if in_index is not None:
        weight = weight[:, in_index]

    options = dict(
        w_bits=layer.w_bits, in_bits=layer.in_bits, noise_std=layer.noise_std, x_max_momentum=layer.x_max_momentum
    )
    copy: IMCLayer
    if isinstance(layer, IMCConv2d):
        copy = IMCConv2d(
            weight.shape[1], weight.shape[0], layer.kernel_size, stride=layer.stride, padding=layer.padding,
            dilation=layer.dilation, bias=bias is not None, **options,
        )
    else:
        assert isinstance(layer, IMCLinear)
        copy = IMCLinear(weight.shape[1], weight.shape[0], bias=bias is not None, **options)

    copy.to(dtype=weight.dtype, device=weight.device)
    copy.weight.copy_(weight)
    if bias is not None:
        copy.bias.copy_(bias)
    copy.x_max.copy_(layer.x_max)
    copy.x_max_tracked.copy_(layer.x_max_tracked)
    copy.train(layer.training)
    return copy


def _set_layer(model: IMCNet, index: int, layer: IMCLayer) -> None:
    n_convs = len(model.convs)
    if index < n_convs:
        model.convs[index] = layer
    else:
        model.linears[index - n_convs] = layer
