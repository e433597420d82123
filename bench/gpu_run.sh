#!/usr/bin/env bash
# The GPU run, on a machine with a CUDA GPU, in under 8 minutes, all results in one folder:
#   1. the tests of the CUDA code paths (tests/models/test_cuda.py: Jacobian spectra, RBM and
#      DBM training, the ensemble trainer on CUDA against the CPU);
#   2. one slice of every heavy paper-preset step on the GPU and the projected GPU time of
#      the paper preset per talk (bench/paper_cost.py --device cuda).
#
#   bash bench/gpu_run.sh [results folder, default bench/out/gpu]
#
# It needs torch with CUDA, numpy, pandas, PyYAML, tqdm, threadpoolctl and pytest, and runs
# the package from src/ (no install). Steps that run on the host (GAMP is numpy) are timed
# there, on one thread. Put the printed table in docs/performance.md.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out/gpu}
mkdir -p "$out"
export PYTHONPATH="src:tests${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
python=${PYTHON:-python3}
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1
  "$python" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, 'device', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none')"
} 2>&1 | tee "$out/machine.txt"
timeout 300 "$python" -m pytest -q -p no:cacheprovider -m cuda tests/models/test_cuda.py -rs 2>&1 | tee "$out/cuda_tests.txt"
tests=${PIPESTATUS[0]}
timeout 240 "$python" bench/paper_cost.py --device cuda --out "$out/paper_cost_cuda.csv" 2>&1 | tee "$out/paper_cost_cuda.txt"
cost=${PIPESTATUS[0]}
echo "cuda tests exit $tests, paper cost exit $cost" | tee -a "$out/machine.txt"
exit $(( tests != 0 || cost != 0 ))
