package rules

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/options"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustParse(t *testing.T, opts Options, docs ...string) *Rules {
	t.Helper()
	var sources []Source
	for i, d := range docs {
		sources = append(sources, Source{Name: fmt.Sprintf("f%d.xml", i+1), Data: []byte(d)})
	}
	r, err := Parse(sources, opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return r
}

func TestLoadExpandsGlobs(t *testing.T) {
	dir := t.TempDir()
	doc := `<root><application name="%s"><start_sequence>1</start_sequence></application></root>`
	writeFile(t, filepath.Join(dir, "b.xml"), fmt.Sprintf(doc, "b"))
	writeFile(t, filepath.Join(dir, "a.xml"), fmt.Sprintf(doc, "a"))
	writeFile(t, filepath.Join(dir, "sub", "c.xml"), fmt.Sprintf(doc, "c"))
	writeFile(t, filepath.Join(dir, "notes.txt"), "not rules")
	if err := os.Mkdir(filepath.Join(dir, "dir.xml"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Load([]string{"sub/*.xml", "*.xml", filepath.Join(dir, "a.xml")}, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.xml"), filepath.Join(dir, "b.xml"), filepath.Join(dir, "sub", "c.xml")}
	if got := r.Files(); !reflect.DeepEqual(got, want) {
		t.Errorf("Files() = %v, want %v", got, want)
	}
	for _, name := range []string{"a", "b", "c"} {
		if !r.Application(name).Managed {
			t.Errorf("application %s is not managed", name)
		}
	}

	r, err = Load([]string{"none-*.xml"}, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if w := r.Warnings(); len(w) != 1 || !strings.Contains(w[0].Msg, "no file matches") {
		t.Errorf("warnings for a pattern without match = %v", w)
	}
	if r.Application("a").Managed {
		t.Error("an application is managed without rules files")
	}
	if _, err := Load([]string{"[x"}, Options{Dir: dir}); err == nil {
		t.Error("a malformed glob is accepted")
	}
	if r, err := Load(nil, Options{}); err != nil || len(r.Files()) != 0 || len(r.Warnings()) != 0 {
		t.Errorf("Load(nil) = %v, %v", r, err)
	}
}

func TestLoadReportsEveryFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "1.xml"), "<root>\n  <application name='a'>\n    <start_sequence>x</start_sequence>\n  </application>\n</root>\n")
	writeFile(t, filepath.Join(dir, "2.xml"), "<root>\n  <model name='m'>\n    <bogus/>\n  </model>\n</root>\n")
	writeFile(t, filepath.Join(dir, "3.xml"), "<root><open></root>\n")
	_, err := Load([]string{"*.xml"}, Options{Dir: dir})
	if err == nil {
		t.Fatal("bad files load")
	}
	want := []string{
		filepath.Join(dir, "1.xml") + `:3: element <start_sequence>: "x" is not a valid xs:byte`,
		filepath.Join(dir, "2.xml") + ":3: element <bogus>: unexpected element in <model>",
		filepath.Join(dir, "3.xml") + ":1: not well-formed XML",
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
	var re *Error
	if !errors.As(err, &re) || re.Line == 0 || re.File == "" {
		t.Errorf("errors.As(*Error) = %+v", re)
	}
}

func TestMergeFiles(t *testing.T) {
	first := `<root>
  <alias name="grp">A</alias>
  <alias name="other">C</alias>
  <model name="m"><expected_loading>10</expected_loading></model>
  <application name="x"><start_sequence>1</start_sequence>
    <programs><program pattern="p"><identifiers>grp</identifiers></program></programs>
  </application>
  <application pattern="^pat_"><start_sequence>3</start_sequence></application>
  <application pattern="^pa"><start_sequence>5</start_sequence></application>
</root>`
	second := `<root>
  <alias name="grp">B</alias>
  <model name="m"><expected_loading>20</expected_loading></model>
  <application name="x"><start_sequence>2</start_sequence>
    <programs><program pattern="p"><start_sequence>9</start_sequence></program></programs>
  </application>
  <application pattern="^pa"><start_sequence>4</start_sequence></application>
  <application pattern="^pat_"><start_sequence>6</start_sequence>
    <programs><program name="q"><reference>m</reference></program></programs>
  </application>
</root>`
	r := mustParse(t, Options{}, first, second)
	// the first file holding an exact name wins, with its own programs
	x := r.Application("x")
	if x.StartSequence != 1 || x.Source != "f1.xml:5" {
		t.Errorf("x = %+v", x)
	}
	p := r.Program("x", "p1")
	// the alias of the later file replaced the earlier one
	if !reflect.DeepEqual(p.Identifiers, []string{"B"}) || p.StartSequence != 0 {
		t.Errorf("x:p1 = %+v", p)
	}
	// a later pattern replaces the same pattern; the longest match wins
	// (^pat_ over ^pa)
	if a := r.Application("pat_1"); a.StartSequence != 6 {
		t.Errorf("pat_1 start_sequence = %d, want 6", a.StartSequence)
	}
	if a := r.Application("pa"); a.StartSequence != 4 {
		t.Errorf("pa start_sequence = %d, want 4", a.StartSequence)
	}
	// models are merged across files: the later one wins
	if q := r.Program("pat_1", "q"); q.ExpectedLoading != 20 {
		t.Errorf("pat_1:q expected_loading = %d, want 20", q.ExpectedLoading)
	}
}

func TestDefaults(t *testing.T) {
	r := mustParse(t, Options{StartingStrategy: options.StartLessLoaded},
		`<root><application name="m"><running_failure_strategy>SHUTDOWN</running_failure_strategy></application></root>`)
	u := r.Application("u")
	want := ApplicationRules{Name: "u", Identifiers: []string{"*"}, StartingStrategy: options.StartLessLoaded}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("unmanaged = %+v, want %+v", u, want)
	}
	if s := u.Serial(); !reflect.DeepEqual(s, map[string]any{"application_name": "u", "managed": false}) {
		t.Errorf("unmanaged Serial = %v", s)
	}
	m := r.Application("m")
	if !m.Managed || m.StartingStrategy != options.StartLessLoaded || m.RunningFailureStrategy != RunningShutdown || m.StopSequence != 0 {
		t.Errorf("managed = %+v", m)
	}
	// process failure strategies default to the application's
	p := r.Program("m", "any")
	if p.RunningFailureStrategy != RunningShutdown || p.StartingFailureStrategy != StartingAbort || !reflect.DeepEqual(p.Identifiers, []string{"*"}) {
		t.Errorf("process = %+v", p)
	}
	s := p.Serial()
	for _, key := range []string{"application_name", "process_name", "identifiers", "start_sequence", "stop_sequence", "required",
		"wait_exit", "expected_loading", "starting_failure_strategy", "running_failure_strategy"} {
		if _, ok := s[key]; !ok {
			t.Errorf("process Serial lacks %s", key)
		}
	}
	if len(s) != 10 {
		t.Errorf("process Serial has %d keys, want 10", len(s))
	}
}

func TestEncodings(t *testing.T) {
	for _, doc := range []string{
		"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?><root><application name='caf\xc3\xa9'/></root>",
		"<?xml version='1.0' encoding='latin-1'?><root><application name='caf\xe9'/></root>",
	} {
		r := mustParse(t, Options{}, doc)
		if !r.Application("café").Managed {
			t.Errorf("%q: application café not found", doc)
		}
	}
	if _, err := Parse([]Source{{Name: "x.xml", Data: []byte("<?xml version='1.0' encoding='EBCDIC'?><root/>")}}, Options{}); err == nil {
		t.Error("an unknown encoding is accepted")
	}
}

func TestDisablesAutorestart(t *testing.T) {
	for s := RunningContinue; s <= RunningRestart; s++ {
		want := s == RunningStopApplication || s == RunningRestartApplication
		if got := (ProgramRules{RunningFailureStrategy: s}).DisablesAutorestart(); got != want {
			t.Errorf("%v: DisablesAutorestart = %v", s, got)
		}
	}
}

// mutableInstances is an Instances whose list tests change.
type mutableInstances struct{ ids []string }

func (m *mutableInstances) Known() []string { return slices.Clone(m.ids) }
func (m *mutableInstances) Filter(names []string) []string {
	var out []string
	for _, n := range names {
		if slices.Contains(m.ids, n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func TestFrozenOnFirstUse(t *testing.T) {
	ins := &mutableInstances{ids: []string{"a:1"}}
	r := mustParse(t, Options{Instances: ins}, `<root>
  <application pattern="app_"><identifiers>#</identifiers><start_sequence>1</start_sequence>
    <programs><program pattern="p"><identifiers>x,y</identifiers></program></programs>
  </application>
</root>`)
	if got := r.Application("app_2").Identifiers; !reflect.DeepEqual(got, []string{"a:1"}) {
		t.Fatalf("app_2 identifiers = %v", got)
	}
	ins.ids = []string{"a:1", "b:2"}
	// frozen: the new instance list is not seen
	if got := r.Application("app_2").Identifiers; !reflect.DeepEqual(got, []string{"a:1"}) {
		t.Errorf("app_2 identifiers after a change = %v", got)
	}
	// callers get copies
	p := r.Program("app_2", "p")
	p.Identifiers[0] = "changed"
	if got := r.Program("app_2", "p").Identifiers; !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Errorf("a caller changed the frozen rules: %v", got)
	}
	r.Forget("app_2")
	if got := r.Application("app_2").Identifiers; !reflect.DeepEqual(got, []string{"b:2"}) {
		t.Errorf("app_2 identifiers after Forget = %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	data, err := os.ReadFile("testdata/good/movies.xml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse([]Source{{Name: "movies.xml", Data: data}}, Options{Instances: testInstances{}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				app := []string{"viewer", "catalog", "web_x", "none"}[(i+j)%4]
				_ = r.Application(app)
				_ = r.Program(app, fmt.Sprintf("store_0%d_x", j%10))
				if j%10 == 0 {
					r.Forget(app)
				}
			}
		})
	}
	wg.Wait()
}

func TestResolveGroup(t *testing.T) {
	ins := &mutableInstances{ids: []string{"i1", "i2", "i3"}}
	// group builds n processes, handed to ResolveGroup out of order; rules
	// is indexed by process index.
	group := func(n int, at, hash []string) ([]Member, []*ProgramRules) {
		rules := make([]*ProgramRules, n)
		var members []Member
		for i := n - 1; i >= 0; i-- {
			rules[i] = &ProgramRules{Identifiers: []string{}, AtIdentifiers: slices.Clone(at), HashIdentifiers: slices.Clone(hash)}
			members = append(members, Member{Index: i, Rules: rules[i]})
		}
		return members, rules
	}
	ids := func(rules []*ProgramRules) []string {
		var out []string
		for _, p := range rules {
			out = append(out, strings.Join(p.Identifiers, "+"))
		}
		return out
	}

	m, rules := group(5, nil, []string{"*"})
	ResolveGroup(m, ins)
	if got := ids(rules); !reflect.DeepEqual(got, []string{"i1", "i2", "i3", "i1", "i2"}) {
		t.Errorf("# over all: %v", got)
	}
	if rules[0].HashIdentifiers != nil {
		t.Error("a resolved process keeps its '#' list")
	}

	m, rules = group(3, nil, []string{"i3", "unknown", "i1"})
	ResolveGroup(m, ins)
	if got := ids(rules); !reflect.DeepEqual(got, []string{"i3", "i1", "i3"}) {
		t.Errorf("# over a sub-list: %v", got)
	}

	// '@' without roll-over: the fourth process keeps no instance
	m, rules = group(4, []string{"*"}, nil)
	ResolveGroup(m, ins)
	if got := ids(rules); !reflect.DeepEqual(got, []string{"i1", "i2", "i3", ""}) {
		t.Errorf("@ over all: %v", got)
	}
	if len(rules[3].AtIdentifiers) == 0 {
		t.Error("an unassigned process lost its '@' list")
	}

	// assignments are final: a later resolution only places newcomers
	m, rules = group(3, nil, []string{"*"})
	rules[0].HashIdentifiers, rules[0].Identifiers = nil, []string{"i2"}
	ResolveGroup(m, ins)
	if got := ids(rules); !reflect.DeepEqual(got, []string{"i2", "i1", "i3"}) {
		t.Errorf("# with one assigned: %v", got)
	}
	m, rules = group(3, []string{"i1", "i2"}, nil)
	rules[1].AtIdentifiers, rules[1].Identifiers = nil, []string{"i1"}
	ResolveGroup(m, ins)
	if got := ids(rules); !reflect.DeepEqual(got, []string{"i2", "i1", ""}) {
		t.Errorf("@ with one assigned: %v", got)
	}
}

func TestOptionsInstances(t *testing.T) {
	o := &options.Options{Instances: []options.Instance{
		{Identifier: "h1:60000", Nick: "A"}, {Identifier: "h2:60000", Nick: "B"},
	}, Local: 1, Stereotypes: []string{"@S"}}
	ins := OptionsInstances{Options: o}
	if got := ins.Known(); !reflect.DeepEqual(got, []string{"h1:60000", "h2:60000"}) {
		t.Errorf("Known = %v", got)
	}
	if got := ins.Filter([]string{"@S", "A", "zz", "h2:60000"}); !reflect.DeepEqual(got, []string{"h2:60000", "h1:60000"}) {
		t.Errorf("Filter = %v", got)
	}
}

// TestExamples loads the published examples: they must load cleanly.
func TestExamples(t *testing.T) {
	var logs bytes.Buffer
	r, err := Load([]string{"*.xml"}, Options{Dir: filepath.Join("..", "..", "..", "rules", "examples"), Logger: logLines(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files()) < 3 {
		t.Fatalf("examples found: %v", r.Files())
	}
	if w := r.Warnings(); len(w) > 0 {
		t.Errorf("the examples give warnings: %v", w)
	}
	if s := r.Program("studio", "render_hd_01"); s.ExpectedLoading != 30 || s.StartSequence != 2 || !s.FromPattern {
		t.Errorf("studio:render_hd_01 = %+v", s)
	}
	if s := r.Program("studio", "render_01"); s.ExpectedLoading != 10 || s.RunningFailureStrategy != RunningRestartProcess {
		t.Errorf("studio:render_01 = %+v", s)
	}
	if logs.Len() > 0 {
		t.Errorf("the examples log problems:\n%s", logs.String())
	}
}
