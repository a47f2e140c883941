#!/usr/bin/env bash
# End-to-end benchmark matrix: masqd against the kernel path that KubeVirt uses, pasta,
# slirp4netns and a no-NAT ceiling, each between a VM and a cluster at pod MTU 1500 and
# 9000, all in network namespaces named mqb-*. See bench/matrix/topology.sh for the drawing.
#
#   bench/matrix.sh [--short] [--repetitions N] [--mtus "1500 9000"]
#                   [--datapaths "masqd kernel pasta slirp baseline"] [--output DIR]
#   bench/matrix.sh --report DIR     (remake the table and chart from DIR/results.csv)
#
# Runs as root on Debian and installs the tools it needs when missing. Repetitions, pod MTUs
# and datapaths are interleaved in that order, and every datapath gets a fresh topology.
# Output in DIR (default bench/results): results.csv (raw rows), results.md (medians and
# ratios to the kernel path), results.png, machine.txt, logs/.
#
# The namespace names are fixed, so two copies must never run at once: a lock file stops a
# second one. On exit, even on failure, every process started here is ended by PID and the
# namespaces are deleted; a start removes what a killed earlier run left.
set -uo pipefail
cd "$(dirname "$0")/.."
REPOSITORY=$PWD
MATRIX=$REPOSITORY/bench/matrix
source "$MATRIX/lib.sh"
source "$MATRIX/topology.sh"
source "$MATRIX/datapaths.sh"
source "$MATRIX/metrics.sh"

STATE=/run/mqb-bench
LOCK=/run/mqb-bench.lock
SHORT=0
REPETITIONS=3
MTUS="1500 9000"
DATAPATHS=$ALL_DATAPATHS
OUTPUT=$REPOSITORY/bench/results
REPORT_ONLY=0

# Commands the matrix runs, each with the Debian package that installs it.
TOOLS=(ip:iproute2 nft:nftables iperf3:iperf3 nginx:nginx-light sockperf:sockperf wrk:wrk
    pasta:passt slirp4netns:slirp4netns dnsmasq:dnsmasq-base busybox:busybox socat:socat
    jq:jq gnuplot:gnuplot-nox flock:util-linux)

usage() {
    sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

parse_arguments() {
    while [ $# -gt 0 ]; do
        case "$1" in
        --short) SHORT=1 REPETITIONS=1 ;;
        --repetitions) REPETITIONS=${2:?}; shift ;;
        --mtus) MTUS=${2:?}; shift ;;
        --datapaths) DATAPATHS=${2:?}; shift ;;
        --output) OUTPUT=${2:?}; shift ;;
        --report) OUTPUT=${2:?} REPORT_ONLY=1; shift ;;
        *) echo "invalid option: $1" >&2; usage ;;
        esac
        shift
    done
    if ! [[ $REPETITIONS =~ ^[1-9][0-9]?$ ]]; then
        echo "invalid --repetitions: $REPETITIONS (expected 1 to 99)" >&2
        usage
    fi

    local value
    for value in $MTUS; do
        if ! [[ $value =~ ^[0-9]+$ ]] || ((value < 576 || value > 65520)); then
            echo "invalid pod MTU in --mtus: $value (expected 576 to 65520)" >&2
            usage
        fi
    done
    for value in $DATAPATHS; do
        if ! [[ " $ALL_DATAPATHS " == *" $value "* ]]; then
            echo "invalid datapath in --datapaths: $value (expected some of: $ALL_DATAPATHS)" >&2
            usage
        fi
    done
}

# Seconds per client run; the environment may override them.
set_durations() {
    if [ "$SHORT" = 1 ]; then
        TCP_SECONDS=${TCP_SECONDS:-2} UDP_SECONDS=${UDP_SECONDS:-1} UDP_STEPS=${UDP_STEPS:-3}
        LATENCY_SECONDS=${LATENCY_SECONDS:-1} CPS_SECONDS=${CPS_SECONDS:-2}
    else
        TCP_SECONDS=${TCP_SECONDS:-10} UDP_SECONDS=${UDP_SECONDS:-3} UDP_STEPS=${UDP_STEPS:-5}
        LATENCY_SECONDS=${LATENCY_SECONDS:-5} CPS_SECONDS=${CPS_SECONDS:-5}
    fi
}

install_tools() {
    local tool packages=()
    for tool in "${TOOLS[@]}"; do
        command -v "${tool%%:*}" >/dev/null 2>&1 || packages+=("${tool#*:}")
    done
    install_missing "${packages[@]}"
}

describe_machine() {
    {
        echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "command: bench/matrix.sh $ARGUMENTS"
        local changed=""
        git diff --quiet HEAD -- src bench 2>/dev/null || changed=" (with uncommitted changes)"
        echo "commit: $(git rev-parse --short HEAD 2>/dev/null)$changed"
        echo "cpu: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
        echo "kernel: $(uname -r)"
        echo "packages: $(dpkg-query -W -f='${Package} ${Version}, ' iperf3 sockperf wrk passt \
            slirp4netns nginx-light dnsmasq-base 2>/dev/null)"
        echo "durations (s): TCP $TCP_SECONDS, UDP $UDP_SECONDS x $UDP_STEPS steps," \
            "latency $LATENCY_SECONDS, connections $CPS_SECONDS"
        echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$OUTPUT/machine.txt"
}

# Measures one datapath at one pod MTU on a fresh topology. The caller runs it in the
# background, so it is a subshell of its own where `set -e` stops it at the first failed
# step. The caller removes the topology either way.
run_one() {
    set -e
    topology_up "$MTU"
    "datapath_up_$DATAPATH" "$MTU"
    check_paths
    measure_all
}

run_matrix() {
    local started=$SECONDS
    for ((REPETITION = 1; REPETITION <= REPETITIONS; REPETITION++)); do
        for MTU in $MTUS; do
            for DATAPATH in $DATAPATHS; do
                log "repetition $REPETITION, pod MTU $MTU, $DATAPATH"
                mkdir -p "$STATE/logs"
                # In the background so that a signal interrupts `wait` at once, and not
                # `if run_one`, because a tested subshell would ignore its `set -e`.
                run_one &
                RUN_PID=$!
                wait "$RUN_PID" || save_failure
                RUN_PID=""
                topology_down
            done
        done
    done
    log "matrix done in $((SECONDS - started)) s"
}

# Records that the datapath did not come up or failed a check, and keeps its logs.
save_failure() {
    local folder=$OUTPUT/logs/failed-$REPETITION-$MTU-$DATAPATH
    log "$DATAPATH at pod MTU $MTU failed; logs in $folder"
    record up_failed 1 count
    rm -rf "$folder"
    cp -r "$STATE/logs" "$folder" 2>/dev/null || true
}

make_report() {
    python3 "$MATRIX/report.py" "$OUTPUT/results.csv" "$OUTPUT/results.md" \
        "$OUTPUT/chart.dat" || return 1
    timeout 60 gnuplot -e "data='$OUTPUT/chart.dat'; output='$OUTPUT/results.png'" \
        -e "titles='$(cut -d, -f2 "$OUTPUT/results.csv" | tail -n +2 | sort -nu | xargs)'" \
        "$MATRIX/chart.gp" || log "gnuplot failed; the table is still in results.md"
    cat "$OUTPUT/results.md"
}

# Ends the datapath run in progress, whose clients are bounded by `timeout` and whose
# servers live in the namespaces, then removes the topology.
cleanup() {
    set +e
    [ -n "${RUN_PID:-}" ] && kill -KILL "$RUN_PID" 2>/dev/null
    topology_down 2>/dev/null
    rm -rf "$STATE"
}

main() {
    ARGUMENTS="$*"
    parse_arguments "$@"
    set_durations
    if [ "$REPORT_ONLY" = 1 ]; then
        make_report
        exit
    fi
    claim_namespaces

    mkdir -p "$OUTPUT/logs" "$STATE/logs"
    install_tools || { log "could not install the tools"; exit 1; }
    build_masqd
    topology_down

    CSV=$OUTPUT/results.csv
    echo "repetition,mtu,datapath,metric,value,unit" >"$CSV"
    describe_machine
    run_matrix
    echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUTPUT/machine.txt"
    make_report
}

main "$@"
