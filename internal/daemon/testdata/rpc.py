"""Call one XML-RPC method of a supervisord-compatible daemon and print the
result as JSON. Used by the daemon's end-to-end tests as an independent
client (Python's own xmlrpc.client, not our codec).

usage: rpc.py URL METHOD [JSON_ARG ...]
URL is http://host:port or unix:///path/to/socket.
"""
import http.client
import json
import socket
import sys
import xmlrpc.client


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.unix_path = path

    def make_connection(self, host):
        return UnixConnection(self.unix_path)


def proxy(url):
    if url.startswith("unix://"):
        return xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(url[len("unix://"):]))
    return xmlrpc.client.ServerProxy(url + "/RPC2")


def main():
    url, method = sys.argv[1], sys.argv[2]
    args = [json.loads(a) for a in sys.argv[3:]]
    target = proxy(url)
    for part in method.split("."):
        target = getattr(target, part)
    try:
        print(json.dumps({"result": target(*args)}))
    except xmlrpc.client.Fault as f:
        print(json.dumps({"fault": f.faultCode, "string": f.faultString}))


main()
