// Cost estimators behind one interface, and batched evaluation over many pairs.
#pragma once

#include <utility>
#include <vector>

#include "imcnas/cost/network.hpp"
#include "imcnas/cost/report.hpp"
#include "imcnas/cost/technology.hpp"

namespace imcnas::cost {

// An estimator prices a whole network on one hardware configuration. Lookup-table
// and learned estimators implement the same interface as the analytical one.
class Estimator {
 public:
  virtual ~Estimator() = default;
  // Throws std::invalid_argument on invalid layers or hardware. Must be safe to call
  // from several threads at once.
  virtual NetworkCost estimate(const Network& layers, const HardwareSpec& hw) const = 0;
};

// NeuroSim-style closed-form model: chip -> tiles -> PEs -> crossbars with periphery.
class AnalyticalEstimator final : public Estimator {
 public:
  explicit AnalyticalEstimator(Technology tech, Schedule schedule = Schedule::layer_by_layer);
  NetworkCost estimate(const Network& layers, const HardwareSpec& hw) const override;
  LayerCost estimate_layer(const LayerShape& layer, const HardwareSpec& hw) const;

  const Technology& technology() const { return tech_; }
  Schedule schedule() const { return schedule_; }

 private:
  Technology tech_;
  Schedule schedule_;
};

using NetworkHardwarePair = std::pair<Network, HardwareSpec>;

// Evaluates every pair, in parallel with OpenMP when available. The result at index i
// belongs to pairs[i]. The first invalid pair, by index, raises std::invalid_argument
// with the pair index in the message.
std::vector<NetworkCost> estimate_batch(const Estimator& estimator,
                                        const std::vector<NetworkHardwarePair>& pairs);

}  // namespace imcnas::cost
