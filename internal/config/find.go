package config

import (
	"os"
	"strings"
)

// SearchPaths lists where supervisord looks for its file when no -c is
// given, in order, for a binary invoked as argv0.
func SearchPaths(argv0 string) []string {
	// os.path.dirname twice, which (unlike filepath.Dir) gives "" for a
	// bare name.
	d, _ := splitPath(argv0)
	h, _ := splitPath(d)
	return []string{
		pyJoin(h, "etc/supervisord.conf"),
		pyJoin(h, "supervisord.conf"),
		"supervisord.conf",
		"etc/supervisord.conf",
		"/etc/supervisord.conf",
		"/etc/supervisor/supervisord.conf",
	}
}

// Find returns the first existing file of SearchPaths(argv0), or an error
// with Supervisor's text (which the daemon prints after "Error: ").
func Find(argv0 string) (string, error) {
	return findIn(SearchPaths(argv0), func(p string) bool {
		_, err := os.Stat(p)
		return err == nil
	})
}

func findIn(paths []string, exists func(string) bool) (string, error) {
	for _, p := range paths {
		if exists(p) {
			return p, nil
		}
	}
	return "", valueErrorf("No config file found at default paths (%s); use the -c option to specify a config file at a different path", strings.Join(paths, ", "))
}
