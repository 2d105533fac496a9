"""Calls every XML-RPC method of a supervisord-compatible daemon.

Usage: /usr/bin/python3 suite.py URL [USER PASSWORD]

For each method in system.listMethods() it makes a fixed list of calls,
with valid and invalid arguments, and prints one JSON line per call:
the method, the arguments, and the result or the fault. Values that change
between runs (pids, clocks) are replaced by placeholders so that the output
of Debian's supervisord can serve as a golden file for any other daemon.
The calls expect the daemon to run testdata/golden/fixture.conf.
"""

import json
import re
import sys
import time
import xmlrpc.client

# A pseudo-method: poll getState until the daemon is RUNNING again.
WAIT_READY = "(wait until the daemon is running)"

# Each method's calls, in order. State-changing calls restore what they
# change, so that later calls see the fixture as it was; the daemon-level
# ones (restart, shutdown) come last.
CALLS = [
    ("system.listMethods", []),
    ("system.listMethods", ["extra"]),
    ("system.methodHelp", ["supervisor.getState"]),
    ("system.methodHelp", ["supervisor.nosuch"]),
    ("system.methodHelp", []),
    ("system.methodSignature", ["supervisor.startProcess"]),
    ("system.methodSignature", ["supervisor.getAllProcessInfo"]),
    ("system.methodSignature", ["system.multicall"]),
    ("system.methodSignature", ["supervisor.nosuch"]),
    ("system.methodSignature", [42]),
    ("system.multicall", [[
        {"methodName": "supervisor.getAPIVersion"},
        {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]},
        {"methodName": "supervisor.nosuch"},
        {"params": []},
        {"methodName": "system.multicall", "params": [[]]},
        {"methodName": "supervisor.stopProcess", "params": ["sleeper"]},
        {"methodName": "supervisor.startProcess", "params": ["sleeper"]},
    ]]),
    ("system.multicall", [[]]),
    ("system.multicall", ["notalist"]),
    ("supervisor.getAPIVersion", []),
    ("supervisor.getAPIVersion", ["extra"]),
    ("supervisor.getVersion", []),
    ("supervisor.getSupervisorVersion", []),
    ("supervisor.getIdentification", []),
    ("supervisor.getState", []),
    ("supervisor.getPID", []),
    ("supervisor.getProcessInfo", ["sleeper"]),
    ("supervisor.getProcessInfo", ["worker:worker_0"]),
    ("supervisor.getProcessInfo", ["manual"]),
    ("supervisor.getProcessInfo", ["crasher"]),
    ("supervisor.getProcessInfo", ["badcmd"]),
    ("supervisor.getProcessInfo", ["oneshot"]),
    ("supervisor.getProcessInfo", ["chatty"]),
    ("supervisor.getProcessInfo", ["nosuch"]),
    ("supervisor.getProcessInfo", ["worker:*"]),
    ("supervisor.getProcessInfo", ["worker"]),
    ("supervisor.getProcessInfo", []),
    ("supervisor.getAllProcessInfo", []),
    ("supervisor.getAllConfigInfo", []),
    ("supervisor.startProcess", ["sleeper"]),
    ("supervisor.startProcess", ["manual"]),
    ("supervisor.startProcess", ["manual", False]),
    ("supervisor.stopProcess", ["manual"]),
    ("supervisor.stopProcess", ["manual"]),
    ("supervisor.startProcess", ["nosuch"]),
    ("supervisor.startProcess", ["badcmd"]),
    ("supervisor.startProcess", ["crasher"]),
    ("supervisor.startProcess", []),
    ("supervisor.stopProcess", ["nosuch"]),
    ("supervisor.stopProcess", []),
    ("supervisor.startProcessGroup", ["worker"]),
    ("supervisor.stopProcessGroup", ["worker"]),
    ("supervisor.stopProcessGroup", ["worker"]),
    ("supervisor.startProcessGroup", ["worker"]),
    ("supervisor.startProcessGroup", ["nosuch"]),
    ("supervisor.stopProcessGroup", ["nosuch"]),
    ("supervisor.startProcess", ["worker:*"]),
    ("supervisor.stopProcess", ["stack:*"]),
    ("supervisor.startProcess", ["stack:*"]),
    ("supervisor.signalProcess", ["stubborn", "HUP"]),
    ("supervisor.signalProcess", ["sleeper", "SIGCONT"]),
    ("supervisor.signalProcess", ["sleeper", 18]),
    ("supervisor.signalProcess", ["sleeper", "18"]),
    ("supervisor.signalProcess", ["sleeper", "NOSUCH"]),
    ("supervisor.signalProcess", ["manual", "HUP"]),
    ("supervisor.signalProcess", ["manual", "NOSUCH"]),
    ("supervisor.signalProcess", ["nosuch", "HUP"]),
    ("supervisor.signalProcess", ["sleeper"]),
    ("supervisor.signalProcessGroup", ["worker", "CONT"]),
    ("supervisor.signalProcessGroup", ["nosuch", "CONT"]),
    ("supervisor.signalProcessGroup", ["worker", "NOSUCH"]),
    ("supervisor.signalAllProcesses", ["CONT"]),
    ("supervisor.signalAllProcesses", ["NOSUCH"]),
    ("supervisor.readProcessStdoutLog", ["chatty", 0, 0]),
    ("supervisor.readProcessStdoutLog", ["chatty", -4, 0]),
    ("supervisor.readProcessStdoutLog", ["chatty", 1, 3]),
    ("supervisor.readProcessStdoutLog", ["chatty", 100, 0]),
    ("supervisor.readProcessStdoutLog", ["chatty", -1, -1]),
    ("supervisor.readProcessStdoutLog", ["chatty", 0, -1]),
    ("supervisor.readProcessStdoutLog", ["nosuch", 0, 0]),
    ("supervisor.readProcessStdoutLog", ["manual", 0, 0]),
    ("supervisor.readProcessStdoutLog", ["chatty"]),
    ("supervisor.readProcessLog", ["chatty", 0, 0]),
    ("supervisor.readProcessStderrLog", ["chatty", 0, 0]),
    ("supervisor.readProcessStderrLog", ["chatty", -4, 0]),
    ("supervisor.readProcessStderrLog", ["nosuch", 0, 0]),
    ("supervisor.tailProcessStdoutLog", ["chatty", 0, 100]),
    ("supervisor.tailProcessStdoutLog", ["chatty", 0, 4]),
    ("supervisor.tailProcessStdoutLog", ["chatty", 5, 100]),
    ("supervisor.tailProcessStdoutLog", ["chatty", 100, 100]),
    ("supervisor.tailProcessStdoutLog", ["manual", 0, 100]),
    ("supervisor.tailProcessStdoutLog", ["nosuch", 0, 100]),
    ("supervisor.tailProcessStdoutLog", ["chatty", -1, 100]),
    ("supervisor.tailProcessLog", ["chatty", 0, 100]),
    ("supervisor.tailProcessStderrLog", ["chatty", 0, 100]),
    ("supervisor.tailProcessStderrLog", ["nosuch", 0, 100]),
    ("supervisor.sendProcessStdin", ["echoer", "ping\n"]),
    ("supervisor.sendProcessStdin", ["echoer", 42]),
    ("supervisor.sendProcessStdin", ["manual", "ping\n"]),
    ("supervisor.sendProcessStdin", ["nosuch", "ping\n"]),
    ("supervisor.sendProcessStdin", ["echoer"]),
    ("supervisor.sendRemoteCommEvent", ["type", "data"]),
    ("supervisor.sendRemoteCommEvent", ["type"]),
    ("supervisor.clearProcessLogs", ["chatty"]),
    ("supervisor.readProcessStdoutLog", ["chatty", 0, 0]),
    ("supervisor.clearProcessLogs", ["nosuch"]),
    ("supervisor.clearProcessLog", ["echoer"]),
    ("supervisor.clearAllProcessLogs", []),
    ("supervisor.readLog", [0, 0]),
    ("supervisor.readLog", [-1, -1]),
    ("supervisor.readLog", ["a", 0]),
    ("supervisor.readMainLog", [0, 0]),
    ("supervisor.clearLog", []),
    ("supervisor.readLog", [0, 0]),
    ("supervisor.reloadConfig", []),
    ("supervisor.addProcessGroup", ["worker"]),
    ("supervisor.addProcessGroup", ["nosuch"]),
    ("supervisor.removeProcessGroup", ["worker"]),
    ("supervisor.removeProcessGroup", ["nosuch"]),
    ("supervisor.stopProcessGroup", ["stack"]),
    ("supervisor.removeProcessGroup", ["stack"]),
    ("supervisor.addProcessGroup", ["stack"]),
    ("supervisor.stopAllProcesses", []),
    ("supervisor.stopAllProcesses", []),
    ("supervisor.startAllProcesses", []),
    ("supervisor.nosuch", []),
    ("nosuch.method", []),
    ("supervisor._private", []),
    ("supervisor.getState.extra", []),
    ("supervisor.restart", ["extra"]),
    ("supervisor.restart", []),
    (WAIT_READY, []),
    ("supervisor.getState", []),
    ("supervisor.shutdown", []),
    ("supervisor.getState", []),
    ("supervisor.shutdown", []),
]

# Keys whose values change between runs, with their placeholders.
VOLATILE_INTS = {"pid": "<PID>", "start": "<TIME>", "stop": "<TIME>", "now": "<TIME>"}
DESCRIPTION_PATTERNS = [
    (re.compile(r"pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d"), "pid <PID>, uptime <UPTIME>"),
    (re.compile(r"\b[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M\b"), "<DATE>"),
]
MAIN_LOG_METHODS = {"supervisor.readLog", "supervisor.readMainLog"}

# Calls that make supervisord 4.2.5 answer HTTP 500 (an uncaught exception).
# supvisors-go deliberately answers them with a fault instead (see
# docs/compatibility.md), so only "it failed" is recorded for them.
CRASHES_SUPERVISOR = {
    ("system.multicall", json.dumps(["notalist"])),
    ("supervisor.readLog", json.dumps(["a", 0])),
}


def normalize(value, key=None):
    """Replaces run-dependent values, recursively."""
    if isinstance(value, dict):
        return {k: normalize(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and key in VOLATILE_INTS and value != 0:
        return VOLATILE_INTS[key]
    if isinstance(value, str) and key == "description":
        for pattern, repl in DESCRIPTION_PATTERNS:
            value = pattern.sub(repl, value)
    return value


def describe(method, value):
    """Turns a result into its stable JSON form."""
    if method == "system.methodHelp" and isinstance(value, str):
        # The help text is each implementation's own prose; clients only
        # rely on it being there, with the @return tag methodSignature uses.
        return "<help text%s>" % (" with @return" if "@return" in value else "")
    if method == "supervisor.getPID":
        return "<PID>" if isinstance(value, int) and value > 0 else value
    if method in MAIN_LOG_METHODS and isinstance(value, str):
        # The main log's content depends on timing; its type and whether it
        # is empty do not.
        return "<main log, %s>" % ("empty" if value == "" else "not empty")
    if isinstance(value, list) and value and all(
            isinstance(v, dict) and "status" in v for v in value):
        # Group and "all" operations report in completion order, which
        # depends on timing: compare them in name order.
        value = sorted(value, key=lambda v: (v.get("group"), v.get("name")))
    return normalize(value)


def wait_ready(url, timeout=30.0):
    """Polls getState with a fresh connection each time until RUNNING."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = xmlrpc.client.ServerProxy(url).supervisor.getState()
            if state["statename"] == "RUNNING":
                return True
        except (OSError, xmlrpc.client.Error):
            pass
        time.sleep(0.05)
    return False


def main():
    url = sys.argv[1]
    if len(sys.argv) == 4:
        scheme, rest = url.split("://", 1)
        url = "%s://%s:%s@%s" % (scheme, sys.argv[2], sys.argv[3], rest)
    url = url.rstrip("/") + "/RPC2"
    proxy = xmlrpc.client.ServerProxy(url)
    listed = set(proxy.system.listMethods())
    shut_down = False
    for method, args in CALLS:
        entry = {"method": method, "args": args}
        if method == WAIT_READY:
            entry["result"] = wait_ready(url)
            proxy = xmlrpc.client.ServerProxy(url)
            print(json.dumps(entry, sort_keys=True))
            continue
        crashes = (method, json.dumps(args)) in CRASHES_SUPERVISOR
        try:
            result = getattr(proxy, method)(*args)
            entry["result"] = describe(method, result)
            if method == "supervisor.shutdown" and result is True:
                shut_down = True
        except xmlrpc.client.Fault as fault:
            if shut_down and fault.faultCode == 6:
                # Once shutdown is asked, a daemon answers SHUTDOWN_STATE
                # until it is gone: which one a call meets is timing.
                entry["error"] = "SHUTDOWN_STATE or gone"
            elif crashes:
                entry["error"] = "fault or HTTP 500"
            else:
                entry["faultCode"] = fault.faultCode
                entry["faultString"] = fault.faultString
        except xmlrpc.client.ProtocolError as err:
            if crashes and err.errcode == 500:
                entry["error"] = "fault or HTTP 500"
            else:
                entry["protocolError"] = "%d %s" % (err.errcode, err.errmsg)
        except OSError as err:
            if shut_down:
                entry["error"] = "SHUTDOWN_STATE or gone"
            else:
                entry["connectionError"] = type(err).__name__
        print(json.dumps(entry, sort_keys=True))
        sys.stdout.flush()
    # Every listed method must have been called at least once.
    called = {method for method, _ in CALLS}
    print(json.dumps({"listed but never called": sorted(listed - called)}))


if __name__ == "__main__":
    main()
