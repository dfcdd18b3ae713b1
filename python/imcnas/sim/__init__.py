"""Bit-true crossbar MVM simulator (C++ core) and its NumPy reference.

``program_layer`` quantizes and programs a weight matrix; ``ProgrammedLayer.forward``
runs the tiled, bit-sliced MVM with DAC cycles, ADC and shift-and-add, plus optional
device non-idealities. ``reference`` is the NumPy oracle with the same semantics.
"""

from imcnas.sim import reference
from imcnas.hardware.config import MAX_ADC_BITS
from imcnas.sim.adc import AdcTransfer, adc_transfer, check_device, lossless_adc_bits, max_conversion_input
from imcnas.sim.api import ProgrammedLayer, program_layer
from imcnas.sim.quantize import quantize_inputs, quantize_weights

__all__ = [
    "MAX_ADC_BITS",
    "AdcTransfer",
    "ProgrammedLayer",
    "adc_transfer",
    "check_device",
    "lossless_adc_bits",
    "max_conversion_input",
    "program_layer",
    "quantize_inputs",
    "quantize_weights",
    "reference",
]
