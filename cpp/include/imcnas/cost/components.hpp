// Closed-form energy, area and delay of single periphery circuits.
//
// Each function prices one instance for one event; the estimator multiplies by the
// counts of a layer. Energies are in pJ, areas in um^2, times in ns.
#pragma once

#include "imcnas/cost/network.hpp"
#include "imcnas/cost/technology.hpp"

namespace imcnas::cost {

// Area of `transistors` logic transistors, um^2.
double transistors_area_um2(const Technology& tech, double transistors);

// One ADC conversion at `bits` resolution. SAR: Walden FOM * 2^bits. Flash: one decision
// of each of its 2^bits - 1 comparators. Both are non-decreasing in bits.
double adc_energy_pj(const Technology& tech, int bits);
// Reference signals of one conversion, pJ. A flash converter compares the column with
// 2^bits - 1 reference columns, bit lines of the same capacitance that 2^bits converters
// share. So each conversion charges (2^bits - 1) / 2^bits bit lines. A SAR's reference charge
// is part of its FOM, so this is 0 for SAR.
double adc_reference_energy_pj(const Technology& tech, const HardwareSpec& hw);
// Reference columns of one ADC, um^2: (2^bits - 1) / 2^bits columns of xbar_rows cells for a
// flash converter (the columns above, each shared by 2^bits converters), 0 for SAR.
double adc_reference_area_um2(const Technology& tech, const HardwareSpec& hw);
// One ADC. SAR: comparator and logic per bit plus a 2^bits unit-capacitor DAC.
// Flash: 2^bits - 1 comparators and a thermometer encoder of `bits` registers.
double adc_area_um2(const Technology& tech, int bits);
// One conversion. SAR resolves one bit per cycle. Flash resolves all bits at once, but its
// latches need tau * ln 2 longer per bit to resolve the smaller step.
double adc_conversion_ns(const Technology& tech, int bits);
// Settling of the row and column wires of a rows x cols crossbar: the Elmore delay
// 0.38 r c L^2 of each distributed RC line.
double wire_settle_ns(const Technology& tech, int rows, int cols);

// Capacitance of one bit line of a crossbar with `rows` cells: its wire plus the drain of
// every access transistor on it, fF.
double bitline_cap_ff(const Technology& tech, int rows);
// Charging one bit line to the read voltage, as a voltage-mode read does once per read.
double bitline_charge_energy_pj(const Technology& tech, int rows);

// Mean squared drive level E[x^2] of a row input over uniform dac_bits codes.
double input_activity(const Technology& tech, int dac_bits);
// Driving one row of a 1T1R crossbar with `cols` cells for one input cycle, averaged over
// uniform input codes. A non-zero input switches the word line and the access gates to the
// word-line voltage, and the source-line wire and the DAC units carry the input level.
double row_drive_energy_pj(const Technology& tech, int cols, int dac_bits);
// One row driver with a dac_bits DAC.
double row_driver_area_um2(const Technology& tech, int dac_bits);

// One addition of `bits`-wide operands.
double add_energy_pj(const Technology& tech, int bits);
// An adder and its register, `bits` wide.
double adder_register_area_um2(const Technology& tech, int bits);

// Moving one bit over `length_mm` of on-chip wire.
double wire_energy_pj(const Technology& tech, double length_mm);

}  // namespace imcnas::cost
