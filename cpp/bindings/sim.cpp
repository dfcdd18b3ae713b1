// Bindings for the sim area (filled in by the sim work).
#include "register.hpp"

namespace imcnas_bindings {

void register_sim(pybind11::module_& module) { (void)module; }

}  // namespace imcnas_bindings
