// Validation of the simulator options and the ADC transfer function.
#include <cmath>

#include "imcnas/common.hpp"
#include "imcnas/sim/adc.hpp"
#include "imcnas/sim/config.hpp"

namespace imcnas::sim {

void CrossbarConfig::validate() const {
  require(xbar_rows >= 1 && xbar_rows <= 4096, "xbar_rows must be in [1, 4096], got ", xbar_rows);
  require(xbar_cols >= 2 && xbar_cols <= 4096 && xbar_cols % 2 == 0,
          "xbar_cols must be even and in [2, 4096] (differential mapping), got ", xbar_cols);
  require(cell_bits >= 1 && cell_bits <= 8, "cell_bits must be in [1, 8], got ", cell_bits);
  require(dac_bits >= 1 && dac_bits <= 8, "dac_bits must be in [1, 8], got ", dac_bits);
  require(adc_bits >= 1 && adc_bits <= 24, "adc_bits must be in [1, 24], got ", adc_bits);
  require(adc_conversion != AdcConversion::difference || adc_bits >= 2, "adc_bits=", adc_bits,
          " is too small for difference conversion: a signed converter needs a sign bit and "
          "a magnitude bit; use adc_bits >= 2");
}

bool DeviceParams::has_programming_noise() const {
  for (double c : programming_sigma_coeffs) {
    if (c != 0.0) return true;
  }
  return false;
}

void DeviceParams::validate() const {
  require(std::isfinite(g_min_us) && g_min_us >= 0.0, "g_min_us must be finite and >= 0, got ",
          g_min_us);
  require(std::isfinite(g_max_us) && g_max_us > g_min_us,
          "g_max_us must be finite and greater than g_min_us=", g_min_us, ", got ", g_max_us);
  for (double c : programming_sigma_coeffs) {
    require(std::isfinite(c), "programming noise coefficients must be finite, got ", c);
  }
  require(std::isfinite(read_noise) && read_noise >= 0.0,
          "read_noise must be finite and >= 0, got ", read_noise);
  require(std::isfinite(drift_nu_mean) && std::isfinite(drift_nu_std) && drift_nu_std >= 0.0,
          "drift_nu_mean must be finite and drift_nu_std finite and >= 0, got ", drift_nu_mean,
          " and ", drift_nu_std);
  require(std::isfinite(t0_s) && t0_s > 0.0, "t0_s must be finite and > 0, got ", t0_s);
  require(stuck_at_gmin_rate >= 0.0 && stuck_at_gmax_rate >= 0.0 &&
              stuck_at_gmin_rate + stuck_at_gmax_rate <= 1.0,
          "stuck-at rates must be >= 0 with a sum <= 1, got ", stuck_at_gmin_rate, " and ",
          stuck_at_gmax_rate);
}

double max_conversion_input(const CrossbarConfig& config, double g0, bool per_column) {
  const double top_digit = std::ldexp(1.0, config.dac_bits) - 1.0;
  const double top_level = std::ldexp(1.0, config.cell_bits) - 1.0;
  const double top_cell = per_column ? top_level + g0 : top_level;
  return config.xbar_rows * top_digit * top_cell;
}

Adc make_adc(const CrossbarConfig& config, double g0) {
  config.validate();
  const bool per_column = config.adc_conversion == AdcConversion::per_column;
  Adc adc;
  adc.is_signed = !per_column;
  adc.max_code = adc.is_signed ? std::ldexp(1.0, config.adc_bits - 1) - 1.0
                               : std::ldexp(1.0, config.adc_bits) - 1.0;

  if (config.adc_mode == AdcMode::full_range) {
    const double p_max = max_conversion_input(config, g0, per_column);
    while (adc.step * adc.max_code < p_max) adc.step *= 2.0;
  }
  adc.inv_step = 1.0 / adc.step;
  return adc;
}

int weight_slices(int w_bits, int cell_bits) { return (w_bits - 1 + cell_bits - 1) / cell_bits; }

int input_cycles(int magnitude_bits, int dac_bits) {
  return (magnitude_bits + dac_bits - 1) / dac_bits;
}

}  // namespace imcnas::sim
