package rules

import (
	"errors"
	"slices"
	"testing"
)

func TestParseFormula(t *testing.T) {
	valid := []struct{ text, source string }{
		{`'a'`, `'a'`},
		{`  "a"  `, `"a"`},
		{`all('.*')`, `all('.*')`},
		{`all("register.*") and any('movie.*')`, `all("register.*") and any('movie.*')`},
		{`not not 'a' or ('b' and 'c')`, ``},
		{"any(\n  'a'\n  'b',\n)", ``},
		{`'a' # trailing comment`, ``},
		{`'a';`, ``},
		{`r'\d+' u"x" '''y''' """z"""`, ``},
		{"'a' and \\\n 'b'", ``},
		{`'\x41\101\u0041\n\d'`, ``},
	}
	for _, c := range valid {
		f, err := ParseFormula(c.text)
		if err != nil || f == nil {
			t.Errorf("ParseFormula(%q) = %v, %v; want a formula", c.text, f, err)
			continue
		}
		if c.source != "" && f.String() != c.source {
			t.Errorf("ParseFormula(%q).String() = %q, want %q", c.text, f.String(), c.source)
		}
	}
	if f, err := ParseFormula(" \n\t "); f != nil || err != nil {
		t.Errorf("blank formula = %v, %v; want no formula and no error", f, err)
	}
	invalid := []struct {
		text string
		col  int
	}{
		{`all(".*" and`, 13},
		{`"a" == "b"`, 5},
		{"'a'\n'b'", 5},
		{`any(True)`, 5},
		{`len('a')`, 1},
		{`all()`, 5},
		{`all('a', 'b')`, 10},
		{`any`, 4},
		{`'a' and`, 8},
		{`('a'`, 5},
		{`'a')`, 4},
		{`'abc`, 1},
		{`b'a'`, 1},
		{`f'a'`, 1},
		{`'\N{DASH}'`, 2},
		{`'\x4'`, 2},
		{`1`, 1},
		{`'a' 'b' and or`, 13},
		{`'a';'b'`, 5},
		{"'a' and\n'b'", 9},
	}
	for _, c := range invalid {
		f, err := ParseFormula(c.text)
		var fe *FormulaError
		if !errors.As(err, &fe) {
			t.Errorf("ParseFormula(%q) = %v, %v; want a FormulaError", c.text, f, err)
			continue
		}
		if fe.Col != c.col {
			t.Errorf("ParseFormula(%q): column %d (%v), want %d", c.text, fe.Col, err, c.col)
		}
	}
}

func TestFormulaEval(t *testing.T) {
	processes := []string{"web_1", "web_2", "db", "cache", "a|b", "x.y"}
	up := map[string]bool{"web_1": true, "web_2": false, "db": true, "cache": false, "a|b": true, "x.y": false}
	ok := func(name string) bool { return up[name] }
	cases := []struct {
		formula string
		want    bool
		err     bool
	}{
		{`'db'`, true, false},
		{`'cache'`, false, false},
		{`not 'cache'`, true, false},
		{`any('web_.*')`, true, false},
		{`all('web_.*')`, false, false},
		{`all('web_1')`, true, false},
		{`'web_1' and 'db'`, true, false},
		{`'web_2' or 'cache'`, false, false},
		// a pattern that matches one process gives a plain status
		{`'d.'`, true, false},
		// a pattern that matches several needs any() or all()
		{`'web_.*'`, false, true},
		{`'web_.*' and 'db'`, false, true},
		{`not 'web_.*'`, false, true},
		// no match at all is an error, even under or
		{`'db' or 'nothing'`, false, true},
		{`any('nothing.*')`, false, true},
		// an exact name wins over the same text read as an expression
		{`'a|b'`, true, false},
		{`'x.y'`, false, false},
		// the expression is wrapped as ^...$ without a group, as Supvisors
		// does: "c|db" reads "starts with c, or ends with db" (2 matches)
		{`all('c|db')`, false, false},
		{`any(any('web_.*'))`, true, false},
		{`all('web_(1|2)') or all('db')`, true, false},
		// not a valid expression: only the exact name could match
		{`'web_('`, false, true},
	}
	for _, c := range cases {
		f, err := ParseFormula(c.formula)
		if err != nil {
			t.Fatalf("ParseFormula(%q): %v", c.formula, err)
		}
		got, err := f.Eval(processes, ok)
		if c.err {
			var ee *EvalError
			if !errors.As(err, &ee) {
				t.Errorf("Eval(%q) = %v, %v; want an EvalError", c.formula, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Eval(%q) = %v, %v; want %v", c.formula, got, err, c.want)
		}
	}
}

// FuzzFormula checks that parsing and evaluating never panic, that a
// parsed formula evaluates with a result or an EvalError, and that its
// text parses again.
func FuzzFormula(f *testing.F) {
	for _, s := range []string{`all('.*')`, `all("register.*") and any('movie.*')`, `not ('a' or "b")`,
		`any(r'\d' u'x',)`, "'a' # c\n", `'''a'b'''`, `'\x41'`, `(((`, `'a' and`} {
		f.Add(s)
	}
	processes := []string{"a", "b", "movie_1", "movie_2", "register_1", "x1"}
	f.Fuzz(func(t *testing.T, text string) {
		formula, err := ParseFormula(text)
		if err != nil {
			var fe *FormulaError
			if !errors.As(err, &fe) || fe.Col < 1 {
				t.Fatalf("ParseFormula(%q): error %v is not a positioned FormulaError", text, err)
			}
			if formula != nil {
				t.Fatalf("ParseFormula(%q): both a formula and an error", text)
			}
			return
		}
		if formula == nil {
			return
		}
		_, err = formula.Eval(processes, func(name string) bool { return slices.Index(processes, name)%2 == 0 })
		var ee *EvalError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("Eval(%q): unexpected error type %T", text, err)
		}
		if _, err := ParseFormula(formula.String()); err != nil {
			t.Fatalf("the text %q of a parsed formula does not parse: %v", formula.String(), err)
		}
	})
}
