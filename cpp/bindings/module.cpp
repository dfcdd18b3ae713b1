// The imcnas._core extension module: it only wires the binding areas together.
#include "register.hpp"

#include "imcnas/common.hpp"

PYBIND11_MODULE(_core, module) {
  module.doc() = "C++ core of imcnas: bit-true crossbar simulator and analytical cost model";
  module.attr("__version__") = imcnas::core_version();
  imcnas_bindings::register_sim(module);
  imcnas_bindings::register_cost(module);
}
