// ADC transfer function: step choice, codes, and the lossless width.
#pragma once

#include <cmath>

#include "imcnas/sim/config.hpp"

namespace imcnas::sim {

// Largest possible input of one conversion, in unit-cell currents (dG times the DAC unit
// voltage), with every row of the physical array at the top digit and the top level.
// For per-column conversion the G_min current of every row (g0 = G_min / dG) is included.
double max_conversion_input(const CrossbarConfig& config, double g0, bool per_column);

// A uniform mid-tread converter: code = clip(round_half_away_from_zero(p / step), -L, L)
// for a signed (sign-magnitude) converter, 0..L for an unsigned one.
struct Adc {
  double step = 1.0;      // unit-cell currents per code, a power of two >= 1
  double inv_step = 1.0;  // 1 / step, exact because step is a power of two
  double max_code = 1.0;  // L
  bool is_signed = true;

  double min_code() const { return is_signed ? -max_code : 0.0; }

  // Rounds half away from zero, exactly, without a libm call: x - trunc(x) is exact.
  static double round_half_away(double x) {
    const double whole = std::trunc(x);
    const double fraction = x - whole;
    return whole + static_cast<double>(fraction >= 0.5) - static_cast<double>(fraction <= -0.5);
  }

  // Returns the unclipped code of p. A code outside [min_code(), max_code] means clipping.
  double raw_code(double p) const { return round_half_away(p * inv_step); }

  // Clips a raw code to the converter's range.
  double clip(double code) const {
    const double low = min_code();
    return code > max_code ? max_code : (code < low ? low : code);
  }

  // Converts p and returns code * step; sets clipped when the code hit its range limit.
  double convert(double p, bool& clipped) const {
    const double code = raw_code(p);
    clipped = code > max_code || code < min_code();
    return clip(code) * step;
  }
};

// Builds the converter: signed for difference conversion, unsigned per column (per-column
// currents are unipolar because signed inputs are then applied in two phases).
Adc make_adc(const CrossbarConfig& config, double g0);

}  // namespace imcnas::sim
