// Bindings for the cost model: plain structs in, report structs out, GIL released
// while the C++ core prices the networks.
#include <pybind11/stl.h>

#include <string>

#include "imcnas/common.hpp"
#include "imcnas/cost/components.hpp"
#include "imcnas/cost/estimator.hpp"
#include "register.hpp"

namespace py = pybind11;
namespace cost = imcnas::cost;

namespace imcnas_bindings {

namespace {

cost::Schedule parse_schedule(const std::string& name) {
  if (name == "layer_by_layer") return cost::Schedule::layer_by_layer;
  if (name == "pipelined") return cost::Schedule::pipelined;
  throw std::invalid_argument("schedule must be 'layer_by_layer' or 'pipelined', got '" + name +
                              "'");
}

cost::AdcType parse_adc_type(const std::string& name) {
  if (name == "sar") return cost::AdcType::sar;
  if (name == "flash") return cost::AdcType::flash;
  throw std::invalid_argument("adc_type must be 'sar' or 'flash', got '" + name + "'");
}

cost::ReadSensing parse_read_sensing(const std::string& name) {
  if (name == "voltage") return cost::ReadSensing::voltage;
  if (name == "current") return cost::ReadSensing::current;
  throw std::invalid_argument("read_sensing must be 'voltage' or 'current', got '" + name + "'");
}

cost::AdcConversion parse_conversion(const std::string& name) {
  if (name == "difference") return cost::AdcConversion::difference;
  if (name == "per_column") return cost::AdcConversion::per_column;
  throw std::invalid_argument("adc_conversion must be 'difference' or 'per_column', got '" + name +
                              "'");
}

void bind_technology(py::module_& m) {
  py::class_<cost::Technology> tech(m, "Technology", "Technology parameters of the cost model.");
  tech.def(py::init<>())
      .def_property(
          "adc_type", [](const cost::Technology& t) { return cost::adc_type_name(t.adc_type); },
          [](cost::Technology& t, const std::string& name) { t.adc_type = parse_adc_type(name); })
      .def_property(
          "read_sensing",
          [](const cost::Technology& t) { return cost::read_sensing_name(t.read_sensing); },
          [](cost::Technology& t, const std::string& name) {
            t.read_sensing = parse_read_sensing(name);
          })
      .def("validate", &cost::Technology::validate);
#define IMCNAS_TECH_FIELD(field) tech.def_readwrite(#field, &cost::Technology::field)
  IMCNAS_TECH_FIELD(feature_size_nm);
  IMCNAS_TECH_FIELD(vdd_v);
  IMCNAS_TECH_FIELD(read_voltage_v);
  IMCNAS_TECH_FIELD(access_drain_cap_ff);
  IMCNAS_TECH_FIELD(access_gate_cap_ff);
  IMCNAS_TECH_FIELD(wordline_voltage_v);
  IMCNAS_TECH_FIELD(cell_area_f2);
  IMCNAS_TECH_FIELD(cell_width_f);
  IMCNAS_TECH_FIELD(cell_height_f);
  IMCNAS_TECH_FIELD(transistor_area_f2);
  IMCNAS_TECH_FIELD(sar_fom_fj);
  IMCNAS_TECH_FIELD(sar_cycle_ns);
  IMCNAS_TECH_FIELD(sar_area_per_bit_um2);
  IMCNAS_TECH_FIELD(sar_unit_cap_area_um2);
  IMCNAS_TECH_FIELD(flash_comparator_energy_fj);
  IMCNAS_TECH_FIELD(flash_comparator_transistors);
  IMCNAS_TECH_FIELD(flash_conversion_ns);
  IMCNAS_TECH_FIELD(flash_regeneration_ns_per_bit);
  IMCNAS_TECH_FIELD(dac_unit_energy_fj);
  IMCNAS_TECH_FIELD(driver_transistors);
  IMCNAS_TECH_FIELD(wire_cap_ff_per_um);
  IMCNAS_TECH_FIELD(wire_res_ohm_per_um);
  IMCNAS_TECH_FIELD(wire_activity);
  IMCNAS_TECH_FIELD(add_energy_fj_per_bit);
  IMCNAS_TECH_FIELD(adder_bit_transistors);
  IMCNAS_TECH_FIELD(register_bit_transistors);
  IMCNAS_TECH_FIELD(sram_energy_pj_per_bit);
  IMCNAS_TECH_FIELD(sram_cell_area_f2);
  IMCNAS_TECH_FIELD(arrays_per_pe);
  IMCNAS_TECH_FIELD(pes_per_tile);
  IMCNAS_TECH_FIELD(tile_buffer_kib);
  IMCNAS_TECH_FIELD(bus_width_bits);
  IMCNAS_TECH_FIELD(min_clock_ns);
  IMCNAS_TECH_FIELD(wire_pitch_nm);
  IMCNAS_TECH_FIELD(input_activity_override);
#undef IMCNAS_TECH_FIELD
}

void bind_inputs(py::module_& m) {
  py::class_<cost::LayerShape>(m, "LayerShape", "One weight layer as a matrix (see LayerSpec).")
      .def(py::init([](std::string name, std::int64_t n_in, std::int64_t n_out, std::int64_t n_mvm,
                       int w_bits, int in_bits, bool input_signed, int duplication) {
             return cost::LayerShape{std::move(name), n_in,    n_out,        n_mvm,
                                     w_bits,          in_bits, input_signed, duplication};
           }),
           py::arg("name"), py::arg("n_in"), py::arg("n_out"), py::arg("n_mvm"), py::arg("w_bits"),
           py::arg("in_bits"), py::arg("input_signed") = false, py::arg("duplication") = 1)
      .def_readonly("name", &cost::LayerShape::name)
      .def_readonly("n_in", &cost::LayerShape::n_in)
      .def_readonly("n_out", &cost::LayerShape::n_out)
      .def_readonly("n_mvm", &cost::LayerShape::n_mvm);

  py::class_<cost::HardwareSpec>(m, "HardwareSpec", "Hardware knobs with the device G range.")
      .def(py::init([](int xbar_rows, int xbar_cols, int cell_bits, int dac_bits, int adc_bits,
                       int cols_per_adc, const std::string& adc_conversion, double g_min_us,
                       double g_max_us) {
             return cost::HardwareSpec{xbar_rows,    xbar_cols, cell_bits,
                                       dac_bits,     adc_bits,  cols_per_adc,
                                       parse_conversion(adc_conversion), g_min_us, g_max_us};
           }),
           py::arg("xbar_rows"), py::arg("xbar_cols"), py::arg("cell_bits"), py::arg("dac_bits"),
           py::arg("adc_bits"), py::arg("cols_per_adc"), py::arg("adc_conversion"),
           py::arg("g_min_us"), py::arg("g_max_us"));
}

py::dict mapping_dict(const cost::LayerMapping& mapping) {
  py::dict d;
  d["slices"] = mapping.slices;
  d["bitlines"] = mapping.bitlines;
  d["row_tiles"] = mapping.row_tiles;
  d["col_tiles"] = mapping.col_tiles;
  d["crossbars"] = mapping.crossbars;
  d["pes"] = mapping.pes;
  d["tiles"] = mapping.tiles;
  d["utilization"] = mapping.utilization;
  d["magnitude_bits"] = mapping.magnitude_bits;
  d["input_cycles"] = mapping.input_cycles;
  d["adcs_per_crossbar"] = mapping.adcs_per_crossbar;
  d["conversions_per_adc"] = mapping.conversions_per_adc;
  d["converted_columns"] = mapping.converted_columns;
  d["conversions"] = mapping.conversions;
  d["mvms_per_copy"] = mapping.mvms_per_copy;
  d["partial_sum_bits"] = mapping.partial_sum_bits;
  d["accumulator_bits"] = mapping.accumulator_bits;
  return d;
}

void bind_reports(py::module_& m) {
  py::class_<cost::LayerMapping>(m, "LayerMapping", "How one layer lands on crossbars.")
      .def_readonly("slices", &cost::LayerMapping::slices)
      .def_readonly("bitlines", &cost::LayerMapping::bitlines)
      .def_readonly("row_tiles", &cost::LayerMapping::row_tiles)
      .def_readonly("col_tiles", &cost::LayerMapping::col_tiles)
      .def_readonly("crossbars", &cost::LayerMapping::crossbars)
      .def_readonly("pes", &cost::LayerMapping::pes)
      .def_readonly("tiles", &cost::LayerMapping::tiles)
      .def_readonly("utilization", &cost::LayerMapping::utilization)
      .def_readonly("magnitude_bits", &cost::LayerMapping::magnitude_bits)
      .def_readonly("input_cycles", &cost::LayerMapping::input_cycles)
      .def_readonly("adcs_per_crossbar", &cost::LayerMapping::adcs_per_crossbar)
      .def_readonly("conversions_per_adc", &cost::LayerMapping::conversions_per_adc)
      .def_readonly("converted_columns", &cost::LayerMapping::converted_columns)
      .def_readonly("conversions", &cost::LayerMapping::conversions)
      .def_readonly("mvms_per_copy", &cost::LayerMapping::mvms_per_copy)
      .def_readonly("partial_sum_bits", &cost::LayerMapping::partial_sum_bits)
      .def_readonly("accumulator_bits", &cost::LayerMapping::accumulator_bits)
      .def("as_dict", &mapping_dict, "Return every field in a dict (one call instead of 17).");

  py::class_<cost::LayerCost>(m, "LayerCost", "Energy, latency and area of one layer.")
      .def_readonly("name", &cost::LayerCost::name)
      .def_readonly("mapping", &cost::LayerCost::mapping)
      .def_readonly("energy_pj", &cost::LayerCost::energy_pj)
      .def_readonly("area_mm2", &cost::LayerCost::area_mm2)
      .def_readonly("energy_pj_total", &cost::LayerCost::energy_pj_total)
      .def_readonly("area_mm2_total", &cost::LayerCost::area_mm2_total)
      .def_readonly("latency_ns", &cost::LayerCost::latency_ns)
      .def_readonly("ops", &cost::LayerCost::ops);

  py::class_<cost::NetworkCost>(m, "NetworkCost", "Energy, latency and area of a network.")
      .def_readonly("layers", &cost::NetworkCost::layers)
      .def_property_readonly("schedule",
                             [](const cost::NetworkCost& n) { return cost::schedule_name(n.schedule); })
      .def_readonly("energy_pj", &cost::NetworkCost::energy_pj)
      .def_readonly("area_mm2", &cost::NetworkCost::area_mm2)
      .def_readonly("energy_pj_total", &cost::NetworkCost::energy_pj_total)
      .def_readonly("area_mm2_total", &cost::NetworkCost::area_mm2_total)
      .def_readonly("latency_ns", &cost::NetworkCost::latency_ns)
      .def_readonly("ops", &cost::NetworkCost::ops)
      .def_readonly("edp_pj_ns", &cost::NetworkCost::edp_pj_ns)
      .def_readonly("edap_pj_ns_mm2", &cost::NetworkCost::edap_pj_ns_mm2)
      .def_readonly("tops_per_w", &cost::NetworkCost::tops_per_w)
      .def_readonly("tops", &cost::NetworkCost::tops)
      .def_readonly("tops_per_mm2", &cost::NetworkCost::tops_per_mm2);
}

}  // namespace

void register_cost(py::module_& module) {
  py::module_ m = module.def_submodule("cost", "Analytical energy, latency and area model");
  bind_technology(m);
  bind_inputs(m);
  bind_reports(m);

  m.def("component_names", [] {
    std::vector<std::string> names;
    for (std::size_t c = 0; c < cost::kComponentCount; ++c) {
      names.emplace_back(cost::component_name(static_cast<cost::Component>(c)));
    }
    return names;
  });

  m.def("adc_energy_pj", &cost::adc_energy_pj, py::arg("tech"), py::arg("bits"),
        "Energy of one ADC conversion, pJ.");
  m.def("adc_area_um2", &cost::adc_area_um2, py::arg("tech"), py::arg("bits"),
        "Area of one ADC, um^2.");

  m.def(
      "estimate",
      [](const cost::Network& layers, const cost::HardwareSpec& hw, const cost::Technology& tech,
         const std::string& schedule) {
        const cost::AnalyticalEstimator estimator(tech, parse_schedule(schedule));
        // The inputs are C++ copies by now, so pricing touches no Python object.
        py::gil_scoped_release release;
        return estimator.estimate(layers, hw);
      },
      py::arg("layers"), py::arg("hw"), py::arg("tech"), py::arg("schedule") = "layer_by_layer",
      "Price one network on one hardware configuration with the analytical model.");

  m.def(
      "estimate_batch",
      [](const std::vector<cost::NetworkHardwarePair>& pairs, const cost::Technology& tech,
         const std::string& schedule) {
        const cost::AnalyticalEstimator estimator(tech, parse_schedule(schedule));
        // The pairs were converted to C++ before this point; the OpenMP loop needs no GIL.
        py::gil_scoped_release release;
        return cost::estimate_batch(estimator, pairs);
      },
      py::arg("pairs"), py::arg("tech"), py::arg("schedule") = "layer_by_layer",
      "Price many (layers, hardware) pairs; result i belongs to pair i.");
}

}  // namespace imcnas_bindings
