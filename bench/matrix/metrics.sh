# Measurements of one datapath at one pod MTU. Sourced by bench/matrix.sh.
#
# Each metric appends "repetition,mtu,datapath,metric,value,unit" rows to $CSV. Clients run
# in the namespaces, each under `timeout`. A client that fails or times out leaves its
# metric out of the CSV, and the run goes on.

CLOCK_TICKS=$(getconf CLK_TCK)
CPU_COUNT=$(grep -c '^cpu[0-9]' /proc/stat)

record() {
    echo "$REPETITION,$MTU,$DATAPATH,$1,$2,$3" >>"$CSV"
    case "$1" in
    *_cores) ;;
    *) log "  $1 $2 $3" ;;
    esac
}

# Prints "idle_ticks process_ticks": idle and I/O-wait time of all CPUs, and the CPU time
# (user and system, all threads) of the processes in DP_PIDS. System load is derived from
# idle time because a tickless kernel accounts idle time exactly but busy time by sampling.
cpu_ticks() {
    local idle process=0 pid fields
    idle=$(awk '/^cpu / { print $5 + $6; exit }' /proc/stat)
    for pid in $DP_PIDS; do
        # Field 2, the command name, may hold spaces: cut everything up to its ")".
        fields=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
        process=$((process + $(echo "$fields" | awk '{ print $12 + $13 }')))
    done
    echo "$idle $process"
}

# Runs "$@" (a client, its output to $STATE/client.out) and sets SYS_CORES and DP_CORES to
# the cores that the whole system and the datapath processes kept busy meanwhile.
with_cpu() {
    local start_ms end_ms idle0 process0 idle1 process1 status=0
    read -r idle0 process0 < <(cpu_ticks)
    start_ms=$(now_ms)
    "$@" >"$STATE/client.out" 2>"$STATE/client.err" || status=$?
    end_ms=$(now_ms)
    read -r idle1 process1 < <(cpu_ticks)

    local idle_cores
    idle_cores=$(cores_of $((idle1 - idle0)) $((end_ms - start_ms)))
    SYS_CORES=$(awk -v n="$CPU_COUNT" -v idle="$idle_cores" \
        'BEGIN { busy = n - idle; printf "%.2f", (busy < 0) ? 0 : busy }')
    DP_CORES=""
    [ -n "$DP_PIDS" ] && DP_CORES=$(cores_of $((process1 - process0)) $((end_ms - start_ms)))
    return $status
}

# Prints the cores that $1 clock ticks of CPU time kept busy over $2 milliseconds.
cores_of() {
    awk -v ticks="$1" -v ms="$2" -v hz="$CLOCK_TICKS" \
        'BEGIN { printf "%.2f", (ms > 0) ? ticks / hz / (ms / 1000) : 0 }'
}

# Records SYS_CORES and DP_CORES (when there is a datapath process) as metric $1.
record_cpu() {
    record "${1}_sys_cores" "$SYS_CORES" cores
    [ -n "$DP_CORES" ] && record "${1}_dp_cores" "$DP_CORES" cores
    return 0
}

# Prints the value of jq filter $2 over iperf3's JSON output in file $1, or fails when
# iperf3 reported an error or the value is missing.
iperf_value() {
    local value
    value=$(jq -r "if .error then empty else ($2) end" "$1" 2>/dev/null)
    [ -n "$value" ] && [ "$value" != null ] && echo "$value"
}

# Runs iperf3 TCP from namespace $2 to address $3 for $TCP_SECONDS with $4 streams.
measure_tcp() {
    local metric=$1 namespace=$2 address=$3 streams=$4 gbps
    with_cpu timeout $((TCP_SECONDS + 15)) ip netns exec "$namespace" \
        iperf3 -c "$address" -p "$IPERF_PORT" -t "$TCP_SECONDS" -P "$streams" -J \
        --connect-timeout 3000 || true
    if ! gbps=$(iperf_value "$STATE/client.out" '.end.sum_received.bits_per_second / 1e9'); then
        log "$metric failed: $(jq -r .error "$STATE/client.out" 2>/dev/null)" \
            "$(tail -c 300 "$STATE/client.err")"
        return 0
    fi
    record "${metric}_gbps" "$(printf '%.3f' "$gbps")" Gbit/s
    record_cpu "$metric"
}

# One paced run of 64-byte UDP datagrams from the VM at $1 packets per second (0 = as fast
# as iperf3 can). Sets SENT_PPS, DELIVERED_PPS, LOSS (percent), SYS_CORES and DP_CORES.
# Socket buffers of 2 MiB (-w) absorb the moments when another process has the CPU, so
# that loss measures the datapath more than the scheduler.
udp_probe() {
    local pps=$1 result
    SENT_PPS="" DELIVERED_PPS="" LOSS=""
    with_cpu timeout $((UDP_SECONDS + 15)) ip netns exec "$NS_VM" iperf3 -c "$CLUSTER_IP" \
        -p "$IPERF_PORT" -u -l 64 -b $((pps * 64 * 8)) -w 2M -t "$UDP_SECONDS" -J \
        --connect-timeout 3000 || true
    local filter='.end.sum_received | "\(.packets / .seconds)'
    filter+=' \((.packets - .lost_packets) / .seconds) \(.lost_percent)"'
    result=$(iperf_value "$STATE/client.out" "$filter") || return 1
    read -r SENT_PPS DELIVERED_PPS LOSS <<<"$result"
}

below_one_percent() {
    [ -n "$1" ] && awk -v loss="$1" 'BEGIN { exit !(loss < 1) }'
}

# Highest paced rate of 64-byte UDP datagrams delivered with under 1% loss. One unpaced run
# finds the sender's maximum and what got through meanwhile. The first paced run is at that
# delivered rate. Each of the UDP_STEPS runs after it halves the interval between the best
# passing rate and the lowest failing one. The CPU recorded is that of the best passing run.
measure_udp() {
    local low=0 high rate best=0 best_sys="" best_dp="" step
    if ! udp_probe 0; then
        log "udp64 failed: $(jq -r .error "$STATE/client.out" 2>/dev/null)" \
            "$(tail -c 300 "$STATE/client.err")"
        return 0
    fi

    if below_one_percent "$LOSS"; then
        best=$DELIVERED_PPS best_sys=$SYS_CORES best_dp=$DP_CORES
    else
        high=$(printf '%.0f' "$SENT_PPS")
        rate=$(printf '%.0f' "$DELIVERED_PPS")
        for ((step = 0; step <= UDP_STEPS; step++)); do
            if udp_probe "$rate" && below_one_percent "$LOSS"; then
                low=$rate best=$DELIVERED_PPS best_sys=$SYS_CORES best_dp=$DP_CORES
            else
                high=$rate
            fi
            rate=$(((low + high) / 2))
        done
    fi

    record udp64_kpps "$(awk -v p="$best" 'BEGIN { printf "%.1f", p / 1000 }')" kpps
    SYS_CORES=$best_sys DP_CORES=$best_dp
    [ -n "$SYS_CORES" ] && record_cpu udp64
    return 0
}

# Latency runs keep everything on CPU 0: the sockperf client and servers, and every thread of
# the datapath process. An idle-class busy loop keeps CPU 0 from halting. On a virtual
# machine, waking a halted vCPU or interrupting the other one adds about 50 µs (UDP p50 of
# the no-NAT path: 64 µs unpinned, 6 µs pinned, on the 2-vCPU VM of docs/benchmarks.md).
pin_for_latency() {
    local pid
    start_in latency-spin "$NS_CLUSTER" taskset -c 0 chrt --idle 0 \
        timeout $((4 * LATENCY_SECONDS + 30)) sh -c 'while :; do :; done'
    for pid in $DP_PIDS; do
        taskset -a -p -c 0 "$pid" >/dev/null
    done
}

unpin_after_latency() {
    local pid
    stop_named latency-spin
    for pid in $DP_PIDS; do
        taskset -a -p -c "0-$((CPU_COUNT - 1))" "$pid" >/dev/null
    done
}

# Runs sockperf ping-pong from the VM and records round-trip p50 and p99 in microseconds.
measure_latency() {
    local protocol=$1 port=$SOCKPERF_UDP_PORT flag=""
    [ "$protocol" = tcp ] && port=$SOCKPERF_TCP_PORT flag=--tcp
    timeout $((LATENCY_SECONDS + 15)) ip netns exec "$NS_VM" taskset -c 0 sockperf ping-pong $flag \
        -i "$CLUSTER_IP" -p "$port" -t "$LATENCY_SECONDS" --full-rtt \
        >"$STATE/client.out" 2>&1 || true

    local p50 p99
    p50=$(awk '/percentile 50.000/ { print $NF }' "$STATE/client.out")
    p99=$(awk '/percentile 99.000/ { print $NF }' "$STATE/client.out")
    if [ -z "$p50" ] || [ -z "$p99" ]; then
        log "latency over $protocol failed: $(tail -c 300 "$STATE/client.out")"
        return 0
    fi
    record "rtt_${protocol}_p50_us" "$p50" us
    record "rtt_${protocol}_p99_us" "$p99" us
}

# Measures new TCP connections per second from the VM: wrk, one request per connection.
measure_connection_rate() {
    with_cpu timeout $((CPS_SECONDS + 15)) ip netns exec "$NS_VM" wrk -t1 -c16 \
        -d "${CPS_SECONDS}s" --timeout 2s -H 'Connection: close' \
        "http://$CLUSTER_IP:$HTTP_PORT/" || true

    local rate errors
    rate=$(awk '/^Requests\/sec:/ { print $2 }' "$STATE/client.out")
    errors=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' \
        "$STATE/client.out")
    if [ -z "$rate" ]; then
        log "connection rate failed: $(tail -c 300 "$STATE/client.err")"
        return 0
    fi
    record cps "$rate" conn/s
    record cps_errors "${errors:-0}" count
    record_cpu cps
}

# Runs every metric of the matrix against the datapath now up.
measure_all() {
    measure_tcp tcp_out "$NS_VM" "$CLUSTER_IP" 1
    measure_tcp tcp_in "$NS_CLUSTER" "$INBOUND_IP" 1
    [ "$SHORT" = 1 ] || measure_tcp tcp_out4 "$NS_VM" "$CLUSTER_IP" 4
    measure_udp
    pin_for_latency
    measure_latency udp
    measure_latency tcp
    unpin_after_latency
    measure_connection_rate
}
