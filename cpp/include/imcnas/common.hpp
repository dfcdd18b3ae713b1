// Shared helpers for the imcnas C++ core: argument checks and the version string.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace imcnas {

// Version of the core library, reported by imcnas._core.__version__.
const char* core_version();

// Sets the OpenMP threads that later simulator and cost calls use in this process.
// Without OpenMP the core is single-threaded and this does nothing.
void set_num_threads(int threads);

// Returns the OpenMP threads of the next parallel region (1 without OpenMP).
int num_threads();

// Throws std::invalid_argument (ValueError in Python) with the streamed message
// when the condition is false. Callers put the offending value in the message.
template <typename... Parts>
inline void require(bool condition, const Parts&... parts) {
  if (condition) return;
  std::ostringstream message;
  (message << ... << parts);
  throw std::invalid_argument(message.str());
}

}  // namespace imcnas
