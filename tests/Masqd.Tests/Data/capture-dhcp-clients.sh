#!/bin/sh
# Captures the DHCPv4 exchange of udhcpc, dhclient and dhcpcd into pcap files that
# the Gateway tests decode. Run it as root. Everything stays inside two namespaces that
# this script creates and removes.
#
#   ns mqd-dhsrv: mqd-dh0 10.0.2.1/24, dnsmasq offering 10.0.2.2
#        |  veth
#   ns mqd-dhcli: mqd-dh1, one DHCP client at a time, tcpdump -w CLIENT.pcap
#
# Each client gets its own script (which does nothing), lease and pid files in a
# temporary directory, so no client touches the machine's /etc or /var.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/mqd-dhcp.XXXXXX)
srv=mqd-dhsrv
cli=mqd-dhcli

cleanup() {
    [ -f "$tmp/dnsmasq.pid" ] && kill "$(cat "$tmp/dnsmasq.pid")" 2>/dev/null || true
    ip netns del $srv 2>/dev/null || true
    ip netns del $cli 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add $srv
ip netns add $cli
ip -n $srv link add mqd-dh0 type veth peer name mqd-dh1 netns $cli
ip -n $srv addr add 10.0.2.1/24 dev mqd-dh0
ip -n $srv link set mqd-dh0 up
ip -n $cli link set mqd-dh1 address 02:00:00:00:00:02
ip -n $cli link set mqd-dh1 up

printf '#!/bin/sh\nexit 0\n' > "$tmp/script"
chmod +x "$tmp/script"
: > "$tmp/empty.conf"

ip netns exec $srv timeout 60 dnsmasq --keep-in-foreground --conf-file=/dev/null \
    --port=0 --no-resolv --no-hosts --interface=mqd-dh0 --bind-interfaces \
    --dhcp-range=10.0.2.2,10.0.2.2,255.255.255.0,1h \
    --dhcp-leasefile="$tmp/dnsmasq.leases" --pid-file="$tmp/dnsmasq.pid" &
sleep 1

# capture NAME COMMAND...: runs one client under tcpdump, both bounded in time.
capture() {
    name=$1
    shift
    ip netns exec $cli timeout 20 tcpdump -i mqd-dh1 -U -s 0 \
        -w "$out/$name.pcap" 'udp port 67 or udp port 68' 2>/dev/null &
    dump=$!
    sleep 1
    ip netns exec $cli timeout 15 "$@" || true
    sleep 1
    kill $dump 2>/dev/null || true
    wait $dump 2>/dev/null || true
    ip -n $cli addr flush dev mqd-dh1
}

capture udhcpc udhcpc -i mqd-dh1 -f -q -n -t 3 -T 2 -s "$tmp/script" \
    -p "$tmp/udhcpc.pid"

capture dhclient dhclient -d -1 -4 -sf "$tmp/script" -cf "$tmp/empty.conf" \
    -lf "$tmp/dhclient.leases" -pf "$tmp/dhclient.pid" mqd-dh1

# dhcpcd has no options for its database and run directories, so it runs in a
# mount namespace of its own with empty tmpfs over both.
capture dhcpcd unshare -m sh -c "
    mount -t tmpfs tmpfs /var/lib/dhcpcd && mount -t tmpfs tmpfs /run &&
    exec dhcpcd -B -1 -4 -A -L -f '$tmp/empty.conf' -c '$tmp/script' -t 10 mqd-dh1"
