// Batched evaluation of many (network, hardware) pairs.
#include <exception>
#include <stdexcept>
#include <string>

#include "imcnas/cost/estimator.hpp"

namespace imcnas::cost {

std::vector<NetworkCost> estimate_batch(const Estimator& estimator,
                                        const std::vector<NetworkHardwarePair>& pairs) {
  const auto n = static_cast<std::ptrdiff_t>(pairs.size());
  std::vector<NetworkCost> results(pairs.size());
  // Exceptions must not leave an OpenMP region, so each pair keeps its own message.
  std::vector<std::string> errors(pairs.size());

#pragma omp parallel for schedule(dynamic, 16)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    try {
      results[i] = estimator.estimate(pairs[i].first, pairs[i].second);
    } catch (const std::exception& error) {
      errors[i] = error.what();
    }
  }

  for (std::ptrdiff_t i = 0; i < n; ++i) {
    if (!errors[i].empty()) {
      throw std::invalid_argument("pair " + std::to_string(i) + ": " + errors[i]);
    }
  }
  return results;
}

}  // namespace imcnas::cost
