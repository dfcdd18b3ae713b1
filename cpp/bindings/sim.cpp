// Bindings for the crossbar simulator: ProgrammedLayer and its option structs.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <sstream>
#include <string>

#include "imcnas/common.hpp"
#include "imcnas/sim/adc.hpp"
#include "imcnas/sim/programmed_layer.hpp"
#include "register.hpp"

namespace py = pybind11;
using imcnas::require;
namespace sim = imcnas::sim;

namespace imcnas_bindings {

namespace {

std::string shape_text(const py::array& array) {
  std::ostringstream text;
  text << "(";
  for (py::ssize_t d = 0; d < array.ndim(); ++d) text << (d ? ", " : "") << array.shape(d);
  text << (array.ndim() == 1 ? ",)" : ")");
  return text.str();
}

// Checks dtype, C-contiguity and rank once, so that only raw pointers go inward.
template <typename T>
void check_array(const py::array& array, const char* name, const char* dtype_name) {
  require(array.dtype().is(py::dtype::of<T>()), name, " must have dtype ", dtype_name,
          ", got ", std::string(py::str(array.dtype())));
  require(array.ndim() == 2, name, " must be a 2-D array, got shape ", shape_text(array));
  require(array.flags() & py::array::c_style, name,
          " must be C-contiguous; pass numpy.ascontiguousarray(", name, ")");
}

sim::AdcMode parse_adc_mode(const std::string& mode) {
  if (mode == "full_range") return sim::AdcMode::full_range;
  if (mode == "granular") return sim::AdcMode::granular;
  require(mode != "calibrated", "adc_mode='calibrated' is not implemented in the simulator; "
          "use 'full_range' or 'granular'");
  require(false, "adc_mode must be 'full_range' or 'granular', got '", mode, "'");
  return sim::AdcMode::full_range;
}

sim::AdcConversion parse_adc_conversion(const std::string& conversion) {
  if (conversion == "difference") return sim::AdcConversion::difference;
  if (conversion == "per_column") return sim::AdcConversion::per_column;
  require(false, "adc_conversion must be 'difference' or 'per_column', got '", conversion, "'");
  return sim::AdcConversion::difference;
}

std::unique_ptr<sim::ProgrammedLayer> make_layer(const py::array& weight_int,
                                                  const sim::CrossbarConfig& config,
                                                  const sim::DeviceParams& device, int w_bits,
                                                  std::uint64_t seed, bool drift_compensation) {
  check_array<std::int32_t>(weight_int, "weight_int", "int32");
  const auto* data = static_cast<const std::int32_t*>(weight_int.data());
  const std::int64_t n_out = weight_int.shape(0), n_in = weight_int.shape(1);
  sim::LayerOptions options{w_bits, seed, drift_compensation};
  // Programming touches no Python object; the GIL is released so other threads can run.
  py::gil_scoped_release release;
  return std::make_unique<sim::ProgrammedLayer>(data, n_out, n_in, config, device, options);
}

py::tuple forward_int(const sim::ProgrammedLayer& layer, const py::array& x_int, int in_bits,
                      bool input_signed, double t_seconds, std::uint64_t read_seed,
                      bool read_noise) {
  check_array<std::int64_t>(x_int, "x_int", "int64");
  require(x_int.shape(1) == layer.n_in(), "x_int must have shape (batch, ", layer.n_in(),
          "), got ", shape_text(x_int));
  const std::int64_t batch = x_int.shape(0);
  py::array_t<double> y({batch, layer.n_out()});
  const auto* x = static_cast<const std::int64_t*>(x_int.data());
  double* out = y.mutable_data();
  sim::ForwardOptions options{in_bits, input_signed, t_seconds, read_seed, read_noise};
  sim::ForwardStats stats;
  {
    // The MVM loops touch only raw buffers, so other Python threads may run meanwhile.
    py::gil_scoped_release release;
    stats = layer.forward_int(x, batch, out, options);
  }
  py::dict counters;
  counters["adc_conversions"] = stats.adc_conversions;
  counters["adc_clipped"] = stats.adc_clipped;
  return py::make_tuple(y, counters);
}

py::tuple conductances_us(const sim::ProgrammedLayer& layer, double t_seconds) {
  const std::vector<py::ssize_t> shape{layer.slices(), layer.n_in(), layer.n_out()};
  py::array_t<double> g_plus(shape), g_minus(shape);
  double* plus = g_plus.mutable_data();
  double* minus = g_minus.mutable_data();
  {
    // Copies and drift factors only; no Python object is touched.
    py::gil_scoped_release release;
    layer.conductances_us(t_seconds, plus, minus);
  }
  return py::make_tuple(g_plus, g_minus);
}

}  // namespace

void register_sim(py::module_& module) {
  py::module_ sim_module = module.def_submodule("sim", "Bit-true crossbar MVM simulator");

  py::class_<sim::CrossbarConfig>(sim_module, "CrossbarConfig")
      .def(py::init([](int xbar_rows, int xbar_cols, int cell_bits, int dac_bits, int adc_bits,
                       const std::string& adc_mode, const std::string& adc_conversion) {
             sim::CrossbarConfig config{xbar_rows, xbar_cols, cell_bits, dac_bits, adc_bits,
                                        parse_adc_mode(adc_mode),
                                        parse_adc_conversion(adc_conversion)};
             config.validate();
             return config;
           }),
           py::kw_only(), py::arg("xbar_rows"), py::arg("xbar_cols"), py::arg("cell_bits"),
           py::arg("dac_bits"), py::arg("adc_bits"), py::arg("adc_mode") = "full_range",
           py::arg("adc_conversion") = "difference")
      .def_readonly("xbar_rows", &sim::CrossbarConfig::xbar_rows)
      .def_readonly("xbar_cols", &sim::CrossbarConfig::xbar_cols)
      .def_readonly("cell_bits", &sim::CrossbarConfig::cell_bits)
      .def_readonly("dac_bits", &sim::CrossbarConfig::dac_bits)
      .def_readonly("adc_bits", &sim::CrossbarConfig::adc_bits);

  py::class_<sim::DeviceParams>(sim_module, "DeviceParams")
      .def(py::init([](double g_min_us, double g_max_us, std::vector<double> coeffs,
                       double read_noise, double nu_mean, double nu_std, double t0_s,
                       double stuck_min, double stuck_max) {
             sim::DeviceParams device{g_min_us, g_max_us, std::move(coeffs), read_noise,
                                      nu_mean, nu_std, t0_s, stuck_min, stuck_max};
             device.validate();
             return device;
           }),
           py::kw_only(), py::arg("g_min_us"), py::arg("g_max_us"),
           py::arg("programming_sigma_coeffs") = std::vector<double>{},
           py::arg("read_noise") = 0.0, py::arg("drift_nu_mean") = 0.0,
           py::arg("drift_nu_std") = 0.0, py::arg("t0_s") = 1.0,
           py::arg("stuck_at_gmin_rate") = 0.0, py::arg("stuck_at_gmax_rate") = 0.0);

  py::class_<sim::ProgrammedLayer>(sim_module, "ProgrammedLayer")
      .def(py::init(&make_layer), py::arg("weight_int"), py::kw_only(), py::arg("config"),
           py::arg("device"), py::arg("w_bits"), py::arg("seed") = 0,
           py::arg("drift_compensation") = false)
      .def("forward_int", &forward_int, py::arg("x_int"), py::kw_only(), py::arg("in_bits"),
           py::arg("input_signed") = false, py::arg("t_seconds") = 86400.0,
           py::arg("read_seed") = 0, py::arg("read_noise") = true,
           "Integer-domain MVM; returns (y_int float64 (batch, n_out), counters dict).")
      .def("conductances_us", &conductances_us, py::arg("t_seconds"),
           "Programmed and drifted (G+, G-) in uS, each shaped (slices, n_in, n_out).")
      .def_property_readonly("n_out", &sim::ProgrammedLayer::n_out)
      .def_property_readonly("n_in", &sim::ProgrammedLayer::n_in)
      .def_property_readonly("slices", &sim::ProgrammedLayer::slices)
      .def_property_readonly("row_tiles", &sim::ProgrammedLayer::row_tiles)
      .def_property_readonly("col_tiles", &sim::ProgrammedLayer::col_tiles)
      .def_property_readonly("unit_conductance_us", &sim::ProgrammedLayer::unit_conductance_us)
      .def_property_readonly("ideal", &sim::ProgrammedLayer::ideal);

  sim_module.def(
      "adc_transfer",
      [](const sim::CrossbarConfig& config, double g0) {
        const sim::Adc adc = sim::make_adc(config, g0);
        return py::make_tuple(adc.step, adc.max_code, adc.is_signed);
      },
      py::arg("config"), py::arg("g0"),
      "Return (step, max_code, is_signed) of the ADC in unit-cell currents.");
}

}  // namespace imcnas_bindings
