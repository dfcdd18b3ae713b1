// Programming a layer: slicing, conductances, programming noise, faults, drift and the
// per-read-time conductance cache.
#include <cmath>
#include <cstdlib>

#include "imcnas/common.hpp"
#include "imcnas/sim/programmed_layer.hpp"
#include "imcnas/sim/random.hpp"

namespace imcnas::sim {

namespace {

// Independent random streams of one chip seed, so that switching one effect on or off
// leaves the samples of the others unchanged.
enum Stream : std::uint64_t { kProgrammingNoise = 1, kStuckAt = 2, kDrift = 3 };

// Largest float32 integer below which float sums of integers stay exact.
constexpr double kFloatExactLimit = 16777216.0;  // 2^24

}  // namespace

ProgrammedLayer::ProgrammedLayer(const std::int32_t* weight_int, std::int64_t n_out,
                                 std::int64_t n_in, const CrossbarConfig& config,
                                 const DeviceParams& device, const LayerOptions& options)
    : n_out_(n_out), n_in_(n_in), config_(config), device_(device), options_(options) {
  config_.validate();
  device_.validate();
  require(n_out >= 1 && n_in >= 1, "weight matrix must be non-empty, got shape (", n_out, ", ",
          n_in, ")");
  require(options.w_bits >= 2 && options.w_bits <= 24,
          "w_bits must be in [2, 24] (sign bit plus at least one magnitude bit), got ",
          options.w_bits);

  slices_ = weight_slices(options.w_bits, config.cell_bits);
  const double top_level = std::ldexp(1.0, config.cell_bits) - 1.0;
  unit_us_ = (device.g_max_us - device.g_min_us) / top_level;
  g0_ = device.g_min_us / unit_us_;
  const std::int32_t max_q = (1 << (options.w_bits - 1)) - 1;
  const std::int64_t per_slice = n_in * n_out;

  // Slice the magnitudes onto G+ (positive weights) or G- (negative weights), transposed
  // to [slice][row][column] so that one input row touches a contiguous run of columns.
  // Values are stored above g_min, so that ideal levels stay exact integers.
  g_plus_.assign(static_cast<std::size_t>(slices_ * per_slice), 0.0);
  g_minus_.assign(g_plus_.size(), 0.0);
  const std::int32_t level_mask = (1 << config.cell_bits) - 1;
  for (std::int64_t o = 0; o < n_out; ++o) {
    for (std::int64_t i = 0; i < n_in; ++i) {
      const std::int32_t q = weight_int[o * n_in + i];
      require(q >= -max_q && q <= max_q, "weight_int[", o, ", ", i, "]=", q,
              " is outside the w_bits=", options.w_bits, " range [", -max_q, ", ", max_q, "]");
      std::vector<double>& target = q > 0 ? g_plus_ : g_minus_;
      const std::int32_t magnitude = std::abs(q);
      for (int s = 0; s < slices_; ++s) {
        const std::int32_t level = (magnitude >> (config.cell_bits * s)) & level_mask;
        target[s * per_slice + i * n_out + o] = level;
      }
    }
  }

  // Non-idealities sampled once per programmed chip, each from its own stream.
  Random noise_random(options.seed, kProgrammingNoise);
  Random fault_random(options.seed, kStuckAt);
  Random drift_random(options.seed, kDrift);
  const double g_max_units = device.g_max_us / unit_us_;  // g0 + top level
  const bool has_drift = device.has_drift();
  if (has_drift) {
    nu_plus_.assign(g_plus_.size(), 0.0f);
    nu_minus_.assign(g_plus_.size(), 0.0f);
  }
  for (std::size_t k = 0; k < g_plus_.size(); ++k) {
    for (int side = 0; side < 2; ++side) {
      double& g = side == 0 ? g_plus_[k] : g_minus_[k];
      bool stuck = false;
      if (device.has_faults()) {
        const double u = fault_random.uniform();
        if (u < device.stuck_at_gmin_rate) {
          g = 0.0;
          stuck = true;
        } else if (u < device.stuck_at_gmin_rate + device.stuck_at_gmax_rate) {
          g = top_level;
          stuck = true;
        }
      }
      if (device.has_programming_noise()) {
        // sigma(G) = g_max * sum_k c_k (G / g_max)^k, evaluated in dG units.
        const double absolute = g0_ + g;
        const double relative = absolute / g_max_units;
        double sigma = 0.0, power = 1.0;
        for (double c : device.programming_sigma_coeffs) {
          sigma += c * power;
          power *= relative;
        }
        const double sample = noise_random.normal();
        if (!stuck) g = std::max(0.0, absolute + std::abs(sigma) * g_max_units * sample) - g0_;
      }
      if (has_drift) {
        const double nu = device.drift_nu_mean + device.drift_nu_std * drift_random.normal();
        (side == 0 ? nu_plus_ : nu_minus_)[k] = stuck ? 0.0f : static_cast<float>(std::max(0.0, nu));
      }
    }
  }

  calibration_t0_ = calibration_read(g_plus_, g_minus_);
}

std::int64_t ProgrammedLayer::row_tiles() const {
  return (n_in_ + config_.xbar_rows - 1) / config_.xbar_rows;
}

std::int64_t ProgrammedLayer::col_tiles() const {
  return (n_out_ + config_.weight_cols() - 1) / config_.weight_cols();
}

bool ProgrammedLayer::ideal() const {
  return !device_.has_programming_noise() && !device_.has_faults() && !device_.has_drift();
}

double ProgrammedLayer::calibration_read(const std::vector<double>& g_plus,
                                         const std::vector<double>& g_minus) const {
  // An all-ones input read of every difference current, noise-free, summed in magnitude
  // over columns with the slice significance.
  const std::int64_t per_slice = n_in_ * n_out_;
  double total = 0.0;
  std::vector<double> column(static_cast<std::size_t>(n_out_));
  for (int s = 0; s < slices_; ++s) {
    std::fill(column.begin(), column.end(), 0.0);
    for (std::int64_t i = 0; i < n_in_; ++i) {
      const double* plus = &g_plus[s * per_slice + i * n_out_];
      const double* minus = &g_minus[s * per_slice + i * n_out_];
      for (std::int64_t o = 0; o < n_out_; ++o) column[o] += plus[o] - minus[o];
    }
    double slice_sum = 0.0;
    for (double value : column) slice_sum += std::abs(value);
    total += std::ldexp(slice_sum, config_.cell_bits * s);
  }
  return total;
}

void ProgrammedLayer::drifted(double t_seconds, std::vector<double>& g_plus,
                              std::vector<double>& g_minus) const {
  g_plus = g_plus_;
  g_minus = g_minus_;
  // G(t) = G(t0) * (t / t0)^(-nu) for t > t0; at or before t0 the programmed value holds,
  // so an early read is never amplified.
  if (!device_.has_drift() || t_seconds <= device_.t0_s) return;
  const double log_ratio = std::log(t_seconds / device_.t0_s);
  for (std::size_t k = 0; k < g_plus.size(); ++k) {
    g_plus[k] = (g0_ + g_plus[k]) * std::exp(-nu_plus_[k] * log_ratio) - g0_;
    g_minus[k] = (g0_ + g_minus[k]) * std::exp(-nu_minus_[k] * log_ratio) - g0_;
  }
}

std::shared_ptr<ReadState> ProgrammedLayer::build_read_state(double t_seconds) const {
  auto state = std::make_shared<ReadState>();
  state->t_seconds = t_seconds;
  state->integer_levels = ideal();

  std::vector<double> g_plus, g_minus;
  drifted(t_seconds, g_plus, g_minus);
  const bool per_column = config_.adc_conversion == AdcConversion::per_column;

  state->first.resize(g_plus.size());
  if (per_column) state->second.resize(g_plus.size());
  for (std::size_t k = 0; k < g_plus.size(); ++k) {
    if (per_column) {
      state->first[k] = g_plus[k];
      state->second[k] = g_minus[k];
    } else {
      state->first[k] = g_plus[k] - g_minus[k];
    }
  }

  if (device_.read_noise > 0.0) {
    state->first_sq.resize(g_plus.size());
    if (per_column) state->second_sq.resize(g_plus.size());
    for (std::size_t k = 0; k < g_plus.size(); ++k) {
      const double plus = g0_ + g_plus[k], minus = g0_ + g_minus[k];
      const double plus_sq = plus * plus, minus_sq = minus * minus;
      if (per_column) {
        state->first_sq[k] = plus_sq;
        state->second_sq[k] = minus_sq;
      } else {
        state->first_sq[k] = plus_sq + minus_sq;
      }
    }
  }

  // Integer levels with a tile sum below 2^24 are exact in float32, which halves the
  // memory traffic of the GEMM without changing a single result.
  const double tile_bound = max_conversion_input(config_, 0.0, false);
  if (state->integer_levels && tile_bound < kFloatExactLimit) {
    state->first_f32.assign(state->first.begin(), state->first.end());
    state->second_f32.assign(state->second.begin(), state->second.end());
  }

  if (options_.drift_compensation) {
    const double calibration_t = calibration_read(g_plus, g_minus);
    state->compensation = calibration_t > 0.0 ? calibration_t0_ / calibration_t : 1.0;
  }
  return state;
}

std::shared_ptr<const ReadState> ProgrammedLayer::read_state(double t_seconds) const {
  require(std::isfinite(t_seconds) && t_seconds >= 0.0,
          "t_seconds must be finite and >= 0 (seconds after programming), got ", t_seconds);

  // Every read time at or before t0 (or any time, without drift) shares one state.
  const double key = device_.has_drift() ? std::max(t_seconds, device_.t0_s) : 0.0;
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_ && cache_->t_seconds == key) return cache_;
  }
  std::shared_ptr<const ReadState> state = build_read_state(key);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  cache_ = state;
  return state;
}

void ProgrammedLayer::conductances_us(double t_seconds, double* g_plus, double* g_minus) const {
  require(std::isfinite(t_seconds) && t_seconds >= 0.0,
          "t_seconds must be finite and >= 0 (seconds after programming), got ", t_seconds);
  std::vector<double> plus, minus;
  drifted(t_seconds, plus, minus);
  for (std::size_t k = 0; k < plus.size(); ++k) {
    g_plus[k] = (g0_ + plus[k]) * unit_us_;
    g_minus[k] = (g0_ + minus[k]) * unit_us_;
  }
}

double ProgrammedLayer::accumulator_bound(const ForwardOptions& options) const {
  const int magnitude_bits = options.input_signed ? options.in_bits - 1 : options.in_bits;
  const int cycles = input_cycles(magnitude_bits, config_.dac_bits);
  const Adc adc = make_adc(config_, g0_);

  // Each conversion contributes at most max_code * step, weighted by its slice and cycle
  // significance. Per-column conversion subtracts two such codes, and signed inputs take
  // two phases there.
  const double slice_weights =
      (std::ldexp(1.0, config_.cell_bits * slices_) - 1.0) / (std::ldexp(1.0, config_.cell_bits) - 1.0);
  const double cycle_weights =
      (std::ldexp(1.0, config_.dac_bits * cycles) - 1.0) / (std::ldexp(1.0, config_.dac_bits) - 1.0);
  const bool per_column = config_.adc_conversion == AdcConversion::per_column;
  double conversions = 1.0;
  if (per_column) conversions = options.input_signed ? 4.0 : 2.0;
  return conversions * static_cast<double>(row_tiles()) * adc.max_code * adc.step *
         slice_weights * cycle_weights;
}

}  // namespace imcnas::sim
