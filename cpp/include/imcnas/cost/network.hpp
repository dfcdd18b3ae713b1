// Inputs of the cost model: one weight layer as mapped onto the chip, and the hardware.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imcnas::cost {

// One weight layer mapped as a matrix: conv layers pass their im2col shape
// (n_in = C_in * k * k, n_out = C_out, n_mvm = output positions). Pruning is
// already applied: n_in and n_out are the kept rows and columns.
struct LayerShape {
  std::string name;
  std::int64_t n_in = 0;       // matrix rows (inputs per MVM)
  std::int64_t n_out = 0;      // weight columns (outputs per MVM)
  std::int64_t n_mvm = 0;      // MVMs per inference
  int w_bits = 0;              // signed weight bits, sign included
  int in_bits = 0;             // input bits, sign included when input_signed
  bool input_signed = false;   // sign applied as input polarity (sign-magnitude)
  int duplication = 1;         // weight copies that share the MVMs of the layer

  void validate() const;
};

enum class AdcConversion { difference, per_column };

// The hardware knobs of imcnas.hardware.HardwareConfig plus the device's conductance
// range, resolved from the device name by the caller.
struct HardwareSpec {
  int xbar_rows = 128;
  int xbar_cols = 128;
  int cell_bits = 2;
  int dac_bits = 1;
  int adc_bits = 8;
  int cols_per_adc = 8;
  AdcConversion adc_conversion = AdcConversion::difference;
  double g_min_us = 0.0;       // conductance of level 0, microsiemens
  double g_max_us = 0.0;       // conductance of the top level, microsiemens

  void validate() const;
};

using Network = std::vector<LayerShape>;

}  // namespace imcnas::cost
