"""Torch layers that train as they will run on an analog crossbar.

In training mode an IMC layer quantizes its weights and inputs with straight-through
estimators, tracks the input clip range ``x_max`` and adds fresh Gaussian weight noise
each forward (quantize first, then noise). In evaluation mode it computes the exact
integer product of weight and input levels, the same arithmetic as the crossbar
simulator with ideal devices and a lossless ADC, then scales it and adds the bias.
"""

from __future__ import annotations

from typing import Callable, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from imcnas.train.quantize import input_levels, quantize_input_ste, quantize_weight_ste, weight_levels

MVMBackend = Callable[["IMCLayer", torch.Tensor], torch.Tensor]
"""Computes ``(rows, n_out)`` outputs, bias excluded, for ``(rows, n_in)`` float inputs."""


class IMCLayer(nn.Module):
    """Quantization, noise and range-tracking state shared by :class:`IMCLinear` and :class:`IMCConv2d`.

    ``x_max`` is a buffer (saved in the state dict) holding the input clip range. It
    follows an exponential moving average of the batch maximum in training and is
    frozen in evaluation. ``noise_std`` is the weight noise std relative to ``max|W|``.
    """

    weight: nn.Parameter
    bias: nn.Parameter | None
    x_max: torch.Tensor
    x_max_tracked: torch.Tensor

    def _init_imc(self, w_bits: int, in_bits: int, noise_std: float, x_max_momentum: float) -> None:
        _check_bits("w_bits", w_bits, 2)
        _check_bits("in_bits", in_bits, 1)
        if not noise_std >= 0.0:
            raise ValueError(f"noise_std must be >= 0 (relative to max|W|); got {noise_std}")
        if not 0.0 < x_max_momentum <= 1.0:
            raise ValueError(f"x_max_momentum must be in (0, 1]; got {x_max_momentum}")
        self.w_bits = int(w_bits)
        self.in_bits = int(in_bits)
        self.noise_std = float(noise_std)
        self.x_max_momentum = float(x_max_momentum)
        self.register_buffer("x_max", torch.zeros(()))
        self.register_buffer("x_max_tracked", torch.zeros((), dtype=torch.bool))
        # Set by the chip evaluation to run the matrix product on the simulator.
        self.mvm_backend: MVMBackend | None = None

    @property
    def n_in(self) -> int:
        """Crossbar rows of the layer: input features, or C_in * k * k for a conv."""
        return self.weight[0].numel()

    @property
    def n_out(self) -> int:
        """Crossbar weight columns of the layer: output features or channels."""
        return self.weight.shape[0]

    def weight_matrix(self) -> torch.Tensor:
        """Return the float weights as the ``(n_out, n_in)`` matrix that is programmed."""
        return self.weight.reshape(self.n_out, self.n_in)

    def quantized_weight(self) -> torch.Tensor:
        """Return the quantized weights (levels times scale), shaped like ``weight``."""
        levels, scale = weight_levels(self.weight, self.w_bits)
        return levels * scale

    def weight_levels(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the integer levels of :meth:`weight_matrix` (as floats) and the per-layer scale."""
        return weight_levels(self.weight_matrix(), self.w_bits)

    def input_levels(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the unsigned integer levels of the inputs ``rows`` (as floats) and their scale."""
        self._require_range()
        return input_levels(rows, self.in_bits, self.x_max)

    def track_input_range(self, x: torch.Tensor) -> None:
        """Update ``x_max`` with the maximum of ``x``: the first batch sets it, later ones blend in."""
        batch_max = x.detach().max().clamp(min=0.0).to(self.x_max.dtype)
        if bool(self.x_max_tracked):
            self.x_max.lerp_(batch_max, self.x_max_momentum)
        else:
            self.x_max.copy_(batch_max)
            self.x_max_tracked.fill_(True)

    # NOTE: training models weight and input quantization and weight noise only. The ADC's
    # output quantization and clipping are not modelled, so a lossy ADC is seen only by
    # evaluate_on_chip.
    def _train_weight(self) -> torch.Tensor:
        weight = quantize_weight_ste(self.weight, self.w_bits)
        if self.noise_std > 0.0:
            # Noise is relative to the largest weight, which maps to the full conductance range.
            spread = self.noise_std * self.weight.detach().abs().max()
            weight = weight + spread * torch.randn_like(weight)
        return weight

    def _train_input(self, x: torch.Tensor) -> torch.Tensor:
        self.track_input_range(x)
        return quantize_input_ste(x, self.in_bits, self.x_max)

    def _require_range(self) -> None:
        if not bool(self.x_max_tracked):
            raise RuntimeError(
                f"{type(self).__name__} has no input range x_max yet; run forward passes in train "
                "mode (or call imcnas.train.calibrate_input_ranges) before evaluation"
            )

    def integer_mvm(self, rows: torch.Tensor) -> torch.Tensor:
        """Return ``rows @ W.T`` for ``(rows, n_in)`` inputs on quantized levels, bias excluded.

        The level product is summed in float64, which is exact for integers below 2**53,
        and scaled by ``w_scale * x_scale`` before rounding to float32.
        """
        x_levels, x_scale = self.input_levels(rows)
        w_levels, w_scale = self.weight_levels()
        products = x_levels.double() @ w_levels.double().T
        return (products * (w_scale.double() * x_scale.double())).float()

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, w_bits={self.w_bits}, in_bits={self.in_bits}, noise_std={self.noise_std}"


class IMCLinear(IMCLayer, nn.Linear):
    """Fully connected layer mapped onto crossbars; see :class:`IMCLayer`."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        w_bits: int = 8,
        in_bits: int = 8,
        noise_std: float = 0.0,
        x_max_momentum: float = 0.1,
    ) -> None:
        nn.Linear.__init__(self, in_features, out_features, bias=bias)
        self._init_imc(w_bits, in_bits, noise_std, x_max_momentum)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return F.linear(self._train_input(x), self._train_weight(), self.bias)

        rows = x.reshape(-1, self.in_features)
        backend = self.mvm_backend or IMCLayer.integer_mvm
        out = backend(self, rows).reshape(*x.shape[:-1], self.out_features)
        return out if self.bias is None else out + self.bias


class IMCConv2d(IMCLayer, nn.Conv2d):
    """2-D convolution mapped onto crossbars as its im2col matrix (``n_in = C_in * k * k``).

    Only ``groups=1`` and zero padding are supported, because each conv must be one
    weight matrix that multiplies the unfolded input patches.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        bias: bool = True,
        *,
        w_bits: int = 8,
        in_bits: int = 8,
        noise_std: float = 0.0,
        x_max_momentum: float = 0.1,
    ) -> None:
        nn.Conv2d.__init__(
            self, in_channels, out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation, bias=bias
        )
        if isinstance(self.padding, str):
            raise ValueError(f"IMCConv2d needs numeric padding; got padding={self.padding!r}")
        self._init_imc(w_bits, in_bits, noise_std, x_max_momentum)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return self._conv_forward(self._train_input(x), self._train_weight(), self.bias)

        batch, _, height, width = x.shape
        out_height, out_width = self.output_size(height, width)
        if self.mvm_backend is None:
            out = self._integer_conv(x)
        else:
            # im2col: one row of C_in * k * k values per output position.
            patches = F.unfold(x, self.kernel_size, dilation=self.dilation, padding=self.padding, stride=self.stride)
            rows = patches.transpose(1, 2).reshape(-1, self.n_in)
            out = self.mvm_backend(self, rows).reshape(batch, out_height * out_width, self.n_out)
            out = out.transpose(1, 2).reshape(batch, self.n_out, out_height, out_width)
        return out if self.bias is None else out + self.bias.reshape(1, -1, 1, 1)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """Return the output map size (height, width) for an input map of ``height`` x ``width``."""
        sizes = []
        for size, kernel, stride, padding, dilation in zip(
            (height, width), self.kernel_size, self.stride, self.padding, self.dilation
        ):
            sizes.append((size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1)
        return sizes[0], sizes[1]

    def _integer_conv(self, x: torch.Tensor) -> torch.Tensor:
        # Same arithmetic as integer_mvm on the im2col rows, without materialising them.
        x_levels, x_scale = self.input_levels(x)
        w_levels, w_scale = weight_levels(self.weight, self.w_bits)
        products = F.conv2d(
            x_levels.double(), w_levels.double(), stride=self.stride, padding=self.padding, dilation=self.dilation
        )
        return (products * (w_scale.double() * x_scale.double())).float()


def _check_bits(name: str, bits: int, low: int) -> None:
    if isinstance(bits, bool) or not isinstance(bits, int) or not low <= bits <= 16:
        raise ValueError(f"{name} must be an integer in [{low}, 16]; got {bits!r}")


def imc_layers(module: nn.Module) -> list[tuple[str, IMCLayer]]:
    """Return the (name, layer) pairs of every IMC layer in ``module``, in registration order."""
    return [(name, layer) for name, layer in module.named_modules() if isinstance(layer, IMCLayer)]


def convert_module(
    module: nn.Module,
    *,
    w_bits: int | Sequence[int] = 8,
    in_bits: int | Sequence[int] = 8,
    noise_std: float = 0.0,
) -> nn.Module:
    """Replace every ``nn.Linear`` and ``nn.Conv2d`` in ``module`` by its IMC version, in place.

    Weights and biases are copied. ``w_bits`` and ``in_bits`` are one value for all
    layers or one per converted layer, in registration order. Returns ``module``, or
    the converted layer when ``module`` itself is a Linear or Conv2d.
    """
    targets = [(name, layer) for name, layer in module.named_modules() if _convertible(layer)]
    w_list = _per_layer("w_bits", w_bits, len(targets))
    in_list = _per_layer("in_bits", in_bits, len(targets))

    converted_root = module
    for (name, layer), layer_w_bits, layer_in_bits in zip(targets, w_list, in_list):
        replacement = _convert_layer(layer, layer_w_bits, layer_in_bits, noise_std)
        if name == "":
            converted_root = replacement
            continue
        parent_name, _, child_name = name.rpartition(".")
        parent = module.get_submodule(parent_name) if parent_name else module
        setattr(parent, child_name, replacement)
    return converted_root


def _convertible(layer: nn.Module) -> bool:
    return type(layer) in (nn.Linear, nn.Conv2d)


def _per_layer(name: str, value: int | Sequence[int], count: int) -> list[int]:
    if isinstance(value, int):
        return [value] * count
    values = list(value)
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} entries but the module has {count} Linear/Conv2d layers")
    return values


def _convert_layer(layer: nn.Module, w_bits: int, in_bits: int, noise_std: float) -> IMCLayer:
    has_bias = layer.bias is not None
    replacement: IMCLayer
    if isinstance(layer, nn.Linear):
        replacement = IMCLinear(
            layer.in_features, layer.out_features, has_bias, w_bits=w_bits, in_bits=in_bits, noise_std=noise_std
        )
    else:
        assert isinstance(layer, nn.Conv2d)
        if layer.groups != 1 or layer.padding_mode != "zeros":
            raise ValueError(
                f"cannot map Conv2d with groups={layer.groups}, padding_mode={layer.padding_mode!r} "
                "onto one crossbar matrix; only groups=1 with zero padding is supported"
            )
        replacement = IMCConv2d(
            layer.in_channels,
            layer.out_channels,
            layer.kernel_size,
            stride=layer.stride,
            padding=layer.padding,
            dilation=layer.dilation,
            bias=has_bias,
            w_bits=w_bits,
            in_bits=in_bits,
            noise_std=noise_std,
        )

    with torch.no_grad():
        replacement.weight.copy_(layer.weight)
        if has_bias:
            replacement.bias.copy_(layer.bias)
    replacement.to(device=layer.weight.device, dtype=layer.weight.dtype)
    replacement.train(layer.training)
    return replacement


@torch.no_grad()
def calibrate_input_ranges(module: nn.Module, batches: Iterator[torch.Tensor] | Sequence[torch.Tensor]) -> None:
    """Track ``x_max`` of every IMC layer over ``batches`` without changing any weight.

    Runs ``module`` in train mode with weight noise off, then restores both. Other
    train-mode state changes as in any training forward, e.g. BatchNorm running statistics.
    """
    layers = [layer for _, layer in imc_layers(module)]
    saved_noise = [layer.noise_std for layer in layers]
    was_training = module.training
    try:
        for layer in layers:
            layer.noise_std = 0.0
        module.train()
        for batch in batches:
            module(batch)
    finally:
        for layer, noise_std in zip(layers, saved_noise):
            layer.noise_std = noise_std
        module.train(was_training)
