package api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
)

// node is an XML-RPC value parsed with its struct members in document
// order, so that two answers can be compared for keys, key order and value
// types (the generic decoder gives maps, which lose the order).
type node struct {
	kind    string // int, i4, boolean, string, double, array, struct, fault...
	text    string // scalars
	items   []node // array
	members []member
}

type member struct {
	name  string
	value node
}

// parseResponse parses a methodResponse into its one value; a fault
// becomes a node of kind "fault" holding the fault struct.
func parseResponse(t *testing.T, doc []byte) node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no value in response: %v\n%s", err, doc)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "fault":
			v, err := parseValue(d)
			if err != nil {
				t.Fatalf("bad fault: %v\n%s", err, doc)
			}
			return node{kind: "fault", items: []node{v}}
		case "param":
			v, err := parseValue(d)
			if err != nil {
				t.Fatalf("bad value: %v\n%s", err, doc)
			}
			return v
		}
	}
}

// parseValue reads from just before a <value> to just after its end.
func parseValue(d *xml.Decoder) (node, error) {
	if _, err := nextStart(d, "value"); err != nil {
		return node{}, err
	}
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return node{}, err
		}
		switch x := tok.(type) {
		case xml.CharData:
			text.Write(x)
		case xml.EndElement: // </value> with no type: a string
			return node{kind: "string", text: text.String()}, nil
		case xml.StartElement:
			n := node{kind: x.Name.Local}
			switch n.kind {
			case "array":
				if _, err := nextStart(d, "data"); err != nil {
					return n, err
				}
				for {
					v, err := parseValue(d)
					if err == errEnd {
						break
					}
					if err != nil {
						return n, err
					}
					n.items = append(n.items, v)
				}
				if err := skipEnd(d, "array"); err != nil {
					return n, err
				}
			case "struct":
				for {
					_, err := nextStart(d, "member")
					if err == errEnd {
						break
					}
					if err != nil {
						return n, err
					}
					if _, err := nextStart(d, "name"); err != nil {
						return n, err
					}
					var name string
					if err := d.DecodeElement(&name, &xml.StartElement{Name: xml.Name{Local: "name"}}); err != nil {
						return n, err
					}
					v, err := parseValue(d)
					if err != nil {
						return n, err
					}
					n.members = append(n.members, member{name, v})
					if err := skipEnd(d, "member"); err != nil {
						return n, err
					}
				}
			default:
				var s string
				if err := d.DecodeElement(&s, &x); err != nil {
					return n, err
				}
				n.text = s
			}
			return n, skipEnd(d, "value")
		}
	}
}

var errEnd = fmt.Errorf("end of container")

// nextStart skips to the next start element, which must be name; an end
// element first gives errEnd.
func nextStart(d *xml.Decoder, name string) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local != name {
				return x, fmt.Errorf("<%s> where <%s> was expected", x.Name.Local, name)
			}
			return x, nil
		case xml.EndElement:
			return xml.StartElement{}, errEnd
		}
	}
}

func skipEnd(d *xml.Decoder, name string) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return fmt.Errorf("no </%s>", name)
		}
		if err != nil {
			return err
		}
		if x, ok := tok.(xml.EndElement); ok {
			if x.Name.Local != name {
				return fmt.Errorf("</%s> where </%s> was expected", x.Name.Local, name)
			}
			return nil
		}
	}
}

// kindOf folds the spellings of one XML-RPC type.
func kindOf(n node) string {
	if n.kind == "i4" {
		return "int"
	}
	return n.kind
}

// sameShape reports the first difference of keys, key order or types
// between got and want. Each item of an array is compared with the first
// item of the other side's array, so that lists of different lengths
// still compare their records.
func sameShape(got, want node, path string) error {
	if kindOf(got) != kindOf(want) {
		return fmt.Errorf("%s: %s, want %s", path, kindOf(got), kindOf(want))
	}
	switch got.kind {
	case "array":
		if len(want.items) == 0 || len(got.items) == 0 {
			return nil
		}
		for i, item := range got.items {
			if err := sameShape(item, want.items[0], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case "struct", "fault":
		if got.kind == "fault" {
			return sameShape(got.items[0], want.items[0], path+".fault")
		}
		if len(got.members) != len(want.members) {
			return fmt.Errorf("%s: keys %v, want %v", path, keys(got), keys(want))
		}
		for i := range got.members {
			if got.members[i].name != want.members[i].name {
				return fmt.Errorf("%s: keys %v, want %v", path, keys(got), keys(want))
			}
			if err := sameShape(got.members[i].value, want.members[i].value, path+"."+got.members[i].name); err != nil {
				return err
			}
		}
	}
	return nil
}

func keys(n node) []string {
	out := make([]string, len(n.members))
	for i, m := range n.members {
		out[i] = m.name
	}
	return out
}

func TestSameShapeFindsDifferences(t *testing.T) {
	parse := func(s string) node {
		return parseResponse(t, []byte("<?xml version='1.0'?>\n<methodResponse><params><param>"+s+"</param></params></methodResponse>"))
	}
	a := parse("<value><struct><member><name>a</name><value><int>1</int></value></member>" +
		"<member><name>b</name><value><array><data><value>x</value></data></array></value></member></struct></value>")
	if err := sameShape(a, a, "$"); err != nil {
		t.Errorf("same value differs: %v", err)
	}
	for _, other := range []string{
		"<value><struct><member><name>b</name><value><array><data></data></array></value></member>" +
			"<member><name>a</name><value><i4>1</i4></value></member></struct></value>",
		"<value><struct><member><name>a</name><value><double>1.0</double></value></member>" +
			"<member><name>b</name><value><array><data></data></array></value></member></struct></value>",
		"<value><struct><member><name>a</name><value><i4>1</i4></value></member>" +
			"<member><name>b</name><value><array><data><value><int>2</int></value></data></array></value></member></struct></value>",
	} {
		if err := sameShape(parse(other), a, "$"); err == nil {
			t.Errorf("no difference found with %s", other)
		}
	}
}
