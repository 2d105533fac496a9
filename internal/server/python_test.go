package server

import (
	"crypto/sha1"
	"encoding/hex"
	"os"
	"os/exec"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
)

const systemPython = "/usr/bin/python3" // Debian's, with the supervisor module

// Python's xmlrpc.client, through the transport supervisorctl itself uses
// (supervisor.xmlrpc.SupervisorTransport), talks to our server over TCP
// and over a unix socket: values, faults, and the 401 of bad credentials.
func TestPythonClients(t *testing.T) {
	if _, err := os.Stat(systemPython); err != nil {
		t.Fatalf("%s is required (make deps installs it): %v", systemPython, err)
	}
	sum := sha1.Sum([]byte("s3cret"))
	tcp := inet("admin", "{SHA}"+hex.EncodeToString(sum[:]))
	sock := unixSocket(t, "admin", "s3cret")
	s := startServer(t, Options{Servers: []config.HTTPServer{tcp, sock}, RPC: newTestDispatcher()})

	script := `
import sys, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
for url in sys.argv[1:]:
    for password in ('s3cret', 'wrong'):
        proxy = xmlrpc.client.ServerProxy('http://127.0.0.1', SupervisorTransport('admin', password, url), allow_none=True)
        try:
            print(proxy.test.echo('x', 1, True, {'k': [1.5, None]}, 2**31 - 1))
            try:
                proxy.test.fail()
            except xmlrpc.client.Fault as f:
                print(f.faultCode, f.faultString)
            print(len(proxy.system.listMethods()), proxy.system.methodSignature('system.methodHelp'))
        except xmlrpc.client.ProtocolError as e:
            print('ProtocolError', e.errcode)
`
	cmd := exec.CommandContext(t.Context(), systemPython, "-c", script, "http://"+s.Addrs()[0].String(), "unix://"+sock.File)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	once := "['x', 1, True, {'k': [1.5, None]}, 2147483647]\n10 BAD_NAME: nope\n7 ['string', 'string']\nProtocolError 401\n"
	if string(out) != once+once {
		t.Errorf("python printed\n%s\nwant\n%s", out, once+once)
	}
}
