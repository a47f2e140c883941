#!/bin/sh
# Stand-in for `masqd run --setup --vm-netns NS` built from the kernel's own parts: a veth
# pair in place of the taps, nftables NAT rules and dnsmasq, which is roughly what KubeVirt
# builds today. It moves frames the way masqd should. With it, the end-to-end tests and
# the demo can be checked before the daemon exists, and a broken test can be distinguished
# from a broken daemon:
#   MASQD_BIN=$PWD/scripts/kernel-nat-stand-in.sh \
#     dotnet test tests/Masqd.Tests --filter 'Category=EndToEnd&FullyQualifiedName!~Unprivileged'
# It only knows root mode: `setup` and `teardown` do nothing, and an unprivileged `run`
# fails. It needs the kernel NAT modules that masqd itself avoids. Test use only.
command=$1
shift
ports=""
while [ $# -gt 0 ]; do
    case "$1" in
    --ready-file) ready=$2; shift ;;
    --stats-file) stats=$2; shift ;;
    --vm-netns) vm_netns=$2; shift ;;
    --resolv-conf) resolv=$2; shift ;;
    --hostname) host=$2; shift ;;
    --ports) ports=$2; shift ;;
    esac
    shift
done

case "$command" in
setup|teardown) exit 0 ;;
run) ;;
*) echo "unknown command: $command" >&2; exit 2 ;;
esac

if [ -z "$vm_netns" ] || [ "$(id -u)" -ne 0 ]; then
    echo "the stand-in only runs as root with --setup --vm-netns NAME" >&2
    exit 2
fi

folder=$(dirname "$ready")
mtu=$(cat /sys/class/net/eth0/mtu)
ip link add masq-vm mtu "$mtu" type veth peer name masq-gw mtu "$mtu" || exit 1
ip link set masq-gw address 02:00:00:00:00:00 up
ip addr add 10.0.2.1/24 dev masq-gw
ip link set masq-vm netns "$vm_netns" || exit 1
old_range=$(sysctl -n net.ipv4.ip_local_port_range)
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.ip_local_port_range="30000 30999"

# Inbound: the listed TCP ports, or every TCP and UDP port but the pod's own range.
if [ -n "$ports" ]; then
    dnat="tcp dport { $(echo "$ports" | sed 's|/tcp||g') } dnat to 10.0.2.2"
else
    dnat="meta l4proto { tcp, udp } th dport != 30000-30999 dnat to 10.0.2.2"
fi
nft -f - <<NFT || exit 1
table ip masqd_stand_in {
    chain inbound { type nat hook prerouting priority -100; iifname "eth0" ip daddr 10.244.0.5 $dnat; }
    chain outbound { type nat hook postrouting priority 100; oifname "eth0" ip saddr 10.0.2.0/24 masquerade; }
    chain from_vm { type filter hook forward priority 0; iifname "masq-gw" ip saddr != 10.0.2.2 counter drop; }
}
NFT

dns=$(awk '/^nameserver/ { printf "%s%s", sep, $2; sep = "," }' "$resolv")
search=$(awk '/^search/ { for (i = 2; i <= NF; i++) { printf "%s%s", sep, $i; sep = "," } }' "$resolv")
dnsmasq --no-daemon --conf-file=/dev/null --no-hosts --no-resolv --port=0 --user=root \
    --interface=masq-gw --bind-interfaces --dhcp-authoritative \
    --dhcp-range=10.0.2.2,10.0.2.2,255.255.255.0,1h --dhcp-host="*:*:*:*:*:*,10.0.2.2,$host" \
    --dhcp-option=option:router,10.0.2.1 --dhcp-option=option:dns-server,"$dns" \
    --dhcp-option=option:domain-search,"$search" --dhcp-option-force=option:mtu,"$mtu" \
    --dhcp-leasefile="$folder/stand-in.leases" --pid-file="$folder/stand-in.pid" &
dnsmasq_pid=$!

# Writes the counters as `name value` lines; the rename keeps readers from a half file.
write_stats() {
    dropped=$(nft list chain ip masqd_stand_in from_vm | sed -n 's/.*packets \([0-9]*\).*/\1/p')
    printf 'stand_in_running %s\nfrom_vm_dropped_source %s\n' "$1" "${dropped:-0}" >"$stats.tmp"
    mv "$stats.tmp" "$stats"
}

stop() {
    kill "$dnsmasq_pid"
    write_stats 0
    nft delete table ip masqd_stand_in
    ip link del masq-gw
    sysctl -qw net.ipv4.ip_local_port_range="$old_range"
    exit 0
}
trap stop TERM INT

write_stats 1
sleep 0.3
touch "$ready"
# Short sleeps so SIGTERM is handled at once; the counters are rewritten every second.
tick=0
while :; do
    sleep 0.1
    tick=$((tick + 1))
    [ $((tick % 10)) -eq 0 ] && write_stats 1
done
