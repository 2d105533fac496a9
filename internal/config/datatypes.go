package config

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// valueError is a conversion failure whose text is Supervisor's (or
// Python's) own message for it.
type valueError string

func (v valueError) Error() string { return string(v) }

func valueErrorf(format string, args ...any) error {
	return valueError(fmt.Sprintf(format, args...))
}

// intLiteralError is Python's int() failure; its text is built only when
// printed, since the loader probes numbers on hot paths.
type intLiteralError struct {
	s    string
	base int
}

func (e intLiteralError) Error() string {
	return fmt.Sprintf("invalid literal for int() with base %d: %s", e.base, pyfmt.Repr(e.s))
}

// pyInt parses like Python's int(s, base) for base 10 or 8: surrounding
// whitespace, a sign, single underscores between digits, an optional 0o
// prefix in base 8. Values beyond int64 are refused.
func pyInt(s string, base int) (int64, error) {
	bad := intLiteralError{s: s, base: base}
	t := pyStrip(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if base == 8 && len(t) > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O') {
		t = strings.TrimPrefix(t[2:], "_")
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, bad
	}
	var digits strings.Builder
	for _, r := range t {
		if r == '_' {
			continue
		}
		if !unicode.IsDigit(r) {
			return 0, bad
		}
		d := r - '0'
		if r > '9' {
			// Python accepts any Unicode decimal digit.
			d = unicodeDigitValue(r)
		}
		if d < 0 || int(d) >= base {
			return 0, bad
		}
		digits.WriteRune('0' + d)
	}
	n, err := strconv.ParseInt(digits.String(), base, 64)
	if err != nil {
		return 0, bad
	}
	if neg {
		n = -n
	}
	return n, nil
}

// unicodeDigitValue finds the value of a non-ASCII decimal digit: decimal
// digits come in contiguous runs of ten starting at a zero.
func unicodeDigitValue(r rune) rune {
	for d := rune(0); d < 10; d++ {
		if !unicode.IsDigit(r - d) {
			return d - 1
		}
	}
	return r - r/10*10
}

// integer is Supervisor's integer(): Python int().
func integer(s string) (int, error) {
	n, err := pyInt(s, 10)
	return int(n), err
}

// boolean is Supervisor's boolean(); no whitespace is stripped.
func boolean(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes", "true", "on", "1":
		return true, nil
	case "no", "false", "off", "0":
		return false, nil
	}
	return false, valueErrorf("not a valid boolean value: %s", pyfmt.Repr(s))
}

// byteSize is Supervisor's byte_size: an int with an optional KB/MB/GB
// suffix, case-insensitive, powers of 1024.
func byteSize(s string) (int64, error) {
	v := strings.ToLower(s)
	mult := int64(1)
	r := []rune(v)
	if len(r) >= 2 {
		switch string(r[len(r)-2:]) {
		case "kb":
			mult = 1 << 10
		case "mb":
			mult = 1 << 20
		case "gb":
			mult = 1 << 30
		}
		if mult != 1 {
			v = string(r[:len(r)-2])
		}
	}
	n, err := pyInt(v, 10)
	if err != nil {
		return 0, err
	}
	return n * mult, nil
}

// octalType is Supervisor's octal_type.
func octalType(s string) (int, error) {
	n, err := pyInt(s, 8)
	if err != nil {
		return 0, valueErrorf("%s can not be converted to an octal type", s)
	}
	return int(n), nil
}

// processOrGroupName is Supervisor's process_or_group_name: the stripped
// name must not hold a space, a colon or a slash.
func processOrGroupName(name string) (string, error) {
	s := pyStrip(name)
	for _, c := range []string{" ", ":", "/"} {
		if strings.Contains(s, c) {
			return "", valueErrorf("Invalid name: %s because of character: %s", pyfmt.Repr(name), pyfmt.Repr(c))
		}
	}
	return s, nil
}

// listOfStrings is Supervisor's list_of_strings.
func listOfStrings(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = pyStrip(parts[i])
	}
	return parts
}

// listOfExitcodes is Supervisor's list_of_exitcodes.
func listOfExitcodes(s string) ([]int, error) {
	codes := []int{}
	if s == "" {
		return codes, nil
	}
	for _, p := range strings.Split(s, ",") {
		n, err := pyInt(p, 10)
		if err != nil || n < 0 || n > 255 {
			return nil, valueErrorf("not a valid list of exit codes: %s", pyfmt.Repr(s))
		}
		codes = append(codes, int(n))
	}
	return codes, nil
}

// autoRestart is Supervisor's auto_restart.
func autoRestart(s string) (AutoRestart, error) {
	v := strings.ToLower(s)
	switch v {
	case "yes", "true", "on", "1":
		return AutoRestartTrue, nil
	case "no", "false", "off", "0":
		return AutoRestartFalse, nil
	case "unexpected":
		return AutoRestartUnexpected, nil
	}
	return 0, valueErrorf("invalid 'autorestart' value %s", pyfmt.Repr(v))
}

// loggingLevel is Supervisor's logging_level.
func loggingLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case "critical":
		return LevelCritical, nil
	case "error":
		return LevelError, nil
	case "warn":
		return LevelWarn, nil
	case "info":
		return LevelInfo, nil
	case "debug":
		return LevelDebug, nil
	case "trace":
		return LevelTrace, nil
	case "blather":
		return LevelBlather, nil
	}
	return 0, valueErrorf("bad logging level name %s", pyfmt.Repr(s))
}

// expandUser is os.path.expanduser for "~" and "~user" prefixes.
func expandUser(p, home string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	rest := p[1:]
	name, tail, _ := strings.Cut(rest, "/")
	if name == "" {
		if home == "" {
			if u, err := user.Current(); err == nil {
				home = u.HomeDir
			}
		}
		if home == "" {
			return p
		}
		return strings.TrimSuffix(home, "/") + "/" + tail
	}
	u, err := user.Lookup(name)
	if err != nil {
		return p
	}
	if tail == "" && !strings.HasSuffix(rest, "/") {
		return u.HomeDir
	}
	return strings.TrimSuffix(u.HomeDir, "/") + "/" + tail
}

// existingDirpath is Supervisor's existing_dirpath: the directory part of
// the path, when there is one, must exist. relTo resolves relative checks
// against the working directory Load was given.
func (l *loader) existingDirpath(v string) (string, error) {
	nv := expandUser(v, l.home)
	i := strings.LastIndex(nv, "/")
	if i < 0 {
		// A bare file name has no directory to check.
		return nv, nil
	}
	dir := nv[:i+1]
	if strings.Trim(dir, "/") != "" {
		dir = strings.TrimRight(dir, "/")
	}
	if isDir(l.abs(dir)) {
		return nv, nil
	}
	return "", valueErrorf("The directory named as part of the path %s does not exist", v)
}

// existingDirectory is Supervisor's existing_directory.
func (l *loader) existingDirectory(v string) (string, error) {
	nv := expandUser(v, l.home)
	if isDir(l.abs(nv)) {
		return nv, nil
	}
	return "", valueErrorf("%s is not an existing directory", v)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// abs makes p absolute against the load's working directory.
func (l *loader) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.dir, p)
}

// normalizePath is Supervisor's normalize_path: expanduser, abspath, normpath.
func (l *loader) normalizePath(p string) string {
	return l.abs(expandUser(p, l.home))
}

// nameToUID is Supervisor's name_to_uid: a number must be a known uid, a
// name a known user.
func nameToUID(name string) (int, error) {
	if n, err := pyInt(name, 10); err == nil {
		if _, err := user.LookupId(strconv.FormatInt(n, 10)); err != nil {
			return 0, valueErrorf("Invalid user id %s", name)
		}
		return int(n), nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, valueErrorf("Invalid user name %s", name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	return uid, nil
}

// nameToGID is Supervisor's name_to_gid.
func nameToGID(name string) (int, error) {
	if n, err := pyInt(name, 10); err == nil {
		if _, err := user.LookupGroupId(strconv.FormatInt(n, 10)); err != nil {
			return 0, valueErrorf("Invalid group id %s", name)
		}
		return int(n), nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, valueErrorf("Invalid group name %s", name)
	}
	gid, _ := strconv.Atoi(g.Gid)
	return gid, nil
}

// gidForUID is the primary group of uid.
func gidForUID(uid int) int {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return -1
	}
	gid, _ := strconv.Atoi(u.Gid)
	return gid
}

// colonSeparatedUserGroup is Supervisor's colon_separated_user_group.
func colonSeparatedUserGroup(arg string) (uid, gid int, err error) {
	bad := valueErrorf("Invalid user:group definition %s", arg)
	u, g, hasGroup := strings.Cut(arg, ":")
	if uid, err = nameToUID(u); err != nil {
		return 0, 0, bad
	}
	gid = -1
	if hasGroup {
		if gid, err = nameToGID(g); err != nil {
			return 0, 0, bad
		}
	}
	return uid, gid, nil
}

// inetAddress is Supervisor's inet_address: "host:port", ":port",
// "*:port" or "port".
func inetAddress(s string) (string, int, error) {
	host := ""
	var port int64
	if i := strings.LastIndex(s, ":"); i >= 0 {
		host, s = s[:i], s[i+1:]
		if s == "" {
			return "", 0, valueErrorf("no port number specified in %s", pyfmt.Repr(s))
		}
		n, err := portNumber(s)
		if err != nil {
			return "", 0, err
		}
		port = n
		host = strings.ToLower(host)
	} else {
		n, err := portNumber(s)
		if err != nil {
			return "", 0, valueErrorf("not a valid port number: %s ", pyfmt.Repr(s))
		}
		port = n
	}
	if host == "*" {
		host = ""
	}
	return host, int(port), nil
}

func portNumber(s string) (int64, error) {
	n, err := pyInt(s, 10)
	if err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, valueErrorf("%d is below lower bound (1)", n)
	}
	if n > 0xffff {
		return 0, valueErrorf("%d is above upper bound (65535)", n)
	}
	return n, nil
}

// dictOfKeyValuePairs is Supervisor 4.2.5's dict_of_key_value_pairs: a
// non-POSIX shlex split into KEY = VALUE triples, each followed by one
// skipped token (normally the comma, but it is not checked), with quote
// characters then trimmed from both ends of the value. The result keeps
// Python dict order: first appearance, last value.
func dictOfKeyValuePairs(arg string) ([]EnvVar, error) {
	tokens, err := legacyShlex(arg)
	if err != nil {
		return nil, err
	}
	var env []EnvVar
	index := map[string]int{}
	for i := 0; i < len(tokens); i += 4 {
		if i+3 > len(tokens) || tokens[i+1] != "=" {
			return nil, valueErrorf("Unexpected end of key/value pairs in value '%s'", arg)
		}
		k, v := tokens[i], strings.Trim(tokens[i+2], `'"`)
		if at, ok := index[k]; ok {
			env[at].Value = v
			continue
		}
		index[k] = len(env)
		env = append(env, EnvVar{Key: k, Value: v})
	}
	return env, nil
}

// legacyShlex tokenizes like Python's shlex.shlex(s) (posix=False) with
// "/.+-():" added to the word characters.
func legacyShlex(s string) ([]string, error) {
	isWord := func(r rune) bool {
		return r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_/.+-():", r))
	}
	isSpace := func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }
	rs := []rune(s)
	var tokens []string
	var tok []rune
	state := ' '
	i := 0
	skipLine := func() {
		for i < len(rs) && rs[i] != '\n' {
			i++
		}
		if i < len(rs) {
			i++
		}
	}
	for {
		if i >= len(rs) {
			switch state {
			case '\'', '"':
				return nil, valueError("No closing quotation")
			}
			if len(tok) > 0 {
				tokens = append(tokens, string(tok))
			}
			return tokens, nil
		}
		c := rs[i]
		i++
		switch state {
		case ' ':
			switch {
			case isSpace(c):
			case c == '#':
				skipLine()
			case isWord(c):
				tok, state = []rune{c}, 'a'
			case c == '\'' || c == '"':
				tok, state = []rune{c}, c
			default:
				tokens = append(tokens, string(c))
			}
		case '\'', '"':
			tok = append(tok, c)
			if c == state {
				tokens = append(tokens, string(tok))
				tok, state = nil, ' '
			}
		case 'a':
			switch {
			case isSpace(c):
				tokens = append(tokens, string(tok))
				tok, state = nil, ' '
			case c == '#':
				// A comment inside a word swallows the rest of the line and
				// the word goes on with the next line.
				skipLine()
			case isWord(c) || c == '\'' || c == '"':
				tok = append(tok, c)
			default:
				tokens = append(tokens, string(tok), string(c))
				tok, state = nil, ' '
			}
		}
	}
}
