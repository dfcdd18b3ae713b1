// Range checks of the cost model's inputs; each message names the field and its value.
#include <cmath>

#include "imcnas/common.hpp"
#include "imcnas/cost/network.hpp"
#include "imcnas/cost/technology.hpp"

namespace imcnas::cost {

namespace {

// Layer sizes above this would lose integer exactness in the double event counts.
constexpr std::int64_t kMaxLayerSize = std::int64_t{1} << 32;
constexpr int kMaxBits = 32;
constexpr int kMaxXbarSize = 4096;

void require_positive(const char* name, double value) {
  require(std::isfinite(value) && value > 0.0, name, " must be a positive finite number, got ",
          value);
}

void require_non_negative(const char* name, double value) {
  require(std::isfinite(value) && value >= 0.0, name,
          " must be a non-negative finite number, got ", value);
}

}  // namespace

void LayerShape::validate() const {
  const std::string where = "layer '" + name + "': ";
  require(n_in >= 1 && n_in <= kMaxLayerSize, where, "n_in must be in [1, ", kMaxLayerSize,
          "], got ", n_in);
  require(n_out >= 1 && n_out <= kMaxLayerSize, where, "n_out must be in [1, ", kMaxLayerSize,
          "], got ", n_out);
  require(n_mvm >= 1 && n_mvm <= kMaxLayerSize, where, "n_mvm must be in [1, ", kMaxLayerSize,
          "], got ", n_mvm);
  require(w_bits >= 2 && w_bits <= kMaxBits, where, "w_bits must be in [2, ", kMaxBits,
          "] (a sign bit and at least one magnitude bit), got ", w_bits);
  require(in_bits >= 1 && in_bits <= kMaxBits, where, "in_bits must be in [1, ", kMaxBits,
          "], got ", in_bits);
  require(!input_signed || in_bits >= 2, where,
          "in_bits must be >= 2 for signed inputs (a sign bit and a magnitude bit), got ", in_bits);
  require(duplication >= 1 && duplication <= kMaxXbarSize, where, "duplication must be in [1, ",
          kMaxXbarSize, "], got ", duplication);
}

void HardwareSpec::validate() const {
  require(xbar_rows >= 1 && xbar_rows <= kMaxXbarSize, "xbar_rows must be in [1, ", kMaxXbarSize,
          "], got ", xbar_rows);
  require(xbar_cols >= 2 && xbar_cols <= kMaxXbarSize && xbar_cols % 2 == 0,
          "xbar_cols must be even and in [2, ", kMaxXbarSize,
          "] (a differential pair uses two bit lines), got ", xbar_cols);
  require(cell_bits >= 1 && cell_bits <= 8, "cell_bits must be in [1, 8], got ", cell_bits);
  require(dac_bits >= 1 && dac_bits <= 8, "dac_bits must be in [1, 8], got ", dac_bits);
  require(adc_bits >= 1 && adc_bits <= 24, "adc_bits must be in [1, 24], got ", adc_bits);
  require(adc_conversion != AdcConversion::difference || adc_bits >= 2,
          "adc_bits must be >= 2 for difference conversion (sign and magnitude), got ", adc_bits);
  require(cols_per_adc >= 1 && cols_per_adc <= xbar_cols, "cols_per_adc must be in [1, xbar_cols=",
          xbar_cols, "], got ", cols_per_adc);
  require_non_negative("g_min_us", g_min_us);
  require(std::isfinite(g_max_us) && g_max_us > g_min_us, "g_max_us must exceed g_min_us=",
          g_min_us, ", got ", g_max_us);
}

void Technology::validate() const {
  // Geometry and array read.
  require_positive("feature_size_nm", feature_size_nm);
  require_positive("vdd_v", vdd_v);
  require_positive("read_voltage_v", read_voltage_v);
  require_non_negative("access_drain_cap_ff", access_drain_cap_ff);
  require_non_negative("access_gate_cap_ff", access_gate_cap_ff);
  require_positive("wordline_voltage_v", wordline_voltage_v);
  require_positive("cell_area_f2", cell_area_f2);
  require_positive("cell_width_f", cell_width_f);
  require_positive("cell_height_f", cell_height_f);
  require_positive("transistor_area_f2", transistor_area_f2);

  // Converters.
  require_positive("sar_fom_fj", sar_fom_fj);
  require_positive("sar_cycle_ns", sar_cycle_ns);
  require_non_negative("sar_area_per_bit_um2", sar_area_per_bit_um2);
  require_positive("sar_unit_cap_area_um2", sar_unit_cap_area_um2);
  require_positive("flash_comparator_energy_fj", flash_comparator_energy_fj);
  require_positive("flash_comparator_transistors", flash_comparator_transistors);
  require_positive("flash_conversion_ns", flash_conversion_ns);
  require_non_negative("flash_regeneration_ns_per_bit", flash_regeneration_ns_per_bit);
  require_non_negative("wire_res_ohm_per_um", wire_res_ohm_per_um);

  // Drivers, wires and digital periphery.
  require_non_negative("dac_unit_energy_fj", dac_unit_energy_fj);
  require_non_negative("driver_transistors", driver_transistors);
  require_non_negative("wire_cap_ff_per_um", wire_cap_ff_per_um);
  require(std::isfinite(wire_activity) && wire_activity >= 0.0 && wire_activity <= 1.0,
          "wire_activity must be in [0, 1], got ", wire_activity);
  require_non_negative("add_energy_fj_per_bit", add_energy_fj_per_bit);
  require_non_negative("adder_bit_transistors", adder_bit_transistors);
  require_non_negative("register_bit_transistors", register_bit_transistors);
  require_non_negative("sram_energy_pj_per_bit", sram_energy_pj_per_bit);
  require_non_negative("sram_cell_area_f2", sram_cell_area_f2);

  // Hierarchy and buses.
  require(arrays_per_pe >= 1, "arrays_per_pe must be >= 1, got ", arrays_per_pe);
  require(pes_per_tile >= 1, "pes_per_tile must be >= 1, got ", pes_per_tile);
  require_non_negative("tile_buffer_kib", tile_buffer_kib);
  require(bus_width_bits >= 1, "bus_width_bits must be >= 1, got ", bus_width_bits);
  require_positive("min_clock_ns", min_clock_ns);
  require_non_negative("wire_pitch_nm", wire_pitch_nm);
  require(input_activity_override < 0.0 || input_activity_override <= 1.0,
          "input_activity_override must be negative (unused) or in [0, 1], got ",
          input_activity_override);
}

const char* adc_type_name(AdcType type) { return type == AdcType::sar ? "sar" : "flash"; }

const char* read_sensing_name(ReadSensing sensing) {
  return sensing == ReadSensing::voltage ? "voltage" : "current";
}

}  // namespace imcnas::cost
