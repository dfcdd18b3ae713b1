// Mapping of one layer onto crossbars: tiles, slices, conversions and read cycles.
#pragma once

#include <cstdint>

#include "imcnas/cost/network.hpp"

namespace imcnas::cost {

struct LayerMapping {
  int slices = 0;                      // ceil((w_bits - 1) / cell_bits)
  std::int64_t bitlines = 0;           // n_out * slices * 2 (differential)
  std::int64_t row_tiles = 0;          // ceil(n_in / xbar_rows)
  std::int64_t col_tiles = 0;          // ceil(bitlines / xbar_cols)
  std::int64_t crossbars = 0;          // row_tiles * col_tiles * duplication
  std::int64_t pes = 0;                // ceil(crossbars / arrays_per_pe)
  std::int64_t tiles = 0;              // ceil(pes / pes_per_tile), one layer per tile
  double utilization = 0.0;            // used cells / cells of one weight copy
  int magnitude_bits = 0;              // in_bits, less the sign bit when signed
  int input_cycles = 0;                // ceil(magnitude_bits / dac_bits)
  std::int64_t adcs_per_crossbar = 0;  // ADCs on one crossbar
  int conversions_per_adc = 0;         // sequential conversions of one ADC per read
  std::int64_t converted_columns = 0;  // ADC inputs of one row tile of one copy
  double conversions = 0.0;            // ADC conversions per inference (exact below 2^53)
  std::int64_t mvms_per_copy = 0;      // ceil(n_mvm / duplication)
  int partial_sum_bits = 0;            // width of the shift-and-add register
  int accumulator_bits = 0;            // width after adding the row tiles
};

// Maps a validated layer onto validated hardware.
LayerMapping map_layer(const LayerShape& layer, const HardwareSpec& hw, int arrays_per_pe,
                       int pes_per_tile);

}  // namespace imcnas::cost
