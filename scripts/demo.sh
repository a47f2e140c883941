#!/usr/bin/env bash
# masqd demo: a cluster, a pod and a VM as network namespaces, with masqd between the VM
# and the pod network. It installs what is missing, builds, and gets the VM a lease with
# udhcpc. Then the VM fetches a page from the cluster, and the cluster fetches one from the
# VM through the pod IP. It prints masqd's counters and removes everything on exit.
#
#   ns masqd-demo-cluster   eth0 10.244.0.1/24, HTTP on port 80
#          | veth
#   ns masqd-demo-pod       eth0 10.244.0.5/24, default via 10.244.0.1; masqd runs here
#          | tap masq-vm, kernel side moved into the vm namespace
#   ns masqd-demo-vm        masq-vm configured by udhcpc; HTTP on port 8080
#
# Run as root. MASQD_DEMO_MTU sets the pod MTU (default 1500; try 9000); MASQD_BIN runs
# another masqd binary than the Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

CLUSTER=masqd-demo-cluster
POD=masqd-demo-pod
VM=masqd-demo-vm
CLUSTER_IP=10.244.0.1
POD_IP=10.244.0.5
MTU=${MASQD_DEMO_MTU:-1500}
MASQD=${MASQD_BIN:-$PWD/src/Masqd/bin/Release/net10.0/masqd}

pids=()
work=""
masqd_pid=""

cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    for ns in "$VM" "$POD" "$CLUSTER"; do ip netns delete "$ns" 2>/dev/null; done
    [ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts "$@" inside namespace $1 in the background and records its PID for cleanup.
start_in() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@" &
    pids+=($!)
}

# Waits until a TCP port listens inside a namespace.
wait_for_port() {
    local ns=$1 port=$2 step
    for ((step = 0; step < 50; step++)); do
        [ -n "$(ip netns exec "$ns" ss -Hltn "sport = :$port")" ] && return 0
        sleep 0.1
    done
    echo "Timed out: nothing listens on port $port in $ns after 5 s" >&2
    return 1
}

install_missing_packages
echo "Building (Release)"
dotnet build -c Release MasqDatapath.sln -nologo -v quiet
build_native_shims

for ns in "$VM" "$POD" "$CLUSTER"; do
    if ip netns list | grep -qx "$ns\( .*\)\?"; then
        echo "Removing namespace $ns left by an earlier demo"
        ip netns delete "$ns"
    fi
done

work=$(mktemp -d /tmp/masqd-demo.XXXXXX)
chmod 755 "$work"

echo "Creating namespaces $CLUSTER, $POD, $VM (pod MTU $MTU)"
for ns in "$CLUSTER" "$POD" "$VM"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
done
ip -n "$POD" link add eth0 mtu "$MTU" type veth peer name eth0 mtu "$MTU" netns "$CLUSTER"
ip -n "$CLUSTER" addr add "$CLUSTER_IP/24" dev eth0
ip -n "$CLUSTER" link set eth0 up
ip -n "$POD" addr add "$POD_IP/24" dev eth0
ip -n "$POD" link set eth0 up
ip -n "$POD" route add default via "$CLUSTER_IP" dev eth0

mkdir -p "$work/cluster-www" "$work/vm-www"
echo "hello from the cluster" >"$work/cluster-www/index.html"
echo "hello from the VM" >"$work/vm-www/index.html"
start_in "$CLUSTER" busybox httpd -f -p "$CLUSTER_IP:80" -h "$work/cluster-www"
wait_for_port "$CLUSTER" 80

cat >"$work/resolv.conf" <<'CONF'
nameserver 10.96.0.10
search default.svc.cluster.local svc.cluster.local cluster.local
CONF

echo "Starting masqd in $POD"
start_in "$POD" "$MASQD" run --setup --vm-netns "$VM" --pod-interface eth0 \
    --resolv-conf "$work/resolv.conf" --hostname demo-vm \
    --ready-file "$work/ready" --stats-file "$work/stats" >"$work/masqd.log" 2>&1
masqd_pid=${pids[-1]}

if ! wait_for_file "$work/ready" 20 "$masqd_pid"; then
    if kill -0 "$masqd_pid" 2>/dev/null; then
        state="wrote no ready file ($work/ready) within 20 s"
    else
        code=0
        wait "$masqd_pid" || code=$?
        state="exited with code $code before it wrote its ready file"
    fi
    echo "masqd $state. Its output:" >&2
    cat "$work/masqd.log" >&2
    exit 1
fi

# masqd moves masq-vm into the vm namespace itself. This covers a build that does not.
if ! ip -n "$VM" link show masq-vm >/dev/null 2>&1; then
    ip -n "$POD" link set masq-vm netns "$VM"
fi
ip -n "$VM" link set masq-vm up

# udhcpc gets its own event script, because the stock one rewrites /etc/resolv.conf.
cat >"$work/udhcpc.sh" <<SCRIPT
#!/bin/sh
case "\$1" in
deconfig) ip link set dev "\$interface" up ;;
bound|renew)
    [ -n "\$mtu" ] && ip link set dev "\$interface" mtu "\$mtu"
    ip -4 addr flush dev "\$interface"
    ip addr add "\$ip/\$subnet" dev "\$interface"
    ip route replace default via "\${router%% *}" dev "\$interface"
    echo "address \$ip/\$subnet, router \$router, DNS \$dns, search \$search," \
        "MTU \$mtu, host name \$hostname" >"$work/lease"
    ;;
esac
exit 0
SCRIPT
chmod 755 "$work/udhcpc.sh"

echo "Running udhcpc in $VM"
ip netns exec "$VM" timeout 30 busybox udhcpc -f -q -n -t 10 -T 1 -i masq-vm \
    -s "$work/udhcpc.sh" -p "$work/udhcpc.pid" -O mtu -O search -O domain -O hostname
echo "VM lease: $(cat "$work/lease")"

echo "VM fetches http://$CLUSTER_IP/:"
ip netns exec "$VM" curl -sS --fail --max-time 10 "http://$CLUSTER_IP/"

start_in "$VM" busybox httpd -f -p 8080 -h "$work/vm-www"
wait_for_port "$VM" 8080
echo "Cluster fetches http://$POD_IP:8080/ (served in the VM):"
ip netns exec "$CLUSTER" curl -sS --fail --max-time 10 "http://$POD_IP:8080/"

sleep 1.2
echo "masqd counters (those above zero):"
awk '$2 != 0 { print "  " $0 }' "$work/stats"
