// Names of the report enums, as the Python API spells them.
#include "imcnas/cost/report.hpp"

namespace imcnas::cost {

const char* component_name(Component component) {
  switch (component) {
    case Component::array: return "array";
    case Component::dac: return "dac";
    case Component::adc: return "adc";
    case Component::shift_add: return "shift_add";
    case Component::accumulator: return "accumulator";
    case Component::buffer: return "buffer";
    case Component::interconnect: return "interconnect";
    case Component::count: break;
  }
  return "unknown";
}

const char* schedule_name(Schedule schedule) {
  return schedule == Schedule::layer_by_layer ? "layer_by_layer" : "pipelined";
}

}  // namespace imcnas::cost
