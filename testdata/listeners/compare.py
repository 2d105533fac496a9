"""Drive one supervisord-compatible daemon through a fixed scenario and print
what an event listener recorded, normalised, as JSON.

Usage: /usr/bin/python3 compare.py DAEMON WORKDIR

DAEMON is the daemon's executable (Debian's /usr/bin/supervisord or our
supvisord); WORKDIR an empty directory. The same configuration and the same
XML-RPC calls are used for every daemon, so the outputs of two daemons can be
compared line for line. The crashing program exits long before its
startsecs: supervisord 4.2.5 checks startsecs before reaping in each pass
and sometimes promotes a child that exits quickly to RUNNING, which a
short margin would make racy. Pids become "N" in the payloads; everything else
(header tokens, serials, lengths, payloads, answers) is kept.
"""
import json
import os
import re
import subprocess
import sys
import time
import xmlrpc.client

from supervisor.xmlrpc import SupervisorTransport

HERE = os.path.dirname(os.path.abspath(__file__))

CONF = """\
[unix_http_server]
file=%(here)s/supervisor.sock

[supervisord]
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s
loglevel=debug
identifier=cmp

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[eventlistener:rec]
command=/usr/bin/python3 {recorder} %(here)s/records.jsonl
events=PROCESS_STATE,PROCESS_LOG,PROCESS_COMMUNICATION,REMOTE_COMMUNICATION,SUPERVISOR_STATE_CHANGE,PROCESS_GROUP
buffer_size=100

[program:sleeper]
command=sleep 1000
autostart=false
startsecs=0

[program:talker]
command=sh -c 'sleep 0.3; echo "hello from the talker program"; sleep 0.3; echo "an error line from the talker" >&2; sleep 0.3; printf "<!--XSUPERVISOR:BEGIN-->captured data<!--XSUPERVISOR:END-->"; exec sleep 1000'
autostart=false
startsecs=0
stdout_events_enabled=true
stdout_capture_maxbytes=1MB
stderr_events_enabled=true

[program:exiter]
command=sh -c 'sleep 0.3; exit 0'
autostart=false
startsecs=0
autorestart=false

[program:crasher]
command=sh -c 'sleep 0.2; exit 3'
autostart=false
startsecs=10
startretries=1
autorestart=false
"""

DEADLINE = 30  # seconds a step may take before the scenario gives up


def main():
    daemon, work = sys.argv[1], os.path.abspath(sys.argv[2])
    conf = os.path.join(work, 'supervisord.conf')
    with open(conf, 'w') as f:
        f.write(CONF.format(recorder=os.path.join(HERE, 'recorder.py')))
    records = os.path.join(work, 'records.jsonl')
    proc = subprocess.Popen([daemon, '-n', '-c', conf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rpc = connect(os.path.join(work, 'supervisor.sock'))
        sup = rpc.supervisor

        wait_for(records, 'PROCESS_STATE_RUNNING', 'processname:rec ')
        sup.startProcess('sleeper', True)
        wait_for(records, 'PROCESS_STATE_RUNNING', 'processname:sleeper ')
        sup.stopProcess('sleeper', True)
        wait_for(records, 'PROCESS_STATE_STOPPED', 'processname:sleeper ')

        sup.startProcess('talker', True)
        wait_for(records, 'PROCESS_COMMUNICATION_STDOUT', 'processname:talker ')
        sup.stopProcess('talker', True)
        wait_for(records, 'PROCESS_STATE_STOPPED', 'processname:talker ')

        sup.startProcess('exiter', True)
        wait_for(records, 'PROCESS_STATE_EXITED', 'processname:exiter ')

        sup.removeProcessGroup('sleeper')
        wait_for(records, 'PROCESS_GROUP_REMOVED', 'groupname:sleeper')
        sup.addProcessGroup('sleeper')
        wait_for(records, 'PROCESS_GROUP_ADDED', 'groupname:sleeper', count=2)

        sup.startProcess('crasher', False)
        wait_for(records, 'PROCESS_STATE_FATAL', 'processname:crasher ')

        sup.sendRemoteCommEvent('hello', 'world')
        sup.sendRemoteCommEvent('failonce', 'retry me')
        sup.sendRemoteCommEvent('unicode', 'h\u00e9llo \u2713 done')
        wait_for(records, 'REMOTE_COMMUNICATION', 'type:unicode')
        sup.shutdown()
        proc.wait(timeout=DEADLINE)
        out = [normalise(r) for r in read(records)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write('\n')


def connect(sock):
    end = time.time() + DEADLINE
    while True:
        try:
            rpc = xmlrpc.client.ServerProxy(
                'http://127.0.0.1',
                transport=SupervisorTransport(None, None, 'unix://' + sock))
            rpc.supervisor.getState()
            return rpc
        except Exception:
            if time.time() > end:
                raise
            time.sleep(0.05)


def read(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def wait_for(path, name, fragment, count=1):
    end = time.time() + DEADLINE
    while time.time() < end:
        seen = [r for r in read(path)
                if r['eventname'] == name and fragment in r['payload']]
        if len(seen) >= count:
            return
        time.sleep(0.05)
    raise SystemExit('no %s with %r recorded; got:\n%s' % (
        name, fragment, json.dumps(read(path), indent=1)))


def normalise(record):
    record = dict(record)
    record['payload'] = re.sub(r'pid:\d+', 'pid:N', record['payload'])
    return record


if __name__ == '__main__':
    main()
