// Package supvisors owns the Supvisors commands of supvisorsctl: the
// controller plugin that Supvisors 0.19 adds to supervisorctl
// (supvisors.supvisorsctl:make_supvisors_controller_plugin), with its
// version check before every command, its tables, its error lines and its
// exit statuses.
//
// The plugin registers itself as a built-in plugin of package ctl, so that
// "supvisorsctl -s URL" offers the commands without any [ctlplugin:x]
// section; a configuration that declares [ctlplugin:supvisors] gets the
// same commands once. Import the package for its side effect from
// cmd/supvisorsctl.
//
// It holds the commands about the cluster itself (sversion, sstate,
// master, strategies, instance_status, local_status, end_sync, sreload,
// sshutdown and loglevel) and those that drive the Starter and the
// Stopper (start_application, stop_application, restart_application,
// start_process, start_process_args, start_any_process,
// start_any_process_args, stop_process, restart_process,
// test_start_application, test_start_process, conciliate and
// restart_sequence), the starts that bypass them (start_args on the
// connected instance; all_start and all_start_args, which call every
// running instance directly), the changes to a program of the connected
// instance (update_numprocs, lazy_update_numprocs, enable and disable),
// and the tables of the merged model (application_info,
// application_rules, sstatus, process_rules and conflicts).
package supvisors
