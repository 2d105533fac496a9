package rules

import (
	"encoding/xml"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/options"
)

// Error is one problem found in a rules file. The same type carries the
// warnings (problems Supvisors logs and repairs) and the errors that stop
// Load.
type Error struct {
	File    string
	Line    int
	Element string
	Msg     string
}

// Error writes file:line: element <name>: message (without the element
// part for a document that is not well-formed XML).
func (e *Error) Error() string {
	if e.Element == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: element <%s>: %s", e.File, e.Line, e.Element, e.Msg)
}

// The namespace of the schema-instance attributes, which a schema
// validator accepts on any element.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// leafKind is the simple type of a leaf element of the schema.
type leafKind int

const (
	kindString leafKind = iota
	kindByte
	kindBoolean
	kindLoading
	kindDistribution
	kindStartingStrategy
	kindStartingFailure
	kindRunningFailure
)

// programLeaves are the children of <program> and <model> (ProgramModel).
var programLeaves = map[string]leafKind{
	"reference":                 kindString,
	"identifiers":               kindString,
	"start_sequence":            kindByte,
	"stop_sequence":             kindByte,
	"required":                  kindBoolean,
	"wait_exit":                 kindBoolean,
	"expected_loading":          kindLoading,
	"starting_failure_strategy": kindStartingFailure,
	"running_failure_strategy":  kindRunningFailure,
}

// applicationLeaves are the simple children of <application>
// (ApplicationModel); <programs> is handled apart.
var applicationLeaves = map[string]leafKind{
	"distribution":              kindDistribution,
	"identifiers":               kindString,
	"start_sequence":            kindByte,
	"stop_sequence":             kindByte,
	"starting_strategy":         kindStartingStrategy,
	"starting_failure_strategy": kindStartingFailure,
	"running_failure_strategy":  kindRunningFailure,
	"operational_status":        kindString,
}

// leaf is the validated text of a leaf element. Enumerations are kept as
// their code, integers as their value.
type leaf struct {
	text string
	num  int
	line int
}

// entry is a <program> or a <model> element (ProgramModel), or an
// <application> element (ApplicationModel, where programs is used).
type entry struct {
	file, tag  string
	line       int
	name       string
	hasName    bool
	pattern    string
	hasPattern bool
	// re is the compiled pattern, searched anywhere in the name.
	re     *regexp.Regexp
	leaves map[string]leaf
	// formula is the parsed operational_status of an application.
	formula *Formula
	// programs are the <program> children of an application, in document
	// order.
	programs []*entry
}

func (e *entry) label() string {
	if e.hasName {
		return e.name
	}
	return e.pattern
}

// alias is an <alias> element.
type alias struct {
	name   string
	values []string
	line   int
	// empty is true when the element has no text, which makes Supvisors
	// skip it.
	empty bool
}

// document is one validated rules file.
type document struct {
	file    string
	aliases []alias
	models  []*entry
	apps    []*entry
}

// checker validates one document and collects its problems.
type checker struct {
	file     string
	errs     []*Error
	warnings []*Error
}

func (c *checker) fail(line int, element, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.file, Line: line, Element: element, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) warn(line int, element, format string, args ...any) {
	c.warnings = append(c.warnings, &Error{File: c.file, Line: line, Element: element, Msg: fmt.Sprintf(format, args...)})
}

// validate checks one parsed tree against the schema and builds the
// document. It goes on after an error so that every problem of a file is
// reported at once.
func (c *checker) validate(root *node) *document {
	doc := &document{file: c.file}
	if root.name.Space != "" || root.name.Local != "root" {
		c.fail(root.line, qualified(root.name), "the document element must be <root> (without namespace)")
		return doc
	}
	c.checkAttributes(root, nil)
	c.noText(root)
	for _, child := range root.children {
		if child.name.Space != "" {
			c.fail(child.line, qualified(child.name), "unexpected element in <root> (elements have no namespace)")
			continue
		}
		switch child.name.Local {
		case "alias":
			if a, ok := c.alias(child); ok {
				doc.aliases = append(doc.aliases, a)
			}
		case "model":
			doc.models = append(doc.models, c.program(child))
		case "application":
			doc.apps = append(doc.apps, c.application(child))
		default:
			c.fail(child.line, child.name.Local, "unexpected element in <root>: expected <alias>, <model> or <application>")
		}
	}
	return doc
}

// wellKnownPrefixes name the namespaces a reader expects by their usual
// prefix rather than their URI.
var wellKnownPrefixes = map[string]string{
	"http://www.w3.org/XML/1998/namespace":      "xml",
	"http://www.w3.org/2001/XMLSchema-instance": "xsi",
}

// qualified writes an element or attribute name with its namespace, if
// any.
func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	if p, ok := wellKnownPrefixes[n.Space]; ok {
		return p + ":" + n.Local
	}
	return n.Space + ":" + n.Local
}

// checkAttributes reports any attribute not in allowed. Namespace
// declarations are not attributes, and the schema-instance location
// hints are accepted everywhere, as schema validators do.
func (c *checker) checkAttributes(n *node, allowed []string) {
	for _, a := range n.attrs {
		switch {
		case a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns"):
		case a.Name.Space == xsiNamespace && (a.Name.Local == "schemaLocation" || a.Name.Local == "noNamespaceSchemaLocation"):
		case a.Name.Space == "" && slices.Contains(allowed, a.Name.Local):
		default:
			name := qualified(a.Name)
			c.fail(n.line, n.name.Local, "attribute %q is not allowed", name)
		}
	}
}

// noText reports character data in an element that may only hold
// elements.
func (c *checker) noText(n *node) {
	if n.hasText {
		c.fail(n.textLine, n.name.Local, "text is not allowed here, only elements")
	}
}

// noChildren reports elements inside an element of simple type.
func (c *checker) noChildren(n *node) bool {
	if len(n.children) > 0 {
		c.fail(n.children[0].line, n.name.Local, "element <%s> is not allowed inside <%s>, which only holds text", n.children[0].name.Local, n.name.Local)
		return false
	}
	return true
}

func (c *checker) alias(n *node) (alias, bool) {
	c.checkAttributes(n, []string{"name"})
	name, ok := n.attr("name")
	if !ok {
		c.fail(n.line, "alias", "the attribute \"name\" is required")
	}
	if !c.noChildren(n) || !ok {
		return alias{}, false
	}
	text := n.text.String()
	a := alias{name: name, line: n.line, empty: text == ""}
	if a.empty {
		c.warn(n.line, "alias", "alias %q has no value and is ignored", name)
	}
	a.values = listOfStrings(text)
	return a, true
}

// program validates a <program> or <model> element.
func (c *checker) program(n *node) *entry {
	e := c.named(n)
	c.noText(n)
	for _, child := range n.children {
		c.leafChild(e, child, programLeaves)
	}
	if n.name.Local == "model" && !e.hasName {
		c.warn(n.line, "model", "a model without a name cannot be referenced and is ignored")
	}
	return e
}

func (c *checker) application(n *node) *entry {
	e := c.named(n)
	c.noText(n)
	seenPrograms := false
	for _, child := range n.children {
		if child.name.Space == "" && child.name.Local == "programs" {
			if seenPrograms {
				c.fail(child.line, "programs", "element <programs> appears more than once in <application>")
				continue
			}
			seenPrograms = true
			c.checkAttributes(child, nil)
			c.noText(child)
			for _, p := range child.children {
				if p.name.Space != "" || p.name.Local != "program" {
					c.fail(p.line, qualified(p.name), "unexpected element in <programs>: expected <program>")
					continue
				}
				e.programs = append(e.programs, c.program(p))
			}
			continue
		}
		c.leafChild(e, child, applicationLeaves)
	}
	if src, ok := e.leaves["operational_status"]; ok {
		f, err := ParseFormula(src.text)
		switch {
		case err != nil:
			c.fail(src.line, "operational_status", "%v", err)
		case f != nil:
			e.formula = f
		}
	}
	return e
}

// named reads the name and pattern attributes shared by <application>,
// <program> and <model>.
func (c *checker) named(n *node) *entry {
	e := &entry{file: c.file, tag: n.name.Local, line: n.line, leaves: map[string]leaf{}}
	c.checkAttributes(n, []string{"name", "pattern"})
	e.name, e.hasName = n.attr("name")
	e.pattern, e.hasPattern = n.attr("pattern")
	if e.hasPattern {
		// Supvisors searches "(pattern)", so a pattern is whatever makes
		// that expression valid.
		re, err := regexp.Compile("(" + e.pattern + ")")
		if err != nil {
			c.fail(n.line, e.tag, "pattern %q is not a valid regular expression: %v", e.pattern, err)
		} else {
			e.re = re
		}
	}
	if !e.hasName && !e.hasPattern && e.tag != "model" {
		c.warn(n.line, e.tag, "neither name nor pattern is set: the element is ignored")
	}
	return e
}

// leafChild validates one child of an xs:all group of leaves.
func (c *checker) leafChild(e *entry, n *node, allowed map[string]leafKind) {
	kind, ok := allowed[n.name.Local]
	if n.name.Space != "" || !ok {
		c.fail(n.line, qualified(n.name), "unexpected element in <%s>", e.tag)
		return
	}
	if _, dup := e.leaves[n.name.Local]; dup {
		c.fail(n.line, n.name.Local, "element <%s> appears more than once in <%s>", n.name.Local, e.tag)
		return
	}
	c.checkAttributes(n, nil)
	if !c.noChildren(n) {
		return
	}
	text := n.text.String()
	lf := leaf{text: text, line: n.line}
	var valid bool
	switch kind {
	case kindString:
		valid = true
	case kindByte:
		lf.num, valid = parseXSDInteger(text, -128, 127)
		if !valid {
			c.fail(n.line, n.name.Local, "%q is not a valid xs:byte (an integer in [-128, 127])", text)
			return
		}
	case kindLoading:
		lf.num, valid = parseXSDInteger(text, -1<<31, 1<<31-1)
		if !valid || lf.num < 0 || lf.num > 100 {
			c.fail(n.line, n.name.Local, "%q is not a valid loading (an integer in [0, 100])", text)
			return
		}
	case kindBoolean:
		switch strings.Trim(text, " \t\r\n") {
		case "true", "1":
			lf.num, valid = 1, true
		case "false", "0":
			valid = true
		}
	case kindDistribution:
		lf.num = slices.Index(distributionNames, text)
	case kindStartingStrategy:
		lf.num = slices.Index(startingStrategyNames, text)
	case kindStartingFailure:
		lf.num = slices.Index(startingFailureNames, text)
	case kindRunningFailure:
		lf.num = slices.Index(runningFailureNames, text)
	}
	switch kind {
	case kindBoolean:
		if !valid {
			c.fail(n.line, n.name.Local, "%q is not a valid xs:boolean (true, false, 1 or 0)", text)
			return
		}
	case kindDistribution, kindStartingStrategy, kindStartingFailure, kindRunningFailure:
		if lf.num < 0 {
			c.fail(n.line, n.name.Local, "%q is not one of %s", text, strings.Join(enumNamesOf(kind), ", "))
			return
		}
	}
	e.leaves[n.name.Local] = lf
	c.semantics(e, n.name.Local, lf)
}

func enumNamesOf(kind leafKind) []string {
	switch kind {
	case kindDistribution:
		return distributionNames
	case kindStartingStrategy:
		return startingStrategyNames
	case kindStartingFailure:
		return startingFailureNames
	}
	return runningFailureNames
}

// semantics reports what the schema accepts but Supvisors' parser then
// ignores with a log line.
func (c *checker) semantics(e *entry, element string, lf leaf) {
	switch element {
	case "start_sequence", "stop_sequence":
		if lf.num < 0 {
			c.warn(lf.line, element, "%d is negative (expected an integer >= 0): the value is ignored", lf.num)
		}
	case "identifiers":
		if lf.text != "" && len(dedupe(listOfStrings(lf.text))) == 0 {
			c.warn(lf.line, element, "the list names no instance: %s %q can never be started", e.tag, e.label())
		}
	}
}

// xsdIntegerPattern is the lexical space of the XSD integer types. Blanks
// around the digits are refused: libxml2, which Supvisors validates with,
// does not collapse them for the integer types (it does for booleans).
var xsdIntegerPattern = regexp.MustCompile(`^[+-]?[0-9]+$`)

// parseXSDInteger checks an xs:integer-derived value within [lo, hi].
func parseXSDInteger(text string, lo, hi int) (int, bool) {
	s := text
	if !xsdIntegerPattern.MatchString(s) {
		return 0, false
	}
	v, ok := new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10)
	if !ok || !v.IsInt64() || v.Int64() < int64(lo) || v.Int64() > int64(hi) {
		return 0, false
	}
	return int(v.Int64()), true
}

// listOfStrings splits a comma-separated list and strips each item, as
// Supervisor's list_of_strings does (empty items are kept here and
// dropped by the callers).
func listOfStrings(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// dedupe drops empty items and duplicates, keeping the first occurrence.
func dedupe(items []string) []string {
	out := []string{}
	for _, it := range items {
		if it != "" && !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out
}

// startingStrategyOf converts a validated starting_strategy leaf.
func startingStrategyOf(lf leaf) options.StartingStrategy { return options.StartingStrategy(lf.num) }
