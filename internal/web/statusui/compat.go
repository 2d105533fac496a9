package statusui

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

var errFormTooLarge = errors.New("form too large")

// quote percent-encodes s as Python's urllib.parse.quote does with its
// default safe set: letters, digits, "_.-~" and "/" stay, every other byte
// of the UTF-8 text becomes %XX. Links and redirect messages must be
// encoded this way to be byte-identical with Supervisor's.
func quote(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '.', c == '-', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// ctime formats t in local time as Python's time.ctime:
// "Mon Nov  3 22:59:39 2026" (the day padded with a space).
func ctime(t time.Time) string {
	return t.Local().Format("Mon Jan _2 15:04:05 2006")
}

// serverURL is the scheme and authority the redirects point to: the Host
// header, without the scheme's default port, as Supervisor builds it; the
// listener's address when the client sent no Host.
func serverURL(r *http.Request) string {
	scheme, defaultPort := "http", "80"
	if r.TLS != nil {
		scheme, defaultPort = "https", "443"
	}
	host := strings.TrimSpace(r.Host)
	if host == "" {
		host = "localhost"
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok {
			host = a.String()
		}
	}
	// Python's splitport: a trailing ":digits" (possibly empty) is the port.
	if i := strings.LastIndexByte(host, ':'); i >= 0 && allDigits(host[i+1:]) {
		if port := host[i+1:]; port == "" || port == defaultPort {
			host = host[:i]
		}
	}
	return strings.TrimSuffix(scheme+"://"+host, "/")
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unexpectedFault is Supervisor's text for a fault the UI has no wording
// for: "unexpected rpc fault [<code>] <fault string>". An error of no
// known kind is reported as FAILED.
func unexpectedFault(err error) string {
	code, ok := errdefs.CodeOf(err)
	text := err.Error()
	if !ok {
		code = errdefs.Failed
		text = errdefs.New(errdefs.Failed, text).Error()
	}
	return fmt.Sprintf("unexpected rpc fault [%d] %s", int(code), text)
}
