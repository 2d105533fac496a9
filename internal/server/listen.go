//lint:file-ignore ST1005 the bind and chown messages are Supervisor's, word for word.

package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
)

// ErrAlreadyListening is returned when a configured address is taken by
// another program. Its text is Supervisor's, which the daemon prints
// after "Error: " before exiting with status 2.
var ErrAlreadyListening = errors.New("Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord.")

// staleRetryDelay is Supervisor's pause between removing a stale socket
// and binding again; maxStaleRetries bounds what Supervisor retries forever.
const (
	staleRetryDelay = 300 * time.Millisecond
	maxStaleRetries = 10
	probeTimeout    = 5 * time.Second
)

func listen(cfg config.HTTPServer, logger *slog.Logger) (net.Listener, error) {
	switch cfg.Kind {
	case config.InetHTTPServer:
		return listenInet(cfg)
	case config.UnixHTTPServer:
		return listenUnix(cfg, logger)
	}
	return nil, fmt.Errorf("section [%s]: unknown HTTP server kind %d", cfg.Section, cfg.Kind)
}

func listenInet(cfg config.HTTPServer) (net.Listener, error) {
	l, err := net.Listen("tcp4", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return nil, bindError(err)
	}
	return l, nil
}

// listenUnix creates the socket the way Supervisor does, so that two
// daemons racing for one path never both win: bind a private name, chmod
// it, then hard-link it to the configured path, which fails if the path
// exists. An existing path that answers belongs to a live daemon; one
// that does not is a stale leftover, removed before trying again.
func listenUnix(cfg config.HTTPServer, logger *slog.Logger) (net.Listener, error) {
	tmp := fmt.Sprintf("%s.%d", cfg.File, os.Getpid())
	_ = os.Remove(tmp)
	for attempt := 0; ; attempt++ {
		l, err := net.Listen("unix", tmp)
		if err != nil {
			return nil, bindError(err)
		}
		// We unlink the configured path ourselves on Close; the private
		// name is gone as soon as it is linked.
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		if err := os.Chmod(tmp, os.FileMode(cfg.Chmod)); err != nil {
			_ = l.Close()
			_ = os.Remove(tmp)
			return nil, fmt.Errorf("cannot chmod %s: %w", tmp, err)
		}
		linkErr := os.Link(tmp, cfg.File)
		_ = os.Remove(tmp)
		if linkErr == nil {
			if err := chownSocket(cfg); err != nil {
				_ = l.Close()
				_ = os.Remove(cfg.File)
				return nil, err
			}
			return l, nil
		}
		_ = l.Close()
		if socketAnswers(cfg.File) {
			return nil, ErrAlreadyListening
		}
		if attempt >= maxStaleRetries {
			return nil, fmt.Errorf("cannot create socket %s: %w", cfg.File, linkErr)
		}
		logger.Warn("Unlinking stale socket " + cfg.File)
		_ = os.Remove(cfg.File)
		time.Sleep(staleRetryDelay)
	}
}

// socketAnswers reports whether a server accepts a request on path, as
// Supervisor's check does (any byte of answer counts).
func socketAnswers(path string) bool {
	conn, err := net.DialTimeout("unix", path, probeTimeout)
	if err != nil {
		return false
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(probeTimeout))
	if _, err := io.WriteString(conn, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		return false
	}
	var b [1]byte
	n, _ := conn.Read(b[:])
	return n == 1
}

func chownSocket(cfg config.HTTPServer) error {
	if cfg.ChownUID == -1 && cfg.ChownGID == -1 {
		return nil
	}
	err := os.Chown(cfg.File, cfg.ChownUID, cfg.ChownGID)
	if errors.Is(err, syscall.EPERM) {
		current := strconv.Itoa(os.Geteuid())
		if u, uerr := user.LookupId(current); uerr == nil {
			current = u.Username
		}
		return fmt.Errorf("Not permitted to chown %s to uid/gid (%d, %d); adjust \"sockchown\" value in config file or "+
			"on command line to values that the current user (%s) can successfully chown",
			cfg.File, cfg.ChownUID, cfg.ChownGID, current)
	}
	return err
}

// errnoNames spells the errors a bind commonly meets the way Supervisor
// reports them ("errno.EACCES (13)").
var errnoNames = map[syscall.Errno]string{
	syscall.EACCES:        "EACCES",
	syscall.EPERM:         "EPERM",
	syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL",
	syscall.ENOENT:        "ENOENT",
	syscall.ENOTDIR:       "ENOTDIR",
	syscall.ENAMETOOLONG:  "ENAMETOOLONG",
	syscall.EROFS:         "EROFS",
	syscall.EINVAL:        "EINVAL",
}

func bindError(err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return ErrAlreadyListening
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name, ok := errnoNames[errno]; ok {
			return fmt.Errorf("Cannot open an HTTP server: socket.error reported errno.%s (%d)", name, int(errno))
		}
		return fmt.Errorf("Cannot open an HTTP server: socket.error reported %d", int(errno))
	}
	return fmt.Errorf("Cannot open an HTTP server: %w", err)
}
