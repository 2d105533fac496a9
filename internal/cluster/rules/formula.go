package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Formula is a parsed operational_status formula: a Python-syntax boolean
// expression over process names. Its leaves are string literals naming a
// process of the application, or else a regular expression matched
// against whole process names; any(...) and all(...) consume the lists a
// regular expression yields, and and, or, not and parentheses combine
// booleans. A Formula is immutable and safe for concurrent use.
type Formula struct {
	source string
	root   formulaNode
}

// FormulaError is a formula that cannot be parsed: Col is the 1-based
// byte column in the formula (after its surrounding blanks are removed).
type FormulaError struct {
	Col int
	Msg string
}

func (e *FormulaError) Error() string {
	return fmt.Sprintf("operational_status formula: column %d: %s", e.Col, e.Msg)
}

// EvalError is a formula that cannot be evaluated against the current
// processes (a name that matches nothing, a list where a boolean is
// needed). Supvisors then reports the application as not operational.
type EvalError struct{ Msg string }

func (e *EvalError) Error() string { return "operational_status formula: " + e.Msg }

// String returns the formula as written (without surrounding blanks).
func (f *Formula) String() string { return f.source }

// ParseFormula parses a formula. Blank text gives a nil Formula and no
// error: no formula is set.
//
// The accepted language is the part of Python that Supvisors can
// evaluate: string literals (quotes ' " ”' """, prefixes r and u,
// adjacent literals concatenated), and, or, not, parentheses, any(x) and
// all(x) with one argument, and comments. Anything else, which Supvisors
// would accept when loading and then fail on at every evaluation, is an
// error here.
func ParseFormula(text string) (*Formula, error) {
	src := strings.Trim(text, " \t\r\n\f")
	if src == "" {
		return nil, nil
	}
	p := &formulaParser{lex: lexer{src: src}}
	p.next()
	root := p.or()
	if p.err == nil {
		if p.tok.kind == tokSemicolon {
			p.next()
		}
		if p.tok.kind != tokEOF {
			p.fail(p.tok.pos, "a single expression is expected, found %s", p.tok.describe())
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return &Formula{source: src, root: root}, nil
}

// Eval evaluates the formula. processes are the process names of the
// application; ok reports whether a process counts as operational
// (running-like, or exited with an expected code).
func (f *Formula) Eval(processes []string, ok func(name string) bool) (bool, error) {
	v, err := f.root.eval(processes, ok)
	if err != nil {
		return false, err
	}
	if v.isList {
		return false, &EvalError{Msg: "the formula yields a list of statuses, not one status: use any() or all()"}
	}
	return v.b, nil
}

// value is what a node yields: one status or a list of them.
type value struct {
	b      bool
	list   []bool
	isList bool
}

type formulaNode interface {
	eval(processes []string, ok func(string) bool) (value, error)
}

// leafNode is a string literal.
type leafNode struct {
	text string
	// re is ^text$; nil when text is not a valid expression, in which
	// case only an exact name matches.
	re *regexp.Regexp
}

func (n *leafNode) eval(processes []string, ok func(string) bool) (value, error) {
	if slices.Contains(processes, n.text) {
		return value{b: ok(n.text)}, nil
	}
	var matches []bool
	if n.re != nil {
		for _, p := range processes {
			if n.re.MatchString(p) {
				matches = append(matches, ok(p))
			}
		}
	}
	switch len(matches) {
	case 0:
		return value{}, &EvalError{Msg: fmt.Sprintf("no process matches %q", n.text)}
	case 1:
		return value{b: matches[0]}, nil
	}
	return value{list: matches, isList: true}, nil
}

// callNode is any(arg) or all(arg).
type callNode struct {
	all bool
	arg formulaNode
}

func (n *callNode) eval(processes []string, ok func(string) bool) (value, error) {
	v, err := n.arg.eval(processes, ok)
	if err != nil {
		return value{}, err
	}
	list := v.list
	if !v.isList {
		list = []bool{v.b}
	}
	if n.all {
		return value{b: !slices.Contains(list, false)}, nil
	}
	return value{b: slices.Contains(list, true)}, nil
}

// boolNode is a chain of and (all true) or of or (any true). Every
// operand is evaluated, so that an error anywhere is reported whatever
// the other operands give, as Supvisors does.
type boolNode struct {
	and      bool
	operands []formulaNode
}

func (n *boolNode) eval(processes []string, ok func(string) bool) (value, error) {
	results := make([]bool, 0, len(n.operands))
	for _, o := range n.operands {
		v, err := o.eval(processes, ok)
		if err != nil {
			return value{}, err
		}
		if v.isList {
			op := "or"
			if n.and {
				op = "and"
			}
			return value{}, &EvalError{Msg: fmt.Sprintf("%q applies to a list of statuses: use any() or all()", op)}
		}
		results = append(results, v.b)
	}
	if n.and {
		return value{b: !slices.Contains(results, false)}, nil
	}
	return value{b: slices.Contains(results, true)}, nil
}

// notNode negates its operand.
type notNode struct{ operand formulaNode }

func (n *notNode) eval(processes []string, ok func(string) bool) (value, error) {
	v, err := n.operand.eval(processes, ok)
	if err != nil {
		return value{}, err
	}
	if v.isList {
		return value{}, &EvalError{Msg: `"not" applies to a list of statuses: use any() or all()`}
	}
	return value{b: !v.b}, nil
}

// formulaParser is a recursive-descent parser over the lexer's tokens.
type formulaParser struct {
	lex lexer
	tok token
	err *FormulaError
}

func (p *formulaParser) fail(pos int, format string, args ...any) {
	if p.err == nil {
		p.err = &FormulaError{Col: pos + 1, Msg: fmt.Sprintf(format, args...)}
	}
}

func (p *formulaParser) next() {
	if p.err != nil {
		p.tok = token{kind: tokEOF}
		return
	}
	tok, err := p.lex.next()
	if err != nil {
		p.err = err
		p.tok = token{kind: tokEOF}
		return
	}
	p.tok = tok
}

func (p *formulaParser) or() formulaNode {
	first := p.and()
	if p.tok.kind != tokName || p.tok.text != "or" {
		return first
	}
	n := &boolNode{operands: []formulaNode{first}}
	for p.err == nil && p.tok.kind == tokName && p.tok.text == "or" {
		p.next()
		n.operands = append(n.operands, p.and())
	}
	return n
}

func (p *formulaParser) and() formulaNode {
	first := p.not()
	if p.tok.kind != tokName || p.tok.text != "and" {
		return first
	}
	n := &boolNode{and: true, operands: []formulaNode{first}}
	for p.err == nil && p.tok.kind == tokName && p.tok.text == "and" {
		p.next()
		n.operands = append(n.operands, p.not())
	}
	return n
}

func (p *formulaParser) not() formulaNode {
	if p.tok.kind == tokName && p.tok.text == "not" {
		p.next()
		return &notNode{operand: p.not()}
	}
	return p.atom()
}

func (p *formulaParser) atom() formulaNode {
	if p.err != nil {
		return nil
	}
	tok := p.tok
	switch tok.kind {
	case tokString:
		text := tok.text
		p.next()
		for p.err == nil && p.tok.kind == tokString {
			text += p.tok.text
			p.next()
		}
		n := &leafNode{text: text}
		if re, err := regexp.Compile("^" + text + "$"); err == nil {
			n.re = re
		}
		return n
	case tokLParen:
		p.next()
		inner := p.or()
		p.expect(tokRParen, "')'")
		return inner
	case tokName:
		if tok.text != "any" && tok.text != "all" {
			p.fail(tok.pos, "unsupported name %q: only and, or, not, any() and all() are allowed", tok.text)
			return nil
		}
		p.next()
		if p.tok.kind != tokLParen {
			p.fail(p.tok.pos, "%s must be called: expected '(' after it, found %s", tok.text, p.tok.describe())
			return nil
		}
		p.next()
		if p.tok.kind == tokRParen {
			p.fail(p.tok.pos, "%s() needs one argument", tok.text)
			return nil
		}
		arg := p.or()
		if p.tok.kind == tokComma {
			p.next()
			if p.tok.kind != tokRParen {
				p.fail(p.tok.pos, "%s() takes exactly one argument", tok.text)
				return nil
			}
		}
		p.expect(tokRParen, "')'")
		return &callNode{all: tok.text == "all", arg: arg}
	}
	p.fail(tok.pos, "expected a quoted process name, '(', not, any() or all(), found %s", tok.describe())
	return nil
}

func (p *formulaParser) expect(kind tokenKind, what string) {
	if p.err != nil {
		return
	}
	if p.tok.kind != kind {
		p.fail(p.tok.pos, "expected %s, found %s", what, p.tok.describe())
		return
	}
	p.next()
}

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokString
	tokName
	tokLParen
	tokRParen
	tokComma
	tokSemicolon
	tokOther
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the formula"
	case tokString:
		return "a string"
	case tokOther:
		r, _ := utf8.DecodeRuneInString(t.text)
		return "'" + string(r) + "'"
	}
	return strconv.Quote(t.text)
}

// lexer cuts a formula into Python tokens. Line breaks inside
// parentheses are blanks, as in Python; outside them a line break ends
// the expression.
type lexer struct {
	src   string
	pos   int
	depth int
	// ended is set by a line break at depth 0: only blanks and comments
	// may follow.
	ended bool
}

func (l *lexer) next() (token, *FormulaError) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\f' || c == '\r':
			l.pos++
		case c == '\\' && l.pos+1 < len(l.src) && (l.src[l.pos+1] == '\n' || l.src[l.pos+1] == '\r'):
			// An explicit line joining.
			l.pos += 2
		case c == '\n':
			if l.depth == 0 {
				l.ended = true
			}
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		default:
			goto token
		}
	}
	return token{kind: tokEOF, pos: l.pos}, nil
token:
	start := l.pos
	if l.ended {
		return token{kind: tokOther, text: l.src[start:], pos: start}, nil
	}
	c := l.src[start]
	switch c {
	case '(':
		l.pos++
		l.depth++
		return token{kind: tokLParen, text: "(", pos: start}, nil
	case ')':
		l.pos++
		if l.depth > 0 {
			l.depth--
		}
		return token{kind: tokRParen, text: ")", pos: start}, nil
	case ',':
		l.pos++
		return token{kind: tokComma, text: ",", pos: start}, nil
	case ';':
		l.pos++
		return token{kind: tokSemicolon, text: ";", pos: start}, nil
	case '\'', '"':
		return l.str(start, "")
	}
	if isNameStart(c) {
		end := start
		for end < len(l.src) && (isNameStart(l.src[end]) || (l.src[end] >= '0' && l.src[end] <= '9')) {
			end++
		}
		word := l.src[start:end]
		if end < len(l.src) && (l.src[end] == '\'' || l.src[end] == '"') && len(word) <= 2 {
			return l.str(start, word)
		}
		l.pos = end
		return token{kind: tokName, text: word, pos: start}, nil
	}
	r, size := utf8.DecodeRuneInString(l.src[start:])
	l.pos += size
	return token{kind: tokOther, text: string(r), pos: start}, nil
}

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// str reads a string literal that starts at start with the given prefix.
func (l *lexer) str(start int, prefix string) (token, *FormulaError) {
	raw := false
	switch strings.ToLower(prefix) {
	case "":
	case "u":
	case "r":
		raw = true
	default:
		return token{}, &FormulaError{Col: start + 1, Msg: fmt.Sprintf("string prefix %q is not supported: only plain, r and u strings name processes", prefix)}
	}
	i := start + len(prefix)
	quote := l.src[i : i+1]
	if strings.HasPrefix(l.src[i:], strings.Repeat(quote, 3)) {
		quote = strings.Repeat(quote, 3)
	}
	i += len(quote)
	var out strings.Builder
	for {
		if i >= len(l.src) {
			return token{}, &FormulaError{Col: start + 1, Msg: "unterminated string"}
		}
		if strings.HasPrefix(l.src[i:], quote) {
			i += len(quote)
			break
		}
		c := l.src[i]
		if c == '\n' && len(quote) == 1 {
			return token{}, &FormulaError{Col: start + 1, Msg: "unterminated string"}
		}
		if c != '\\' {
			out.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(l.src) {
			return token{}, &FormulaError{Col: start + 1, Msg: "unterminated string"}
		}
		if raw {
			// A raw string keeps the backslash, which still protects
			// the next character from ending the string.
			out.WriteString(l.src[i : i+2])
			i += 2
			continue
		}
		n, err := unescape(l.src[i:], &out)
		if err != "" {
			return token{}, &FormulaError{Col: i + 1, Msg: err}
		}
		i += n
	}
	l.pos = i
	return token{kind: tokString, text: out.String(), pos: start}, nil
}

// unescape decodes the escape sequence at the start of s (which begins
// with a backslash), writes it to out and returns its length. Unknown
// escapes keep their backslash, as Python does.
func unescape(s string, out *strings.Builder) (int, string) {
	c := s[1]
	simple := map[byte]string{'\\': `\`, '\'': `'`, '"': `"`, 'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v", '\n': ""}
	if v, ok := simple[c]; ok {
		out.WriteString(v)
		return 2, ""
	}
	switch {
	case c >= '0' && c <= '7':
		n := 1
		for n < 3 && 1+n < len(s) && s[1+n] >= '0' && s[1+n] <= '7' {
			n++
		}
		v, _ := strconv.ParseUint(s[1:1+n], 8, 32)
		out.WriteRune(rune(v))
		return 1 + n, ""
	case c == 'x' || c == 'u' || c == 'U':
		width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if len(s) < 2+width {
			return 0, fmt.Sprintf(`truncated \%c escape`, c)
		}
		v, err := strconv.ParseUint(s[2:2+width], 16, 32)
		if err != nil || v > utf8.MaxRune {
			return 0, fmt.Sprintf(`invalid \%c escape`, c)
		}
		out.WriteRune(rune(v))
		return 2 + width, ""
	case c == 'N':
		return 0, `\N{...} escapes are not supported`
	}
	out.WriteByte('\\')
	return 1, ""
}
