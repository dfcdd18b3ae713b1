#!/usr/bin/env bash
# Install everything imcnas needs on a fresh Debian machine, idempotently:
# the Fashion-MNIST Debian package, a virtual environment in .venv with the
# CPU build of torch 2.13.0, and an editable build of imcnas with its C++ core.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get install -y -q "$@" >/dev/null \
    || { $sudo_cmd apt-get update -q >/dev/null && $sudo_cmd apt-get install -y -q "$@" >/dev/null; }
}

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "imcnas setup: installing Debian package dataset-fashion-mnist" >&2
  apt_install dataset-fashion-mnist
fi

if [ ! -x .venv/bin/python ]; then
  echo "imcnas setup: creating .venv" >&2
  if ! python3 -m venv .venv 2>/dev/null; then
    # Debian ships the pip bootstrap of venv in a separate package.
    rm -rf .venv
    apt_install python3-venv
    python3 -m venv .venv
  fi
fi
py=.venv/bin/python

# torch first and pinned: an unpinned request lets pip pick a multi-GB CUDA build.
# The machines this project runs on carry the CPU build of 2.13.0 in pip's local wheel
# folder, which the pin selects. Elsewhere set IMCNAS_TORCH_INDEX to
# https://download.pytorch.org/whl/cpu to get the CPU build from PyTorch's index.
if ! $py -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  echo "imcnas setup: installing torch 2.13.0" >&2
  if [ -n "${IMCNAS_TORCH_INDEX:-}" ]; then
    $py -m pip install -q torch==2.13.0 --index-url "$IMCNAS_TORCH_INDEX"
  else
    $py -m pip install -q torch==2.13.0
  fi
fi
$py -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" ninja cmake \
  numpy numba scikit-learn matplotlib tqdm pytest hypothesis pymoo scipy

# Editable install with a fixed build dir, so C++ edits rebuild incrementally.
echo "imcnas setup: building imcnas" >&2
$py -m pip install -q --no-build-isolation --no-deps -e . 2>&1 | grep -v "^WARNING: Location" >&2 || true
$py -c "import imcnas._core" || { echo "imcnas setup: the C++ core failed to build; see the pip output above" >&2; exit 1; }
