#!/usr/bin/env bash
# Resident memory of masqd with a small connection table, and with a large one both empty
# and filled with UDP flows from the VM, in the pod topology of bench/matrix.sh.
#
#   bench/memory.sh [--flows N]     (default 262144, from 1024 to 16777216)
#
# Runs as root on Debian. Prints a markdown table of VmRSS (from /proc/PID/status) and the
# bytes per flow. It takes the mqb- namespaces and the lock of bench/matrix.sh, so the two
# never run together. On exit it ends what it started and deletes the namespaces.
set -uo pipefail
cd "$(dirname "$0")/.."
REPOSITORY=$PWD
MATRIX=$REPOSITORY/bench/matrix
source "$MATRIX/lib.sh"
source "$MATRIX/topology.sh"
source "$MATRIX/datapaths.sh"

STATE=/run/mqb-bench
LOCK=/run/mqb-bench.lock
OUTPUT=/tmp/mqb-memory
FLOWS=262144
SMALL_TABLE=16
MTU=1500

# Sends one UDP datagram per flow from the VM to the cluster. Each source socket covers
# every destination port, and the sender pauses every 256 datagrams so that the tap ring
# does not overflow. It stops at the flow count or after 120 seconds.
FILL_FLOWS='
import socket, sys, time
flows, destination = int(sys.argv[1]), sys.argv[2]
deadline = time.monotonic() + 120
sent = 0
while sent < flows and time.monotonic() < deadline:
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.bind(("0.0.0.0", 0))
    for port in range(1, 65536):
        if sent == flows or time.monotonic() >= deadline:
            break
        sender.sendto(b"m", (destination, port))
        sent += 1
        if sent % 256 == 0:
            time.sleep(0.002)
    sender.close()
print(sent)
'

usage() {
    sed -n '5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

parse_arguments() {
    while [ $# -gt 0 ]; do
        case "$1" in
        --flows) FLOWS=${2:?}; shift ;;
        *) echo "invalid option: $1" >&2; usage ;;
        esac
        shift
    done
    if ! [[ $FLOWS =~ ^[0-9]+$ ]] || ((FLOWS < 1024 || FLOWS > 16777216)); then
        echo "invalid --flows: $FLOWS (expected 1024 to 16777216)" >&2
        usage
    fi
}

resident_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

stat_value() {
    awk -v name="$1" '$1 == name { print $2 }' "$STATE/masqd.stats" 2>/dev/null
}

# Starts masqd with a table of $1 flows on a fresh topology and waits until it serves.
start_masqd() {
    topology_up "$MTU" >/dev/null
    MASQD_MAX_FLOWS=$1 datapath_up_masqd "$MTU" || exit 1
    MASQD_PID=$DP_PIDS
    sleep 2
}

# Fills the table and waits until the stats file shows the flows (it is rewritten every
# second), for at most 30 seconds after the sender ends.
fill_table() {
    local sent count step
    sent=$(timeout 150 ip netns exec "$NS_VM" python3 -c "$FILL_FLOWS" "$FLOWS" "$CLUSTER_IP")
    log "sent $sent datagrams to distinct ports"
    for ((step = 0; step < 30; step++)); do
        sleep 1
        count=$(stat_value flows)
        ((${count:-0} >= FLOWS * 99 / 100)) && break
    done
    FLOWS_HELD=${count:-0}
}

cleanup() {
    set +e
    topology_down 2>/dev/null
    rm -rf "$STATE"
}

main() {
    parse_arguments "$@"
    claim_namespaces

    mkdir -p "$OUTPUT/logs" "$STATE/logs"
    install_missing iproute2 nftables nginx-light iperf3 sockperf busybox python3 ||
        { log "could not install the tools"; exit 1; }
    build_masqd

    start_masqd "$SMALL_TABLE"
    local small
    small=$(resident_kib "$MASQD_PID")

    start_masqd "$FLOWS"
    local empty full
    empty=$(resident_kib "$MASQD_PID")
    fill_table
    full=$(resident_kib "$MASQD_PID")
    topology_down

    echo "| --max-flows | flows held | VmRSS KiB |"
    echo "|---|---|---|"
    echo "| $SMALL_TABLE | 0 | $small |"
    echo "| $FLOWS | 0 | $empty |"
    echo "| $FLOWS | $FLOWS_HELD | $full |"
    echo
    awk -v small="$small" -v empty="$empty" -v full="$full" -v flows="$FLOWS" \
        -v held="$FLOWS_HELD" -v little="$SMALL_TABLE" 'BEGIN {
        printf "table allocated: %.0f bytes per flow of capacity\n",
            (empty - small) * 1024 / (flows - little)
        if (held > 0)
            printf "table filled: %.0f bytes per flow held\n", (full - small) * 1024 / held
    }'
}

main "$@"
