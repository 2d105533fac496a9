// Package rules owns the Supvisors rules files: the XML documents named by
// the rules_files option that declare which applications Supvisors manages
// and how their processes are placed, sequenced and recovered.
//
// Load expands the globs, reads every file, validates it against the
// schema published as rules/rules.xsd (the check is written in Go and
// needs no XML schema library) and indexes aliases, models, applications
// and programs as Supvisors does when it merges several files. Any
// problem the schema would reject, any regular expression that cannot be
// compiled and any operational_status formula that cannot be parsed is an
// error naming the file, the line and the element: Supvisors would log it
// and run with every application unmanaged, we refuse to start instead.
// Problems Supvisors only logs (a negative sequence, required without a
// start sequence, a '#' on an application whose name has no index, ...)
// stay warnings and get Supvisors' fix.
//
// The rules of one application or process are computed the first time
// they are asked for and then frozen, like Supvisors' lazy loading: the
// default starting strategy of the options comes first, the application
// element next, and for a process the application's failure strategies,
// then its models (deepest first), then its own element.
//
// The operational_status formula has its own small parser and evaluator
// (ParseFormula, Formula.Eval), so that no Python expression is ever run.
package rules
