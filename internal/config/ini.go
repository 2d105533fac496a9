package config

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// defaultSection is the name of the section whose keys every other section
// inherits, as in Python's configparser.
const defaultSection = "DEFAULT"

// iniValue is one key of a section: its (possibly multi-line) value and the
// place where the winning definition was written.
type iniValue struct {
	lines []string // joined with "\n" once the file is read
	value string
	file  string
	line  int
}

// iniSection is one section after all files are merged.
type iniSection struct {
	name   string
	file   string // the file that first created the section
	line   int    // the header line in that file
	keys   []string
	values map[string]*iniValue
}

func newSection(name, file string, line int) *iniSection {
	return &iniSection{name: name, file: file, line: line, values: map[string]*iniValue{}}
}

// set stores key the way a Python dict does: a new key goes last, an
// existing key keeps its place and takes the new value.
func (s *iniSection) set(key string, v *iniValue) {
	if _, ok := s.values[key]; !ok {
		s.keys = append(s.keys, key)
	}
	s.values[key] = v
}

// iniDoc is the merged content of every file read, the equivalent of one
// UnhosedConfigParser instance.
type iniDoc struct {
	defaults *iniSection
	sections []*iniSection
	byName   map[string]*iniSection
}

func newIniDoc() *iniDoc {
	return &iniDoc{defaults: newSection(defaultSection, "", 0), byName: map[string]*iniSection{}}
}

// section returns the named section, or nil.
func (d *iniDoc) section(name string) *iniSection { return d.byName[name] }

// lookup finds key in section, falling back to [DEFAULT].
func (d *iniDoc) lookup(sec *iniSection, key string) (*iniValue, bool) {
	if v, ok := sec.values[key]; ok {
		return v, true
	}
	v, ok := d.defaults.values[key]
	return v, ok
}

// itemKeys lists a section's keys in the order configparser's items()
// yields them: the [DEFAULT] keys first, then the section's own new keys.
func (d *iniDoc) itemKeys(sec *iniSection) []string {
	keys := append([]string(nil), d.defaults.keys...)
	for _, k := range sec.keys {
		if _, inDefault := d.defaults.values[k]; !inDefault {
			keys = append(keys, k)
		}
	}
	return keys
}

// optionKeys lists a section's keys as configparser's options() does: the
// section's own keys first, then the [DEFAULT] keys it does not override.
func (d *iniDoc) optionKeys(sec *iniSection) []string {
	keys := append([]string(nil), sec.keys...)
	for _, k := range d.defaults.keys {
		if _, own := sec.values[k]; !own {
			keys = append(keys, k)
		}
	}
	return keys
}

// expandHere replaces the literal text "%(here)s" with here in every value
// visible from every section (own and inherited keys), storing the result in
// the section itself, as Supervisor does after reading each file when an
// [include] section exists.
func (d *iniDoc) expandHere(here string) {
	const marker = "%(here)s"
	for _, sec := range d.sections {
		for _, k := range d.itemKeys(sec) {
			v, _ := d.lookup(sec, k)
			if strings.Contains(v.value, marker) {
				nv := *v
				nv.value = strings.ReplaceAll(v.value, marker, here)
				sec.set(k, &nv)
			}
		}
	}
}

// parseIni reads one file's text into doc, reproducing Python 3.11
// RawConfigParser._read with inline comment prefixes ";" and "#",
// strict=False and empty lines allowed in values. name is the file name
// used in messages and recorded for every key.
func (d *iniDoc) parseIni(name string, data []byte) error {
	if !utf8.Valid(data) {
		return &Error{File: name, Msg: fmt.Sprintf("could not decode config file %s as UTF-8", name)}
	}
	text := string(data)
	// Python opens the file with universal newlines.
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.SplitAfter(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}

	var (
		cursect     *iniSection
		optname     string
		curValue    *iniValue
		indentLevel = 0
		parseErr    *Error
		touched     []*iniValue
	)
	for i, line := range lines {
		lineno := i + 1
		commentStart := inlineCommentStart(line)
		stripped := pyStrip(line)
		if strings.HasPrefix(stripped, ";") || strings.HasPrefix(stripped, "#") {
			commentStart = 0
		}
		value := line
		if commentStart >= 0 {
			value = line[:commentStart]
		}
		value = pyStrip(value)
		if value == "" {
			// A blank line belongs to the value being read, unless the
			// line held a comment.
			if commentStart < 0 && cursect != nil && optname != "" && curValue != nil {
				curValue.lines = append(curValue.lines, "")
			}
			continue
		}
		curIndent := firstNonSpace(line)
		if cursect != nil && optname != "" && curIndent > indentLevel {
			curValue.lines = append(curValue.lines, value)
			continue
		}
		indentLevel = curIndent
		if header, ok := matchSectionHeader(value); ok {
			if sec, exists := d.byName[header]; exists {
				cursect = sec
			} else if header == defaultSection {
				cursect = d.defaults
				if cursect.file == "" {
					cursect.file, cursect.line = name, lineno
				}
			} else {
				cursect = newSection(header, name, lineno)
				d.sections = append(d.sections, cursect)
				d.byName[header] = cursect
			}
			optname, curValue = "", nil
			continue
		}
		if cursect == nil {
			return &Error{File: name, Line: lineno, selfLocated: true, Msg: fmt.Sprintf(
				"File contains no section headers.\nfile: %s, line: %d\n%s", pyfmt.Repr(name), lineno, pyfmt.Repr(line))}
		}
		key, val, ok := matchOption(value)
		if !ok || key == "" {
			if parseErr == nil {
				parseErr = &Error{File: name, Line: lineno, selfLocated: true, Msg: "Source contains parsing errors: " + pyfmt.Repr(name)}
			}
			parseErr.Msg += fmt.Sprintf("\n\t[line %2d]: %s", lineno, pyfmt.Repr(line))
			if !ok {
				continue
			}
		}
		optname = strings.ToLower(pyRStrip(key))
		curValue = &iniValue{lines: []string{val}, file: name, line: lineno}
		cursect.set(optname, curValue)
		touched = append(touched, curValue)
	}
	for _, v := range touched {
		v.value = pyRStrip(strings.Join(v.lines, "\n"))
	}
	if parseErr != nil {
		return parseErr
	}
	return nil
}

// inlineCommentStart returns where an inline comment starts in line, or -1.
// It scans the n-th occurrence of each prefix in rounds and stops at the
// first round in which an occurrence is preceded by whitespace (or starts
// the line), exactly as configparser does, including its quirk of missing an
// earlier qualifying marker of the other kind in a later round.
func inlineCommentStart(line string) int {
	const none = int(^uint(0) >> 1)
	commentStart := none
	type cursor struct {
		prefix string
		index  int
	}
	active := []cursor{{";", -1}, {"#", -1}}
	for commentStart == none && len(active) > 0 {
		var next []cursor
		for _, c := range active {
			idx := strings.Index(line[c.index+1:], c.prefix)
			if idx < 0 {
				continue
			}
			idx += c.index + 1
			next = append(next, cursor{c.prefix, idx})
			if idx == 0 {
				commentStart = min(commentStart, idx)
			} else if r, _ := utf8.DecodeLastRuneInString(line[:idx]); pyIsSpace(r) {
				commentStart = min(commentStart, idx)
			}
		}
		active = next
	}
	if commentStart == none {
		return -1
	}
	return commentStart
}

// matchSectionHeader mirrors the regexp \[(?P<header>.+)\] anchored at the
// start: the header runs up to the last "]" and whatever follows is ignored.
func matchSectionHeader(value string) (string, bool) {
	if !strings.HasPrefix(value, "[") {
		return "", false
	}
	end := strings.LastIndex(value, "]")
	if end <= 1 {
		return "", false
	}
	return value[1:end], true
}

// matchOption mirrors (?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$: the
// first "=" or ":" splits the line.
func matchOption(value string) (key, val string, ok bool) {
	i := strings.IndexAny(value, "=:")
	if i < 0 {
		return "", "", false
	}
	return pyRStrip(value[:i]), pyStrip(value[i+1:]), true
}

// firstNonSpace is the index of the first non-whitespace character of line
// (0 when there is none), in Python string indexes (runes).
func firstNonSpace(line string) int {
	n := 0
	for _, r := range line {
		if !pyIsSpace(r) {
			return n
		}
		n++
	}
	return 0
}

// pyIsSpace reports whether Python's str.isspace() holds for r: Go's
// unicode.IsSpace plus the ASCII separators 0x1c-0x1f.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func pyStrip(s string) string  { return strings.TrimFunc(s, pyIsSpace) }
func pyRStrip(s string) string { return strings.TrimRightFunc(s, pyIsSpace) }
