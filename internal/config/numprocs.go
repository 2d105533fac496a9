package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// ExpandProgram reads the configuration file at path again, as Load does
// with opts, but with the numprocs option of the program's section
// ([program:x], [fcgi-program:x] or [eventlistener:x]) replaced by
// numprocs, and returns the processes of that program in every group that
// includes it, keyed by group name, each list in Supervisor's order (by
// priority, then name). It is the re-expansion behind Supvisors'
// update_numprocs: every option is expanded again for each process number,
// so the process names, commands and log files follow the same templates
// as at load time.
//
// It fails with Supervisor's error when the expansion does, for example
// when process_name lacks %(process_num)s and numprocs is above 1, and
// when the file no longer defines the program.
func ExpandProgram(path string, opts LoadOptions, program string, numprocs int) (map[string][]*Process, error) {
	if numprocs < 1 {
		return nil, &Error{Msg: fmt.Sprintf("numprocs must be a positive integer, not %d", numprocs)}
	}
	l, err := newLoader(opts)
	if err != nil {
		return nil, err
	}
	l.path = l.abs(path)
	l.here = filepath.Dir(l.path)
	data, err := os.ReadFile(l.path)
	if err != nil {
		return nil, &Error{Msg: "could not read config file " + path}
	}
	l.doc = newIniDoc()
	if err := l.doc.parseIni(l.path, data); err != nil {
		return nil, err
	}
	if err := l.processIncludes(); err != nil {
		return nil, err
	}
	sec := programSection(l.doc, program)
	if sec == nil {
		return nil, &Error{File: l.path, Msg: fmt.Sprintf("no program, fcgi-program or eventlistener section named %s", program)}
	}
	// The value is placed where the section starts, so that an error about
	// it points at the section the override applies to.
	sec.set("numprocs", &iniValue{value: strconv.Itoa(numprocs), file: sec.file, line: sec.line})

	// [supervisord] is read for what it adds to the expansions of every
	// program (its environment= extends the ENV_* names) and for the
	// environment merged into each process, as Load does.
	sup := l.doc.section("supervisord")
	if sup == nil {
		return nil, &Error{File: l.path, Msg: ".ini file does not include supervisord section"}
	}
	var sd Supervisord
	if err := l.readSupervisord(sup, &sd); err != nil {
		return nil, err
	}
	groups, err := l.groups()
	if err != nil {
		return nil, err
	}
	out := map[string][]*Process{}
	for _, g := range groups {
		for _, p := range g.Processes {
			if p.ProgramName != program {
				continue
			}
			p.Environment = mergeEnv(sd.Environment, p.Environment)
			out[g.Name] = append(out[g.Name], p)
		}
	}
	if len(out) == 0 {
		return nil, &Error{File: l.path, Msg: fmt.Sprintf("program %s is in no group", program)}
	}
	return out, nil
}

// programSection finds the section that defines program, with the
// precedence a [group:x] programs= line uses (program before
// fcgi-program), then the event listeners.
func programSection(doc *iniDoc, program string) *iniSection {
	for _, prefix := range []string{"program:", "fcgi-program:", "eventlistener:"} {
		if sec := doc.section(prefix + program); sec != nil {
			return sec
		}
	}
	return nil
}
