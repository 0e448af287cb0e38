#!/usr/bin/env bash
# Coverage-guided fuzzing of Ivy.MultiHeadAttention with SharpFuzz 2.3.0 and afl-fuzz (docs/sharpfuzz.md).
#   tools/SharpFuzz/run.sh [seconds] [harness args, e.g. --strict]
# Installs afl++ (apt) and the sharpfuzz tool when missing, builds the harness into tools/SharpFuzz/out/bin,
# instruments that copy of IvySharp.dll, runs one afl-fuzz instance for the given seconds (-V, default 1500),
# and prints afl's statistics. Findings land in tools/SharpFuzz/out/findings (crashes/, hangs/, queue/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-1500}"
shift || true
out="$here/out"
bin="$out/bin"
findings="$out/findings"

if ! command -v afl-fuzz >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  # A fresh machine may have no package lists yet ("Unable to locate package afl++").
  apt-cache show afl++ >/dev/null 2>&1 || $sudo apt-get update -qq
  $sudo apt-get install -y afl++
fi
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v sharpfuzz >/dev/null; then
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
fi

rm -rf "$bin"
dotnet build "$here/IvySharp.SharpFuzz.csproj" -c Release -o "$bin" --nologo -v quiet
# Only the library is instrumented: the harness, SharpFuzz and System.* stay as they are.
sharpfuzz "$bin/IvySharp.dll"

rm -rf "$findings"
# dotnet itself carries no afl instrumentation (SharpFuzz's is in the IL): skip afl's binary check.
# The shared machine's CPU governor and core pattern are not ours to change.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
start=$(date +%s)
afl-fuzz -i "$here/corpus" -o "$findings" -t 10000 -m none -V "$seconds" -- dotnet "$bin/IvySharp.SharpFuzz.dll" "$@" \
  > "$out/afl.log" 2>&1 || { echo "afl-fuzz failed (exit $?); last lines of $out/afl.log:"; tail -40 "$out/afl.log"; exit 1; }
echo "afl-fuzz ran $(( $(date +%s) - start )) s; statistics ($findings/default/fuzzer_stats):"
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|corpus_found|max_depth|bitmap_cvg|edges_found|total_edges|saved_crashes|saved_hangs|unique_crashes|unique_hangs|stability|cycles_done|last_find) ' \
  "$findings/default/fuzzer_stats" || cat "$findings/default/fuzzer_stats"
echo "crashes: $(find "$findings/default/crashes" -type f ! -name README.txt | wc -l), hangs: $(find "$findings/default/hangs" -type f | wc -l)"
echo "replay (uninstrumented build): dotnet build -c Release $here && dotnet $here/bin/Release/net10.0/IvySharp.SharpFuzz.dll --replay $findings/default/crashes"
