package supervisor

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"syscall"

	"github.com/supvisors-go/supvisors/internal/config"
)

// fcgiSocket is the listening socket of an [fcgi-program:x] group: created
// and listening when the group is created, handed to each child as fd 0.
// Supervisor reference-counts it per spawned process; here the socket stays
// open while the group is active (a listening socket costs one descriptor),
// and the count only tells when every child has released it.
type fcgiSocket struct {
	cfg  *config.FCGISocket
	mu   sync.Mutex
	file *os.File
	refs int
	path string // unix socket path to unlink at close
}

func newFCGISocket(cfg *config.FCGISocket) (*fcgiSocket, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, err
	}
	backlog := cfg.Backlog
	if backlog <= 0 {
		backlog = syscall.SOMAXCONN
	}
	var fd int
	var path string
	switch u.Scheme {
	case "tcp":
		addr, err := net.ResolveTCPAddr("tcp", u.Host)
		if err != nil {
			return nil, err
		}
		family := syscall.AF_INET
		var sa syscall.Sockaddr
		if ip4 := addr.IP.To4(); ip4 != nil || addr.IP == nil {
			sa4 := &syscall.SockaddrInet4{Port: addr.Port}
			if ip4 != nil {
				copy(sa4.Addr[:], ip4)
			}
			sa = sa4
		} else {
			family = syscall.AF_INET6
			sa6 := &syscall.SockaddrInet6{Port: addr.Port}
			copy(sa6.Addr[:], addr.IP.To16())
			sa = sa6
		}
		if fd, err = syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
			return nil, err
		}
		syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		if err := syscall.Bind(fd, sa); err != nil {
			syscall.Close(fd)
			return nil, err
		}
	case "unix":
		path = u.Path
		os.Remove(path)
		if fd, err = syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
			return nil, err
		}
		if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
			syscall.Close(fd)
			return nil, err
		}
		mode := cfg.Mode
		if mode <= 0 {
			mode = 0o700
		}
		if err := os.Chmod(path, os.FileMode(mode)); err != nil {
			syscall.Close(fd)
			return nil, err
		}
		if cfg.OwnerUID >= 0 {
			if err := os.Chown(path, cfg.OwnerUID, cfg.OwnerGID); err != nil {
				syscall.Close(fd)
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("unsupported socket URL %s", cfg.URL)
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return &fcgiSocket{cfg: cfg, file: os.NewFile(uintptr(fd), "fcgi:"+strconv.Itoa(fd)), path: path}, nil
}

func (s *fcgiSocket) acquire() (*os.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil, fmt.Errorf("socket %s is closed", s.cfg.URL)
	}
	s.refs++
	return s.file, nil
}

func (s *fcgiSocket) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs > 0 {
		s.refs--
	}
}

func (s *fcgiSocket) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file != nil {
		s.file.Close()
		s.file = nil
		if s.path != "" {
			os.Remove(s.path)
		}
	}
}
