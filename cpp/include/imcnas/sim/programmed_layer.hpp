// A weight matrix programmed onto differential, bit-sliced crossbars, and its MVM.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "imcnas/sim/adc.hpp"
#include "imcnas/sim/config.hpp"

namespace imcnas::sim {

// Conductances at one read time, in unit-cell conductances dG, laid out
// [slice][input row][output column] so that the GEMM inner loop runs over columns.
struct ReadState {
  double t_seconds = 0.0;
  bool integer_levels = false;  // ideal devices: every stored value is an exact integer
  // Difference conversion: G+ - G-. Per-column conversion: G+ - G_min and G- - G_min, so
  // that the known G_min current is added back as g0 * (sum of digits) before the ADC.
  std::vector<double> first, second;
  std::vector<double> first_sq, second_sq;  // squared absolute conductances, for read noise
  std::vector<float> first_f32, second_f32;  // float copies for the exact integer fast path
  double compensation = 1.0;  // global drift compensation factor applied to outputs
};

class ProgrammedLayer {
 public:
  // Programs the quantized weights `weight_int` (n_out x n_in, row-major, |q| <=
  // 2^(w_bits-1) - 1). Programming noise, stuck-at faults and drift exponents are drawn
  // here from `options.seed`. Throws std::invalid_argument on invalid arguments.
  ProgrammedLayer(const std::int32_t* weight_int, std::int64_t n_out, std::int64_t n_in,
                  const CrossbarConfig& config, const DeviceParams& device,
                  const LayerOptions& options);

  // Computes the integer-domain output y_int (batch x n_out, row-major) for the integer
  // inputs x_int (batch x n_in, row-major). Thread-safe: concurrent calls share the
  // read-state cache under a mutex.
  ForwardStats forward_int(const std::int64_t* x_int, std::int64_t batch, double* y_int,
                           const ForwardOptions& options) const;

  // Writes the programmed-and-drifted conductances at t_seconds in uS, each buffer of
  // slices() * n_in() * n_out() values laid out [slice][row][column].
  void conductances_us(double t_seconds, double* g_plus, double* g_minus) const;

  std::int64_t n_out() const { return n_out_; }
  std::int64_t n_in() const { return n_in_; }
  int slices() const { return slices_; }
  int w_bits() const { return options_.w_bits; }
  std::int64_t row_tiles() const;
  std::int64_t col_tiles() const;
  const CrossbarConfig& config() const { return config_; }
  const DeviceParams& device() const { return device_; }
  double unit_conductance_us() const { return unit_us_; }  // dG
  double g0() const { return g0_; }                        // G_min / dG
  bool ideal() const;  // no programming noise, faults or drift

  // Largest |y_int| that shift-and-add can produce for these input options; forward_int
  // rejects calls where it reaches 2^53, above which float64 sums stop being exact.
  double accumulator_bound(const ForwardOptions& options) const;

 private:
  std::shared_ptr<const ReadState> read_state(double t_seconds) const;
  std::shared_ptr<ReadState> build_read_state(double t_seconds) const;
  double calibration_read(const std::vector<double>& g_plus,
                          const std::vector<double>& g_minus) const;
  void drifted(double t_seconds, std::vector<double>& g_plus, std::vector<double>& g_minus) const;

  std::int64_t n_out_, n_in_;
  CrossbarConfig config_;
  DeviceParams device_;
  LayerOptions options_;
  int slices_;
  double unit_us_;  // dG = (g_max - g_min) / (2^cell_bits - 1)
  double g0_;       // g_min / dG
  // Programmed conductances in dG units above g_min (G / dG - g0, exact integer levels for
  // ideal devices) and drift exponents, [slice][row][column].
  std::vector<double> g_plus_, g_minus_;
  std::vector<float> nu_plus_, nu_minus_;
  double calibration_t0_ = 0.0;

  mutable std::mutex cache_mutex_;
  mutable std::shared_ptr<const ReadState> cache_;
};

// Number of weight slices for w_bits signed weights: ceil((w_bits - 1) / cell_bits).
int weight_slices(int w_bits, int cell_bits);
// Number of DAC cycles: ceil(magnitude_bits / dac_bits).
int input_cycles(int magnitude_bits, int dac_bits);

}  // namespace imcnas::sim
