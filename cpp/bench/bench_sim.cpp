// Times the bit-sliced crossbar MVM of one layer against a plain float32 GEMM, without
// Python: 512x512 layer, w_bits=8 as four 2-bit differential slices, 8-bit unsigned inputs
// at dac_bits=1, adc_bits=8, 128x128 crossbars, batch 256. Prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "imcnas/sim/programmed_layer.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

int thread_count() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

using Clock = std::chrono::steady_clock;

template <typename Work>
double median_seconds(int repeats, Work&& work) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    work();
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Plain float32 GEMM loop y = x W^T with the simulator's (n_in, n_out) weight layout and
// OpenMP over batch rows. It is the cost of a digital layer on this CPU without a tuned BLAS.
void float_gemm(const std::vector<float>& x, const std::vector<float>& w_t, std::vector<float>& y,
                std::int64_t batch, std::int64_t n_in, std::int64_t n_out) {
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < batch; ++b) {
    float* out = &y[b * n_out];
    std::fill(out, out + n_out, 0.0f);
    for (std::int64_t i = 0; i < n_in; ++i) {
      const float v = x[b * n_in + i];
      const float* row = &w_t[i * n_out];
      for (std::int64_t o = 0; o < n_out; ++o) out[o] += v * row[o];
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::int64_t n_out = 512, n_in = 512, batch = 256;

  std::mt19937_64 random(1234);
  std::uniform_int_distribution<std::int32_t> weight_values(-127, 127);
  std::uniform_int_distribution<std::int64_t> input_values(0, 255);
  std::vector<std::int32_t> weights(n_out * n_in);
  std::vector<std::int64_t> inputs(batch * n_in);
  for (auto& w : weights) w = weight_values(random);
  for (auto& x : inputs) x = input_values(random);

  imcnas::sim::CrossbarConfig config;  // 128x128, cell_bits 2, dac_bits 1, adc_bits 8
  imcnas::sim::DeviceParams device;
  device.g_min_us = 166.7 / 17.0;
  device.g_max_us = 166.7;
  imcnas::sim::LayerOptions options{8, 0, false};
  imcnas::sim::ForwardOptions forward{8, false, 86400.0, 0, true};

  const auto program_start = Clock::now();
  imcnas::sim::ProgrammedLayer layer(weights.data(), n_out, n_in, config, device, options);
  const double program_s = std::chrono::duration<double>(Clock::now() - program_start).count();

  std::vector<double> y(batch * n_out);
  layer.forward_int(inputs.data(), batch, y.data(), forward);  // warm the read-state cache
  const double sim_s = median_seconds(repeats, [&] {
    layer.forward_int(inputs.data(), batch, y.data(), forward);
  });

  std::vector<float> x_f(inputs.begin(), inputs.end()), w_t(n_in * n_out), y_f(batch * n_out);
  for (std::int64_t o = 0; o < n_out; ++o) {
    for (std::int64_t i = 0; i < n_in; ++i) w_t[i * n_out + o] = static_cast<float>(weights[o * n_in + i]);
  }
  const double gemm_s = median_seconds(repeats, [&] { float_gemm(x_f, w_t, y_f, batch, n_in, n_out); });

  const double macs = static_cast<double>(batch) * n_in * n_out;
  std::printf(
      "{\"layer\": \"512x512, w_bits 8 (4 slices of 2 bits), in_bits 8 unsigned, dac_bits 1, "
      "adc_bits 8, 128x128 crossbars, batch 256\", \"threads\": %d, \"repeats\": %d, "
      "\"program_s\": %.6f, \"simulator_s\": %.6f, \"float_gemm_s\": %.6f, "
      "\"simulator_over_gemm\": %.2f, \"simulator_gmac_per_s\": %.3f}\n",
      thread_count(), repeats, program_s, sim_s, gemm_s, sim_s / gemm_s, macs / sim_s * 1e-9);
  return 0;
}
