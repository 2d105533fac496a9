package process

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The process package is the bottom layer of the engine: it must not reach
// the network, the engine or the API layers.
func TestForbiddenImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "net") || strings.Contains(path, "internal/supervisor") ||
				strings.Contains(path, "internal/xmlrpc") || strings.Contains(path, "internal/server") ||
				strings.Contains(path, "internal/logs") || strings.Contains(path, "internal/events") {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
