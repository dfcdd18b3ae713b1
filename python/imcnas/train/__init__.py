"""Hardware-aware training (torch): IMC layers, network building, pruning, training and chip evaluation."""

from imcnas.train.chip import ChipAccuracy, derive_seed, evaluate_on_chip, predict_on_chip, program_chip
from imcnas.train.geometry import layer_geometry, mvm_backend
from imcnas.train.layers import IMCConv2d, IMCLayer, IMCLinear, calibrate_input_ranges, convert_module, imc_layers
from imcnas.train.model import IMCNet, build_model
from imcnas.train.noise import relative_weight_noise, training_noise_std
from imcnas.train.prune import prune_model
from imcnas.train.trainer import (
    MAX_NOISE_STD,
    TrainedModel,
    TrainingDivergedError,
    TrainSettings,
    predict,
    software_accuracy,
    train_candidate,
)

__all__ = [
    "MAX_NOISE_STD",
    "ChipAccuracy",
    "IMCConv2d",
    "IMCLayer",
    "IMCLinear",
    "IMCNet",
    "TrainSettings",
    "TrainedModel",
    "TrainingDivergedError",
    "build_model",
    "calibrate_input_ranges",
    "convert_module",
    "derive_seed",
    "evaluate_on_chip",
    "imc_layers",
    "layer_geometry",
    "mvm_backend",
    "predict",
    "predict_on_chip",
    "program_chip",
    "prune_model",
    "relative_weight_noise",
    "software_accuracy",
    "train_candidate",
    "training_noise_std",
]
