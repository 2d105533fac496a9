package api

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

func readSignatures(t *testing.T, path string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sigs map[string][]string
	if err := json.Unmarshal(raw, &sigs); err != nil {
		t.Fatal(err)
	}
	return sigs
}

// completed are the methods whose signature Supvisors' docstring parser
// gets wrong (nothing at all, or end_sync without its parameter), and
// that we complete: docs/api.md says so.
var completed = []string{
	"supvisors.end_sync", "supvisors.get_all_instances_state_modes", "supvisors.get_instance_info",
	"supvisors.get_instance_state_modes", "supvisors.get_master_identifier", "supvisors.get_network_info",
	"supvisors.get_strategies", "supvisors.test_start_process",
}

// TestMethodsAndSignatures compares what we publish with
// testdata/signatures.json, and that table with what Supvisors 0.19 answers
// (testdata/python_signatures.json, derived from its docstrings with its
// own parser), and the method names with the reference listMethods.
func TestMethodsAndSignatures(t *testing.T) {
	want := readSignatures(t, "testdata/signatures.json")
	python := readSignatures(t, "testdata/python_signatures.json")
	d := xmlrpc.NewDispatcher()
	Register(d, newFakeCluster(snapshotABC()), nil, Options{})
	ctx := context.Background()

	var got []string
	for _, n := range d.Names() {
		if strings.HasPrefix(n, Namespace) {
			got = append(got, n)
		}
	}
	var wantNames []string
	for n := range want {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)
	if !slices.Equal(got, wantNames) {
		t.Errorf("supvisors methods:\n got %v\nwant %v", got, wantNames)
	}

	ref := parseResponse(t, readRef(t, "A", "listMethods"))
	var listed []string
	for _, item := range ref.items {
		listed = append(listed, item.text)
	}
	for _, n := range got {
		if !slices.Contains(listed, n) && n != "supvisors.get_core_identifiers" {
			t.Errorf("%s is not a Supvisors 0.19 method (nor get_core_identifiers of 0.19.1)", n)
		}
		if _, ok := python[n]; !ok && n != "supvisors.get_core_identifiers" {
			t.Errorf("%s has no derived Python signature", n)
		}
	}

	for _, n := range got {
		sig, err := d.Call(ctx, "system.methodSignature", []any{n})
		switch {
		case want[n] == nil:
			wantFault(t, "methodSignature("+n+")", err, "SIGNATURE_UNSUPPORTED")
		case err != nil:
			t.Errorf("methodSignature(%s): %v", n, err)
		case !slices.Equal(sig.([]string), want[n]):
			t.Errorf("methodSignature(%s) = %v, want %v", n, sig, want[n])
		}
		if p, ok := python[n]; ok && !slices.Contains(completed, n) && !slices.Equal(p, want[n]) {
			t.Errorf("%s: signature %v, Supvisors gives %v", n, want[n], p)
		}
		if slices.Contains(completed, n) && slices.Equal(python[n], want[n]) {
			t.Errorf("%s is listed as completed but equals Supvisors' signature", n)
		}
		help, err := d.Call(ctx, "system.methodHelp", []any{n})
		if err != nil || help == "" {
			t.Errorf("methodHelp(%s) = %q, %v", n, help, err)
		}
	}
}

// splitTop splits s at sep where no bracket is open.
func splitTop(s, sep string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 && strings.HasPrefix(s[i:], sep) {
			out = append(out, s[start:i])
			start = i + len(sep)
		}
	}
	return append(out, s[start:])
}

// TestAPIDocListsEveryMethod keeps the supvisors.* table of docs/api.md
// true to the registered signatures (Python type names contain commas, so
// the cells are split where no bracket is open).
func TestAPIDocListsEveryMethod(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	want := readSignatures(t, "testdata/signatures.json")
	lines := strings.Split(string(doc), "\n")
	for name, sig := range want {
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
		cells := splitTop(row, "|")
		signature := strings.Trim(strings.TrimSpace(cells[2]), "`")
		var types []string
		if open := strings.Index(signature, "("); open > 0 {
			types = append(types, signature[:open])
			for _, p := range splitTop(strings.TrimSuffix(signature[open+1:], ")"), ", ") {
				if p = strings.TrimSpace(p); p != "" {
					_, typ, _ := strings.Cut(p, ": ")
					types = append(types, typ)
				}
			}
		} else if signature != "-" {
			t.Errorf("docs/api.md: %s signature %q is neither a signature nor -", name, signature)
		}
		if strings.Join(types, ",") != strings.Join(sig, ",") {
			t.Errorf("docs/api.md gives %s as %q, the daemon as %v", name, signature, sig)
		}
	}
	if !bytes.Contains(doc, []byte("## supvisors.*")) {
		t.Errorf("docs/api.md has no supvisors.* section")
	}
}
