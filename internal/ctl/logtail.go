package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// streamGet fetches serverURL+path (a /logtail or /mainlogtail stream)
// and copies the body to out as it arrives, until the server ends it or
// ctx is cancelled. Failures are written to errOut the way supervisorctl's
// small HTTP client writes them; they are not errors of the command.
func streamGet(ctx context.Context, serverURL, path, username, password string, out, errOut io.Writer) {
	fullURL := serverURL + path
	transport := &http.Transport{Proxy: nil, DisableCompression: true}
	defer transport.CloseIdleConnections()
	reqURL := fullURL
	switch {
	case strings.HasPrefix(serverURL, "unix://"):
		socket := serverURL[len("unix://"):]
		transport.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		}
		reqURL = "http://localhost" + path
	case strings.HasPrefix(serverURL, "http://"):
	default:
		fmt.Fprintf(errOut, "%s Cannot connect, error: <class 'NotImplementedError'> ()\n", fullURL)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reqURL, nil)
	if err != nil {
		fmt.Fprintf(errOut, "%s Cannot connect, error: <class 'ValueError'> (%v)\n", fullURL, err)
		return
	}
	req.Header.Set("Accept", "*/*")
	req.Header.Set("User-Agent", "Supervisor HTTP Client")
	// Supervisor's client sends credentials only with a non-empty password.
	if password != "" {
		req.SetBasicAuth(username, password)
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		p := pythonize(err)
		fmt.Fprintf(errOut, "%s Cannot connect, error: <class '%s'> (%s)\n", fullURL, p.class, p.msg)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(errOut, "%s Cannot read, status code %d\n", fullURL, resp.StatusCode)
		return
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// catchInterrupt returns a context cancelled by Ctrl-C (SIGINT), for the
// commands that run until the user stops them; until stop is called, the
// shell leaves Ctrl-C to them.
func (c *Controller) catchInterrupt(parent context.Context) (context.Context, context.CancelFunc) {
	c.ownInterrupt.Store(true)
	ctx, stop := signal.NotifyContext(parent, os.Interrupt)
	// SIGINT stays caught throughout: the command's channel is registered
	// before the shell's is removed, and the shell's is back before the
	// command's goes.
	shell := c.shellSigs
	if shell != nil {
		signal.Stop(shell)
	}
	return ctx, func() {
		if shell != nil {
			signal.Notify(shell, os.Interrupt)
		}
		stop()
		c.ownInterrupt.Store(false)
	}
}

// follow implements "tail -f" and "maintail -f": it streams path until
// the server closes it or the user presses Ctrl-C.
func (c *Controller) follow(ctx context.Context, path string) error {
	c.Output("==> Press Ctrl-C to exit <==")
	ictx, stop := c.catchInterrupt(ctx)
	defer stop()
	password := ""
	if c.opts.hasPassword {
		password = c.opts.Password
	}
	streamGet(ictx, c.opts.ServerURL, path, c.opts.Username, password, c.out, c.errOut)
	if ictx.Err() != nil && ctx.Err() == nil {
		c.Output("")
	}
	return nil
}

// fg attaches the terminal to a running process: its output streams to
// ours, and each line typed is sent to its stdin.
func (p *defaultPlugin) fg(ctx context.Context, arg string) error {
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	names := fields(arg)
	if len(names) == 0 {
		p.out("ERROR: no process name supplied")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpFg()
		return nil
	}
	if len(names) > 1 {
		p.out("ERROR: too many process names supplied")
		p.ctl.SetExitStatus(ExitGeneric)
		return nil
	}
	name := names[0]
	running := func() (bool, error) {
		v, err := p.ctl.Call(ctx, "supervisor.getProcessInfo", name)
		if err != nil {
			return false, err
		}
		info, err := asStruct(v)
		if err != nil {
			return false, err
		}
		return intField(info, "state") == stateRunning, nil
	}
	isRunning, err := running()
	if err != nil {
		f := faultOf(err)
		if f == nil {
			return err
		}
		if f.Code == errdefs.BadName {
			p.out("ERROR: bad process name supplied")
			p.ctl.SetExitStatus(ExitGeneric)
		} else {
			p.out("ERROR: " + faultRepr(f))
		}
		return nil
	}
	if !isRunning {
		p.out("ERROR: process not running")
		p.ctl.SetExitStatus(ExitGeneric)
		return nil
	}
	p.out("==> Press Ctrl-C to exit <==")

	ictx, stopSignals := p.ctl.catchInterrupt(ctx)
	defer stopSignals()
	streamCtx, stopStreams := context.WithCancel(ictx)
	var wg sync.WaitGroup
	defer func() {
		stopStreams()
		wg.Wait()
	}()
	password := ""
	if p.ctl.opts.hasPassword {
		password = p.ctl.opts.Password
	}
	out := &lockedWriter{w: p.ctl.out}
	for _, channel := range []string{"stdout", "stderr"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			streamGet(streamCtx, p.ctl.opts.ServerURL, "/logtail/"+name+"/"+channel,
				p.ctl.opts.Username, password, out, p.ctl.errOut)
		}()
	}
	for {
		line, err := p.ctl.in.ReadLineContext(ictx, "")
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, errInterrupted) || ictx.Err() != nil {
				out.line("Exiting foreground")
				return nil
			}
			return err
		}
		if _, err := p.ctl.Call(ctx, "supervisor.sendProcessStdin", name, line+"\n"); err != nil {
			f := faultOf(err)
			if f == nil {
				return err
			}
			if f.Code == errdefs.NotRunning {
				out.line("Process got killed")
			} else {
				out.line("ERROR: " + faultRepr(f))
			}
			out.line("Exiting foreground")
			return nil
		}
		isRunning, err := running()
		if err != nil {
			return err
		}
		if !isRunning {
			out.line("Process got killed")
			out.line("Exiting foreground")
			return nil
		}
	}
}

// lockedWriter serialises the writes of fg's two output streams and its
// own messages.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (l *lockedWriter) line(s string) { _, _ = l.Write([]byte(s + "\n")) }
