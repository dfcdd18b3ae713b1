// The MVM of a programmed layer: digit planes, tiled GEMM per (row tile, slice, cycle),
// read noise, ADC and shift-and-add fused per output block.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "imcnas/common.hpp"
#include "imcnas/sim/programmed_layer.hpp"
#include "imcnas/sim/random.hpp"

namespace imcnas::sim {

namespace {

// Batch rows per task. Fixed, so the read-noise streams (one per task) and thus the
// results do not depend on the thread count.
constexpr std::int64_t kBatchBlock = 16;
constexpr double kExactLimit = 9007199254740992.0;  // 2^53
constexpr std::uint64_t kReadNoiseStream = 1000;

template <typename Scalar>
struct Kernel {
  std::int64_t n_in, n_out, batch;
  std::int64_t rows, width;  // crossbar rows, weight columns per crossbar
  int slices, cycles, cell_bits, dac_bits;
  int phases;  // 2 when signed inputs are applied as a positive and a negative phase
  Adc adc;
  double g0, read_sigma;
  std::uint64_t read_seed;
  const Scalar* planes;  // [phase][cycle][batch][row] input digits, signed when phases == 1
  const Scalar* first;   // [slice][row][column], see ReadState
  const Scalar* second;
  const double* first_sq;
  const double* second_sq;
  double compensation;
  double* y;
};

// Runs one task: the output block of batch rows [b0, b1) and weight columns [o0, o1).
template <typename Scalar, bool kPerColumn, bool kReadNoise>
std::uint64_t run_block(const Kernel<Scalar>& k, std::int64_t b0, std::int64_t b1,
                        std::int64_t o0, std::int64_t o1, Random& random,
                        std::vector<Scalar>& acc_a, std::vector<Scalar>& acc_b,
                        std::vector<double>& var_a, std::vector<double>& var_b,
                        std::vector<double>& out) {
  const std::int64_t w = o1 - o0;
  const std::int64_t per_slice = k.n_in * k.n_out;
  std::uint64_t clipped_count = 0;
  std::fill(out.begin(), out.end(), 0.0);

  for (std::int64_t i0 = 0; i0 < k.n_in; i0 += k.rows) {
    const std::int64_t i1 = std::min(k.n_in, i0 + k.rows);
    for (int s = 0; s < k.slices; ++s) {
      const Scalar* tile_a = k.first + s * per_slice + o0;
      const Scalar* tile_b = kPerColumn ? k.second + s * per_slice + o0 : nullptr;
      const double* sq_a = kReadNoise ? k.first_sq + s * per_slice + o0 : nullptr;
      const double* sq_b = kReadNoise && kPerColumn ? k.second_sq + s * per_slice + o0 : nullptr;

      for (int plane = 0; plane < k.phases * k.cycles; ++plane) {
        const int t = plane % k.cycles;
        const double phase_sign = plane < k.cycles ? 1.0 : -1.0;
        const double significance = phase_sign * std::ldexp(1.0, k.cell_bits * s + k.dac_bits * t);
        for (std::int64_t b = b0; b < b1; ++b) {
          const Scalar* digits = k.planes + (plane * k.batch + b) * k.n_in;
          Scalar* __restrict a = acc_a.data();
          Scalar* __restrict c = acc_b.data();
          double* __restrict va = var_a.data();
          double* __restrict vb = var_b.data();
          std::fill(a, a + w, Scalar(0));
          if (kPerColumn) std::fill(c, c + w, Scalar(0));
          if (kReadNoise) std::fill(va, va + w, 0.0);
          if (kReadNoise && kPerColumn) std::fill(vb, vb + w, 0.0);

          // Partial sums of this row tile: one GEMM row, skipping zero digits (frequent
          // for bit-serial inputs). The inner loops run over contiguous columns.
          double digit_sum = 0.0;
          for (std::int64_t i = i0; i < i1; ++i) {
            const Scalar v = digits[i];
            if (v == Scalar(0)) continue;
            digit_sum += v;
            const Scalar* __restrict row_a = tile_a + i * k.n_out;
            for (std::int64_t o = 0; o < w; ++o) a[o] += v * row_a[o];
            if (kPerColumn) {
              const Scalar* __restrict row_b = tile_b + i * k.n_out;
              for (std::int64_t o = 0; o < w; ++o) c[o] += v * row_b[o];
            }
            if (kReadNoise) {
              const double v2 = static_cast<double>(v) * v;
              const double* __restrict row_sq = sq_a + i * k.n_out;
              for (std::int64_t o = 0; o < w; ++o) va[o] += v2 * row_sq[o];
              if (kPerColumn) {
                const double* __restrict row_sq_b = sq_b + i * k.n_out;
                for (std::int64_t o = 0; o < w; ++o) vb[o] += v2 * row_sq_b[o];
              }
            }
          }

          // ADC and shift-and-add. Per-column sums get the known G_min current
          // g0 * sum(digits) added back, which the digital subtraction then cancels.
          double* y_row = out.data() + (b - b0) * w;
          const double offset = kPerColumn ? k.g0 * digit_sum : 0.0;
          for (std::int64_t o = 0; o < w; ++o) {
            double p = static_cast<double>(a[o]) + offset;
            if (kReadNoise) p += k.read_sigma * std::sqrt(va[o]) * random.normal();
            bool clipped = false;
            double value = k.adc.convert(p, clipped);
            clipped_count += clipped;
            if (kPerColumn) {
              double q = static_cast<double>(c[o]) + offset;
              if (kReadNoise) q += k.read_sigma * std::sqrt(vb[o]) * random.normal();
              value -= k.adc.convert(q, clipped);
              clipped_count += clipped;
            }
            y_row[o] += value * significance;
          }
        }
      }
    }
  }

  for (std::int64_t b = b0; b < b1; ++b) {
    for (std::int64_t o = 0; o < w; ++o) {
      k.y[b * k.n_out + o0 + o] = out[(b - b0) * w + o] * k.compensation;
    }
  }
  return clipped_count;
}

template <typename Scalar, bool kPerColumn, bool kReadNoise>
std::uint64_t run_kernel(const Kernel<Scalar>& k) {
  const std::int64_t batch_blocks = (k.batch + kBatchBlock - 1) / kBatchBlock;
  const std::int64_t col_tiles = (k.n_out + k.width - 1) / k.width;
  const std::int64_t tasks = batch_blocks * col_tiles;
  std::uint64_t clipped = 0;

#pragma omp parallel reduction(+ : clipped)
  {
    const std::size_t block = static_cast<std::size_t>(kBatchBlock * k.width);
    std::vector<Scalar> acc_a(k.width), acc_b(kPerColumn ? k.width : 0);
    std::vector<double> var_a(kReadNoise ? k.width : 0);
    std::vector<double> var_b(kReadNoise && kPerColumn ? k.width : 0);
    std::vector<double> out(block);

#pragma omp for schedule(dynamic)
    for (std::int64_t task = 0; task < tasks; ++task) {
      const std::int64_t ct = task / batch_blocks, bb = task % batch_blocks;
      const std::int64_t b0 = bb * kBatchBlock, b1 = std::min(k.batch, b0 + kBatchBlock);
      const std::int64_t o0 = ct * k.width, o1 = std::min(k.n_out, o0 + k.width);
      Random random(k.read_seed, kReadNoiseStream + static_cast<std::uint64_t>(task));
      clipped += run_block<Scalar, kPerColumn, kReadNoise>(k, b0, b1, o0, o1, random, acc_a,
                                                           acc_b, var_a, var_b, out);
    }
  }
  return clipped;
}

template <typename Scalar>
std::uint64_t dispatch(const Kernel<Scalar>& k, bool per_column, bool read_noise) {
  if (per_column) {
    return read_noise ? run_kernel<Scalar, true, true>(k) : run_kernel<Scalar, true, false>(k);
  }
  return read_noise ? run_kernel<Scalar, false, true>(k) : run_kernel<Scalar, false, false>(k);
}

// Splits each input into DAC digits, LSB cycle first: digit t of |x| is
// (|x| >> (dac_bits * t)) & (2^dac_bits - 1). With one phase the sign of x is the read
// polarity; with two phases, positive inputs go in phase 0 and the magnitudes of
// negative inputs in phase 1, so every digit is >= 0.
template <typename Scalar>
std::vector<Scalar> digit_planes(const std::int64_t* x_int, std::int64_t batch,
                                 std::int64_t n_in, int cycles, int dac_bits, int phases) {
  std::vector<Scalar> planes(static_cast<std::size_t>(phases * cycles * batch * n_in), Scalar(0));
  const std::int64_t mask = (std::int64_t{1} << dac_bits) - 1;
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t i = 0; i < n_in; ++i) {
      const std::int64_t x = x_int[b * n_in + i];
      const std::int64_t magnitude = x < 0 ? -x : x;
      const Scalar sign = x < 0 && phases == 1 ? Scalar(-1) : Scalar(1);
      const int phase = x < 0 && phases == 2 ? 1 : 0;
      for (int t = 0; t < cycles; ++t) {
        const std::int64_t digit = (magnitude >> (dac_bits * t)) & mask;
        planes[((phase * cycles + t) * batch + b) * n_in + i] = sign * static_cast<Scalar>(digit);
      }
    }
  }
  return planes;
}

void check_inputs(const std::int64_t* x_int, std::int64_t count, const ForwardOptions& options) {
  const std::int64_t magnitude_bits = options.input_signed ? options.in_bits - 1 : options.in_bits;
  const std::int64_t high = (std::int64_t{1} << magnitude_bits) - 1;
  const std::int64_t low = options.input_signed ? -high : 0;
  for (std::int64_t k = 0; k < count; ++k) {
    require(x_int[k] >= low && x_int[k] <= high, "x_int value ", x_int[k], " at flat index ", k,
            " is outside [", low, ", ", high, "] for in_bits=", options.in_bits,
            options.input_signed ? " signed" : " unsigned",
            " inputs; quantize the inputs first or raise in_bits");
  }
}

}  // namespace

ForwardStats ProgrammedLayer::forward_int(const std::int64_t* x_int, std::int64_t batch,
                                          double* y_int, const ForwardOptions& options) const {
  require(batch >= 0, "batch must be >= 0, got ", batch);
  if (options.input_signed) {
    require(options.in_bits >= 2 && options.in_bits <= 32, "in_bits must be in [2, 32] for "
            "signed inputs (sign bit plus magnitude bits), got ", options.in_bits);
  } else {
    require(options.in_bits >= 1 && options.in_bits <= 32,
            "in_bits must be in [1, 32] for unsigned inputs, got ", options.in_bits);
  }
  const double bound = accumulator_bound(options);
  require(bound < kExactLimit, "this layer can accumulate up to ", bound,
          " in shift-and-add, above the 2^53 limit of exact float64 sums; lower w_bits, "
          "in_bits or adc_bits, or use more crossbar rows");
  check_inputs(x_int, batch * n_in_, options);

  ForwardStats stats;
  const int magnitude_bits = options.input_signed ? options.in_bits - 1 : options.in_bits;
  const int cycles = input_cycles(magnitude_bits, config_.dac_bits);
  const bool per_column = config_.adc_conversion == AdcConversion::per_column;
  // Per-column converters are unipolar, so signed inputs take a positive and a negative phase.
  const int phases = per_column && options.input_signed ? 2 : 1;
  stats.adc_conversions = static_cast<std::uint64_t>(row_tiles() * slices_ * cycles * phases *
                                                     batch * n_out_ * (per_column ? 2 : 1));
  if (batch == 0) return stats;

  const std::shared_ptr<const ReadState> state = read_state(options.t_seconds);
  const bool read_noise = options.read_noise && device_.read_noise > 0.0;
  const bool use_float = !state->first_f32.empty() && !read_noise;

  if (use_float) {
    const std::vector<float> planes = digit_planes<float>(x_int, batch, n_in_, cycles, config_.dac_bits, phases);
    Kernel<float> k{n_in_, n_out_, batch, config_.xbar_rows, config_.weight_cols(), slices_,
                    cycles, config_.cell_bits, config_.dac_bits, phases, make_adc(config_, g0_), g0_, 0.0, options.read_seed,
                    planes.data(), state->first_f32.data(), state->second_f32.data(), nullptr,
                    nullptr, state->compensation, y_int};
    stats.adc_clipped = dispatch(k, per_column, false);
  } else {
    const std::vector<double> planes = digit_planes<double>(x_int, batch, n_in_, cycles, config_.dac_bits, phases);
    Kernel<double> k{n_in_, n_out_, batch, config_.xbar_rows, config_.weight_cols(), slices_,
                     cycles, config_.cell_bits, config_.dac_bits, phases, make_adc(config_, g0_), g0_, device_.read_noise,
                     options.read_seed, planes.data(), state->first.data(), state->second.data(),
                     state->first_sq.data(), state->second_sq.data(), state->compensation, y_int};
    stats.adc_clipped = dispatch(k, per_column, read_noise);
  }
  return stats;
}

}  // namespace imcnas::sim
