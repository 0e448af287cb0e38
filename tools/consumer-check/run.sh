#!/usr/bin/env bash
# Consumer check: pack IvySharp, then install it into a fresh console app from a local folder feed
# (not a project reference) and run Program.cs there, as a user of the package would. Exits non-zero
# when packing warns or fails, when the app does not get the package just packed, or when a number
# differs. Used by .ci/run; runs alone too: bash tools/consumer-check/run.sh (docs/packaging.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "consumer-check: packing src/IvySharp into $work/feed"
dotnet pack "$repo/src/IvySharp/IvySharp.csproj" -c Release -o "$work/feed" 2>&1 | tee "$work/pack.log"
if grep -qiE '(^|[^a-z])warning ' "$work/pack.log"; then
  echo "consumer-check: dotnet pack printed a warning" >&2; exit 1
fi
nupkg=$(ls "$work"/feed/IvySharp.*.nupkg)
version=$(basename "$nupkg" .nupkg); version=${version#IvySharp.}
[ -f "$work/feed/IvySharp.$version.snupkg" ] || { echo "consumer-check: no .snupkg next to $nupkg" >&2; exit 1; }

# An empty package cache for this app only: a stale ivysharp/$version left in ~/.nuget/packages by an
# earlier pack of the same version would otherwise be used instead of the package just made.
export NUGET_PACKAGES="$work/packages"
cd "$work"
dotnet new console -o app --no-restore >/dev/null
# The local feed is added to the sources the machine already has (no <clear/>), which serve
# System.Numerics.Tensors.
cat > app/nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="ivysharp-local" value="$work/feed" />
  </packageSources>
</configuration>
XML
cp "$here/Program.cs" app/Program.cs
(cd app && dotnet add package IvySharp --version "$version")
# The restored package must be the very file packed above, not one of that id from another source.
cmp "$nupkg" "$NUGET_PACKAGES/ivysharp/$version/ivysharp.$version.nupkg" \
  || { echo "consumer-check: the app restored another IvySharp $version than the one just packed" >&2; exit 1; }
echo "consumer-check: running a console app on IvySharp $version from the local feed"
dotnet run --project app -c Release
