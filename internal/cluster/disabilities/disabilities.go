// Package disabilities owns the disabilities file of Supvisors
// (disabilities_file in [rpcinterface:supvisors]): the JSON object
// {"<program>": true|false, ...} that keeps the programs disabled with
// supvisors.disable across restarts of the daemon.
//
// The file is read once at start-up, before the engine exists, so that a
// disabled program never autostarts; it is written at start-up with every
// program the engine knows, and again after each enable or disable.
// Programs named in the file that the configuration no longer has are
// kept as they were, so that a program removed for a while comes back
// with its flag.
package disabilities

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Read returns the flags stored in the file at path. A missing file is
// no flag at all (every program enabled) and no error. A file that is not
// a JSON object of booleans is an error naming the file; the flags that
// could be read are returned with it.
func Read(path string) (map[string]bool, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return map[string]bool{}, fmt.Errorf("disabilities file %s: %w", path, err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return map[string]bool{}, fmt.Errorf("disabilities file %s: not JSON: %w", path, err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return map[string]bool{}, fmt.Errorf("disabilities file %s: a JSON object {program: true|false} is expected", path)
	}
	flags := make(map[string]bool, len(obj))
	var bad []string
	for program, v := range obj {
		b, ok := v.(bool)
		if !ok {
			bad = append(bad, program)
			continue
		}
		flags[program] = b
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return flags, fmt.Errorf("disabilities file %s: the value of %q is not true or false", path, bad)
	}
	return flags, nil
}

// Write replaces the file at path with flags, creating its directory when
// needed. The new content is written beside it and renamed over it, so
// that a crash never leaves half a file.
func Write(path string, flags map[string]bool) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("disabilities file %s: %w", path, err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("disabilities file %s: %w", path, err)
	}
	_, werr := tmp.Write(encode(flags))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("disabilities file %s: %w", path, err)
	}
	// CreateTemp makes the file private; the disabilities are not secret
	// and Supvisors leaves them readable.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("disabilities file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("disabilities file %s: %w", path, err)
	}
	return nil
}

// encode spells flags as Python's json.dumps does (", " and ": "
// separators, non-ASCII escaped), programs in name order.
func encode(flags map[string]bool) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, program := range slices.Sorted(maps.Keys(flags)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(asciiString(program))
		b.WriteString(": ")
		if flags[program] {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// asciiString is a JSON string with every non-ASCII character escaped.
func asciiString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	var esc bytes.Buffer
	for _, r := range string(out) {
		switch {
		case r < 0x80:
			esc.WriteRune(r)
		case r <= 0xFFFF:
			fmt.Fprintf(&esc, `\u%04x`, r)
		default:
			r -= 0x10000
			fmt.Fprintf(&esc, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		}
	}
	return esc.String()
}

// File is the disabilities file of one daemon. Its methods may be called
// from any goroutine; writes are serialized so that the last one holds
// the latest flags.
type File struct {
	path string

	mu    sync.Mutex
	known map[string]bool // what was read, then what was written last
}

// Open reads the file at path. The File is usable even when err is not
// nil: it then starts from the flags that could be read (usually none:
// every program enabled), and its next Save replaces the bad file.
func Open(path string) (*File, error) {
	flags, err := Read(path)
	return &File{path: path, known: flags}, err
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Flags returns a copy of the flags as last read or saved.
func (f *File) Flags() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.known)
}

// Save merges the current flags into the file and writes it. current is
// called under the File's lock, so that two concurrent Saves cannot write
// their flags in the opposite order from the one they read them in.
func (f *File) Save(current func() (map[string]bool, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	flags, err := current()
	if err != nil {
		return err
	}
	merged := maps.Clone(f.known)
	if merged == nil {
		merged = map[string]bool{}
	}
	maps.Copy(merged, flags)
	if err := Write(f.path, merged); err != nil {
		return err
	}
	f.known = merged
	return nil
}
