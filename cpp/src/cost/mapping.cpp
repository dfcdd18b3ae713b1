// Mapping of one layer onto differential, bit-sliced crossbars.
#include "imcnas/cost/mapping.hpp"

#include <algorithm>

namespace imcnas::cost {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

int ceil_log2(std::int64_t n) {
  int bits = 0;
  while ((std::int64_t{1} << bits) < n) ++bits;
  return bits;
}

}  // namespace

LayerMapping map_layer(const LayerShape& layer, const HardwareSpec& hw, int arrays_per_pe,
                       int pes_per_tile) {
  LayerMapping m;
  const bool per_column = hw.adc_conversion == AdcConversion::per_column;

  // Crossbars: every weight column takes `slices` G+/G- pairs of bit lines.
  m.slices = static_cast<int>(ceil_div(layer.w_bits - 1, hw.cell_bits));
  m.bitlines = layer.n_out * m.slices * 2;
  m.row_tiles = ceil_div(layer.n_in, hw.xbar_rows);
  m.col_tiles = ceil_div(m.bitlines, hw.xbar_cols);
  const std::int64_t crossbars_per_copy = m.row_tiles * m.col_tiles;
  m.crossbars = crossbars_per_copy * layer.duplication;
  m.pes = ceil_div(m.crossbars, arrays_per_pe);
  m.tiles = ceil_div(m.pes, pes_per_tile);
  const double cells = static_cast<double>(crossbars_per_copy) * hw.xbar_rows * hw.xbar_cols;
  m.utilization = static_cast<double>(layer.n_in) * static_cast<double>(m.bitlines) / cells;

  // Inputs: sign-magnitude inputs stream only their magnitude bits; the sign sets polarity.
  m.magnitude_bits = layer.input_signed ? layer.in_bits - 1 : layer.in_bits;
  m.input_cycles = static_cast<int>(ceil_div(m.magnitude_bits, hw.dac_bits));

  // ADCs: a difference converter takes a G+/G- pair as one input, so cols_per_adc bit
  // lines are cols_per_adc / 2 inputs (at least one pair).
  if (per_column) {
    m.conversions_per_adc = hw.cols_per_adc;
    m.adcs_per_crossbar = ceil_div(hw.xbar_cols, hw.cols_per_adc);
    m.converted_columns = m.bitlines;
  } else {
    m.conversions_per_adc = std::max(1, hw.cols_per_adc / 2);
    m.adcs_per_crossbar = ceil_div(hw.xbar_cols / 2, m.conversions_per_adc);
    m.converted_columns = layer.n_out * m.slices;
  }
  m.conversions = static_cast<double>(layer.n_mvm) * m.input_cycles *
                  static_cast<double>(m.row_tiles) * static_cast<double>(m.converted_columns);
  m.mvms_per_copy = ceil_div(layer.n_mvm, layer.duplication);

  // Digital widths: slice and input-cycle shifts widen the ADC code. Subtracting a separately
  // converted G- column adds a sign bit, and each doubling of row tiles adds one more bit.
  m.partial_sum_bits = hw.adc_bits + hw.cell_bits * (m.slices - 1) +
                       hw.dac_bits * (m.input_cycles - 1) + (per_column ? 1 : 0);
  m.accumulator_bits = m.partial_sum_bits + ceil_log2(m.row_tiles);
  return m;
}

}  // namespace imcnas::cost
