# Shell functions of the benchmark matrix: logging, background processes and namespaces.
# Sourced by bench/matrix.sh; it does nothing by itself.
#
# Every process the matrix starts is recorded as "NAME PID" in $STATE/pids and ended by that
# PID. Processes still inside an mqb- namespace at clean-up were started by an earlier run of
# this script (no one else uses the prefix), so they are ended by PID too.

NS_CLUSTER=mqb-cluster
NS_POD=mqb-pod
NS_VM=mqb-vm
NAMESPACES=("$NS_VM" "$NS_POD" "$NS_CLUSTER")

CLUSTER_IP=10.244.0.1
POD_IP=10.244.0.5
VM_NET_PREFIX=10.0.2
GATEWAY_IP=$VM_NET_PREFIX.1
VM_IP=$VM_NET_PREFIX.2

IPERF_PORT=5201
HTTP_PORT=8080
SOCKPERF_UDP_PORT=11111
SOCKPERF_TCP_PORT=11112

log() {
    printf '[matrix %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

fail() {
    log "error: $*"
    return 1
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

namespace_exists() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$1"
}

# Runs "$@" and retries every 100 ms until it succeeds or $1 seconds have passed.
wait_for() {
    local seconds=$1 deadline
    shift
    deadline=$(($(now_ms) + seconds * 1000))
    until "$@" >/dev/null 2>&1; do
        (($(now_ms) < deadline)) || return 1
        sleep 0.1
    done
}

# Succeeds when something listens on TCP or UDP port $3 in namespace $1.
listening() {
    local namespace=$1 protocol=$2 port=$3 flags=-Hltn
    [ "$protocol" = udp ] && flags=-Hlun
    [ -n "$(ip netns exec "$namespace" ss $flags "sport = :$port")" ]
}

# Starts "$@" in namespace $2 in the background as process $1, with its output in
# $STATE/logs/$1.log. `ip netns exec` replaces itself with the command, so the PID recorded
# is the command's own. The process does not inherit the lock on file descriptor 9, so
# servers left by a killed run cannot keep the next run from starting and removing them.
start_in() {
    local name=$1 namespace=$2
    shift 2
    ip netns exec "$namespace" "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null 9>&- &
    echo "$name $!" >>"$STATE/pids"
}

pid_of() {
    awk -v name="$1" '$1 == name { pid = $2 } END { print pid }' "$STATE/pids" 2>/dev/null
}

# Ends one process by PID: TERM, then KILL after 2 seconds.
stop_pid() {
    local pid=$1 step
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((step = 0; step < 20; step++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

stop_named() {
    local pid
    pid=$(pid_of "$1")
    [ -n "$pid" ] && stop_pid "$pid"
    return 0
}

# Ends every recorded process: TERM to all, then KILL to those still running after 2 s.
stop_all() {
    local pids step
    [ -f "$STATE/pids" ] || return 0
    pids=$(awk '{ print $2 }' "$STATE/pids")
    : >"$STATE/pids"
    [ -n "$pids" ] || return 0

    kill -TERM $pids 2>/dev/null || true
    for ((step = 0; step < 20; step++)); do
        kill -0 $pids 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL $pids 2>/dev/null || true
}

# Ends what still runs inside the mqb- namespaces and deletes them.
remove_namespaces() {
    local namespace pid
    for namespace in "${NAMESPACES[@]}"; do
        namespace_exists "$namespace" || continue
        for pid in $(ip netns pids "$namespace" 2>/dev/null); do
            log "ending process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) left in $namespace"
            kill -KILL "$pid" 2>/dev/null || true
        done
    done

    for namespace in "${NAMESPACES[@]}"; do
        namespace_exists "$namespace" || continue
        ip netns delete "$namespace" || log "could not delete namespace $namespace"
    done
}

# Installs the Debian packages named in $@ that are missing, and only those.
install_missing() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq
    timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds masqd in Release, logging to $OUTPUT/logs, unless MASQD_BIN names a binary.
build_masqd() {
    if [ -n "${MASQD_BIN:-}" ]; then
        return 0
    fi
    log "building masqd (Release)"
    timeout 600 dotnet build -c Release src/Masqd -nologo -v quiet >"$OUTPUT/logs/build.log" 2>&1 ||
        { log "build failed; see $OUTPUT/logs/build.log"; exit 1; }
    MASQD_BIN=$REPOSITORY/src/Masqd/bin/Release/net10.0/masqd
}

# Checks for root, takes the lock on $LOCK that keeps two scripts off the fixed mqb-
# namespaces, and has the caller's `cleanup` run on exit, Ctrl-C and TERM.
claim_namespaces() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "run as root: this creates network namespaces" >&2
        exit 1
    fi

    exec 9>"$LOCK"
    if ! flock -n 9; then
        echo "another bench/matrix.sh or bench/memory.sh is running ($LOCK is locked);" \
            "two would share the mqb- namespaces, so wait for it to finish" >&2
        exit 1
    fi
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
