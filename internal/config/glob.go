package config

import (
	"os"
	"regexp"
	"strings"
)

// pyGlob reproduces Python's glob.glob(pattern) (non-recursive): names
// starting with "." match only a pattern component starting with ".", and
// results are built by plain joining, so "./" and ".." stay in them.
func pyGlob(pattern string) []string {
	if !hasMagic(pattern) {
		if _, err := os.Lstat(pattern); err == nil {
			return []string{pattern}
		}
		return nil
	}
	dir, base := splitPath(pattern)
	var dirs []string
	switch {
	case dir == "":
		dirs = []string{""}
	case dir != pattern && hasMagic(dir):
		dirs = pyGlob(dir)
	default:
		dirs = []string{dir}
	}
	var out []string
	for _, d := range dirs {
		if hasMagic(base) {
			for _, name := range globInDir(d, base) {
				out = append(out, pyJoin(d, name))
			}
			continue
		}
		if base == "" {
			if isDir(d) {
				out = append(out, pyJoin(d, base))
			}
			continue
		}
		if _, err := os.Lstat(pyJoin(d, base)); err == nil {
			out = append(out, pyJoin(d, base))
		}
	}
	return out
}

// splitPath is os.path.split: the head keeps no trailing slashes unless it
// is all slashes.
func splitPath(p string) (string, string) {
	i := strings.LastIndex(p, "/") + 1
	head, tail := p[:i], p[i:]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head, tail
}

func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

// globInDir lists the entries of dir matching the fnmatch pattern.
func globInDir(dir, pattern string) []string {
	d := dir
	if d == "" {
		d = "."
	}
	entries, err := os.ReadDir(d)
	if err != nil {
		return nil
	}
	re := fnmatchRegexp(pattern)
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") {
			continue
		}
		if re.MatchString(name) {
			out = append(out, name)
		}
	}
	return out
}

// fnmatchRegexp translates a shell pattern as Python's fnmatch.translate
// does: "*", "?", "[...]" with "!" negation; a "[" without its "]" is a
// literal; there is no backslash escape.
func fnmatchRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			stuff := string(rs[i+1 : j])
			i = j
			neg := strings.HasPrefix(stuff, "!")
			if neg {
				stuff = stuff[1:]
			}
			var cls strings.Builder
			for _, r := range stuff {
				if r == '\\' || r == ']' || r == '[' || r == '^' {
					cls.WriteByte('\\')
				}
				cls.WriteRune(r)
			}
			if neg {
				b.WriteString("[^" + cls.String() + "]")
			} else {
				b.WriteString("[" + cls.String() + "]")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		// A class Python accepts but RE2 refuses (a reversed range): match
		// nothing, as such a class matches nothing in Python either.
		return regexp.MustCompile(`^\x00\z`)
	}
	return re
}
