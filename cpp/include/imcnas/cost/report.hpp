// Outputs of the cost model: per-layer and whole-network energy, latency and area.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "imcnas/cost/mapping.hpp"

namespace imcnas::cost {

enum class Component : std::size_t {
  array,         // cell currents during reads
  dac,           // row drivers and input DACs
  adc,           // column converters
  shift_add,     // merging slices, input cycles and G+/G- conversions
  accumulator,   // adding partial sums of the row tiles
  buffer,        // tile SRAM buffers
  interconnect,  // buses between buffers and crossbars
  count
};

constexpr std::size_t kComponentCount = static_cast<std::size_t>(Component::count);
using ComponentValues = std::array<double, kComponentCount>;

const char* component_name(Component component);

enum class Schedule {
  layer_by_layer,  // layers run one after another: latency adds up
  pipelined        // layers overlap on different inputs: latency is the slowest layer
};

const char* schedule_name(Schedule schedule);

struct LayerCost {
  std::string name;
  LayerMapping mapping;
  ComponentValues energy_pj{};   // per inference
  ComponentValues area_mm2{};
  double energy_pj_total = 0.0;  // sum of energy_pj in component order
  double area_mm2_total = 0.0;   // sum of area_mm2 in component order
  double latency_ns = 0.0;       // per inference
  double ops = 0.0;              // 2 * n_in * n_out * n_mvm
};

struct NetworkCost {
  std::vector<LayerCost> layers;
  Schedule schedule = Schedule::layer_by_layer;
  ComponentValues energy_pj{};   // sum over layers, per component
  ComponentValues area_mm2{};
  double energy_pj_total = 0.0;  // sum of the layers' totals, in layer order
  double area_mm2_total = 0.0;
  double latency_ns = 0.0;       // sum (layer_by_layer) or max (pipelined) of the layers
  double ops = 0.0;
  double edp_pj_ns = 0.0;        // energy * latency
  double edap_pj_ns_mm2 = 0.0;   // energy * latency * area
  double tops_per_w = 0.0;       // ops / energy
  double tops = 0.0;             // ops / latency
  double tops_per_mm2 = 0.0;
};

}  // namespace imcnas::cost
