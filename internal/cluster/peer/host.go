package peer

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

// Host is what the local machine says about itself: the network part of
// get_network_info, and the names by which supvisors_list may designate
// it.
type Host struct {
	// Hostname is gethostname().
	Hostname string
	// Network is the "network" member of our get_network_info answer,
	// without the loopback interfaces.
	Network wire.NetworkAddress
	// Loopback are the loopback interfaces, apart.
	Loopback []wire.NicAddress
}

// lookupTimeout bounds each name lookup made while describing the host, so
// that a broken resolver delays start-up by seconds, not minutes.
const lookupTimeout = 2 * time.Second

// DiscoverHost describes the local machine: machine_id is the MAC of the
// first interface with a hardware address (as Python's uuid.getnode()),
// fqdn is socket.getfqdn()'s answer, and addresses lists the IPv4
// addresses of the interfaces that are up, each with what a reverse
// lookup gives for it.
func DiscoverHost() Host {
	h := Host{}
	h.Hostname, _ = os.Hostname()
	ifaces, _ := net.Interfaces()
	h.Network.MachineID = machineID(ifaces)
	h.Network.FQDN = fqdn(h.Hostname)
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipnet, ok := a.(*net.IPNet)
			if !ok || ipnet.IP.To4() == nil {
				continue
			}
			nic := describeNic(ifc.Name, ipnet)
			if ifc.Flags&net.FlagLoopback != 0 {
				h.Loopback = append(h.Loopback, nic)
			} else {
				h.Network.Addresses = append(h.Network.Addresses, nic)
			}
			break // one IPv4 per interface, as SIOCGIFADDR gives
		}
	}
	return h
}

// NetworkFor is the "network" member of get_network_info for an instance
// declared on host. An instance declared on a loopback name or address is
// only reached by peers on the same machine, through the loopback
// interface: that is the one listed (peers then recognise its messages,
// and do not try to resolve addresses that do not concern them). Loopback
// interfaces are also listed when there is nothing else.
func (h Host) NetworkFor(host string) wire.NetworkAddress {
	n := h.Network
	if (isLoopbackHost(host) && len(h.Loopback) > 0) || len(n.Addresses) == 0 {
		n.Addresses = slices.Clone(h.Loopback)
	}
	return n
}

// Names returns every host name, alias and IPv4 address of the host's
// non-loopback interfaces: what options.Environment.LocalNames wants.
func (h Host) Names() []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, a := range h.Network.Addresses {
		add(a.HostName)
		for _, s := range a.Aliases {
			add(s)
		}
		for _, s := range a.IPv4Addresses {
			add(s)
		}
		if a.NicInfo != nil {
			add(a.NicInfo.IPv4Address)
		}
	}
	return out
}

func describeNic(name string, ipnet *net.IPNet) wire.NicAddress {
	ip := ipnet.IP.To4().String()
	mask := net.IP(ipnet.Mask).To4()
	if len(ipnet.Mask) == net.IPv6len {
		mask = net.IP(ipnet.Mask[12:])
	}
	nic := wire.NicAddress{Nic: name, NicInfo: &wire.NicInfo{NicName: name, IPv4Address: ip, Netmask: mask.String()}}
	nic.HostName, nic.Aliases, nic.IPv4Addresses = hostByAddr(ip)
	return nic
}

// hostByAddr is gethostbyaddr(ip): the canonical name, the other names and
// the IPv4 addresses of that name. A failed lookup gives empty values, as
// Supvisors keeps them.
func hostByAddr(ip string) (name string, aliases, addrs []string) {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	names, err := net.DefaultResolver.LookupAddr(ctx, ip)
	if err != nil || len(names) == 0 {
		return "", []string{}, []string{}
	}
	for i, n := range names {
		n = strings.TrimSuffix(n, ".")
		if i == 0 {
			name = n
		} else if n != name && !slices.Contains(aliases, n) {
			aliases = append(aliases, n)
		}
	}
	if aliases == nil {
		aliases = []string{}
	}
	return name, aliases, ipv4Of(ctx, name, ip)
}

// ipv4Of resolves name to its IPv4 addresses; fallback when it does not
// resolve.
func ipv4Of(ctx context.Context, name, fallback string) []string {
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, name)
	var out []string
	if err == nil {
		for _, ip := range ips {
			if v4 := ip.IP.To4(); v4 != nil && !slices.Contains(out, v4.String()) {
				out = append(out, v4.String())
			}
		}
	}
	if len(out) == 0 {
		out = []string{fallback}
	}
	return out
}

// resolveIPv4 returns the first IPv4 address of host (host itself when it
// is an address, or when it does not resolve).
func resolveIPv4(host string) string {
	if ip := net.ParseIP(host); ip != nil {
		return host
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	return ipv4Of(ctx, host, host)[0]
}

// fqdn is socket.getfqdn(): the first name containing a dot among the
// names of the host, else the host name.
func fqdn(hostname string) string {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, hostname)
	if err != nil || len(addrs) == 0 {
		return hostname
	}
	names, err := net.DefaultResolver.LookupAddr(ctx, addrs[0])
	if err != nil {
		return hostname
	}
	for _, n := range names {
		if n = strings.TrimSuffix(n, "."); strings.Contains(n, ".") {
			return n
		}
	}
	if len(names) > 0 {
		return strings.TrimSuffix(names[0], ".")
	}
	return hostname
}

// machineID formats the MAC of the first interface that has one, in
// lower case with colons. Without any, it is a random number with the
// multicast bit set, as uuid.getnode() falls back to.
func machineID(ifaces []net.Interface) string {
	for _, ifc := range ifaces {
		if hw := ifc.HardwareAddr; len(hw) == 6 && !allZero(hw) {
			return formatMAC(hw)
		}
	}
	hw := make([]byte, 6)
	_, _ = rand.Read(hw)
	hw[0] |= 0x01
	return formatMAC(hw)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func formatMAC(hw []byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", hw[0], hw[1], hw[2], hw[3], hw[4], hw[5])
}
