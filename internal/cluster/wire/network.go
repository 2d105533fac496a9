package wire

import "fmt"

// NicInfo describes one network interface as seen by its host.
type NicInfo struct {
	NicName     string
	IPv4Address string
	Netmask     string
}

// NicAddress is one entry of NetworkAddress.Addresses: the names and
// addresses that gethostbyaddr gives for the NIC's address.
type NicAddress struct {
	Nic           string // key of the addresses dict
	HostName      string
	Aliases       []string
	IPv4Addresses []string
	NicInfo       *NicInfo // nil travels as JSON null (never over XML-RPC)
}

// NetworkAddress is an instance's view of its own host ("network" member
// of the network info).
type NetworkAddress struct {
	MachineID string // MAC-like "aa:bb:cc:dd:ee:ff", groups instances into nodes
	FQDN      string
	Addresses []NicAddress // non-loopback NICs first, in the sender's order
}

func (n NetworkAddress) object() Object {
	addrs := make(Object, len(n.Addresses))
	for i, a := range n.Addresses {
		var nic any
		if a.NicInfo != nil {
			nic = Object{{"nic_name", a.NicInfo.NicName}, {"ipv4_address", a.NicInfo.IPv4Address},
				{"netmask", a.NicInfo.Netmask}}
		}
		addrs[i] = Field{a.Nic, Object{{"host_name", a.HostName}, {"aliases", nonNil(a.Aliases)},
			{"ipv4_addresses", nonNil(a.IPv4Addresses)}, {"nic_info", nic}}}
	}
	return Object{{"machine_id", n.MachineID}, {"fqdn", n.FQDN}, {"addresses", addrs}}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func networkAddressFrom(v any) (n NetworkAddress, err error) {
	r, err := newRecord("network", v)
	if err != nil {
		return n, err
	}
	if n.MachineID, err = r.str("machine_id"); err != nil {
		return n, err
	}
	if n.FQDN, err = r.str("fqdn"); err != nil {
		return n, err
	}
	entries, err := r.entries("addresses")
	if err != nil {
		return n, err
	}
	n.Addresses = make([]NicAddress, len(entries))
	for i, f := range entries {
		a := NicAddress{Nic: f.Key}
		ar, err := newRecord("network address "+f.Key, f.Value)
		if err != nil {
			return n, err
		}
		if a.HostName, err = ar.str("host_name"); err != nil {
			return n, err
		}
		if a.Aliases, err = ar.strings("aliases"); err != nil {
			return n, err
		}
		if a.IPv4Addresses, err = ar.strings("ipv4_addresses"); err != nil {
			return n, err
		}
		nic, err := ar.need("nic_info")
		if err != nil {
			return n, err
		}
		if nic != nil {
			nr, err := newRecord("nic_info", nic)
			if err != nil {
				return n, err
			}
			var info NicInfo
			if info.NicName, err = nr.str("nic_name"); err != nil {
				return n, err
			}
			if info.IPv4Address, err = nr.str("ipv4_address"); err != nil {
				return n, err
			}
			if info.Netmask, err = nr.str("netmask"); err != nil {
				return n, err
			}
			a.NicInfo = &info
		}
		n.Addresses[i] = a
	}
	return n, nil
}

// NetworkInfo is the answer of supvisors.get_network_info: who an instance
// is and, once it knows its host, how it is reached.
type NetworkInfo struct {
	Identifier     string
	NickIdentifier string
	HostID         string
	HTTPPort       int
	Stereotypes    []string
	Network        *NetworkAddress // nil: no "network" member
}

func (n NetworkInfo) object() Object {
	o := Object{{"identifier", n.Identifier}, {"nick_identifier", n.NickIdentifier},
		{"host_id", n.HostID}, {"http_port", int64(n.HTTPPort)}, {"stereotypes", nonNil(n.Stereotypes)}}
	if n.Network != nil {
		o = append(o, Field{"network", n.Network.object()})
	}
	return o
}

func networkInfoFromRecord(r *record) (n NetworkInfo, err error) {
	if n.Identifier, err = r.str("identifier"); err != nil {
		return n, err
	}
	if n.NickIdentifier, err = r.str("nick_identifier"); err != nil {
		return n, err
	}
	if n.HostID, err = r.str("host_id"); err != nil {
		return n, err
	}
	if n.HTTPPort, err = r.integerInt("http_port"); err != nil {
		return n, err
	}
	if n.Stereotypes, err = r.strings("stereotypes"); err != nil {
		return n, err
	}
	if v, ok := r.lookup("network"); ok {
		net, err := networkAddressFrom(v)
		if err != nil {
			return n, err
		}
		n.Network = &net
	}
	return n, nil
}

// Identification is the IDENTIFICATION notification body: the peer's
// network info plus the monotonic time the handshake started.
type Identification struct {
	Info         NetworkInfo
	NowMonotonic float64 // when the handshake started, checker's clock
}

func (i Identification) object() Object {
	return append(i.Info.object(), Field{"now_monotonic", i.NowMonotonic})
}

func identificationFrom(v any) (i Identification, err error) {
	r, err := newRecord("IDENTIFICATION", v)
	if err != nil {
		return i, err
	}
	if i.Info, err = networkInfoFromRecord(r); err != nil {
		return i, err
	}
	i.NowMonotonic, err = r.float("now_monotonic")
	return i, err
}

// Announcement is the multicast discovery datagram, sent on every tick
// when multicast_group is set: [4, {identifier, nick_identifier, host_id,
// http_port, stereotypes}], JSON without framing. The receiver builds the
// origin from it and the datagram's source IP.
type Announcement struct {
	Identifier     string
	NickIdentifier string
	HostID         string
	HTTPPort       int
	Stereotypes    []string
}

// MaxAnnouncementSize is what a Python receiver reads of a datagram; a
// longer announcement arrives cut and fails to parse.
const MaxAnnouncementSize = 1024

// Encode returns the datagram bytes.
func (a Announcement) Encode() ([]byte, error) {
	body := Object{{"identifier", a.Identifier}, {"nick_identifier", a.NickIdentifier},
		{"host_id", a.HostID}, {"http_port", int64(a.HTTPPort)}, {"stereotypes", nonNil(a.Stereotypes)}}
	return appendJSON(nil, []any{int64(NotificationDiscovery), body})
}

// DecodeAnnouncement parses a discovery datagram. Like Python, it does not
// insist on the leading code.
func DecodeAnnouncement(datagram []byte) (Announcement, error) {
	var a Announcement
	v, err := parseJSON(datagram)
	if err != nil {
		return a, err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		return a, fmt.Errorf("wire: announcement is not a [code, body] list")
	}
	r, err := newRecord("announcement", arr[1])
	if err != nil {
		return a, err
	}
	info, err := networkInfoFromRecord(r)
	if err != nil {
		return a, err
	}
	return Announcement{Identifier: info.Identifier, NickIdentifier: info.NickIdentifier,
		HostID: info.HostID, HTTPPort: info.HTTPPort, Stereotypes: info.Stereotypes}, nil
}
