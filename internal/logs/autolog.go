package logs

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// autoNameChars are the characters Python's tempfile draws random names
// from.
const autoNameChars = "abcdefghijklmnopqrstuvwxyz0123456789_"

// autoNameAttempts is how many names are tried before giving up, as
// Python's tempfile.TMP_MAX.
const autoNameAttempts = 10000

// CreateAutoLog creates an empty AUTO log file in dir, named
// "<processName>-<channel>---<identifier>-<8 random chars>.log" with mode
// 0600 (like mkstemp), and returns its path.
func CreateAutoLog(dir, processName, channel, identifier string) (string, error) {
	prefix := processName + "-" + channel + "---" + identifier + "-"
	for range autoNameAttempts {
		path := filepath.Join(dir, prefix+randomName()+".log")
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return path, f.Close()
	}
	return "", fmt.Errorf("create AUTO log in %s: no usable name found", dir)
}

func randomName() string {
	var b [8]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = autoNameChars[int(b[i])%len(autoNameChars)]
	}
	return string(b[:])
}

// pyNonSpace matches one character that Python's \S matches in a str
// pattern: anything but Unicode whitespace (str.isspace). Go's \S would
// also exclude fewer characters (no \v, \x1c-\x1f, U+0085, U+00A0 ...).
const pyNonSpace = `[^\t\n\v\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`

// autoLogPattern returns the regexp of the AUTO log files Supervisor deletes
// at start: `.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}` applied with
// re.match, that is anchored at the start only, so that whatever follows
// ".log" does not matter. Supervisor pastes the identifier in unescaped; we
// quote it, so an identifier such as "a.b" matches only itself.
func autoLogPattern(identifier string) *regexp.Regexp {
	return regexp.MustCompile(`^.+?---` + regexp.QuoteMeta(identifier) + `-` + pyNonSpace + `+\.log`)
}

// CleanupAutoLogs deletes the AUTO log files of identifier in dir, as
// Supervisor does at every start and reload unless nocleanup is set.
// Directories are left alone. When dir cannot be listed, the error is the
// *fs.PathError of the listing (Supervisor logs "Could not clear childlog
// dir"); otherwise it joins one *fs.PathError per file that could not be
// removed (Supervisor logs "Failed to clean up '<path>'").
func CleanupAutoLogs(dir, identifier string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	re := autoLogPattern(identifier)
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !re.MatchString(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
