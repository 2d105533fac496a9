package rules

import (
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/supvisors-go/supvisors/internal/cluster/options"
)

// The special signs of an identifiers list.
const (
	// Wildcard stands for every known instance.
	Wildcard = "*"
	// HashSign spreads the processes of a homogeneous group (or the
	// numbered applications of a pattern) over the instances, rolling
	// over.
	HashSign = "#"
	// AtSign gives each process of a homogeneous group its own instance,
	// without rolling over.
	AtSign = "@"
)

// maxReferenceDepth bounds the program -> model -> model chain: the
// element itself counts, so two levels of models are loaded and a third
// is ignored with a warning. It also stops reference loops.
const maxReferenceDepth = 3

// Instances is what the rules need from the cluster to resolve a '#' in
// application identifiers, which happens when the application's rules
// are first computed. Its methods are called from the goroutine that
// calls Rules.Application or Rules.Program, while the rules are locked:
// they must not call back into the Rules.
type Instances interface {
	// Known returns the identifiers of every known instance: the
	// supvisors_list order, then the discovery order.
	Known() []string
	// Filter returns the identifiers that names designate (identifiers,
	// nick names or stereotypes), in order and without duplicates;
	// unknown names are dropped.
	Filter(names []string) []string
}

// Options are what Load needs besides the file patterns.
type Options struct {
	// Dir resolves relative patterns; empty means the working directory.
	Dir string
	// StartingStrategy is the starting_strategy option, the default of
	// every application.
	StartingStrategy options.StartingStrategy
	// Instances resolves application '#' signs; nil knows no instance.
	Instances Instances
	// Logger receives the warnings of Load and of the lazy resolution;
	// nil discards them.
	Logger *slog.Logger
}

// Source is the content of one rules file.
type Source struct {
	Name string
	Data []byte
}

// Rules are the merged rules files. Application and Program may be called
// from any goroutine: the computed rules are cached under a mutex, and
// callers get copies. Load(nil, ...) gives Rules that manage nothing.
type Rules struct {
	opts     Options
	log      *slog.Logger
	files    []string
	docs     []*document
	aliases  []alias
	models   map[string]*entry
	patterns []*entry
	// programPatterns are the program patterns of each application
	// element, a later duplicate replacing an earlier one in place.
	programPatterns map[*entry][]*entry
	warnings        []*Error

	mu    sync.Mutex
	apps  map[string]ApplicationRules
	procs map[string]ProgramRules
}

// Load expands the glob patterns (relative ones against opts.Dir), reads
// the files in sorted absolute order and merges them. The error, when not
// nil, lists every problem found (as *Error values joined).
func Load(patterns []string, opts Options) (*Rules, error) {
	files, err := Expand(patterns, opts.Dir)
	if err != nil {
		return nil, err
	}
	var sources []Source
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("rules file %s: %w", f, err))
			continue
		}
		sources = append(sources, Source{Name: f, Data: data})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r, err := Parse(sources, opts)
	if err != nil {
		return nil, err
	}
	if len(patterns) > 0 && len(files) == 0 {
		r.warn(&Error{File: strings.Join(patterns, " "), Element: "rules_files", Msg: "no file matches: every application is unmanaged"})
	}
	return r, nil
}

// Expand resolves the rules_files globs into a sorted list of absolute
// paths without duplicates, as Supvisors does.
func Expand(patterns []string, dir string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("rules_files: pattern %q: %w", p, err)
		}
		for _, m := range matches {
			abs, err := filepath.Abs(m)
			if err != nil {
				return nil, fmt.Errorf("rules_files: %w", err)
			}
			if st, err := os.Stat(abs); err == nil && st.IsDir() {
				continue
			}
			if !seen[abs] {
				seen[abs] = true
				out = append(out, abs)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// Parse validates and merges rules documents given in order.
func Parse(sources []Source, opts Options) (*Rules, error) {
	r := &Rules{
		opts:            opts,
		log:             opts.Logger,
		models:          map[string]*entry{},
		programPatterns: map[*entry][]*entry{},
		apps:            map[string]ApplicationRules{},
		procs:           map[string]ProgramRules{},
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	var errs []error
	for _, src := range sources {
		r.files = append(r.files, src.Name)
		root, serr := parseTree(src.Data)
		if serr != nil {
			errs = append(errs, &Error{File: src.Name, Line: serr.line, Msg: serr.msg})
			continue
		}
		c := &checker{file: src.Name}
		doc := c.validate(root)
		for _, e := range c.errs {
			errs = append(errs, e)
		}
		r.warnings = append(r.warnings, c.warnings...)
		if len(c.errs) == 0 {
			r.merge(doc)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r.checkReferences()
	for _, w := range r.warnings {
		r.log.Warn("rules file", "file", w.File, "line", w.Line, "element", w.Element, "problem", w.Msg)
	}
	return r, nil
}

func (r *Rules) warn(w *Error) {
	r.warnings = append(r.warnings, w)
	r.log.Warn("rules file", "file", w.File, "line", w.Line, "element", w.Element, "problem", w.Msg)
}

// merge adds one document: aliases, models and application patterns are
// keyed across files (a later file replaces an earlier definition, which
// keeps its place in the order), exact application names are searched
// file by file.
func (r *Rules) merge(doc *document) {
	r.docs = append(r.docs, doc)
	for _, a := range doc.aliases {
		if a.empty {
			continue
		}
		if i := slices.IndexFunc(r.aliases, func(x alias) bool { return x.name == a.name }); i >= 0 {
			r.aliases[i] = a
		} else {
			r.aliases = append(r.aliases, a)
		}
	}
	for _, m := range doc.models {
		if m.hasName {
			r.models[m.name] = m
		}
	}
	for _, app := range doc.apps {
		if app.hasPattern {
			r.patterns = replaceOrAppend(r.patterns, app)
		}
		var progs []*entry
		for _, p := range app.programs {
			if p.hasPattern {
				progs = replaceOrAppend(progs, p)
			}
		}
		if len(progs) > 0 {
			r.programPatterns[app] = progs
		}
	}
}

// replaceOrAppend puts e in list, replacing an entry of the same pattern
// in place.
func replaceOrAppend(list []*entry, e *entry) []*entry {
	if i := slices.IndexFunc(list, func(x *entry) bool { return x.pattern == e.pattern }); i >= 0 {
		list[i] = e
		return list
	}
	return append(list, e)
}

// checkReferences warns about references to models that no file defines.
func (r *Rules) checkReferences() {
	check := func(e *entry) {
		if ref, ok := e.leaves["reference"]; ok {
			if _, found := r.models[ref.text]; !found {
				r.warnings = append(r.warnings, &Error{File: e.file, Line: ref.line, Element: "reference",
					Msg: fmt.Sprintf("no model is named %q: the reference is ignored", ref.text)})
			}
		}
	}
	for _, doc := range r.docs {
		for _, m := range doc.models {
			check(m)
		}
		for _, app := range doc.apps {
			for _, p := range app.programs {
				check(p)
			}
		}
	}
}

// Files returns the files read, in order.
func (r *Rules) Files() []string { return slices.Clone(r.files) }

// Warnings returns the problems Supvisors would log and repair, found
// while loading.
func (r *Rules) Warnings() []Error {
	out := make([]Error, len(r.warnings))
	for i, w := range r.warnings {
		out[i] = *w
	}
	return out
}

// ApplicationRules are the rules of one application (a Supervisor group).
type ApplicationRules struct {
	Name string
	// Managed is true when a rules file names the application.
	Managed      bool
	Distribution Distribution
	// Identifiers are the instances the application may use when it is
	// not distributed, as written after alias expansion ("*" for all),
	// or the instance a '#' chose.
	Identifiers []string
	// AtIdentifiers and HashIdentifiers keep a '@' or '#' list as
	// written, without the sign.
	AtIdentifiers           []string
	HashIdentifiers         []string
	StartSequence           int
	StopSequence            int
	StartingStrategy        options.StartingStrategy
	StartingFailureStrategy StartingFailureStrategy
	RunningFailureStrategy  RunningFailureStrategy
	// Formula is the operational_status formula; nil when none is set
	// (the required flags of the programs then decide).
	Formula *Formula
	// Source is file:line of the <application> element used.
	Source string
}

// Serial is the get_application_rules payload.
func (a ApplicationRules) Serial() map[string]any {
	if !a.Managed {
		return map[string]any{"application_name": a.Name, "managed": false}
	}
	formula := ""
	if a.Formula != nil {
		formula = a.Formula.String()
	}
	return map[string]any{
		"application_name":          a.Name,
		"managed":                   true,
		"distribution":              a.Distribution.String(),
		"identifiers":               nonNil(a.Identifiers),
		"start_sequence":            a.StartSequence,
		"stop_sequence":             a.StopSequence,
		"starting_strategy":         a.StartingStrategy.String(),
		"starting_failure_strategy": a.StartingFailureStrategy.String(),
		"running_failure_strategy":  a.RunningFailureStrategy.String(),
		"status_formula":            formula,
	}
}

// ProgramRules are the rules of one process of an application.
type ProgramRules struct {
	Application string
	Process     string
	// Identifiers are where the process may start ("*" for anywhere).
	// They are empty while a '@' or '#' waits to be resolved (see
	// AssignAt and AssignHash), and the process cannot start then.
	Identifiers             []string
	AtIdentifiers           []string
	HashIdentifiers         []string
	StartSequence           int
	StopSequence            int
	Required                bool
	WaitExit                bool
	ExpectedLoading         int
	StartingFailureStrategy StartingFailureStrategy
	RunningFailureStrategy  RunningFailureStrategy
	// FromPattern is true when a <program pattern> gave the rules.
	FromPattern bool
	// Source is file:line of the <program> element used.
	Source string
}

// DisablesAutorestart reports whether Supervisor's autorestart must be
// turned off for the process, because Supvisors handles its crashes at
// application level.
func (p ProgramRules) DisablesAutorestart() bool {
	return p.RunningFailureStrategy == RunningStopApplication || p.RunningFailureStrategy == RunningRestartApplication
}

// Serial is one item of the get_process_rules payload.
func (p ProgramRules) Serial() map[string]any {
	return map[string]any{
		"application_name":          p.Application,
		"process_name":              p.Process,
		"identifiers":               nonNil(p.Identifiers),
		"start_sequence":            p.StartSequence,
		"stop_sequence":             p.StopSequence,
		"required":                  p.Required,
		"wait_exit":                 p.WaitExit,
		"expected_loading":          p.ExpectedLoading,
		"starting_failure_strategy": p.StartingFailureStrategy.String(),
		"running_failure_strategy":  p.RunningFailureStrategy.String(),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// identifierRules is the part of the rules that identifiers set.
type identifierRules struct {
	identifiers, at, hash []string
}

func (a ApplicationRules) clone() ApplicationRules {
	a.Identifiers = slices.Clone(a.Identifiers)
	a.AtIdentifiers = slices.Clone(a.AtIdentifiers)
	a.HashIdentifiers = slices.Clone(a.HashIdentifiers)
	return a
}

func (p ProgramRules) clone() ProgramRules {
	p.Identifiers = slices.Clone(p.Identifiers)
	p.AtIdentifiers = slices.Clone(p.AtIdentifiers)
	p.HashIdentifiers = slices.Clone(p.HashIdentifiers)
	return p
}

// Forget drops the frozen rules of an application and of its processes,
// so that they are computed again when next asked for (Supvisors does so
// when an application disappears and comes back).
func (r *Rules) Forget(application string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.apps, application)
	for k := range r.procs {
		if strings.HasPrefix(k, application+":") {
			delete(r.procs, k)
		}
	}
}

// Application returns the rules of an application, computing and freezing
// them on first use.
func (r *Rules) Application(name string) ApplicationRules {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.application(name).clone()
}

func (r *Rules) application(name string) ApplicationRules {
	if a, ok := r.apps[name]; ok {
		return a
	}
	a := ApplicationRules{
		Name:             name,
		Identifiers:      []string{Wildcard},
		StopSequence:     -1,
		StartingStrategy: r.opts.StartingStrategy,
	}
	if e := r.findApplication(name); e != nil {
		a.Managed = true
		a.Source = fmt.Sprintf("%s:%d", e.file, e.line)
		if lf, ok := e.leaves["distribution"]; ok {
			a.Distribution = Distribution(lf.num)
		}
		ids := identifierRules{a.Identifiers, nil, nil}
		r.loadIdentifiers(e, &ids)
		a.Identifiers, a.AtIdentifiers, a.HashIdentifiers = ids.identifiers, ids.at, ids.hash
		loadSequence(e, "start_sequence", &a.StartSequence)
		loadSequence(e, "stop_sequence", &a.StopSequence)
		if lf, ok := e.leaves["starting_strategy"]; ok {
			a.StartingStrategy = startingStrategyOf(lf)
		}
		if lf, ok := e.leaves["starting_failure_strategy"]; ok {
			a.StartingFailureStrategy = StartingFailureStrategy(lf.num)
		}
		if lf, ok := e.leaves["running_failure_strategy"]; ok {
			a.RunningFailureStrategy = RunningFailureStrategy(lf.num)
		}
		a.Formula = e.formula
	}
	if a.StopSequence < 0 {
		a.StopSequence = a.StartSequence
	}
	if len(a.AtIdentifiers) > 0 {
		r.log.Error("rules: '@' is not supported in application identifiers: the application cannot be started",
			"application", name, "source", a.Source)
	}
	if len(a.HashIdentifiers) > 0 {
		r.resolveApplicationHash(&a)
	}
	r.apps[name] = a
	return a
}

// applicationIndex finds N in a name ending with -N or _N.
var applicationIndex = regexp.MustCompile(`^.*[-_]([0-9]+)$`)

// resolveApplicationHash gives a numbered application (X-N or X_N) the
// name at index N-1 of its '#' list, rolling over. An application
// whose name has no index, or index 0, loses its start sequence.
func (r *Rules) resolveApplicationHash(a *ApplicationRules) {
	m := applicationIndex.FindStringSubmatch(a.Name)
	problem := ""
	var ref []string
	switch {
	case m == nil:
		problem = "the name does not end with -N or _N, as '#' requires"
	default:
		n, _ := new(big.Int).SetString(m[1], 10)
		n.Sub(n, big.NewInt(1))
		if n.Sign() < 0 {
			problem = "the index in the name must be greater than 0 for '#'"
			break
		}
		// As Supvisors: a bare '#' takes the known instances; a list is
		// taken as written (aliases expanded), unresolved, so that a
		// stereotype or an instance not known yet is resolved when the
		// application is placed, by whoever then knows the cluster.
		if !slices.Contains(a.HashIdentifiers, Wildcard) {
			ref = a.HashIdentifiers
		} else if r.opts.Instances != nil {
			ref = r.opts.Instances.Known()
		}
		if len(ref) == 0 {
			problem = "no instance is known for '#'"
			break
		}
		i := n.Mod(n, big.NewInt(int64(len(ref)))).Int64()
		a.Identifiers = []string{ref[i]}
	}
	if problem != "" {
		r.log.Error("rules: "+problem+": start_sequence reset to 0", "application", a.Name, "source", a.Source)
		a.StartSequence = 0
	}
}

// findApplication returns the element of an application: the first
// <application name> in file order, else the pattern with the longest
// match (the first on a tie).
func (r *Rules) findApplication(name string) *entry {
	for _, doc := range r.docs {
		for _, app := range doc.apps {
			if app.hasName && app.name == name {
				return app
			}
		}
	}
	return bestPattern(r.patterns, name)
}

func bestPattern(candidates []*entry, name string) *entry {
	var best *entry
	bestLen := -1
	for _, e := range candidates {
		if e.re == nil {
			continue
		}
		if loc := e.re.FindStringIndex(name); loc != nil && loc[1]-loc[0] > bestLen {
			best, bestLen = e, loc[1]-loc[0]
		}
	}
	return best
}

// Program returns the rules of the process named process in application,
// computing and freezing them on first use.
func (r *Rules) Program(application, process string) ProgramRules {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := application + ":" + process
	if p, ok := r.procs[key]; ok {
		return p.clone()
	}
	app := r.application(application)
	p := ProgramRules{
		Application:             application,
		Process:                 process,
		Identifiers:             []string{Wildcard},
		StopSequence:            -1,
		StartingFailureStrategy: app.StartingFailureStrategy,
		RunningFailureStrategy:  app.RunningFailureStrategy,
	}
	if e, isPattern := r.findProgram(application, process); e != nil {
		p.FromPattern = isPattern
		p.Source = fmt.Sprintf("%s:%d", e.file, e.line)
		r.loadProgram(e, &p, maxReferenceDepth)
	}
	r.programFixes(&p)
	r.procs[key] = p
	return p.clone()
}

// findProgram searches inside the application's element: an exact
// <program name> first, then the best <program pattern>.
func (r *Rules) findProgram(application, process string) (*entry, bool) {
	app := r.findApplication(application)
	if app == nil {
		return nil, false
	}
	for _, p := range app.programs {
		if p.hasName && p.name == process {
			return p, false
		}
	}
	if e := bestPattern(r.programPatterns[app], process); e != nil {
		return e, true
	}
	return nil, false
}

// loadProgram applies a program or model element, after the model it
// references (whose values it overrides).
func (r *Rules) loadProgram(e *entry, p *ProgramRules, depth int) {
	if depth == 0 {
		r.log.Warn("rules: too many levels of model references: the deepest is ignored",
			"process", p.Application+":"+p.Process, "model", e.label(), "limit", maxReferenceDepth)
		return
	}
	if ref, ok := e.leaves["reference"]; ok {
		if model, found := r.models[ref.text]; found {
			r.loadProgram(model, p, depth-1)
		}
	}
	ids := identifierRules{p.Identifiers, p.AtIdentifiers, p.HashIdentifiers}
	r.loadIdentifiers(e, &ids)
	p.Identifiers, p.AtIdentifiers, p.HashIdentifiers = ids.identifiers, ids.at, ids.hash
	loadSequence(e, "start_sequence", &p.StartSequence)
	loadSequence(e, "stop_sequence", &p.StopSequence)
	if lf, ok := e.leaves["required"]; ok {
		p.Required = lf.num == 1
	}
	if lf, ok := e.leaves["wait_exit"]; ok {
		p.WaitExit = lf.num == 1
	}
	if lf, ok := e.leaves["expected_loading"]; ok {
		p.ExpectedLoading = lf.num
	}
	if lf, ok := e.leaves["starting_failure_strategy"]; ok {
		p.StartingFailureStrategy = StartingFailureStrategy(lf.num)
	}
	if lf, ok := e.leaves["running_failure_strategy"]; ok {
		p.RunningFailureStrategy = RunningFailureStrategy(lf.num)
	}
}

// programFixes applies Supvisors' consistency fixes once the elements are
// loaded.
func (r *Rules) programFixes(p *ProgramRules) {
	ns := p.Application + ":" + p.Process
	if len(p.AtIdentifiers) > 0 && !p.FromPattern {
		r.log.Error("rules: '@' is only allowed in a program pattern: identifiers reset to *", "process", ns, "source", p.Source)
		p.Identifiers, p.AtIdentifiers = []string{Wildcard}, nil
	}
	if len(p.HashIdentifiers) > 0 && !p.FromPattern {
		r.log.Error("rules: '#' is only allowed in a program pattern: identifiers reset to *", "process", ns, "source", p.Source)
		p.Identifiers, p.HashIdentifiers = []string{Wildcard}, nil
	}
	if len(p.AtIdentifiers) > 0 && len(p.HashIdentifiers) > 0 {
		r.log.Error("rules: both '@' and '#' are set: '#' is dropped", "process", ns, "source", p.Source)
		p.HashIdentifiers = nil
	}
	if p.Required && p.StartSequence == 0 {
		r.log.Error("rules: required needs a start_sequence: required forced to false", "process", ns, "source", p.Source)
		p.Required = false
	}
	if p.StopSequence < 0 {
		p.StopSequence = p.StartSequence
	}
}

// loadSequence applies a start or stop sequence; negative values were
// reported at load time and are ignored.
func loadSequence(e *entry, element string, dst *int) {
	if lf, ok := e.leaves[element]; ok && lf.num >= 0 {
		*dst = lf.num
	}
}

// loadIdentifiers applies an identifiers element: aliases are expanded in
// their declaration order (each replacing its first occurrence, so an
// alias may use aliases declared after it), blanks and duplicates are
// dropped, then the signs are taken out. '*' anywhere, or a sign alone,
// means every instance. A sign leaves the plain identifiers empty until
// it is resolved.
func (r *Rules) loadIdentifiers(e *entry, ids *identifierRules) {
	lf, ok := e.leaves["identifiers"]
	if !ok || lf.text == "" {
		return
	}
	list := listOfStrings(lf.text)
	for _, a := range r.aliases {
		if pos := slices.Index(list, a.name); pos >= 0 {
			list = slices.Replace(list, pos, pos+1, a.values...)
		}
	}
	list = dedupe(list)
	hasAt := slices.Contains(list, AtSign)
	hasHash := slices.Contains(list, HashSign)
	list = slices.DeleteFunc(list, func(s string) bool { return s == AtSign || s == HashSign })
	if ((hasAt || hasHash) && len(list) == 0) || slices.Contains(list, Wildcard) {
		list = []string{Wildcard}
	}
	if hasAt {
		ids.at, ids.identifiers = list, []string{}
	}
	if hasHash {
		ids.hash, ids.identifiers = slices.Clone(list), []string{}
	}
	if !hasAt && !hasHash {
		ids.identifiers = list
	}
}

// Member is one process of a homogeneous group (the processes of one
// application made from one program, numprocs > 1), for ResolveGroup.
type Member struct {
	// Index is the process index within the program (process_num
	// order).
	Index int
	// Rules are updated in place when an instance is assigned.
	Rules *ProgramRules
}

// ResolveGroup assigns instances to the processes of a homogeneous group
// whose rules carry a '@' or a '#', in process index order. Supvisors
// does it when an application start is planned; an assignment is final,
// so only processes still waiting for one are given an instance:
//
//   - '@': the k-th waiting process gets the k-th instance of the list not
//     yet given to a process of the group; processes in excess keep no
//     identifier and cannot start;
//   - '#': each waiting process gets the instance of the list holding the
//     fewest processes of the group (the first one on a tie), rolling
//     over.
//
// The list is every known instance for '*', else the names resolved by
// ins (unknown names dropped).
func ResolveGroup(members []Member, ins Instances) {
	sorted := slices.Clone(members)
	slices.SortStableFunc(sorted, func(a, b Member) int { return a.Index - b.Index })
	var atList, hashList []string
	for _, m := range sorted {
		if len(m.Rules.AtIdentifiers) > 0 {
			atList = m.Rules.AtIdentifiers
		}
		if len(m.Rules.HashIdentifiers) > 0 {
			hashList = m.Rules.HashIdentifiers
		}
	}
	if len(atList) > 0 && len(hashList) > 0 {
		hashList = nil
	}
	reference := func(list []string) []string {
		if ins == nil {
			return nil
		}
		if slices.Contains(list, Wildcard) {
			return ins.Known()
		}
		return ins.Filter(list)
	}
	if len(atList) > 0 {
		var waiting []Member
		var taken []string
		for _, m := range sorted {
			if len(m.Rules.AtIdentifiers) > 0 {
				waiting = append(waiting, m)
			}
			if len(m.Rules.Identifiers) > 0 {
				taken = append(taken, m.Rules.Identifiers[0])
			}
		}
		if len(waiting) == 0 {
			return
		}
		free := slices.DeleteFunc(reference(atList), func(id string) bool { return slices.Contains(taken, id) })
		for i, m := range waiting {
			if i >= len(free) {
				break
			}
			m.Rules.AtIdentifiers = nil
			m.Rules.Identifiers = []string{free[i]}
		}
	}
	if len(hashList) > 0 {
		ref := reference(hashList)
		if len(ref) == 0 {
			return
		}
		counts := make([]int, len(ref))
		for _, m := range sorted {
			if len(m.Rules.Identifiers) > 0 {
				if i := slices.Index(ref, m.Rules.Identifiers[0]); i >= 0 {
					counts[i]++
				}
			}
		}
		for _, m := range sorted {
			if len(m.Rules.HashIdentifiers) == 0 {
				continue
			}
			best := 0
			for i := range counts {
				if counts[i] < counts[best] {
					best = i
				}
			}
			m.Rules.HashIdentifiers = nil
			m.Rules.Identifiers = []string{ref[best]}
			counts[best]++
		}
	}
}

// OptionsInstances resolves identifiers against the static
// [rpcinterface:supvisors] options: the declared instances and the local
// stereotypes. A bare '#' of an application takes its Known instances, as
// Supvisors takes those of its configuration; the names of a '#' list are
// kept as written, to be resolved at placement by the cluster driver,
// which also knows the remote stereotypes.
type OptionsInstances struct{ Options *options.Options }

// Known returns the declared identifiers in supvisors_list order.
func (o OptionsInstances) Known() []string {
	out := make([]string, len(o.Options.Instances))
	for i, in := range o.Options.Instances {
		out[i] = in.Identifier
	}
	return out
}

// Filter resolves identifiers, nick names and local stereotypes.
func (o OptionsInstances) Filter(names []string) []string { return o.Options.Resolve(names, nil) }
