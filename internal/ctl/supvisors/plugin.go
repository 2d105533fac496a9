package supvisors

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/supvisors-go/supvisors/internal/ctl"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// APIVersion is the version of the supvisors.* API this client speaks:
// before every command, the daemon's supvisors.get_api_version must answer
// exactly this string.
const APIVersion = "0.19.1"

// FactoryRef is the supervisor.ctl_factory value of a [ctlplugin:x]
// section that asks for these commands, as Supvisors documents it.
const FactoryRef = "supvisors.supvisorsctl:make_supvisors_controller_plugin"

// PluginName is the name the commands are listed under in "help" when no
// configuration section names them.
const PluginName = "supvisors"

func init() {
	ctl.RegisterPlugin(FactoryRef, PluginName, true, newPlugin)
}

// plugin holds the Supvisors commands of one controller.
type plugin struct {
	ctl *ctl.Controller
}

// newPlugin is the factory registered with package ctl. The plugin takes
// no option: extra keys of a [ctlplugin:x] section are ignored, as
// Supvisors ignores them.
func newPlugin(c *ctl.Controller, _ map[string]string) (ctl.Plugin, error) {
	// Supvisors refuses to start a disabled program with its own fault,
	// which the start command then reports as Supvisors' client does.
	c.SetStartResult(errdefs.Disabled, "ERROR disabled")
	return &plugin{ctl: c}, nil
}

func (p *plugin) Commands() []ctl.Command {
	return []ctl.Command{
		{Name: "all_start", Run: p.allStart, Help: p.helpAllStart},
		{Name: "all_start_args", Run: p.allStartArgs, Help: p.helpAllStartArgs},
		{Name: "application_info", Run: p.applicationInfo, Help: p.helpApplicationInfo},
		{Name: "application_rules", Run: p.applicationRules, Help: p.helpApplicationRules},
		{Name: "conciliate", Run: p.conciliate, Help: p.helpConciliate},
		{Name: "conflicts", Run: p.conflicts, Help: p.helpConflicts},
		{Name: "disable", Run: p.disable, Help: p.helpDisable},
		{Name: "enable", Run: p.enable, Help: p.helpEnable},
		{Name: "end_sync", Run: p.endSync, Help: p.helpEndSync},
		{Name: "instance_status", Run: p.instanceStatus, Help: p.helpInstanceStatus},
		{Name: "lazy_update_numprocs", Run: p.lazyUpdateNumprocs, Help: p.helpLazyUpdateNumprocs},
		{Name: "local_status", Run: p.localStatus, Help: p.helpLocalStatus},
		{Name: "loglevel", Run: p.logLevel, Help: p.helpLogLevel},
		{Name: "master", Run: p.master, Help: p.helpMaster},
		{Name: "process_rules", Run: p.processRules, Help: p.helpProcessRules},
		{Name: "restart_application", Run: p.restartApplication, Help: p.helpRestartApplication},
		{Name: "restart_process", Run: p.restartProcess, Help: p.helpRestartProcess},
		{Name: "restart_sequence", Run: p.restartSequence, Help: p.helpRestartSequence},
		{Name: "sreload", Run: p.sreload, Help: p.helpSreload},
		{Name: "sshutdown", Run: p.sshutdown, Help: p.helpSshutdown},
		{Name: "sstate", Run: p.sstate, Help: p.helpSstate},
		{Name: "sstatus", Run: p.sstatus, Help: p.helpSstatus},
		{Name: "start_any_process", Run: p.startAnyProcess, Help: p.helpStartAnyProcess},
		{Name: "start_any_process_args", Run: p.startAnyProcessArgs, Help: p.helpStartAnyProcessArgs},
		{Name: "start_application", Run: p.startApplication, Help: p.helpStartApplication},
		{Name: "start_args", Run: p.startArgs, Help: p.helpStartArgs},
		{Name: "start_process", Run: p.startProcess, Help: p.helpStartProcess},
		{Name: "start_process_args", Run: p.startProcessArgs, Help: p.helpStartProcessArgs},
		{Name: "stop_application", Run: p.stopApplication, Help: p.helpStopApplication},
		{Name: "stop_process", Run: p.stopProcess, Help: p.helpStopProcess},
		{Name: "strategies", Run: p.strategies, Help: p.helpStrategies},
		{Name: "sversion", Run: p.sversion, Help: p.helpSversion},
		{Name: "test_start_application", Run: p.testStartApplication, Help: p.helpTestStartApplication},
		{Name: "test_start_process", Run: p.testStartProcess, Help: p.helpTestStartProcess},
		{Name: "update_numprocs", Run: p.updateNumprocs, Help: p.helpUpdateNumprocs},
	}
}

func (p *plugin) out(line string) { p.ctl.Output(line) }

// call invokes a supvisors.* method on the connected daemon.
func (p *plugin) call(ctx context.Context, method string, params ...any) (any, error) {
	return p.ctl.Call(ctx, "supvisors."+method, params...)
}

// The messages of the version check. Scripts match them, so they are
// Supvisors' own words, typo included.
const (
	msgVersionMismatch = "ERROR: this version of supvisorsctl expects to talk to a server with API version %s, " +
		"but the remote version is %s."
	msgNoNamespace = "ERROR: supervisord responded but did not recognize the supvisors namespace commands " +
		"that supervisorstl uses to control it. Please check that the [rpcinterface:supvisors] section " +
		"is enabled in the configuration file."
)

// upcheck makes sure that the daemon speaks our version of the
// supvisors.* API before a command runs. When it does not, it prints why,
// sets the exit status and returns false. Failures that Supvisors does
// not expect (another fault, another socket error, a refused login) are
// returned for the controller to report as it reports any exception.
func (p *plugin) upcheck(ctx context.Context) (bool, error) {
	v, err := p.call(ctx, "get_api_version")
	if err != nil {
		switch f := faultOf(err); {
		case f != nil && f.Code == errdefs.UnknownMethod:
			p.out(msgNoNamespace)
			p.ctl.SetExitStatus(ctl.ExitUnimplementedFeature)
			return false, nil
		case f == nil && errors.Is(err, syscall.ECONNREFUSED):
			p.out("ERROR: " + p.ctl.ServerURL() + " refused connection")
			p.ctl.SetExitStatus(ctl.ExitInsufficientPrivileges)
			return false, nil
		case f == nil && errors.Is(err, syscall.ENOENT):
			p.out("ERROR: " + p.ctl.ServerURL() + " no such file")
			p.ctl.SetExitStatus(ctl.ExitNotRunning)
			return false, nil
		}
		return false, err
	}
	if remote, ok := v.(string); !ok || remote != APIVersion {
		p.out(fmt.Sprintf(msgVersionMismatch, APIVersion, pyfmt.Str(v)))
		p.ctl.SetExitStatus(ctl.ExitNotInstalled)
		return false, nil
	}
	return true, nil
}

// reportFault prints a fault answer as an error line, "<prefix>ERROR
// (<faultString>)", and records a generic failure. Any other error is
// handed back: Supvisors lets those reach the controller.
func (p *plugin) reportFault(prefix string, err error) error {
	f := faultOf(err)
	if f == nil {
		return err
	}
	p.out(prefix + "ERROR (" + f.String + ")")
	p.ctl.SetExitStatus(ctl.ExitGeneric)
	return nil
}

// invalidArgs prints a usage error, records exit status 2 and shows the
// command's help.
func (p *plugin) invalidArgs(message string, help func()) {
	p.out(message)
	p.ctl.SetExitStatus(ctl.ExitInvalidArgs)
	help()
}

// faultOf returns the fault in err, or nil.
func faultOf(err error) *xmlrpc.Fault {
	var f *xmlrpc.Fault
	if errors.As(err, &f) {
		return f
	}
	return nil
}
