"""Crossbar geometry of a model's weight layers, as the cost model consumes it."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

import torch
from torch import nn

from imcnas.train.layers import IMCLayer, MVMBackend, imc_layers


@contextlib.contextmanager
def mvm_backend(model: nn.Module, backend: MVMBackend) -> Iterator[None]:
    """Run the matrix products of every IMC layer of ``model`` through ``backend`` in eval mode.

    Restores the previous backends and the train/eval mode on exit.
    """
    layers = [layer for _, layer in imc_layers(model)]
    saved = [layer.mvm_backend for layer in layers]
    was_training = model.training
    try:
        model.eval()
        for layer in layers:
            layer.mvm_backend = backend
        yield
    finally:
        for layer, previous in zip(layers, saved):
            layer.mvm_backend = previous
        model.train(was_training)


@torch.no_grad()
def layer_geometry(model: nn.Module, input_shape: Sequence[int]) -> list[dict[str, Any]]:
    """Return one dict per IMC layer, in execution order, for one input of ``input_shape``.

    Keys: ``name`` (module path), ``n_in`` (crossbar rows: input features, or
    C_in * k * k for a conv) and ``n_out`` (weight columns). ``n_mvm`` counts the
    matrix-vector products per inference: H_out * W_out for a conv, 1 for a linear layer
    on a vector. Then come ``w_bits``, ``in_bits`` and ``input_signed`` (always False,
    because the layers quantize inputs as unsigned). The model is traced with one zero
    input, and no parameter or buffer changes.
    """
    names = {layer: name for name, layer in imc_layers(model)}
    records: list[dict[str, Any]] = []

    def record_shapes(layer: IMCLayer, rows: torch.Tensor) -> torch.Tensor:
        records.append(
            {
                "name": names[layer],
                "n_in": layer.n_in,
                "n_out": layer.n_out,
                "n_mvm": rows.shape[0],
                "w_bits": layer.w_bits,
                "in_bits": layer.in_bits,
                "input_signed": False,
            }
        )
        return rows.new_zeros(rows.shape[0], layer.n_out)

    parameter = next(model.parameters(), None)
    dtype = torch.float32 if parameter is None else parameter.dtype
    with mvm_backend(model, record_shapes):
        model(torch.zeros(1, *(int(size) for size in input_shape), dtype=dtype))
    return records
