// The analytical estimator: event counts of a layer times per-event component costs.
#include <algorithm>
#include <cmath>
#include <utility>

#include "imcnas/common.hpp"
#include "imcnas/cost/components.hpp"
#include "imcnas/cost/estimator.hpp"

namespace imcnas::cost {

namespace {

constexpr double kMm2PerUm2 = 1e-6;
constexpr double kBitsPerKib = 8.0 * 1024.0;

double& at(ComponentValues& values, Component component) {
  return values[static_cast<std::size_t>(component)];
}

double sum(const ComponentValues& values) {
  double total = 0.0;
  for (double value : values) total += value;
  return total;
}

}  // namespace

AnalyticalEstimator::AnalyticalEstimator(Technology tech, Schedule schedule)
    : tech_(std::move(tech)), schedule_(schedule) {
  tech_.validate();
}

LayerCost AnalyticalEstimator::estimate_layer(const LayerShape& layer, const HardwareSpec& hw) const {
  const Technology& t = tech_;
  LayerCost cost;
  cost.name = layer.name;
  cost.mapping = map_layer(layer, hw, t.arrays_per_pe, t.pes_per_tile);
  const LayerMapping& m = cost.mapping;
  const double f_nm = t.feature_size_nm;
  const double n_in = static_cast<double>(layer.n_in);
  const double n_out = static_cast<double>(layer.n_out);
  const double n_mvm = static_cast<double>(layer.n_mvm);
  const double cycles = n_mvm * m.input_cycles;  // row-input cycles of one weight copy set

  // One read lets the row and column wires settle, then converts the held column values one
  // ADC input after another. No separate read pulse is needed: the inputs stay applied until
  // the last column of the read is converted.
  const double conversion_ns = adc_conversion_ns(t, hw.adc_bits);
  const double read_ns =
      wire_settle_ns(t, hw.xbar_rows, hw.xbar_cols) + m.conversions_per_adc * conversion_ns;

  // Array energy depends on how the column is sensed (the 1T1R inputs gate the access
  // transistors, so only rows with a non-zero input connect their cells to the read voltage).
  // Voltage sensing books the charge that brings each mapped bit line to its read level,
  // C_BL * V_read^2 per read, and not the DC current through the cells while the converter
  // resolves that level. It is a lower bound: it holds when the cell current is cut once the
  // bit line settles, and a row tile whose inputs are all zero is still charged.
  // Current sensing: the converter clamps the bit line, so its cells conduct while the column
  // is converted: V^2 * G * t_conversion per cell, weighted by E[x^2] of the input codes. The
  // mean conductance takes uniform slice levels, with one cell of each differential pair at
  // the level and the other at G_min, so G_mean = G_min + (G_max - G_min) / 4.
  const double activity = input_activity(t, hw.dac_bits);
  const double bitline_charges = cycles * static_cast<double>(m.row_tiles) *
                                 static_cast<double>(m.bitlines);
  double array_pj = 0.0;
  if (t.read_sensing == ReadSensing::voltage) {
    array_pj = bitline_charges * bitline_charge_energy_pj(t, hw.xbar_rows);
  } else {
    const double g_mean_us = hw.g_min_us + 0.25 * (hw.g_max_us - hw.g_min_us);
    const double cell_read_pj =
        t.read_voltage_v * t.read_voltage_v * g_mean_us * conversion_ns * 1e-3;
    const double cell_reads = cycles * n_in * static_cast<double>(m.bitlines);
    array_pj = cell_reads * activity * cell_read_pj;
  }
  const double row_drives = cycles * n_in * static_cast<double>(m.col_tiles);
  const double output_bits = n_mvm * n_out * layer.in_bits;
  const double input_bits = n_mvm * n_in * layer.in_bits;
  at(cost.energy_pj, Component::array) = array_pj;
  at(cost.energy_pj, Component::dac) =
      row_drives * row_drive_energy_pj(t, hw.xbar_cols, hw.dac_bits);
  at(cost.energy_pj, Component::adc) =
      m.conversions * (adc_energy_pj(t, hw.adc_bits) + adc_reference_energy_pj(t, hw));
  at(cost.energy_pj, Component::shift_add) = m.conversions * add_energy_pj(t, m.partial_sum_bits);
  at(cost.energy_pj, Component::accumulator) =
      n_mvm * n_out * static_cast<double>(m.row_tiles - 1) * add_energy_pj(t, m.accumulator_bits);
  at(cost.energy_pj, Component::buffer) = (input_bits + output_bits) * t.sram_energy_pj_per_bit;

  // Area.
  const double crossbars = static_cast<double>(m.crossbars);
  const double adcs = crossbars * static_cast<double>(m.adcs_per_crossbar);
  // Row-tile partial sums meet in an adder tree: row_tiles - 1 adders per output lane, where
  // a lane is one ADC of a column tile. A tree keeps the merge off the read path, as the
  // latency model assumes.
  const double lanes = adcs / static_cast<double>(m.row_tiles);
  const double accumulators = lanes * static_cast<double>(m.row_tiles - 1);
  const double cell_um2 = t.cell_area_f2 * f_nm * f_nm * 1e-6;
  const double sram_bit_um2 = t.sram_cell_area_f2 * f_nm * f_nm * 1e-6;
  at(cost.area_mm2, Component::array) =
      crossbars * hw.xbar_rows * hw.xbar_cols * cell_um2 * kMm2PerUm2;
  at(cost.area_mm2, Component::dac) =
      crossbars * hw.xbar_rows * row_driver_area_um2(t, hw.dac_bits) * kMm2PerUm2;
  at(cost.area_mm2, Component::adc) =
      adcs * (adc_area_um2(t, hw.adc_bits) + adc_reference_area_um2(t, hw)) * kMm2PerUm2;
  at(cost.area_mm2, Component::shift_add) =
      adcs * adder_register_area_um2(t, m.partial_sum_bits) * kMm2PerUm2;
  at(cost.area_mm2, Component::accumulator) =
      accumulators * adder_register_area_um2(t, m.accumulator_bits) * kMm2PerUm2;
  at(cost.area_mm2, Component::buffer) =
      static_cast<double>(m.tiles) * t.tile_buffer_kib * kBitsPerKib * sram_bit_um2 * kMm2PerUm2;

  // Interconnect: a horizontal and a vertical bus across each tile. Inputs are broadcast: one
  // transfer charges a bus that spans the layer's tiles once, however many column tiles
  // listen, so an input bit travels the side of the layer's area. An output bit travels on
  // average half that side back to the buffer.
  const double core_mm2 = sum(cost.area_mm2);
  const double tiles = static_cast<double>(m.tiles);
  const double tile_side_mm = std::sqrt(core_mm2 / tiles);
  at(cost.area_mm2, Component::interconnect) =
      tiles * 2.0 * t.bus_width_bits * t.wire_pitch_nm * 1e-6 * tile_side_mm;
  const double side_mm = std::sqrt(core_mm2);
  at(cost.energy_pj, Component::interconnect) =
      input_bits * wire_energy_pj(t, side_mm) + output_bits * wire_energy_pj(t, 0.5 * side_mm);

  // Latency: every crossbar of a copy works in parallel; a copy runs its share of the MVMs,
  // one read per input cycle. The layer's input and output bits also cross its buffer port,
  // bus_width_bits per clock cycle. Weight copies do not widen that port, and the transfer is
  // not overlapped with the reads (single-buffered), so the two times add. The clock runs at
  // most at 1 / min_clock_ns and no faster than one conversion per cycle.
  const double compute_ns = static_cast<double>(m.mvms_per_copy) * m.input_cycles * read_ns;
  const double clock_ns = std::max(t.min_clock_ns, conversion_ns);
  const double transfer_cycles = std::ceil((input_bits + output_bits) / t.bus_width_bits);
  cost.latency_ns = compute_ns + transfer_cycles * clock_ns;

  cost.energy_pj_total = sum(cost.energy_pj);
  cost.area_mm2_total = sum(cost.area_mm2);
  cost.ops = 2.0 * n_in * n_out * n_mvm;
  return cost;
}

NetworkCost AnalyticalEstimator::estimate(const Network& layers, const HardwareSpec& hw) const {
  require(!layers.empty(), "the network has no layers; pass at least one layer");
  hw.validate();
  for (const LayerShape& layer : layers) layer.validate();

  NetworkCost net;
  net.schedule = schedule_;
  net.layers.reserve(layers.size());
  for (const LayerShape& layer : layers) net.layers.push_back(estimate_layer(layer, hw));

  // Totals add the layers in order, so a caller summing the same values gets the same bits.
  for (const LayerCost& layer : net.layers) {
    for (std::size_t c = 0; c < kComponentCount; ++c) {
      net.energy_pj[c] += layer.energy_pj[c];
      net.area_mm2[c] += layer.area_mm2[c];
    }
    net.energy_pj_total += layer.energy_pj_total;
    net.area_mm2_total += layer.area_mm2_total;
    net.ops += layer.ops;
    if (schedule_ == Schedule::layer_by_layer) {
      net.latency_ns += layer.latency_ns;
    } else {
      net.latency_ns = std::max(net.latency_ns, layer.latency_ns);
    }
  }

  net.edp_pj_ns = net.energy_pj_total * net.latency_ns;
  net.edap_pj_ns_mm2 = net.edp_pj_ns * net.area_mm2_total;
  net.tops_per_w = net.ops / net.energy_pj_total;    // ops per pJ = 1e12 ops per J
  net.tops = net.ops / net.latency_ns * 1e-3;        // ops per ns = 1e-3 TOPS
  net.tops_per_mm2 = net.tops / net.area_mm2_total;
  return net;
}

}  // namespace imcnas::cost
