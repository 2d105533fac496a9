package ctl

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Where Debian's supervisorctl 4.2.5 (Python 3.11) reports its common
// exceptions. supervisorctl prints unexpected exceptions as
// "error: <class>, <message>: file: <file> line: <line>"; scripts and our
// comparison tests see those lines, so we print the same places.
const (
	pyXMLRPCClientFile   = "/usr/lib/python3.11/xmlrpc/client.py"
	pySocketFile         = "/usr/lib/python3.11/socket.py"
	supervisorXMLRPCFile = "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py"
	supervisorctlFile    = "/usr/lib/python3/dist-packages/supervisor/supervisorctl.py"
)

// pyError is a failure described as the Python exception supervisorctl
// would have raised in the same situation.
type pyError struct {
	class string // "ValueError", "xmlrpc.client.Fault"...
	msg   string
	file  string
	line  int
}

func (e *pyError) Error() string { return e.msg }

// eofError is the failure to read an answer at end of input; line is
// where supervisorctl asks the question.
func eofError(line int) *pyError {
	return &pyError{class: "EOFError", msg: "EOF when reading a line", file: supervisorctlFile, line: line}
}

// The places where supervisorctl reads an answer.
const (
	askUsernameLine = 212
	askShutdownLine = 987
	askReloadLine   = 1027
)

// describeError renders err as supervisorctl's catch-all handler prints
// an exception.
func describeError(err error) string {
	p := pythonize(err)
	return fmt.Sprintf("error: <class '%s'>, %s: file: %s line: %d", p.class, p.msg, p.file, p.line)
}

func pythonize(err error) *pyError {
	var pe *pyError
	if errors.As(err, &pe) {
		return pe
	}
	var f *xmlrpc.Fault
	if errors.As(err, &f) {
		return &pyError{class: "xmlrpc.client.Fault", msg: faultRepr(f), file: pyXMLRPCClientFile, line: 668}
	}
	var he *xmlrpc.HTTPError
	if errors.As(err, &he) {
		return &pyError{class: "xmlrpc.client.ProtocolError",
			msg:  "<ProtocolError for 127.0.0.1/RPC2: " + he.Status + ">",
			file: supervisorXMLRPCFile, line: 539}
	}
	if errors.Is(err, io.EOF) {
		return eofError(askUsernameLine)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &pyError{class: "socket.gaierror", msg: "[Errno -2] Name or service not known", file: pySocketFile, line: 962}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		file, line := pySocketFile, 836
		var op *net.OpError
		if errors.As(err, &op) && op.Net == "unix" {
			file, line = supervisorXMLRPCFile, 557
		}
		return &pyError{class: errnoClass(errno), msg: errnoMessage(errno), file: file, line: line}
	}
	return &pyError{class: "Exception", msg: err.Error(), file: "?", line: 0}
}

// faultRepr is str() of a Python xmlrpc.client.Fault.
func faultRepr(f *xmlrpc.Fault) string {
	return fmt.Sprintf("<Fault %d: %s>", int(f.Code), pyfmt.Repr(f.String))
}

// errnoMessage is str() of a Python OSError: "[Errno N] Strerror".
func errnoMessage(e syscall.Errno) string {
	text := e.Error()
	if text != "" {
		text = strings.ToUpper(text[:1]) + text[1:]
	}
	return "[Errno " + strconv.Itoa(int(e)) + "] " + text
}

// errnoClass is the OSError subclass Python raises for an errno.
func errnoClass(e syscall.Errno) string {
	switch e {
	case syscall.ECONNREFUSED:
		return "ConnectionRefusedError"
	case syscall.ENOENT:
		return "FileNotFoundError"
	case syscall.EACCES, syscall.EPERM:
		return "PermissionError"
	case syscall.ECONNRESET:
		return "ConnectionResetError"
	case syscall.ECONNABORTED:
		return "ConnectionAbortedError"
	case syscall.EPIPE:
		return "BrokenPipeError"
	case syscall.ETIMEDOUT:
		return "TimeoutError"
	}
	return "OSError"
}

func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func isNoSuchFile(err error) bool { return errors.Is(err, syscall.ENOENT) }

// isSocketError tells whether Python would have seen an OSError.
func isSocketError(err error) bool {
	var errno syscall.Errno
	var dnsErr *net.DNSError
	return errors.As(err, &errno) || errors.As(err, &dnsErr)
}

// resultError is a malformed answer from the daemon.
func resultError(what string, v any) error {
	return &pyError{class: "TypeError", msg: fmt.Sprintf("unexpected %s in the daemon's answer: %T", what, v), file: supervisorctlFile, line: 0}
}

// asStruct and asList convert decoded values, failing on anything else.
func asStruct(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, resultError("struct", v)
	}
	return m, nil
}

func asList(v any) ([]any, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, resultError("array", v)
	}
	return l, nil
}

func asStructs(v any) ([]map[string]any, error) {
	l, err := asList(v)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		m, err := asStruct(x)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func field(m map[string]any, key string) string { return pyfmt.Str(m[key]) }

func intField(m map[string]any, key string) int {
	switch x := m[key].(type) {
	case int:
		return x
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int:
		return x != 0
	case string:
		return x != ""
	case nil:
		return false
	}
	return true
}

// faultOf returns the fault in err, or nil.
func faultOf(err error) *xmlrpc.Fault {
	var f *xmlrpc.Fault
	if errors.As(err, &f) {
		return f
	}
	return nil
}
