// Closed-form periphery models; see components.hpp for what each prices.
#include "imcnas/cost/components.hpp"

#include <cmath>

namespace imcnas::cost {

namespace {

constexpr double kUm2PerNm2 = 1e-6;

double levels(int bits) { return std::ldexp(1.0, bits); }

}  // namespace

double transistors_area_um2(const Technology& tech, double transistors) {
  const double f_nm = tech.feature_size_nm;
  return transistors * tech.transistor_area_f2 * f_nm * f_nm * kUm2PerNm2;
}

double adc_energy_pj(const Technology& tech, int bits) {
  if (tech.adc_type == AdcType::sar) {
    return tech.sar_fom_fj * levels(bits) * 1e-3;
  }
  return tech.flash_comparator_energy_fj * (levels(bits) - 1.0) * 1e-3;
}

double adc_reference_energy_pj(const Technology& tech, const HardwareSpec& hw) {
  if (tech.adc_type == AdcType::sar) return 0.0;
  const double l = levels(hw.adc_bits);
  return (l - 1.0) / l * bitline_charge_energy_pj(tech, hw.xbar_rows);
}

double adc_reference_area_um2(const Technology& tech, const HardwareSpec& hw) {
  if (tech.adc_type == AdcType::sar) return 0.0;
  const double l = levels(hw.adc_bits);
  const double f_nm = tech.feature_size_nm;
  const double column_um2 = hw.xbar_rows * tech.cell_area_f2 * f_nm * f_nm * kUm2PerNm2;
  return (l - 1.0) / l * column_um2;
}

double adc_area_um2(const Technology& tech, int bits) {
  if (tech.adc_type == AdcType::sar) {
    return tech.sar_area_per_bit_um2 * bits + tech.sar_unit_cap_area_um2 * levels(bits);
  }
  const double comparators = levels(bits) - 1.0;
  const double encoder = transistors_area_um2(tech, tech.register_bit_transistors * bits);
  return transistors_area_um2(tech, tech.flash_comparator_transistors * comparators) + encoder;
}

double adc_conversion_ns(const Technology& tech, int bits) {
  if (tech.adc_type == AdcType::sar) return tech.sar_cycle_ns * bits;
  return tech.flash_conversion_ns + tech.flash_regeneration_ns_per_bit * bits;
}

double wire_settle_ns(const Technology& tech, int rows, int cols) {
  const double f_um = tech.feature_size_nm * 1e-3;
  const double row_um = cols * tech.cell_width_f * f_um;
  const double col_um = rows * tech.cell_height_f * f_um;
  const double rc_per_um2_ns = tech.wire_res_ohm_per_um * tech.wire_cap_ff_per_um * 1e-6;
  return 0.38 * rc_per_um2_ns * (row_um * row_um + col_um * col_um);
}

double bitline_cap_ff(const Technology& tech, int rows) {
  const double cell_pitch_um = tech.cell_height_f * tech.feature_size_nm * 1e-3;
  return rows * (tech.wire_cap_ff_per_um * cell_pitch_um + tech.access_drain_cap_ff);
}

double bitline_charge_energy_pj(const Technology& tech, int rows) {
  const double v = tech.read_voltage_v;
  return bitline_cap_ff(tech, rows) * v * v * 1e-3;
}

double input_activity(const Technology& tech, int dac_bits) {
  if (tech.input_activity_override >= 0.0) return tech.input_activity_override;

  // E[(k / (L-1))^2] for k uniform on 0..L-1 is (2L - 1) / (6 (L - 1)).
  const double l = levels(dac_bits);
  return (2.0 * l - 1.0) / (6.0 * (l - 1.0));
}

double row_drive_energy_pj(const Technology& tech, int cols, int dac_bits) {
  const double length_um = cols * tech.cell_width_f * tech.feature_size_nm * 1e-3;
  const double wire_ff = tech.wire_cap_ff_per_um * length_um;

  // Word line: a non-zero input turns on the access transistors of its row, charging the
  // word-line wire and every access gate to the word-line voltage.
  const double l = levels(dac_bits);
  const double p_active = 1.0 - 1.0 / l;
  const double gate_ff = cols * tech.access_gate_cap_ff;
  const double v_wl = tech.wordline_voltage_v;
  const double wordline_fj = p_active * (wire_ff + gate_ff) * v_wl * v_wl;

  // Source line and DAC: the input level on the row's source-line wire, weighted by E[x^2].
  const double v = tech.read_voltage_v;
  const double activity = input_activity(tech, dac_bits);
  const double source_fj = activity * (wire_ff * v * v + tech.dac_unit_energy_fj * (l - 1.0));
  return (wordline_fj + source_fj) * 1e-3;
}

double row_driver_area_um2(const Technology& tech, int dac_bits) {
  // Each DAC unit element is taken as two transistors (a source and its switch).
  const double transistors = tech.driver_transistors + 2.0 * (levels(dac_bits) - 1.0);
  return transistors_area_um2(tech, transistors);
}

double add_energy_pj(const Technology& tech, int bits) {
  return tech.add_energy_fj_per_bit * bits * 1e-3;
}

double adder_register_area_um2(const Technology& tech, int bits) {
  const double per_bit = tech.adder_bit_transistors + tech.register_bit_transistors;
  return transistors_area_um2(tech, per_bit * bits);
}

double wire_energy_pj(const Technology& tech, double length_mm) {
  const double cap_ff = tech.wire_cap_ff_per_um * length_mm * 1e3;
  return tech.wire_activity * cap_ff * tech.vdd_v * tech.vdd_v * 1e-3;
}

}  // namespace imcnas::cost
