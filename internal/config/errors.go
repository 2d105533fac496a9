package config

import (
	"fmt"
	"strings"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// Error is a configuration problem. Msg is Supervisor's own wording for the
// problem (so users recognise it); the other fields say where it is.
//
// Error() renders as
//
//	<Msg>[ in section '<Section>'][ (file: '<File>'[, line <Line>])]
//
// with names quoted as Python's repr() quotes them, e.g.
//
//	Invalid name: 'x y' because of character: ' ' in section 'program:x y' (file: '/abs/f.conf', line 3)
//
// Supervisor itself adds " in section ... (file: ...)" only to errors raised
// while reading a program-type section; we add the location to every error
// we can place, and also give the line. Syntax errors keep configparser's
// own multi-line text, which already names the file and the lines.
type Error struct {
	File    string // absolute path of the file, "" when not tied to one
	Line    int    // 1-based line, 0 when unknown
	Section string // full section name ("program:x"), "" when none
	Option  string // the option (key) at fault, "" when none
	Msg     string

	// selfLocated marks messages that already name the file and line
	// (configparser's syntax errors), so Error() does not repeat them.
	selfLocated bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Section != "" {
		fmt.Fprintf(&b, " in section %s", pyfmt.Repr(e.Section))
	}
	if e.File != "" && !e.selfLocated {
		fmt.Fprintf(&b, " (file: %s", pyfmt.Repr(e.File))
		if e.Line > 0 {
			fmt.Fprintf(&b, ", line %d", e.Line)
		}
		b.WriteString(")")
	}
	return b.String()
}
