// The imcnas._core extension module: it only wires the binding areas together.
#include "register.hpp"

#include "imcnas/common.hpp"

PYBIND11_MODULE(_core, module) {
  module.doc() = "C++ core of imcnas: bit-true crossbar simulator and analytical cost model";
  module.attr("__version__") = imcnas::core_version();
  module.def("set_num_threads", &imcnas::set_num_threads, pybind11::arg("threads"),
             "Set the OpenMP threads used by later simulator and cost calls in this process.");
  module.def("num_threads", &imcnas::num_threads,
             "Return the OpenMP threads of the next simulator or cost call (1 without OpenMP).");
  imcnas_bindings::register_sim(module);
  imcnas_bindings::register_cost(module);
}
