#!/usr/bin/env bash
# On a GPU machine with the NVIDIA driver and no .NET: unpack the runner archive (tools/gpu/build.sh makes it),
# run the correctness checks on gpu:0, time PyTorch's nn.MultiheadAttention on the same calls when
# `python3 -c "import torch"` works, then the benchmark, and write a report like bench/results. Under 5 minutes.
#
#   bash run.sh [ARCHIVE] [REPORT]     defaults: ./ivysharp-gpu-runner.tar.xz, ./gpu-report-DATE.md
#   bash run.sh --cpu [ARCHIVE]        the same on ILGPU's CPU accelerator with small shapes (tests the script here)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
device=gpu:0; quick=()
if [ "${1:-}" = "--cpu" ]; then device=gpu:cpu; quick=(--quick); shift; fi
archive=${1:-$here/ivysharp-gpu-runner.tar.xz}
report=${2:-$PWD/gpu-report-$(date -u +%Y-%m-%d)$([ "$device" = gpu:cpu ] && echo -cpu-accelerator).md}
work=${TMPDIR:-/tmp}/ivysharp-gpu-run
rm -rf "$work" && mkdir -p "$work"
tar -xJf "$archive" -C "$work" || { echo "run: cannot unpack $archive (build it with tools/gpu/build.sh)" >&2; exit 2; }
runner=$work/ivysharp-gpu/IvySharp.Gpu.Runner
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
start=$(date +%s)
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

echo "run: === correctness checks on $device ==="
timeout 80 "$runner" check --device "$device" "${quick[@]}"; check=$?

torch_json=$work/torch.json
if [ "$device" != gpu:cpu ] && python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  echo "run: === PyTorch timings ==="
  timeout 70 python3 "$here/torch_bench.py" "${quick[@]}" > "$torch_json" || echo "run: PyTorch timing failed or timed out" >&2
else
  echo "run: no CUDA PyTorch here: the report has IvySharp.Gpu's times only"
fi

echo "run: === benchmark on $device ==="
timeout 150 "$runner" bench --device "$device" "${quick[@]}" --torch "$torch_json" --out "$report"; bench=$?
echo "run: report $report; checks exit $check, bench exit $bench, $(( $(date +%s) - start )) s"
[ "$check" -eq 0 ] && [ "$bench" -eq 0 ]
