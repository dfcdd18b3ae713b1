// ADC transfer function: step choice, codes, and the lossless width.
#pragma once

#include <cmath>

#include "imcnas/sim/config.hpp"

namespace imcnas::sim {

// Largest possible sum one conversion sees, in unit-cell currents (dG times the DAC unit
// voltage): every row of the physical array at the top digit and the top level. For
// per-column conversion the G_min current of every row (g0 = G_min / dG) is included.
double max_conversion_input(const CrossbarConfig& config, double g0, bool per_column);

// A uniform mid-tread converter: code = clip(round_half_away_from_zero(p / step), -L, L)
// for a signed (sign-magnitude) converter, 0..L for an unsigned one.
struct Adc {
  double step = 1.0;      // unit-cell currents per code, a power of two >= 1
  double max_code = 1.0;  // L
  bool is_signed = true;

  // Converts p and returns code * step; sets clipped when the code hit +-L.
  double convert(double p, bool& clipped) const {
    double code = std::round(p / step);  // std::round rounds halves away from zero
    const double low = is_signed ? -max_code : 0.0;
    clipped = code > max_code || code < low;
    code = code > max_code ? max_code : (code < low ? low : code);
    return code * step;
  }
};

// Builds the converter: signed for difference conversion, unsigned per column (per-column
// currents are unipolar because signed inputs are then applied in two phases).
Adc make_adc(const CrossbarConfig& config, double g0);

}  // namespace imcnas::sim
