#!/usr/bin/env bash
# Builds the archive tools/gpu/run.sh unpacks on a GPU machine with no .NET: the runner published self-contained
# for linux-x64 (the .NET runtime included), packed as .tar.xz. Run from anywhere, with the .NET 10 SDK.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish "$here/Runner/IvySharp.Gpu.Runner.csproj" -c Release -r linux-x64 --self-contained -o "$out/ivysharp-gpu" -p:DebugType=none >&2
tar -C "$out" -cJf "$here/ivysharp-gpu-runner.tar.xz" ivysharp-gpu
ls -l "$here/ivysharp-gpu-runner.tar.xz" >&2
size=$(stat -c %s "$here/ivysharp-gpu-runner.tar.xz")
[ "$size" -le $((64 * 1024 * 1024)) ] || { echo "build: archive is $size bytes, over 64 MiB" >&2; exit 1; }
