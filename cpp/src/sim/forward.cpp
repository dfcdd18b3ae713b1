// The MVM of a programmed layer: digit planes, tiled GEMM per (row tile, slice, cycle),
// read noise, ADC and shift-and-add fused per output block.
// This file never enables floating-point traps. Telling GCC so lets it vectorize the
// comparisons and rounding of the ADC loop, and it changes no result.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
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

// A 32-byte SIMD vector of T (GCC/Clang vector extension): four doubles or eight floats.
template <typename T>
struct Simd {
  typedef T type __attribute__((vector_size(32)));
  static constexpr int kLanes = 32 / static_cast<int>(sizeof(T));
  // Unaligned load; the out parameter avoids passing vectors by value across an ABI.
  static void load(type& v, const T* p) { std::memcpy(&v, p, sizeof(type)); }
};

// Column partial sums of one row tile for `width` contiguous columns. Only the nonzero
// digits are visited. Full chunks (width == kWidth) keep their accumulators in vector
// registers across all rows; written with explicit vectors because GCC otherwise
// vectorizes across rows with gathers.
template <typename Scalar, bool kPerColumn, bool kReadNoise, int kWidth>
struct ChunkSums {
  Scalar a[kWidth], c[kWidth];
  double va[kWidth], vb[kWidth];

  void compute(const std::int64_t* rows, const Scalar* values, std::int64_t count,
               const Scalar* tile_a, const Scalar* tile_b, const double* sq_a,
               const double* sq_b, std::int64_t stride, int width) {
    if (width == kWidth) {
      compute_full(rows, values, count, tile_a, tile_b, sq_a, sq_b, stride);
    } else {
      compute_tail(rows, values, count, tile_a, tile_b, sq_a, sq_b, stride, width);
    }
  }

 private:
  void compute_full(const std::int64_t* rows, const Scalar* values, std::int64_t count,
                    const Scalar* tile_a, const Scalar* tile_b, const double* sq_a,
                    const double* sq_b, std::int64_t stride) {
    using V = Simd<Scalar>;
    using D = Simd<double>;
    constexpr int kVectors = kWidth / V::kLanes;
    constexpr int kDoubleVectors = kWidth / D::kLanes;
    typename V::type sum_a[kVectors] = {}, sum_c[kVectors] = {};
    typename D::type var_a[kReadNoise ? kDoubleVectors : 1] = {};
    typename D::type var_c[kReadNoise ? kDoubleVectors : 1] = {};

    typename V::type row;
    typename D::type row_sq;
    for (std::int64_t n = 0; n < count; ++n) {
      const Scalar v = values[n];
      const std::int64_t offset = rows[n] * stride;
      for (int j = 0; j < kVectors; ++j) {
        V::load(row, tile_a + offset + j * V::kLanes);
        sum_a[j] += v * row;
      }
      if constexpr (kPerColumn) {
        for (int j = 0; j < kVectors; ++j) {
          V::load(row, tile_b + offset + j * V::kLanes);
          sum_c[j] += v * row;
        }
      }
      if constexpr (kReadNoise) {
        const double v2 = static_cast<double>(v) * v;
        for (int j = 0; j < kDoubleVectors; ++j) {
          D::load(row_sq, sq_a + offset + j * D::kLanes);
          var_a[j] += v2 * row_sq;
        }
        if constexpr (kPerColumn) {
          for (int j = 0; j < kDoubleVectors; ++j) {
            D::load(row_sq, sq_b + offset + j * D::kLanes);
            var_c[j] += v2 * row_sq;
          }
        }
      }
    }

    std::memcpy(a, sum_a, sizeof(a));
    if constexpr (kPerColumn) std::memcpy(c, sum_c, sizeof(c));
    if constexpr (kReadNoise) std::memcpy(va, var_a, sizeof(va));
    if constexpr (kReadNoise && kPerColumn) std::memcpy(vb, var_c, sizeof(vb));
  }

  void compute_tail(const std::int64_t* rows, const Scalar* values, std::int64_t count,
                    const Scalar* tile_a, const Scalar* tile_b, const double* sq_a,
                    const double* sq_b, std::int64_t stride, int width) {
    std::fill(a, a + width, Scalar(0));
    std::fill(c, c + width, Scalar(0));
    std::fill(va, va + width, 0.0);
    std::fill(vb, vb + width, 0.0);
    for (std::int64_t n = 0; n < count; ++n) {
      const Scalar v = values[n];
      const std::int64_t offset = rows[n] * stride;
      for (int o = 0; o < width; ++o) a[o] += v * tile_a[offset + o];
      if constexpr (kPerColumn) {
        for (int o = 0; o < width; ++o) c[o] += v * tile_b[offset + o];
      }
      if constexpr (kReadNoise) {
        const double v2 = static_cast<double>(v) * v;
        for (int o = 0; o < width; ++o) va[o] += v2 * sq_a[offset + o];
        if constexpr (kPerColumn) {
          for (int o = 0; o < width; ++o) vb[o] += v2 * sq_b[offset + o];
        }
      }
    }
  }
};

// Columns per register-blocked chunk: eight AVX2 registers of accumulators for the plain
// difference sums, fewer when per-column or read-noise sums need registers too.
template <typename Scalar, bool kPerColumn, bool kReadNoise>
constexpr int chunk_width() {
  constexpr int lanes = 32 / static_cast<int>(sizeof(Scalar));
  return (kPerColumn || kReadNoise) ? 4 * lanes : 8 * lanes;
}

// Per-task scratch buffers, reused across the tasks of one thread.
template <typename Scalar>
struct Scratch {
  std::vector<std::int64_t> rows;
  std::vector<Scalar> values;
  std::vector<double> out;
};

// Runs one task: the output block of batch rows [b0, b1) and weight columns [o0, o1).
template <typename Scalar, bool kPerColumn, bool kReadNoise>
std::uint64_t run_block(const Kernel<Scalar>& k, std::int64_t b0, std::int64_t b1,
                        std::int64_t o0, std::int64_t o1, Random& random,
                        Scratch<Scalar>& scratch) {
  constexpr int kChunk = chunk_width<Scalar, kPerColumn, kReadNoise>();
  const std::int64_t w = o1 - o0;
  const std::int64_t per_slice = k.n_in * k.n_out;
  std::uint64_t clipped_count = 0;
  std::vector<double>& out = scratch.out;
  std::fill(out.begin(), out.end(), 0.0);
  ChunkSums<Scalar, kPerColumn, kReadNoise, kChunk> sums;

  for (std::int64_t i0 = 0; i0 < k.n_in; i0 += k.rows) {
    const std::int64_t i1 = std::min(k.n_in, i0 + k.rows);
    for (int plane = 0; plane < k.phases * k.cycles; ++plane) {
      const int t = plane % k.cycles;
      const double phase_sign = plane < k.cycles ? 1.0 : -1.0;
      for (std::int64_t b = b0; b < b1; ++b) {
        // The nonzero digits of this row tile (about half of them for bit-serial
        // inputs), gathered once and reused for every slice and column chunk.
        const Scalar* digits = k.planes + (plane * k.batch + b) * k.n_in;
        std::int64_t count = 0;
        double digit_sum = 0.0;
        for (std::int64_t i = i0; i < i1; ++i) {
          // Branch-free compaction: random bits would defeat the branch predictor.
          scratch.rows[count] = i;
          scratch.values[count] = digits[i];
          digit_sum += digits[i];
          count += digits[i] != Scalar(0);
        }
        // Per-column sums get the known G_min current g0 * sum(digits) added back
        // before the ADC; the digital subtraction of the pair then cancels it.
        const double offset = kPerColumn ? k.g0 * digit_sum : 0.0;
        double* y_row = out.data() + (b - b0) * w;

        for (int s = 0; s < k.slices; ++s) {
          const double significance = phase_sign * std::ldexp(1.0, k.cell_bits * s + k.dac_bits * t);
          const Scalar* tile_a = k.first + s * per_slice + o0;
          const Scalar* tile_b = kPerColumn ? k.second + s * per_slice + o0 : nullptr;
          const double* sq_a = kReadNoise ? k.first_sq + s * per_slice + o0 : nullptr;
          const double* sq_b = kReadNoise && kPerColumn ? k.second_sq + s * per_slice + o0 : nullptr;

          for (std::int64_t c0 = 0; c0 < w; c0 += kChunk) {
            const int width = static_cast<int>(std::min<std::int64_t>(kChunk, w - c0));
            sums.compute(scratch.rows.data(), scratch.values.data(), count, tile_a + c0,
                         tile_b + (kPerColumn ? c0 : 0), sq_a + (kReadNoise ? c0 : 0),
                         sq_b + (kReadNoise && kPerColumn ? c0 : 0), k.n_out, width);
            const Scalar* a = sums.a;
            const Scalar* c = sums.c;
            const double* va = sums.va;
            const double* vb = sums.vb;

            // ADC and shift-and-add, fused right after the partial sums.
            if constexpr (kReadNoise) {
              for (int o = 0; o < width; ++o) {
                double p = static_cast<double>(a[o]) + offset;
                p += k.read_sigma * std::sqrt(va[o]) * random.normal();
                bool clipped = false;
                double value = k.adc.convert(p, clipped);
                clipped_count += clipped;
                if (kPerColumn) {
                  double q = static_cast<double>(c[o]) + offset;
                  q += k.read_sigma * std::sqrt(vb[o]) * random.normal();
                  value -= k.adc.convert(q, clipped);
                  clipped_count += clipped;
                }
                y_row[c0 + o] += value * significance;
              }
            } else {
              // Without noise the loop has no calls, so it vectorizes over columns.
              const double scale = k.adc.step * significance;
              const double inv_step = k.adc.inv_step;
              const double low = k.adc.min_code(), high = k.adc.max_code;
              std::int64_t clipped = 0;
              double* __restrict y_chunk = y_row + c0;
              for (int o = 0; o < width; ++o) {
                const double code_a = Adc::round_half_away((static_cast<double>(a[o]) + offset) * inv_step);
                clipped += (code_a > high) + (code_a < low);
                double value = std::min(std::max(code_a, low), high);
                if (kPerColumn) {
                  const double code_c = Adc::round_half_away((static_cast<double>(c[o]) + offset) * inv_step);
                  clipped += (code_c > high) + (code_c < low);
                  value -= std::min(std::max(code_c, low), high);
                }
                y_chunk[o] += value * scale;
              }
              clipped_count += static_cast<std::uint64_t>(clipped);
            }
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
    Scratch<Scalar> scratch;
    scratch.rows.resize(static_cast<std::size_t>(k.rows));
    scratch.values.resize(static_cast<std::size_t>(k.rows));
    scratch.out.resize(static_cast<std::size_t>(kBatchBlock * k.width));

#pragma omp for schedule(dynamic)
    for (std::int64_t task = 0; task < tasks; ++task) {
      const std::int64_t ct = task / batch_blocks, bb = task % batch_blocks;
      const std::int64_t b0 = bb * kBatchBlock, b1 = std::min(k.batch, b0 + kBatchBlock);
      const std::int64_t o0 = ct * k.width, o1 = std::min(k.n_out, o0 + k.width);
      Random random(k.read_seed, kReadNoiseStream + static_cast<std::uint64_t>(task));
      clipped += run_block<Scalar, kPerColumn, kReadNoise>(k, b0, b1, o0, o1, random, scratch);
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
