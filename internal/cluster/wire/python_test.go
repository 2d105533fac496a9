package wire

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// systemPython is Debian's interpreter, the reference every Python
// cross-check of the project runs against. Outside CI a missing
// interpreter skips the cross-check; in CI it fails it.
const systemPython = "/usr/bin/python3"

func needPython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(systemPython); err != nil {
		t.Fatalf("%s is required (make deps installs it): %v", systemPython, err)
	}
}

// TestAgainstPythonJSON has Python's json.dumps re-encode documents we
// wrote (after json.loads) and requires the very same bytes: random floats
// over the whole range, integers, and strings with every kind of escape.
func TestAgainstPythonJSON(t *testing.T) {
	needPython(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var docs []string
	for range 400 {
		var f float64
		switch rng.IntN(4) {
		case 0:
			f = math.Float64frombits(rng.Uint64())
			if math.IsNaN(f) || math.IsInf(f, 0) {
				f = 1.5
			}
		case 1:
			f = rng.Float64() * math.Pow(10, float64(rng.IntN(40)-20))
		case 2:
			f = float64(rng.Int64N(1<<53)) / 1000
		default:
			f = math.Round(rng.NormFloat64() * 1e6)
		}
		s := string([]rune{rune(rng.IntN(0x80)), rune(rng.IntN(0x800)), rune(rng.IntN(0xd000)), rune(0x10000 + rng.IntN(0xfffff)), '"', '\\'})
		doc, err := appendJSON(nil, Object{{"f", f}, {"i", rng.Int64() - rng.Int64()}, {s, []any{s, true, nil}}})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(doc))
	}
	const script = `import json, sys
for line in sys.stdin.read().split("\n"):
    if line:
        print(json.dumps(json.loads(line)))
`
	cmd := exec.Command(systemPython, "-c", script)
	cmd.Stdin = strings.NewReader(strings.Join(docs, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(got) != len(docs) {
		t.Fatalf("python printed %d lines for %d documents", len(got), len(docs))
	}
	for i := range docs {
		if got[i] != docs[i] {
			t.Errorf("Python spells it differently:\n ours   %s\n python %s", docs[i], got[i])
		}
	}
}
