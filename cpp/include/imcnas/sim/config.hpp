// Crossbar, device and call options of the bit-true crossbar simulator.
#pragma once

#include <cstdint>
#include <vector>

namespace imcnas::sim {

// ADC range selection.
enum class AdcMode {
  full_range,  // step = smallest power of two with max_code * step >= largest possible sum
  granular,    // step = one unit-cell current; sums above max_code clip
};

// Quantity that one ADC conversion digitises in differential mapping.
enum class AdcConversion {
  difference,  // the G+ minus G- current of a column pair, signed converter
  per_column,  // the G+ and the G- column currents separately, subtracted digitally
};

// Geometry and converter resolutions of one crossbar array and its periphery.
struct CrossbarConfig {
  int xbar_rows = 128;  // word lines read in parallel
  int xbar_cols = 128;  // bit lines; a differential weight column uses two
  int cell_bits = 2;    // bits per cell, 2^cell_bits conductance levels
  int dac_bits = 1;     // input bits per read cycle
  int adc_bits = 8;     // ADC resolution
  AdcMode adc_mode = AdcMode::full_range;
  AdcConversion adc_conversion = AdcConversion::difference;

  // Throws std::invalid_argument naming the first invalid field.
  void validate() const;

  // Weight columns per crossbar (half the bit lines, differential mapping).
  int weight_cols() const { return xbar_cols / 2; }
};

// Device non-idealities. Conductances in microsiemens (uS), times in seconds.
struct DeviceParams {
  double g_min_us = 0.0;  // conductance of level 0
  double g_max_us = 1.0;  // conductance of the top level
  // Programming noise std as a polynomial: sigma(G) = g_max * sum_k c[k] * (G / g_max)^k.
  // Additive noise is {c0}, proportional noise is {0, c1}. Empty: no programming noise.
  std::vector<double> programming_sigma_coeffs;
  double read_noise = 0.0;     // relative std of one device read, sigma_r * G
  double drift_nu_mean = 0.0;  // drift exponent nu ~ N(mean, std), clipped at 0
  double drift_nu_std = 0.0;
  double t0_s = 1.0;                 // reference time of the drift law after programming
  double stuck_at_gmin_rate = 0.0;   // fraction of devices stuck at g_min
  double stuck_at_gmax_rate = 0.0;   // fraction of devices stuck at g_max

  void validate() const;

  bool has_programming_noise() const;
  bool has_drift() const { return drift_nu_mean > 0.0 || drift_nu_std > 0.0; }
  bool has_faults() const { return stuck_at_gmin_rate > 0.0 || stuck_at_gmax_rate > 0.0; }
};

// Options of one programmed layer.
struct LayerOptions {
  int w_bits = 8;                 // signed weight bits, sign included
  std::uint64_t seed = 0;         // chip seed: programming noise, faults, drift exponents
  bool drift_compensation = false;  // scale outputs by a calibration read at t0 over one at t
};

// Options of one MVM call.
struct ForwardOptions {
  int in_bits = 8;            // input bits (sign included when input_signed)
  bool input_signed = false;  // sign-magnitude inputs, sign applied as read polarity
  double t_seconds = 86400.0; // time after programming
  std::uint64_t read_seed = 0;
  bool read_noise = true;     // apply the device read noise (if the device has any)
};

// Counters of one MVM call, for the cost model and for range tuning.
struct ForwardStats {
  std::uint64_t adc_conversions = 0;
  std::uint64_t adc_clipped = 0;  // conversions whose code hit the top code
};

}  // namespace imcnas::sim
