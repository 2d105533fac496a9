package options

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Instance is one Supvisors instance declared in supvisors_list.
type Instance struct {
	// Identifier is always host:port, the key every peer uses.
	Identifier string
	// Nick is the <nick> when given (and not "supervisor"), else the
	// identifier when a port was written, else the bare host.
	Nick      string
	Host      string
	HTTPPort  int
	EventPort int
	// Item is the supvisors_list item as written.
	Item string
}

// itemPattern is Supvisors' grammar of one supvisors_list item:
// [<nick>]host[:port], the port having 4 or 5 digits. Go's \w is ASCII
// only, where Python's also matches other Unicode letters.
var itemPattern = regexp.MustCompile(`^(<([\w\-:.]+)>)?([\w\-.]+)(:(\d{4,5}))?$`)

// ParseItem parses one supvisors_list item; localPort fills a missing
// port and eventPort (0 for "HTTP port + 1") sets the event port.
func ParseItem(item string, localPort, eventPort int) (Instance, error) {
	m := itemPattern.FindStringSubmatch(item)
	if m == nil {
		return Instance{}, fmt.Errorf("could not define a Supvisors identification from %q: expected [<nick>]host[:port] with a 4- or 5-digit port", item)
	}
	in := Instance{Item: item, Host: m[3], HTTPPort: localPort}
	if m[5] != "" {
		port, _ := strconv.Atoi(m[5])
		if port < 1 || port > 65535 {
			return Instance{}, fmt.Errorf("could not define a Supvisors identification from %q: port %d out of [1;65535]", item, port)
		}
		in.HTTPPort = port
	}
	in.Identifier = fmt.Sprintf("%s:%d", in.Host, in.HTTPPort)
	switch {
	case m[2] != "" && m[2] != defaultSupervisorIdentifier:
		in.Nick = m[2]
	case m[5] != "":
		in.Nick = in.Identifier
	default:
		in.Nick = in.Host
	}
	in.EventPort = eventPort
	if in.EventPort == 0 {
		in.EventPort = in.HTTPPort + 1
	}
	return in, nil
}

// instances parses supvisors_list and identifies the local entry.
func (p *parser) instances(o *Options) error {
	raw, _ := p.value("supvisors_list")
	items := listOfStrings(raw)
	if len(items) == 0 {
		// Like Supvisors: the local instance alone, named after supervisord.
		host := p.env.Hostname
		if host == "" {
			host = "localhost"
		}
		item := fmt.Sprintf("%s:%d", host, p.env.HTTPPort)
		if id := p.env.SupervisordIdentifier; id != "" {
			item = "<" + id + ">" + item
		}
		in, err := ParseItem(item, p.env.HTTPPort, o.EventPort)
		if err != nil {
			return p.fail("supvisors_list", "supvisors_list is empty and the local instance cannot be declared: %v", err)
		}
		o.Instances, o.Local, o.LocalBy = []Instance{in}, 0, "empty supvisors_list: local instance declared from the host name"
		return nil
	}
	o.ListDeclared = true
	byID := map[string]int{}
	byNick := map[string]int{}
	for _, item := range items {
		in, err := ParseItem(item, p.env.HTTPPort, o.EventPort)
		if err != nil {
			return p.fail("supvisors_list", "%v", err)
		}
		if i, dup := byID[in.Identifier]; dup {
			p.warn("supvisors_list", "%q declares identifier %s again (first declared by %q); ignored", item, in.Identifier, o.Instances[i].Item)
			continue
		}
		if i, dup := byNick[in.Nick]; dup {
			// Supvisors accepts it but then resolves the nick to the last
			// entry; the election (lowest nick) becomes ambiguous.
			p.warn("supvisors_list", "nick name %q is used by both %q and %q", in.Nick, o.Instances[i].Item, item)
		}
		byID[in.Identifier] = len(o.Instances)
		byNick[in.Nick] = len(o.Instances)
		o.Instances = append(o.Instances, in)
	}
	return p.findLocal(o)
}

// findLocal identifies the local entry. Supvisors only knows the second
// way below, which fails on loopback and in containers; we try, in order:
//  1. the local_identifier option (identifier or nick name of an entry);
//  2. Supvisors' rule: a host among the machine's non-loopback names and
//     addresses, and the port of our [inet_http_server];
//  3. a nick name equal to the supervisord identifier, and our port;
//  4. the host of our [inet_http_server] (or a loopback name or address),
//     and our port.
//
// The first way that yields exactly one entry wins.
func (p *parser) findLocal(o *Options) error {
	if name, ok := p.value(LocalIdentifierOption); ok {
		name = strings.TrimSpace(name)
		for i, in := range o.Instances {
			if in.Identifier == name || in.Nick == name {
				o.Local, o.LocalBy = i, LocalIdentifierOption+" option"
				if in.HTTPPort != p.env.HTTPPort {
					p.warn(LocalIdentifierOption, "entry %s has port %d but [inet_http_server] listens on %d", in.Identifier, in.HTTPPort, p.env.HTTPPort)
				}
				return nil
			}
		}
		return p.fail(LocalIdentifierOption, "%q names no entry of supvisors_list (identifiers: %s)", name, identifiersOf(o.Instances))
	}
	port := p.env.HTTPPort
	local := map[string]bool{}
	for _, n := range p.env.LocalNames {
		local[strings.ToLower(n)] = true
	}
	id := p.env.SupervisordIdentifier
	ways := []struct {
		what  string
		match func(Instance) bool
	}{
		{fmt.Sprintf("host among the machine's names and addresses %v with port %d", p.env.LocalNames, port),
			func(in Instance) bool { return local[strings.ToLower(in.Host)] }},
		{fmt.Sprintf("nick name equal to the supervisord identifier %q with port %d", id, port),
			func(in Instance) bool { return id != "" && id != defaultSupervisorIdentifier && in.Nick == id }},
		{fmt.Sprintf("host of [inet_http_server] %q or a loopback host with port %d", p.env.HTTPHost, port),
			func(in Instance) bool {
				h := strings.ToLower(in.Host)
				return (p.env.HTTPHost != "" && h == strings.ToLower(p.env.HTTPHost)) || isLoopback(h)
			}},
	}
	var tried []string
	for _, way := range ways {
		var found []int
		for i, in := range o.Instances {
			if in.HTTPPort == port && way.match(in) {
				found = append(found, i)
			}
		}
		if len(found) == 1 {
			o.Local, o.LocalBy = found[0], way.what
			in := o.Instances[found[0]]
			if id != "" && id != defaultSupervisorIdentifier && id != in.Nick {
				p.warn("supvisors_list", "the supervisord identifier %q differs from the nick name %q of the local entry", id, in.Nick)
			}
			return nil
		}
		var names []string
		for _, i := range found {
			names = append(names, o.Instances[i].Identifier)
		}
		tried = append(tried, fmt.Sprintf("%s: %d candidates %v", way.what, len(found), names))
	}
	return p.fail("supvisors_list", "could not find the local Supvisors instance in supvisors_list (tried %s); set %s to the local entry",
		strings.Join(tried, "; "), LocalIdentifierOption)
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasPrefix(host, "localhost.") {
		return true
	}
	b, ok := parseIPv4(host)
	return ok && b[0] == 127
}

func identifiersOf(ins []Instance) string {
	var s []string
	for _, in := range ins {
		s = append(s, in.Identifier)
	}
	return strings.Join(s, ", ")
}

// Resolve maps names (identifiers, nick names or local stereotypes) to
// instance identifiers in order, without duplicates, as Supvisors' mapper
// filter does. Stereotypes of remote instances are only known after their
// handshake, so they are not resolved here. unknown, when not nil, is
// called for every name that matched nothing.
func (o *Options) Resolve(names []string, unknown func(string)) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, name := range names {
		found := false
		for _, in := range o.Instances {
			if in.Identifier == name || in.Nick == name {
				add(in.Identifier)
				found = true
				break
			}
		}
		if !found {
			for _, st := range o.Stereotypes {
				if st == name {
					add(o.LocalInstance().Identifier)
					found = true
				}
			}
		}
		if !found && unknown != nil {
			unknown(name)
		}
	}
	return out
}
