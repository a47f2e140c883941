# The pod topology of the benchmark matrix. Sourced by bench/matrix.sh.
#
#   mqb-cluster  eth0 10.244.0.1/24: iperf3 :5201, nginx :8080, sockperf UDP :11111, TCP :11112
#        | veth, MTU = pod MTU
#   mqb-pod      eth0 10.244.0.5/24 (the pod IP), default via 10.244.0.1
#        | the datapath under test (see datapaths.sh)
#   mqb-vm       the VM: iperf3 :5201 for inbound runs, interface made by the datapath
#
# The no-NAT baseline skips mqb-pod: its VM link goes straight to mqb-cluster.

write_nginx_config() {
    mkdir -p "$STATE/nginx/www"
    echo "mqb" >"$STATE/nginx/www/index.html"
    cat >"$STATE/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $STATE/nginx/nginx.pid;
error_log $STATE/logs/nginx-error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $STATE/nginx/body;
    proxy_temp_path $STATE/nginx/proxy;
    fastcgi_temp_path $STATE/nginx/fastcgi;
    uwsgi_temp_path $STATE/nginx/uwsgi;
    scgi_temp_path $STATE/nginx/scgi;
    server {
        listen $HTTP_PORT backlog=4096;
        root $STATE/nginx/www;
    }
}
EOF
}

start_servers() {
    write_nginx_config
    start_in cluster-iperf3 "$NS_CLUSTER" iperf3 -s -B "$CLUSTER_IP" -p "$IPERF_PORT" \
        --idle-timeout 60
    start_in cluster-nginx "$NS_CLUSTER" nginx -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx"
    # The latency runs pin everything on CPU 0 (see pin_for_latency in metrics.sh).
    start_in cluster-sockperf-udp "$NS_CLUSTER" \
        taskset -c 0 sockperf server -i "$CLUSTER_IP" -p "$SOCKPERF_UDP_PORT"
    start_in cluster-sockperf-tcp "$NS_CLUSTER" \
        taskset -c 0 sockperf server --tcp -i "$CLUSTER_IP" -p "$SOCKPERF_TCP_PORT"
    start_in vm-iperf3 "$NS_VM" iperf3 -s -p "$IPERF_PORT" --idle-timeout 60

    local port
    for port in "$IPERF_PORT" "$HTTP_PORT" "$SOCKPERF_TCP_PORT"; do
        wait_for 5 listening "$NS_CLUSTER" tcp "$port" ||
            fail "nothing listens on TCP port $port in $NS_CLUSTER; see $STATE/logs" || return 1
    done
    wait_for 5 listening "$NS_CLUSTER" udp "$SOCKPERF_UDP_PORT" ||
        fail "sockperf does not listen on UDP port $SOCKPERF_UDP_PORT in $NS_CLUSTER" || return 1
    wait_for 5 listening "$NS_VM" tcp "$IPERF_PORT" ||
        fail "iperf3 does not listen on TCP port $IPERF_PORT in $NS_VM" || return 1
}

# Builds the three namespaces for pod MTU $1 and starts the servers, after removing what a
# killed earlier run left behind.
topology_up() {
    local mtu=$1 namespace
    topology_down
    for namespace in "$NS_CLUSTER" "$NS_POD" "$NS_VM"; do
        ip netns add "$namespace"
        ip -n "$namespace" link set lo up
    done
    ip netns exec "$NS_CLUSTER" sysctl -qw net.core.somaxconn=4096 \
        net.ipv4.tcp_max_syn_backlog=4096

    ip -n "$NS_POD" link add eth0 mtu "$mtu" type veth peer name eth0 mtu "$mtu" \
        netns "$NS_CLUSTER"
    ip -n "$NS_CLUSTER" addr add "$CLUSTER_IP/24" dev eth0
    ip -n "$NS_CLUSTER" link set eth0 up
    ip -n "$NS_POD" addr add "$POD_IP/24" dev eth0
    ip -n "$NS_POD" link set eth0 up
    ip -n "$NS_POD" route add default via "$CLUSTER_IP" dev eth0

    start_servers
}

# Ends the processes, deletes the namespaces and empties $STATE, so no lease, socket or log
# of one datapath reaches the next.
topology_down() {
    stop_all
    remove_namespaces
    rm -rf "${STATE:?}"
    mkdir -p "$STATE/logs"
}

# Writes a udhcpc event script that configures the interface and records the lease in
# $STATE/lease, and never touches /etc/resolv.conf as the stock script would.
write_udhcpc_script() {
    cat >"$STATE/udhcpc.sh" <<EOF
#!/bin/sh
case "\$1" in
deconfig)
    ip link set dev "\$interface" up
    ip -4 addr flush dev "\$interface"
    ;;
bound|renew)
    [ -n "\$mtu" ] && ip link set dev "\$interface" mtu "\$mtu"
    ip -4 addr flush dev "\$interface"
    ip addr add "\$ip/\$subnet" dev "\$interface"
    ip route replace default via "\${router%% *}" dev "\$interface"
    echo "\$ip \$subnet \${router%% *} \${mtu:-none}" >"$STATE/lease"
    ;;
esac
exit 0
EOF
    chmod 755 "$STATE/udhcpc.sh"
}

# Gets the VM interface $1 a lease with busybox udhcpc, and fails when none came.
run_udhcpc() {
    local interface=$1
    write_udhcpc_script
    rm -f "$STATE/lease"
    ip -n "$NS_VM" link set "$interface" up
    timeout 20 ip netns exec "$NS_VM" busybox udhcpc -f -q -n -t 8 -T 1 -O mtu -i "$interface" \
        -s "$STATE/udhcpc.sh" -p "$STATE/udhcpc.pid" >"$STATE/logs/udhcpc.log" 2>&1 || true
    [ -s "$STATE/lease" ] || fail "udhcpc got no lease on $interface; see $STATE/logs" || return 1
    log "lease: $(cat "$STATE/lease")"
}
