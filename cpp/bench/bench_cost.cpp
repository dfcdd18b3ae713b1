// Full-network cost evaluations per second from C++, one by one and batched (OpenMP).
//
// Usage: bench_cost [evaluations]   (default 20000). Prints one JSON object.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "imcnas/cost/estimator.hpp"

namespace cost = imcnas::cost;

namespace {

cost::Network vgg8() {
  return {
      {"conv1", 27, 128, 1024, 8, 8, false, 1},   {"conv2", 1152, 128, 1024, 8, 8, false, 1},
      {"conv3", 1152, 256, 256, 8, 8, false, 1},  {"conv4", 2304, 256, 256, 8, 8, false, 1},
      {"conv5", 2304, 512, 64, 8, 8, false, 1},   {"conv6", 4608, 512, 64, 8, 8, false, 1},
      {"fc1", 8192, 1024, 1, 8, 8, false, 1},     {"fc2", 1024, 10, 1, 8, 8, false, 1},
  };
}

std::vector<cost::NetworkHardwarePair> sweep(int count) {
  const int sizes[] = {64, 128, 256, 512};
  std::vector<cost::NetworkHardwarePair> pairs;
  pairs.reserve(count);
  const cost::Network network = vgg8();
  for (int i = 0; i < count; ++i) {
    cost::HardwareSpec hw;
    hw.xbar_rows = hw.xbar_cols = sizes[i % 4];
    hw.adc_bits = 3 + i % 6;
    hw.cell_bits = 1 + (i / 6) % 3;
    hw.adc_conversion = (i / 18) % 2 ? cost::AdcConversion::per_column : cost::AdcConversion::difference;
    hw.g_min_us = 0.588;
    hw.g_max_us = 10.0;
    pairs.emplace_back(network, hw);
  }
  return pairs;
}

template <typename Run>
double best_seconds(Run run, int repeats) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (elapsed.count() < best) best = elapsed.count();
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 20000;
  const auto pairs = sweep(count);
  const cost::AnalyticalEstimator estimator(cost::Technology{});

  double checksum = 0.0;
  const double single_s = best_seconds(
      [&] {
        for (const auto& pair : pairs) checksum += estimator.estimate(pair.first, pair.second).energy_pj_total;
      },
      3);
  const double batch_s = best_seconds(
      [&] {
        for (const auto& result : cost::estimate_batch(estimator, pairs)) checksum += result.energy_pj_total;
      },
      3);

  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  std::printf(
      "{\"benchmark\": \"bench_cost\", \"evaluations\": %d, \"omp_threads\": %d, "
      "\"single_evals_per_s\": %.1f, \"batch_evals_per_s\": %.1f, \"checksum\": %.6e}\n",
      count, threads, count / single_s, count / batch_s, checksum);
  return 0;
}
