// Small counter-seeded random generator, so that results do not depend on thread count.
#pragma once

#include <cmath>
#include <cstdint>

namespace imcnas::sim {

// SplitMix64 step: used to expand seeds and to derive independent streams.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256++ (Blackman and Vigna, 2019) with polar-method normals.
class Random {
 public:
  // Stream `stream` of seed `seed`; different (seed, stream) pairs give independent sequences.
  Random(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t mix = seed ^ (0xD1B54A32D192ED03ULL * (stream + 1));
    for (auto& word : state_) word = splitmix64(mix);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[0] + state_[3], 23) + state_[0];
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Standard normal sample (Marsaglia's polar method: no trigonometric calls, one log
  // and one square root per pair of samples).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, radius_sq;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      radius_sq = u * u + v * v;
    } while (radius_sq >= 1.0 || radius_sq == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(radius_sq) / radius_sq);
    spare_ = v * factor;
    has_spare_ = true;
    return u * factor;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::uint64_t state_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace imcnas::sim
