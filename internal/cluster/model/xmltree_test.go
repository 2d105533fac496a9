package model

import (
	"bytes"
	"encoding/xml"
	"fmt"

	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// node is an XML-RPC value read from XML with its members in document
// order, so that answers are compared on member order and on types
// (<int> against <double>), which a decoded map would hide.
type node struct {
	kind    string // int, double, string, boolean, array, struct, fault
	text    string
	names   []string
	members []*node // struct members, array items
}

func (n *node) member(name string) *node {
	for i, m := range n.names {
		if m == name {
			return n.members[i]
		}
	}
	return nil
}

func (n *node) String() string {
	switch n.kind {
	case "array":
		parts := make([]string, len(n.members))
		for i, m := range n.members {
			parts[i] = m.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case "struct", "fault":
		parts := make([]string, len(n.members))
		for i, m := range n.members {
			parts[i] = n.names[i] + ": " + m.String()
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return n.kind + "(" + n.text + ")"
}

// parseResponse reads a methodResponse: its one param, or its fault.
func parseResponse(t *testing.T, data []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no value in response: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "value" {
			n, err := parseValue(d)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte("<fault>")) {
				n.kind = "fault"
			}
			return n
		}
	}
}

// parseValue reads the content of a <value> up to its end tag.
func parseValue(d *xml.Decoder) (*node, error) {
	n := &node{kind: "string"}
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch x := tok.(type) {
		case xml.CharData:
			text.Write(x)
		case xml.StartElement:
			switch x.Name.Local {
			case "int", "i4", "i8":
				n.kind = "int"
			case "double", "boolean", "string":
				n.kind = x.Name.Local
			case "array":
				n.kind = "array"
			case "struct":
				n.kind = "struct"
			case "name":
				var name string
				if err := d.DecodeElement(&name, &x); err != nil {
					return nil, err
				}
				n.names = append(n.names, name)
				continue
			case "value":
				child, err := parseValue(d)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, child)
				continue
			case "data", "member":
				continue
			}
			if n.kind != "array" && n.kind != "struct" {
				var s string
				if err := d.DecodeElement(&s, &x); err != nil {
					return nil, err
				}
				text.Reset()
				text.WriteString(s)
			}
		case xml.EndElement:
			if x.Name.Local == "value" {
				n.text = strings.TrimSpace(text.String())
				if n.kind == "array" || n.kind == "struct" {
					n.text = ""
				}
				return n, nil
			}
		}
	}
}

func readRef(t *testing.T, dir, name string) *node {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", dir, name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	return parseResponse(t, data)
}

// encode gives our value the XML a server sends, read back as a node.
func encode(t *testing.T, v any) *node {
	t.Helper()
	data, err := xmlrpc.AppendResponse(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return parseResponse(t, data)
}

// compareNodes checks that got has the shape of want (member names and
// order, types, array lengths) and the same values except for members
// named in loose, whose values depend on the run (times, pids).
func compareNodes(path string, got, want *node, loose map[string]bool) []string {
	if got.kind != want.kind {
		return []string{fmt.Sprintf("%s: %s, want %s", path, got, want)}
	}
	var diffs []string
	switch got.kind {
	case "struct":
		if strings.Join(got.names, ",") != strings.Join(want.names, ",") {
			return []string{fmt.Sprintf("%s: members %v, want %v", path, got.names, want.names)}
		}
		for i, name := range got.names {
			sub := path + "." + name
			if loose[name] {
				if got.members[i].kind != want.members[i].kind {
					diffs = append(diffs, fmt.Sprintf("%s: type %s, want %s", sub, got.members[i].kind, want.members[i].kind))
				}
				continue
			}
			diffs = append(diffs, compareNodes(sub, got.members[i], want.members[i], loose)...)
		}
	case "array":
		if len(got.members) != len(want.members) {
			return []string{fmt.Sprintf("%s: %s, want %s", path, got, want)}
		}
		for i := range got.members {
			diffs = append(diffs, compareNodes(fmt.Sprintf("%s[%d]", path, i), got.members[i], want.members[i], loose)...)
		}
	default:
		if got.text != want.text {
			diffs = append(diffs, fmt.Sprintf("%s: %s, want %s", path, got, want))
		}
	}
	return diffs
}
