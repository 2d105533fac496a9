package options

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/config"
)

// listOfStrings splits on commas and trims each item, dropping empty
// items and duplicates while keeping the first occurrence's position:
// Supervisor's list_of_strings followed by Supvisors' filtering.
func listOfStrings(value string) []string {
	var out []string
	seen := map[string]bool{}
	for _, item := range strings.Split(value, ",") {
		item = strings.TrimSpace(item)
		if item == "" || seen[item] {
			continue
		}
		seen[item] = true
		out = append(out, item)
	}
	return out
}

// parseBool accepts Supervisor's boolean spellings.
func parseBool(option, value string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "yes", "true", "on", "1":
		return true, nil
	case "no", "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("invalid value for %s: %q: not a valid boolean value", option, value)
}

// parseIntRange parses a decimal integer within [lo, hi].
func parseIntRange(option, value string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("invalid value for %s: %q: integer expected in [%d;%d]", option, value, lo, hi)
	}
	return n, nil
}

// parseFloatRange parses a number within [lo, hi].
func parseFloatRange(option, value string, lo, hi float64) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || f < lo || f > hi {
		return 0, fmt.Errorf("invalid value for %s: %q: float expected in [%g;%g] (seconds)", option, value, lo, hi)
	}
	return f, nil
}

// parseByteSize accepts Supervisor's byte sizes: a number with an optional
// KB, MB or GB suffix (powers of 1024, case-insensitive).
func parseByteSize(option, value string) (int64, error) {
	v := strings.ToLower(strings.TrimSpace(value))
	mult := int64(1)
	for suffix, m := range map[string]int64{"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30} {
		if strings.HasSuffix(v, suffix) {
			v, mult = strings.TrimSuffix(v, suffix), m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid value for %s: %q: byte size expected (e.g. 1024, 10KB, 50MB, 1GB)", option, value)
	}
	return n * mult, nil
}

// parseLevel accepts Supervisor's log level names.
func parseLevel(option, value string) (config.Level, error) {
	levels := map[string]config.Level{
		"critical": config.LevelCritical, "error": config.LevelError, "warn": config.LevelWarn,
		"info": config.LevelInfo, "debug": config.LevelDebug, "trace": config.LevelTrace,
		"blather": config.LevelBlather,
	}
	if l, ok := levels[strings.ToLower(strings.TrimSpace(value))]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("invalid value for %s: %q: expected one of critical, error, warn, info, debug, trace, blather", option, value)
}

// parseIPv4 checks a dotted quad and returns its four bytes.
func parseIPv4(value string) ([4]int, bool) {
	var b [4]int
	parts := strings.Split(value, ".")
	if len(parts) != 4 {
		return b, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return b, false
		}
		b[i] = n
	}
	return b, true
}

// reservedMulticast are the group addresses Supvisors refuses.
var reservedMulticast = []string{"224.0.0.0", "232.0.0.0", "233.0.0.0", "239.0.0.0"}

func parseMulticastGroup(value string) (*MulticastGroup, error) {
	host, port, ok := strings.Cut(strings.TrimSpace(value), ":")
	if !ok {
		return nil, fmt.Errorf("invalid value for multicast_group: %q: \"ip_address:port\" expected", value)
	}
	for _, r := range reservedMulticast {
		if host == r {
			return nil, fmt.Errorf("invalid value for multicast_group: %q: reserved multicast address (reserved: %s)", value, strings.Join(reservedMulticast, ", "))
		}
	}
	b, ok := parseIPv4(host)
	if !ok || b[0] < 224 || b[0] > 239 {
		return nil, fmt.Errorf("invalid value for multicast_group: %q: IP address expected from 224.0.0.0 to 239.255.255.255", value)
	}
	p, err := parseIntRange("multicast_group port", port, 1, 65535)
	if err != nil {
		return nil, err
	}
	return &MulticastGroup{Address: host, Port: p}, nil
}

// parseStats reads stats_enabled: a list of OFF/HOST/PROCESS/ALL or a
// boolean (true is ALL, false is OFF). It returns (host, process).
func parseStats(value string) (bool, bool, error) {
	items := listOfStrings(value)
	if len(items) == 0 {
		return false, false, fmt.Errorf("invalid value for stats_enabled: <empty>")
	}
	var host, proc bool
	for _, item := range items {
		switch strings.ToUpper(item) {
		case "ALL":
			host, proc = true, true
		case "HOST":
			host = true
		case "PROCESS":
			proc = true
		case "OFF":
		default:
			b, err := parseBool("stats_enabled", item)
			if err != nil {
				return false, false, fmt.Errorf("invalid value for stats_enabled: %q: expected OFF, HOST, PROCESS, ALL or a boolean", value)
			}
			host, proc = host || b, proc || b
		}
	}
	return host, proc, nil
}
