package xmlrpc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultMaxResponseBytes bounds a response when ClientOptions leaves it
// unset; it leaves room for a large readLog.
const DefaultMaxResponseBytes = 256 << 20

// ClientOptions configures a Client.
type ClientOptions struct {
	// Username and Password are sent as Basic auth when Username is set.
	Username string
	Password string
	// Timeout bounds each call; zero means no bound, which calls with
	// wait=true need (a stop waits for stopwaitsecs).
	Timeout time.Duration
	// MaxResponseBytes bounds the size of a response document.
	MaxResponseBytes int64
	// UserAgent overrides the User-Agent header.
	UserAgent string
}

// Client calls methods on an XML-RPC server over HTTP or a unix socket,
// reusing one keep-alive connection across calls, as supervisorctl does.
type Client struct {
	endpoint  string
	opts      ClientOptions
	transport *http.Transport
	http      *http.Client
}

// HTTPError is returned when the server answers with a status other than
// 200 (e.g. 401 when the credentials are wrong).
type HTTPError struct {
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string { return "xmlrpc: HTTP status " + e.Status }

// NewClient returns a client for rawURL: http://host:port[/path] (the path
// defaults to /RPC2) or unix:///path/to/socket.
func NewClient(rawURL string, opts ClientOptions) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: bad server URL %q: %w", rawURL, err)
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "supvisors-go xmlrpc client"
	}
	tr := &http.Transport{
		Proxy:               nil, // a supervisor is local or on a trusted LAN; never go through $HTTP_PROXY
		DisableCompression:  true,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Minute,
	}
	c := &Client{opts: opts, transport: tr, http: &http.Client{Transport: tr, Timeout: opts.Timeout}}
	switch u.Scheme {
	case "http":
		if u.Host == "" {
			return nil, fmt.Errorf("xmlrpc: server URL %q has no host", rawURL)
		}
		path := u.Path
		if path == "" || path == "/" {
			path = "/RPC2"
		}
		c.endpoint = "http://" + u.Host + path
		dialer := &net.Dialer{Timeout: 30 * time.Second}
		tr.DialContext = dialer.DialContext
	case "unix":
		socket := u.Path
		if socket == "" {
			socket = u.Opaque
		}
		if socket == "" {
			return nil, fmt.Errorf("xmlrpc: server URL %q has no socket path", rawURL)
		}
		// Supervisor's own client sends "Host: localhost" on unix sockets.
		c.endpoint = "http://localhost/RPC2"
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		}
	default:
		return nil, fmt.Errorf("xmlrpc: unsupported server URL scheme in %q", rawURL)
	}
	return c, nil
}

// Call invokes method with params. A fault answered by the server is
// returned as a *Fault error.
func (c *Client) Call(ctx context.Context, method string, params ...any) (any, error) {
	return c.roundTrip(ctx, method, params, func(r io.Reader) (any, error) {
		return DecodeResponse(r, c.opts.MaxResponseBytes)
	})
}

// CallRaw invokes method with params and returns the response document
// undecoded (HTTP errors are still errors). Load generators use it so that
// what they measure is the server, not the decoding of its answers.
func (c *Client) CallRaw(ctx context.Context, method string, params ...any) ([]byte, error) {
	v, err := c.roundTrip(ctx, method, params, func(r io.Reader) (any, error) {
		return io.ReadAll(io.LimitReader(r, c.opts.MaxResponseBytes))
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

func (c *Client) roundTrip(ctx context.Context, method string, params []any, read func(io.Reader) (any, error)) (any, error) {
	body, err := AppendCall(make([]byte, 0, 512), method, params)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("Accept", "text/xml")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if c.opts.Username != "" {
		req.SetBasicAuth(c.opts.Username, c.opts.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{StatusCode: resp.StatusCode, Status: resp.Status}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "xml") {
		return nil, fmt.Errorf("xmlrpc: unexpected response Content-Type %q", ct)
	}
	return read(resp.Body)
}

// Close drops the idle connections.
func (c *Client) Close() {
	c.transport.CloseIdleConnections()
}
