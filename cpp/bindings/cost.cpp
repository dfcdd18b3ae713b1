// Bindings for the cost area (filled in by the cost work).
#include "register.hpp"

namespace imcnas_bindings {

void register_cost(pybind11::module_& module) { (void)module; }

}  // namespace imcnas_bindings
