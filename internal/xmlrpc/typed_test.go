package xmlrpc

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

type testInfo struct {
	Name      string    `xmlrpc:"name"`
	PID       int       `xmlrpc:"pid"`
	Running   bool      `xmlrpc:"running"`
	Load      float64   `xmlrpc:"load"`
	Codes     []int     `xmlrpc:"exitcodes"`
	Started   time.Time `xmlrpc:"start"`
	Raw       []byte    `xmlrpc:"raw"`
	Extra     map[string]string
	Child     *testInfo `xmlrpc:"child"`
	Skipped   string    `xmlrpc:"-"`
	unexposed int
}

func TestGoStructsRoundTrip(t *testing.T) {
	in := testInfo{Name: "p", PID: 12, Running: true, Load: 0.5, Codes: []int{0, 2},
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Raw: []byte{1, 2}, Extra: map[string]string{"k": "v"},
		Child: &testInfo{Name: "c", Codes: []int{}, Raw: []byte{}, Extra: map[string]string{}}, Skipped: "x", unexposed: 3}
	doc, err := AppendResponse(nil, []testInfo{in})
	if err != nil {
		t.Fatal(err)
	}
	// Members follow field order, as Python's insertion order would.
	if i, j := bytes.Index(doc, []byte("<name>name</name>")), bytes.Index(doc, []byte("<name>pid</name>")); i < 0 || j < i {
		t.Errorf("member order not kept:\n%s", doc)
	}
	if bytes.Contains(doc, []byte("Skipped")) || bytes.Contains(doc, []byte("unexposed")) {
		t.Errorf("skipped fields encoded:\n%s", doc)
	}
	v, err := DecodeResponse(bytes.NewReader(doc), testLimit)
	if err != nil {
		t.Fatal(err)
	}
	var out []testInfo
	if err := Unmarshal(v, &out); err != nil {
		t.Fatal(err)
	}
	in.Skipped, in.unexposed = "", 0
	if len(out) != 1 {
		t.Fatalf("got %d values, want 1", len(out))
	}
	if !reflect.DeepEqual(out[0], in) {
		t.Errorf("got %+v (child %+v)\nwant %+v (child %+v)", out[0], out[0].Child, in, in.Child)
	}
}

func TestUnmarshalMismatches(t *testing.T) {
	var info testInfo
	for _, src := range []any{
		"not a struct",
		map[string]any{"pid": "12"},
		map[string]any{"name": 1},
		map[string]any{"exitcodes": []any{"x"}},
		map[string]any{"running": 1},
		map[string]any{"start": "yesterday"},
	} {
		if err := Unmarshal(src, &info); err == nil {
			t.Errorf("Unmarshal(%#v) succeeded", src)
		}
	}
	var small int8
	if err := Unmarshal(300, &small); err == nil || !strings.Contains(err.Error(), "int8") {
		t.Errorf("overflow: %v", err)
	}
	if err := Unmarshal(1, info); err == nil {
		t.Error("Unmarshal into a non-pointer succeeded")
	}
	var anything any
	if err := Unmarshal([]any{1}, &anything); err != nil || !reflect.DeepEqual(anything, []any{1}) {
		t.Errorf("Unmarshal into any: %v %v", anything, err)
	}
}
