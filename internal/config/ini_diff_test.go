package config

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// requirePython returns the Debian Python that has the supervisor module.
// Outside CI a missing one skips the test; in CI it fails it.
func requirePython(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import supervisor.options").Run(); err != nil {
		t.Fatalf("%s with the supervisor module is required (make deps installs it): %v", python, err)
	}
	return python
}

// iniFragments are the pieces random documents are made of: every rule of
// the dialect and the characters Python counts as whitespace.
var iniFragments = []string{
	"[a]", "[b]", "[DEFAULT]", "[ a ]", "[x]]", "[]", "[c] junk", "[A]",
	"k=v", "K : v", "k= v ;c", "k=v;c", "k = a #b ;c", "k=a#b #c ;d", "=x", "novalue",
	"key:with=both", "k2=", "k3 = \"quoted ; not\" ;cut", "k4=tab\t;c", "multi=first",
	"  more", "\tmore ; c", "    deeper", "  [a]", "  k=v",
	"", "", "; comment", "# comment", "  ;indented", "  # indented",
	"\x0ck=formfeed", "k=nbsp\u00a0;c", "k=fs\x1c;c", "\u00a0k=v",
	"Ünï=cödé", "k=%(here)s", "k=%%",
	"k=cr\r", "k=crlf;x\r", "  cont\r", "[cr]\r", "k=a\rb=c",
}

func randomIni(r *rand.Rand) string {
	var b strings.Builder
	n := 1 + r.IntN(12)
	if r.IntN(4) > 0 {
		b.WriteString("[start]\n")
	}
	for range n {
		b.WriteString(iniFragments[r.IntN(len(iniFragments))])
		b.WriteString("\n")
	}
	if r.IntN(3) == 0 {
		b.WriteString("k=last line without newline")
	}
	return b.String()
}

// TestIniDifferential parses random documents with both our parser and
// Supervisor's UnhosedConfigParser and compares sections, keys, raw values
// and error texts.
func TestIniDifferential(t *testing.T) {
	python := requirePython(t)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	const count = 400
	var paths []string
	for i := range count {
		p := filepath.Join(dir, fmt.Sprintf("%03d.ini", i))
		if err := os.WriteFile(p, []byte(randomIni(r)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	script := `
import json, sys
from supervisor.options import UnhosedConfigParser
out = []
for path in sys.argv[1:]:
    p = UnhosedConfigParser()
    try:
        p.read(path)
    except Exception as e:
        out.append({"error": str(e)})
        continue
    out.append({
        "defaults": [[k, v] for k, v in p._defaults.items()],
        "sections": [[s, [[k, v] for k, v in p._sections[s].items()]] for s in p.sections()],
    })
print(json.dumps(out))
`
	cmd := exec.Command(python, append([]string{"-c", script}, paths...)...)
	cmd.Env = append(os.Environ(), "PYTHONUTF8=1")
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var want []map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		data, _ := os.ReadFile(p)
		doc := newIniDoc()
		got := map[string]any{}
		if err := doc.parseIni(p, data); err != nil {
			got["error"] = err.(*Error).Msg
		} else {
			pairs := func(s *iniSection) []any {
				out := []any{}
				for _, k := range s.keys {
					out = append(out, []any{k, s.values[k].value})
				}
				return out
			}
			secs := []any{}
			for _, s := range doc.sections {
				secs = append(secs, []any{s.name, pairs(s)})
			}
			got["defaults"], got["sections"] = pairs(doc.defaults), secs
		}
		gotJSON := normalizeJSON(t, got, "", "")
		if !reflect.DeepEqual(gotJSON, normalizeJSON(t, want[i], "", "")) {
			t.Errorf("%s differs from configparser\ninput:\n%s\n--- got\n%s--- want\n%s", filepath.Base(p), data, pretty(gotJSON), pretty(want[i]))
		}
	}
}

// TestPyFormatDifferential compares %-expansion with Python's own %
// operator over many format strings.
func TestPyFormatDifferential(t *testing.T) {
	python := requirePython(t)
	pieces := []string{"%(s)s", "%(n)d", "%(n)02d", "%(n)-4d", "%(n)+5d", "%(n) d", "%(n)x", "%(n)#X", "%(n)#o",
		"%(n).3f", "%(n)10.2e", "%(n)g", "%(n)#g", "%(s)r", "%(q)r", "%(u)r", "%(u)a", "%(s)10s", "%(s)-10s|",
		"%(s).1s", "%(n)c", "%(s)d", "%(s)c", "%(n)5%", "%%", "%(", "%(s)", "%q", "%(n)ld", "%(n)hd", "%(n)i",
		"%(neg)05d", "%(neg)x", "%(neg)#x", "%(big)d", "%(big)e", "%(n)08.3f", "%(n)-08d", "text", " ", "%(n)%",
		"%(s)z", "%(nope)s", "%(n)u", "%(n)5c", "%(s)*d", "%(n).0f", "%(n)+.2e", "%(neg)g"}
	r := rand.New(rand.NewPCG(3, 4))
	var formats []string
	for range 600 {
		var b strings.Builder
		for range 1 + r.IntN(3) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		formats = append(formats, b.String())
	}
	vars := expansions{"s": strVal("val"), "q": strVal("it's"), "u": strVal("héllo\t"), "n": intVal(7),
		"neg": intVal(-42), "big": intVal(123456789)}
	script := `
import json, sys
d = {"s": "val", "q": "it's", "u": "h\u00e9llo\t", "n": 7, "neg": -42, "big": 123456789}
out = []
for f in json.load(sys.stdin):
    try:
        out.append({"ok": f % d})
    except KeyError as e:
        out.append({"key": str(e)})
    except Exception as e:
        out.append({"err": str(e)})
print(json.dumps(out))
`
	in, _ := json.Marshal(formats)
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var want []map[string]string
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for i, f := range formats {
		out, err := pyFormat(f, scope{vars})
		got := map[string]string{"ok": out}
		if ke, ok := err.(keyError); ok {
			got = map[string]string{"key": ke.Error()}
		} else if err != nil {
			got = map[string]string{"err": err.Error()}
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("format %q: got %v, Python %v", f, got, want[i])
		}
	}
}
