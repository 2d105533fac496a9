package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of the corpus")

// testInstances is a three-instance cluster: identifiers h1..h3:60000,
// nick names A..C, and the stereotype @front on h1 and h3.
type testInstances struct{}

var testIDs = []string{"h1:60000", "h2:60000", "h3:60000"}

func (testInstances) Known() []string { return append([]string(nil), testIDs...) }

func (testInstances) Filter(names []string) []string {
	var out []string
	add := func(id string) {
		for _, o := range out {
			if o == id {
				return
			}
		}
		out = append(out, id)
	}
	for _, n := range names {
		for i, id := range testIDs {
			if n == id || n == string(rune('A'+i)) || (n == "@front" && i != 1) {
				add(id)
			}
		}
	}
	return out
}

// logLines returns a logger whose records (without time) go to buf.
func logLines(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
}

var probeLine = regexp.MustCompile(`<!-- probe: ([^>]*)-->`)

// goldenResult is what a corpus file gives.
type goldenResult struct {
	Errors       []string         `json:"errors,omitempty"`
	Warnings     []string         `json:"warnings,omitempty"`
	Applications []map[string]any `json:"applications,omitempty"`
	Processes    []map[string]any `json:"processes,omitempty"`
	Log          []string         `json:"log,omitempty"`
}

// TestCorpus loads every file of testdata/{good,bad,strict}: good files
// must load, and the rules of the names in their probe comment are
// compared with testdata/golden; bad files break the schema and strict
// files break a check the schema cannot make: both must fail with errors
// naming file, line and element. Run with -update to rewrite the golden
// files.
func TestCorpus(t *testing.T) {
	for _, dir := range []string{"good", "bad", "strict"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.xml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no corpus in %s: %v", dir, err)
		}
		for _, file := range files {
			t.Run(dir+"/"+filepath.Base(file), func(t *testing.T) {
				got := runCorpusFile(t, file)
				if dir == "good" && len(got.Errors) > 0 {
					t.Fatalf("a good file fails:\n%s", strings.Join(got.Errors, "\n"))
				}
				if dir != "good" {
					if len(got.Errors) == 0 {
						t.Fatal("a bad file loads")
					}
					for _, e := range got.Errors {
						if !strings.HasPrefix(e, file+":") || !regexp.MustCompile(`^[^:]+:[0-9]+: `).MatchString(e) {
							t.Errorf("error does not name the file and line: %s", e)
						}
						if !strings.Contains(e, "element <") && !strings.Contains(e, "not well-formed") {
							t.Errorf("error does not name the element: %s", e)
						}
					}
				}
				compareGolden(t, filepath.Join("testdata", "golden", dir, strings.TrimSuffix(filepath.Base(file), ".xml")+".json"), got)
			})
		}
	}
}

func runCorpusFile(t *testing.T, file string) goldenResult {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	r, err := Parse([]Source{{Name: file, Data: data}}, Options{Instances: testInstances{}, Logger: logLines(&logs)})
	var res goldenResult
	if err != nil {
		for _, e := range unwrapAll(err) {
			res.Errors = append(res.Errors, e.Error())
		}
		return res
	}
	for _, w := range r.Warnings() {
		res.Warnings = append(res.Warnings, w.Error())
	}
	logs.Reset()
	if m := probeLine.FindSubmatch(data); m != nil {
		for _, probe := range strings.Fields(string(m[1])) {
			if app, proc, ok := strings.Cut(probe, ":"); ok {
				p := r.Program(app, proc)
				s := p.Serial()
				s["at_identifiers"], s["hash_identifiers"] = nonNil(p.AtIdentifiers), nonNil(p.HashIdentifiers)
				s["source"], s["from_pattern"] = p.Source, p.FromPattern
				res.Processes = append(res.Processes, s)
			} else {
				a := r.Application(probe)
				s := a.Serial()
				s["source"] = a.Source
				res.Applications = append(res.Applications, s)
			}
		}
	}
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		if line != "" {
			res.Log = append(res.Log, line)
		}
	}
	return res
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	var re *Error
	if errors.As(err, &re) {
		return []error{re}
	}
	return []error{err}
}

func compareGolden(t *testing.T, path string, got goldenResult) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, data) {
		t.Errorf("%s differs (run go test -update after checking the change):\n%s", path, data)
	}
}
