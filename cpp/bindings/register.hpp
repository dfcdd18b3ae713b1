// Each binding area registers its classes and functions on the one module.
#pragma once

#include <pybind11/pybind11.h>

namespace imcnas_bindings {

void register_sim(pybind11::module_& module);
void register_cost(pybind11::module_& module);

}  // namespace imcnas_bindings
