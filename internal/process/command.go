package process

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// DefaultPath is searched when neither the program's environment nor the
// daemon's has a PATH.
const DefaultPath = "/bin:/usr/bin:/usr/local/bin"

// shlexError is an error of SplitCommand, worded as Python's shlex words it
// (Supervisor puts the text in its spawnerr message).
type shlexError string

func (e shlexError) Error() string { return string(e) }

const (
	errNoClosingQuotation shlexError = "No closing quotation"
	errNoEscapedCharacter shlexError = "No escaped character"
)

// SplitCommand splits a command line with the rules of Python's
// shlex.split in POSIX mode: whitespace separates words, single quotes keep
// everything literal, double quotes honour only \" and \\, a backslash
// outside quotes escapes any character. No variable, glob or comment is
// interpreted.
func SplitCommand(s string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for _, r := range s {
		switch {
		case escaped:
			if quote == '"' && r != '"' && r != '\\' {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				cur.WriteRune(r)
			}
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errNoClosingQuotation
	}
	if escaped {
		return nil, errNoEscapedCharacter
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// EnvValue returns the last value of key in a KEY=value list.
func EnvValue(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// ResolveCommand splits command and finds its executable, as Supervisor's
// get_execv_args does. A first word without a slash is looked up on the
// PATH of programEnv, else of daemonEnv, else DefaultPath. The errors are
// errdefs kinds with Supervisor's texts: NO_FILE for a missing file,
// NOT_EXECUTABLE for a directory, a file without an x bit, no permission, or
// a command that cannot be parsed or is empty.
func ResolveCommand(command string, programEnv, daemonEnv []string) (string, []string, error) {
	argv, err := SplitCommand(command)
	if err != nil {
		return "", nil, errdefs.Newf(errdefs.NotExecutable, "can't parse command %s: %v", pyfmt.Repr(command), err)
	}
	if len(argv) == 0 {
		return "", nil, errdefs.New(errdefs.NotExecutable, "command is empty")
	}
	program := argv[0]
	filename := program
	var st os.FileInfo
	if strings.Contains(program, "/") {
		st, _ = os.Stat(program)
	} else {
		path, ok := EnvValue(programEnv, "PATH")
		if !ok || path == "" {
			path, ok = EnvValue(daemonEnv, "PATH")
		}
		if !ok || path == "" {
			path = DefaultPath
		}
		for _, dir := range strings.Split(path, string(os.PathListSeparator)) {
			candidate := program
			if dir != "" {
				candidate = filepath.Join(dir, program)
			}
			if fi, err := os.Stat(candidate); err == nil {
				st, filename = fi, candidate
				break
			}
		}
	}
	switch {
	case st == nil:
		return "", nil, errdefs.Newf(errdefs.NoFile, "can't find command %s", pyfmt.Repr(filename))
	case st.IsDir():
		return "", nil, errdefs.Newf(errdefs.NotExecutable, "command at %s is a directory", pyfmt.Repr(filename))
	case st.Mode().Perm()&0o111 == 0:
		return "", nil, errdefs.Newf(errdefs.NotExecutable, "command at %s is not executable", pyfmt.Repr(filename))
	case syscall.Access(filename, 1 /* X_OK */) != nil:
		return "", nil, errdefs.Newf(errdefs.NotExecutable, "no permission to run command %s", pyfmt.Repr(filename))
	}
	return filename, argv, nil
}

// CommandErrorText returns the message of a ResolveCommand error (the
// spawnerr text), without the fault name.
func CommandErrorText(err error) string {
	var e *errdefs.Error
	if errors.As(err, &e) {
		return e.Extra
	}
	return err.Error()
}
