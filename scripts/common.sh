# Shell functions shared by demo.sh and test.sh. Source it; it does nothing by itself.

# Debian packages the demo and the end-to-end tests run: namespaces and nftables,
# DHCP clients, traffic tools, libpcap for SharpPcap, and a C compiler for native-shims.
MASQD_PACKAGES=(
    iproute2 nftables busybox udhcpc isc-dhcp-client dhcpcd-base dnsmasq-base
    curl socat python3 libpcap0.8 iperf3 make gcc libc6-dev tcpdump procps util-linux
    iputils-ping
)

# Installs the packages of MASQD_PACKAGES that are missing, and only those.
install_missing_packages() {
    local missing=() package
    for package in "${MASQD_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$package")
        fi
    done

    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi

    if [ "$(id -u)" -ne 0 ]; then
        echo "Missing packages: ${missing[*]}. Run as root or install them with apt-get." >&2
        return 1
    fi

    echo "Installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds native-shims when the folder exists (its binary prints the kernel ABI).
build_native_shims() {
    if [ -f native-shims/Makefile ]; then
        make -s -C native-shims
    else
        echo "native-shims/Makefile not found; skipping the native build" >&2
    fi
}

# Waits up to $2 seconds for file $1 while process $3 runs; returns 1 if it exits first.
wait_for_file() {
    local file=$1 seconds=$2 pid=$3 step
    for ((step = 0; step < seconds * 10; step++)); do
        [ -e "$file" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    [ -e "$file" ]
}
