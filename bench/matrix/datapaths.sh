# The five datapaths between mqb-vm and mqb-pod. Sourced by bench/matrix.sh.
#
# Each `datapath_up_NAME MTU` links the VM to the pod on a fresh topology and sets:
#   VM_IF       the VM's interface in mqb-vm
#   INBOUND_IP  where the cluster connects to reach the VM's iperf3 server
#   DP_PIDS     processes that do the datapath's work, whose CPU is counted ("" = kernel)
# Nothing needs taking down: topology_down removes the namespaces and all in them.

ALL_DATAPATHS="masqd kernel pasta slirp baseline"

# Starts masqd as scripts/demo.sh does: setup done by masqd in the pod, the VM tap moved into
# mqb-vm, and udhcpc in the VM.
datapath_up_masqd() {
    local mtu=$1
    printf 'nameserver %s\n' "$CLUSTER_IP" >"$STATE/resolv.conf"
    rm -f "$STATE/masqd.ready"
    start_in masqd "$NS_POD" "$MASQD_BIN" run --setup --vm-netns "$NS_VM" \
        --pod-interface eth0 --resolv-conf "$STATE/resolv.conf" --hostname mqb-vm \
        --state-dir "$STATE/masqd-state" --ready-file "$STATE/masqd.ready" \
        --stats-file "$STATE/masqd.stats" --log-level warning
    local pid
    pid=$(pid_of masqd)
    wait_for 20 test -e "$STATE/masqd.ready" ||
        fail "masqd wrote no ready file in 20 s; see $STATE/logs/masqd.log" || return 1
    kill -0 "$pid" 2>/dev/null || fail "masqd exited; see $STATE/logs/masqd.log" || return 1

    VM_IF=masq-vm
    run_udhcpc "$VM_IF" || return 1
    INBOUND_IP=$POD_IP
    DP_PIDS=$pid
}

# Builds what KubeVirt's masquerade binding builds from kernel parts: a bridge with the
# gateway address, a veth in place of the VM's tap, forwarding, nftables masquerade and DNAT,
# and dnsmasq for DHCP.
datapath_up_kernel() {
    local mtu=$1
    ip netns exec "$NS_POD" sysctl -qw net.ipv4.ip_forward=1
    ip -n "$NS_POD" link add k6t-eth0 mtu "$mtu" type bridge
    ip -n "$NS_POD" addr add "$GATEWAY_IP/24" dev k6t-eth0
    ip -n "$NS_VM" link add eth0 type veth peer name tap0 netns "$NS_POD"
    ip -n "$NS_POD" link set tap0 mtu "$mtu" master k6t-eth0 up
    ip -n "$NS_POD" link set k6t-eth0 up

    ip netns exec "$NS_POD" nft -f - <<EOF
table ip mqb_nat {
    chain prerouting {
        type nat hook prerouting priority dstnat; policy accept;
        iifname "eth0" ip daddr $POD_IP meta l4proto { tcp, udp } dnat to $VM_IP
    }
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "eth0" ip saddr $VM_IP masquerade
    }
}
EOF

    start_in kernel-dnsmasq "$NS_POD" dnsmasq --keep-in-foreground --conf-file=/dev/null \
        --port=0 --user=root --pid-file= --interface=k6t-eth0 --bind-interfaces \
        --dhcp-range="$VM_IP,$VM_IP,255.255.255.0,1h" --dhcp-authoritative \
        --dhcp-option=option:router,"$GATEWAY_IP" --dhcp-option=option:mtu,"$mtu" \
        --dhcp-leasefile="$STATE/dnsmasq.leases" --log-facility=-
    wait_for 5 listening "$NS_POD" udp 67 ||
        fail "dnsmasq does not listen on UDP port 67; see $STATE/logs" || return 1

    VM_IF=eth0
    run_udhcpc "$VM_IF" || return 1
    INBOUND_IP=$POD_IP
    DP_PIDS=""
}

# pasta runs in mqb-pod and creates the VM's tap in mqb-vm. Started as root, passt
# 0.0~git20230309 switches to the user "nobody" and then fails to enter a namespace given
# by path ("Couldn't switch to pasta namespaces"), so it keeps root with --runas 0.
datapath_up_pasta() {
    local mtu=$1
    start_in pasta "$NS_POD" pasta --foreground --quiet --runas 0 --ipv4-only \
        --netns "/run/netns/$NS_VM" --ns-ifname eth0 --mtu "$mtu" \
        --address "$VM_IP" --netmask 24 --gateway "$GATEWAY_IP" \
        --tcp-ports "$IPERF_PORT" --udp-ports "$IPERF_PORT" --tcp-ns none --udp-ns none
    wait_for 5 ip -n "$NS_VM" link show eth0 ||
        fail "pasta made no eth0 in $NS_VM; see $STATE/logs/pasta.log" || return 1

    VM_IF=eth0
    run_udhcpc "$VM_IF" || return 1
    INBOUND_IP=$POD_IP
    DP_PIDS=$(pid_of pasta)
}

# slirp4netns runs in mqb-pod and creates the VM's tap in mqb-vm. --configure gives the VM
# libslirp's fixed address 10.0.2.100 (gateway 10.0.2.2); the API socket forwards the pod
# IP's iperf3 port to it.
datapath_up_slirp() {
    local mtu=$1 address=$VM_NET_PREFIX.100 socket=$STATE/slirp.sock
    rm -f "$socket"
    start_in slirp4netns "$NS_POD" slirp4netns --netns-type=path --configure --mtu "$mtu" \
        --disable-host-loopback --api-socket "$socket" "/run/netns/$NS_VM" eth0
    wait_for 5 test -S "$socket" ||
        fail "slirp4netns made no API socket; see $STATE/logs/slirp4netns.log" || return 1
    wait_for 5 bash -c "ip -n $NS_VM -4 addr show dev eth0 | grep -q $address" ||
        fail "slirp4netns did not configure eth0 in $NS_VM" || return 1

    local request reply
    request=$(jq -cn --arg pod "$POD_IP" --arg vm "$address" --argjson port "$IPERF_PORT" \
        '{execute: "add_hostfwd", arguments: {proto: "tcp", host_addr: $pod,
          host_port: $port, guest_addr: $vm, guest_port: $port}}')
    reply=$(echo "$request" | timeout 5 socat - "UNIX-CONNECT:$socket") || true
    case "$reply" in
    *'"return"'*) ;;
    *) fail "slirp4netns refused the port forward: $reply" || return 1 ;;
    esac

    VM_IF=eth0
    INBOUND_IP=$POD_IP
    DP_PIDS=$(pid_of slirp4netns)
}

# Links the VM without NAT: its veth goes straight into mqb-cluster, which has the gateway
# address.
datapath_up_baseline() {
    local mtu=$1
    ip -n "$NS_VM" link add eth0 mtu "$mtu" type veth peer name vm0 mtu "$mtu" \
        netns "$NS_CLUSTER"
    ip -n "$NS_CLUSTER" addr add "$GATEWAY_IP/24" dev vm0
    ip -n "$NS_CLUSTER" link set vm0 up
    ip -n "$NS_VM" addr add "$VM_IP/24" dev eth0
    ip -n "$NS_VM" link set eth0 up
    ip -n "$NS_VM" route add default via "$GATEWAY_IP" dev eth0

    VM_IF=eth0
    INBOUND_IP=$VM_IP
    DP_PIDS=""
}

# Checks that the VM reaches the cluster and the cluster reaches the VM before measuring.
check_paths() {
    timeout 5 ip netns exec "$NS_VM" bash -c \
        "exec 3<>/dev/tcp/$CLUSTER_IP/$HTTP_PORT" 2>/dev/null ||
        fail "the VM cannot connect to $CLUSTER_IP:$HTTP_PORT" || return 1
    timeout 5 ip netns exec "$NS_CLUSTER" bash -c \
        "exec 3<>/dev/tcp/$INBOUND_IP/$IPERF_PORT" 2>/dev/null ||
        fail "the cluster cannot connect to $INBOUND_IP:$IPERF_PORT" || return 1
}
