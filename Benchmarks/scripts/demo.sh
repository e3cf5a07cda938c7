#!/usr/bin/env bash
# The demo benchmark: `docket demo --cases N --workers 64` (release build) RUNS times, each on a
# fresh store, timed with GNU time. Prints each run and then one JSON line with the median wall time
# and the peak resident set size of every run. Target (issue 6): 100,000 cases in under 60 s with
# peak RSS under 1 GiB.
#
#   bash Benchmarks/scripts/demo.sh [CASES] [RUNS]      # defaults: 100000 3
set -euo pipefail
cases=${1:-100000}
runs=${2:-3}
cd "$(dirname "$0")/../.."
[ -x /usr/bin/time ] || { echo "demo.sh: needs GNU time (apt-get install -y time)" >&2; exit 1; }
swift build -c release --product docket >&2
walls=()
rss=()
for i in $(seq "$runs"); do
    dir=$(mktemp -d)
    /usr/bin/time -f "%e %M" -o "$dir/time" .build/release/docket demo --cases "$cases" --workers 64 --store "$dir/store" > "$dir/out"
    read -r wall kb < "$dir/time"
    echo "run $i: $(grep '^wrote in' "$dir/out")  [wall ${wall} s, peak RSS ${kb} KiB]" >&2
    walls+=("$wall")
    rss+=("$kb")
    rm -rf "$dir"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
peak=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
echo "{\"cases\":$cases,\"runs\":$runs,\"wallSecondsMedian\":$median,\"wallSeconds\":[$(IFS=,; echo "${walls[*]}")],\"peakRSSKiB\":[$(IFS=,; echo "${rss[*]}")],\"peakRSSKiBMax\":$peak,\"met\":$(awk -v m="$median" -v p="$peak" 'BEGIN {print (m < 60 && p < 1048576) ? "true" : "false"}')}"
