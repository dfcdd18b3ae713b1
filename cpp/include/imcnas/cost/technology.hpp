// Technology parameters that price the components of an analog IMC chip.
//
// Every field carries its unit in the name. The defaults are the 22 nm values of the Python
// table imcnas.hardware.technology.TECH_22NM, some rounded. That table names the source of
// each value or marks it as an estimate.
#pragma once

namespace imcnas::cost {

enum class AdcType { sar, flash };

// How the column signal is sensed, which decides how long the cells conduct.
enum class ReadSensing {
  voltage,  // books the charge of each bit line, C_BL * V_read^2 per read (a lower bound)
  current   // bit line clamped by the converter; the cells conduct while their column is sensed
};

struct Technology {
  double feature_size_nm = 22.0;    // F, the unit of the cell and transistor areas
  double vdd_v = 0.8;               // supply of the digital periphery
  double read_voltage_v = 0.55;     // amplitude of a full-scale row input
  ReadSensing read_sensing = ReadSensing::voltage;
  double access_drain_cap_ff = 0.07; // drain capacitance one 1T1R access transistor adds to its bit line
  double access_gate_cap_ff = 0.09;  // gate capacitance one access transistor adds to its word line
  double wordline_voltage_v = 1.1;   // gate voltage of an active 1T1R word line
  double cell_area_f2 = 48.0;       // memory cell footprint in F^2
  double cell_width_f = 12.0;       // cell pitch along a row (word line) in F
  double cell_height_f = 4.0;       // cell pitch along a column (bit line) in F
  double transistor_area_f2 = 46.7; // footprint of one logic transistor in F^2

  AdcType adc_type = AdcType::sar;
  double sar_fom_fj = 10.0;                 // Walden FOM, energy per conversion step
  double sar_cycle_ns = 0.25;               // one SAR bit cycle
  double sar_area_per_bit_um2 = 5.0;        // comparator and SAR logic per resolved bit
  double sar_unit_cap_area_um2 = 0.5;       // one unit capacitor of the binary DAC
  double flash_comparator_energy_fj = 0.5;  // one comparator decision
  double flash_comparator_transistors = 9.0;
  double flash_conversion_ns = 1.0;         // one flash conversion, before the resolution term
  double flash_regeneration_ns_per_bit = 0.014;  // extra latch time per bit (tau * ln 2)

  double dac_unit_energy_fj = 1.0;          // one unit element of a row DAC per cycle
  double driver_transistors = 4.0;          // row driver footprint, in transistors
  double wire_cap_ff_per_um = 0.2;          // on-chip wire capacitance
  double wire_res_ohm_per_um = 9.8;         // resistance of a minimum-width wire
  double wire_activity = 0.5;               // fraction of bits that toggle on a bus

  double add_energy_fj_per_bit = 1.3;       // one full-adder bit at this node
  double adder_bit_transistors = 28.0;      // mirror full adder
  double register_bit_transistors = 20.0;   // flip-flop
  double sram_energy_pj_per_bit = 0.06;     // SRAM buffer read or write
  double sram_cell_area_f2 = 280.0;         // 6T SRAM cell

  int arrays_per_pe = 4;                    // crossbars sharing one processing element
  int pes_per_tile = 16;                    // processing elements per tile
  double tile_buffer_kib = 64.0;            // SRAM buffer per tile
  int bus_width_bits = 256;                 // tile bus width, also the bits per cycle of a layer's buffer port
  double min_clock_ns = 1.0;                // shortest clock period of the digital periphery
  double wire_pitch_nm = 80.0;              // bus wire pitch

  // Mean of the squared drive level over the input codes of a dac_bits DAC, with
  // codes uniformly distributed: E[x^2] for x in {0, 1/(L-1), ..., 1}, L = 2^dac_bits.
  // It is 0.5 for 1-bit inputs (each input bit is 1 with probability 0.5).
  double input_activity_override = -1.0;    // use this E[x^2] instead when >= 0

  // Throws std::invalid_argument naming the first field that is out of range.
  void validate() const;
};

const char* adc_type_name(AdcType type);
const char* read_sensing_name(ReadSensing sensing);

}  // namespace imcnas::cost
