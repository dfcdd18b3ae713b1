#include "imcnas/common.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace imcnas {

const char* core_version() { return "0.1.0"; }

void set_num_threads(int threads) {
  require(threads >= 1, "threads must be >= 1, got ", threads);
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
}

int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace imcnas
