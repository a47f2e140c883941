/*
 * masq-abi: prints the kernel ABI that masqd's C# interop mirrors, as the C headers of this
 * machine define it, one "NAME VALUE" line each. Sizes are printed as sizeof_TYPE and field
 * offsets as offsetof_TYPE_FIELD. The test suite compares every line with the C# side.
 */
#define _DEFAULT_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>

/* Layouts the C# [StructLayout] mirrors assume; a different ABI fails the build here. */
_Static_assert(sizeof(struct ifreq) == 40, "ifreq is 40 bytes on LP64");
_Static_assert(offsetof(struct ifreq, ifr_flags) == IFNAMSIZ, "ifr_flags follows the name");
_Static_assert(offsetof(struct ifreq, ifr_mtu) == IFNAMSIZ, "ifr_mtu shares the union");
_Static_assert(sizeof(struct virtio_net_hdr) == 10, "virtio header without num_buffers");
_Static_assert(sizeof(struct nlmsghdr) == 16, "nlmsghdr");
_Static_assert(sizeof(struct ifinfomsg) == 16, "ifinfomsg");
_Static_assert(sizeof(struct ifaddrmsg) == 8, "ifaddrmsg");
_Static_assert(sizeof(struct rtmsg) == 12, "rtmsg");
_Static_assert(sizeof(struct ndmsg) == 12, "ndmsg");
_Static_assert(sizeof(struct rtattr) == 4, "rtattr");
_Static_assert(sizeof(struct nlmsgerr) == 20, "nlmsgerr: error code, then the request header");
_Static_assert(NLMSG_ALIGNTO == 4 && RTA_ALIGNTO == 4, "netlink aligns to 4 bytes");

#define CONSTANT(name) printf("%s %lld\n", #name, (long long)(name))
#define SIZE(type) printf("sizeof_%s %zu\n", #type, sizeof(struct type))
#define OFFSET(type, field) printf("offsetof_%s_%s %zu\n", #type, #field, \
                                   offsetof(struct type, field))

static void print_tun(void)
{
	CONSTANT(TUNSETIFF);
	CONSTANT(TUNSETPERSIST);
	CONSTANT(TUNSETOWNER);
	CONSTANT(TUNSETGROUP);
	CONSTANT(TUNSETOFFLOAD);
	CONSTANT(TUNSETVNETHDRSZ);
	CONSTANT(TUNGETVNETHDRSZ);
	CONSTANT(IFF_TAP);
	CONSTANT(IFF_NO_PI);
	CONSTANT(IFF_VNET_HDR);
	CONSTANT(IFF_MULTI_QUEUE);
	CONSTANT(TUN_F_CSUM);
	CONSTANT(TUN_F_TSO4);
	CONSTANT(TUN_F_TSO6);
	CONSTANT(TUN_F_TSO_ECN);
	CONSTANT(TUN_F_UFO);
	CONSTANT(IFNAMSIZ);
	CONSTANT(SIOCGIFMTU);
	SIZE(ifreq);
	OFFSET(ifreq, ifr_name);
	OFFSET(ifreq, ifr_flags);
	OFFSET(ifreq, ifr_mtu);
}

static void print_virtio(void)
{
	SIZE(virtio_net_hdr);
	OFFSET(virtio_net_hdr, flags);
	OFFSET(virtio_net_hdr, gso_type);
	OFFSET(virtio_net_hdr, hdr_len);
	OFFSET(virtio_net_hdr, gso_size);
	OFFSET(virtio_net_hdr, csum_start);
	OFFSET(virtio_net_hdr, csum_offset);
	CONSTANT(VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CONSTANT(VIRTIO_NET_HDR_F_DATA_VALID);
	CONSTANT(VIRTIO_NET_HDR_GSO_NONE);
	CONSTANT(VIRTIO_NET_HDR_GSO_TCPV4);
	CONSTANT(VIRTIO_NET_HDR_GSO_UDP);
	CONSTANT(VIRTIO_NET_HDR_GSO_TCPV6);
	CONSTANT(VIRTIO_NET_HDR_GSO_ECN);
}

static void print_netlink_structs(void)
{
	SIZE(nlmsghdr);
	OFFSET(nlmsghdr, nlmsg_len);
	OFFSET(nlmsghdr, nlmsg_type);
	OFFSET(nlmsghdr, nlmsg_flags);
	OFFSET(nlmsghdr, nlmsg_seq);
	OFFSET(nlmsghdr, nlmsg_pid);
	SIZE(ifinfomsg);
	OFFSET(ifinfomsg, ifi_family);
	OFFSET(ifinfomsg, ifi_type);
	OFFSET(ifinfomsg, ifi_index);
	OFFSET(ifinfomsg, ifi_flags);
	OFFSET(ifinfomsg, ifi_change);
	SIZE(ifaddrmsg);
	OFFSET(ifaddrmsg, ifa_family);
	OFFSET(ifaddrmsg, ifa_prefixlen);
	OFFSET(ifaddrmsg, ifa_flags);
	OFFSET(ifaddrmsg, ifa_scope);
	OFFSET(ifaddrmsg, ifa_index);
	SIZE(rtmsg);
	OFFSET(rtmsg, rtm_family);
	OFFSET(rtmsg, rtm_dst_len);
	OFFSET(rtmsg, rtm_src_len);
	OFFSET(rtmsg, rtm_tos);
	OFFSET(rtmsg, rtm_table);
	OFFSET(rtmsg, rtm_protocol);
	OFFSET(rtmsg, rtm_scope);
	OFFSET(rtmsg, rtm_type);
	OFFSET(rtmsg, rtm_flags);
	SIZE(ndmsg);
	OFFSET(ndmsg, ndm_family);
	OFFSET(ndmsg, ndm_ifindex);
	OFFSET(ndmsg, ndm_state);
	OFFSET(ndmsg, ndm_flags);
	OFFSET(ndmsg, ndm_type);
	SIZE(rtattr);
	OFFSET(rtattr, rta_len);
	OFFSET(rtattr, rta_type);
	SIZE(nlmsgerr);
	OFFSET(nlmsgerr, error);
	OFFSET(nlmsgerr, msg);
}

static void print_netlink_constants(void)
{
	CONSTANT(NETLINK_ROUTE);
	CONSTANT(NLMSG_NOOP);
	CONSTANT(NLMSG_ERROR);
	CONSTANT(NLMSG_DONE);
	CONSTANT(NLM_F_REQUEST);
	CONSTANT(NLM_F_MULTI);
	CONSTANT(NLM_F_ACK);
	CONSTANT(NLM_F_DUMP_INTR);
	CONSTANT(NLM_F_DUMP);
	CONSTANT(RTM_NEWLINK);
	CONSTANT(RTM_DELLINK);
	CONSTANT(RTM_GETLINK);
	CONSTANT(RTM_NEWADDR);
	CONSTANT(RTM_GETADDR);
	CONSTANT(RTM_NEWROUTE);
	CONSTANT(RTM_GETROUTE);
	CONSTANT(RTM_NEWNEIGH);
	CONSTANT(RTM_GETNEIGH);
	CONSTANT(IFLA_ADDRESS);
	CONSTANT(IFLA_IFNAME);
	CONSTANT(IFLA_MTU);
	CONSTANT(IFLA_MASTER);
	CONSTANT(IFLA_TXQLEN);
	CONSTANT(IFLA_NET_NS_FD);
	CONSTANT(IFA_ADDRESS);
	CONSTANT(IFA_LOCAL);
	CONSTANT(RTA_DST);
	CONSTANT(RTA_OIF);
	CONSTANT(RTA_GATEWAY);
	CONSTANT(RTA_TABLE);
	CONSTANT(RT_TABLE_MAIN);
	CONSTANT(RTN_UNICAST);
	CONSTANT(NDA_DST);
	CONSTANT(NDA_LLADDR);
	CONSTANT(NUD_INCOMPLETE);
	CONSTANT(NUD_REACHABLE);
	CONSTANT(NUD_STALE);
	CONSTANT(NUD_DELAY);
	CONSTANT(NUD_PROBE);
	CONSTANT(NUD_FAILED);
	CONSTANT(NUD_NOARP);
	CONSTANT(NUD_PERMANENT);
	CONSTANT(IFF_UP);
}

int main(void)
{
	print_tun();
	print_virtio();
	print_netlink_structs();
	print_netlink_constants();
	return 0;
}
