package rules

import (
	"encoding/xml"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// xsdNode is enough of an XML Schema document to read element names,
// types and enumerations.
type xsdNode struct {
	XMLName  xml.Name
	Name     string     `xml:"name,attr"`
	Type     string     `xml:"type,attr"`
	Value    string     `xml:"value,attr"`
	Children []*xsdNode `xml:",any"`
}

func (n *xsdNode) find(local, name string) *xsdNode {
	if n.XMLName.Local == local && n.Name == name {
		return n
	}
	for _, c := range n.Children {
		if f := c.find(local, name); f != nil {
			return f
		}
	}
	return nil
}

// elements lists the xs:element children (at any depth) of n by name.
func (n *xsdNode) elements() map[string]string {
	out := map[string]string{}
	var walk func(*xsdNode)
	walk = func(x *xsdNode) {
		for _, c := range x.Children {
			if c.XMLName.Local == "element" {
				out[c.Name] = c.Type
				continue
			}
			walk(c)
		}
	}
	walk(n)
	return out
}

func (n *xsdNode) enumeration() []string {
	var out []string
	var walk func(*xsdNode)
	walk = func(x *xsdNode) {
		if x.XMLName.Local == "enumeration" {
			out = append(out, x.Value)
		}
		for _, c := range x.Children {
			walk(c)
		}
	}
	walk(n)
	return out
}

// TestSchemaFileMatchesValidator keeps rules/rules.xsd and the Go
// validator in step: the same elements with the same kinds of values.
func TestSchemaFileMatchesValidator(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "rules", "rules.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	var schema xsdNode
	if err := xml.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	kindOfType := map[string]leafKind{
		"xs:string": kindString, "xs:byte": kindByte, "xs:boolean": kindBoolean, "PercentType": kindLoading,
		"DistributionType": kindDistribution, "StartingStrategyType": kindStartingStrategy,
		"StartingFailureType": kindStartingFailure, "RunningFailureType": kindRunningFailure,
	}
	check := func(typeName string, want map[string]leafKind, extra ...string) {
		ct := schema.find("complexType", typeName)
		if ct == nil {
			t.Fatalf("rules.xsd has no complexType %s", typeName)
		}
		got := ct.elements()
		var names []string
		for name, typ := range got {
			if slices.Contains(extra, name) {
				continue
			}
			names = append(names, name)
			if k, ok := want[name]; !ok || kindOfType[typ] != k {
				t.Errorf("%s: element %s of type %s is not validated as such", typeName, name, typ)
			}
		}
		if len(names) != len(want) {
			t.Errorf("%s: schema elements %v, validator elements %v", typeName, names, slices.Collect(maps.Keys(want)))
		}
	}
	check("ProgramRulesType", programLeaves)
	check("ApplicationRulesType", applicationLeaves, "programs")
	for typ, names := range map[string][]string{
		"DistributionType": distributionNames, "StartingStrategyType": startingStrategyNames,
		"StartingFailureType": startingFailureNames, "RunningFailureType": runningFailureNames,
	} {
		st := schema.find("simpleType", typ)
		if st == nil {
			t.Fatalf("rules.xsd has no simpleType %s", typ)
		}
		got := st.enumeration()
		slices.Sort(got)
		want := slices.Sorted(slices.Values(names))
		if !slices.Equal(got, want) {
			t.Errorf("%s: schema %v, validator %v", typ, got, want)
		}
	}
	if root := schema.find("element", "root"); root == nil || len(root.elements()) != 3 {
		t.Error("rules.xsd: <root> must hold alias, model and application")
	}
}

// FuzzParse checks the loader on arbitrary documents: exactly one of
// rules and error is set, every error is positioned in the file, and the
// rules of any application or process can be computed.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"good", "bad", "strict"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.xml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, "app_1", "proc_01")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, app, proc string) {
		r, err := Parse([]Source{{Name: "fuzz.xml", Data: data}}, Options{Instances: testInstances{}})
		if (r == nil) == (err == nil) {
			t.Fatalf("Parse gave rules %v and error %v", r != nil, err)
		}
		if err != nil {
			lines := strings.Count(string(data), "\n") + 1
			for _, e := range unwrapAll(err) {
				var re *Error
				if !errors.As(e, &re) || re.File != "fuzz.xml" || re.Line < 1 || re.Line > lines {
					t.Fatalf("error without a valid position: %v", e)
				}
			}
			return
		}
		for _, name := range []string{app, "movies", "web_1", ""} {
			a := r.Application(name)
			if a.StopSequence < 0 || a.Name != name {
				t.Fatalf("application %q: %+v", name, a)
			}
			p := r.Program(name, proc)
			if p.StopSequence < 0 || (p.Required && p.StartSequence == 0) {
				t.Fatalf("process %q:%q: %+v", name, proc, p)
			}
			if a.Formula != nil {
				_, _ = a.Formula.Eval([]string{proc, "a", "b"}, func(string) bool { return true })
			}
		}
	})
}
