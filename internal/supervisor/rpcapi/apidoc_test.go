package rpcapi

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestAPIDocListsEveryMethod keeps docs/api.md true: every supervisor.*
// method (the table that TestSignatures checks against the registered
// dispatcher) appears there with its return type and parameter types.
func TestAPIDocListsEveryMethod(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/signatures.json")
	if err != nil {
		t.Fatal(err)
	}
	var sigs map[string][]string
	if err := json.Unmarshal(raw, &sigs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(doc), "\n")
	for name, sig := range sigs {
		var row string
		for _, l := range lines {
			if strings.HasPrefix(l, "| `"+name+"` |") {
				row = l
				break
			}
		}
		if row == "" {
			t.Errorf("docs/api.md has no row for %s", name)
			continue
		}
		cells := strings.Split(row, "|")
		signature := strings.Trim(strings.TrimSpace(cells[2]), "`")
		var types []string
		if open := strings.Index(signature, "("); open > 0 {
			types = append(types, signature[:open])
			for _, p := range strings.Split(strings.TrimSuffix(signature[open+1:], ")"), ",") {
				if p = strings.TrimSpace(p); p != "" {
					_, typ, _ := strings.Cut(p, ": ")
					types = append(types, typ)
				}
			}
		}
		if strings.Join(types, ",") != strings.Join(sig, ",") {
			t.Errorf("docs/api.md gives %s as %q, the daemon as %v", name, signature, sig)
		}
	}
}
