#!/usr/bin/python3
"""Side-by-side check of a mixed cluster: two Python Supvisors instances and one of ours on 127.0.0.1.

usage: /usr/bin/python3 scripts/mixed_cluster.py SUPVISORS_SRC SUPVISORD [WORKDIR]

SUPVISORS_SRC is a checkout of Supvisors (the directory holding the `supvisors` package); Debian's supervisor
package provides Supervisor. The script runs A and B under Python (told to identify themselves on the loopback
interface) and C under SUPVISORD, then checks, through each instance's XML-RPC interface:
  1. all three reach OPERATION and agree on the Master (A, the lowest nick name);
  2. after SIGKILL of A, B and C elect B;
  3. A started again rejoins, and all agree on B;
  4. supvisors.shutdown() called on C (a Slave) stops all three daemons.
It prints each step and exits 1 on the first failure. It needs Supvisors' source, so it is not part of CI.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

PORTS = {'A': 62101, 'B': 62102, 'C': 62103}
LIST = ','.join(f'<{n}>127.0.0.1:{p}' for n, p in PORTS.items())

# Supvisors identifies the local instance from non-loopback interfaces only: report the loopback one.
LAUNCHER = '''
import sys
from supvisors.internal_com import mapper
def _loopback():
    yield mapper.NicInformation('lo', '127.0.0.1', '255.0.0.0')
mapper.get_network_info = _loopback
from supervisor.supervisord import main
sys.exit(main())
'''


def config(workdir, name):
    d = os.path.join(workdir, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, 'supervisord.conf')
    with open(path, 'w') as f:
        f.write(f'''[supervisord]
identifier={name}
logfile={d}/supervisord.log
pidfile={d}/supervisord.pid
childlogdir={d}
loglevel=debug

[inet_http_server]
port=127.0.0.1:{PORTS[name]}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[rpcinterface:supvisors]
supervisor.rpcinterface_factory = supvisors.plugin:make_supvisors_rpcinterface
supvisors_list = {LIST}
stats_enabled = false

[program:sleeper_{name}]
command=sleep 1000
''')
    return path


def start(name, workdir, src, daemon):
    conf = config(workdir, name)
    out = open(os.path.join(workdir, name, 'console'), 'w')
    if name == 'C':
        cmd = [daemon, '-n', '-c', conf]
        env = os.environ
    else:
        cmd = ['/usr/bin/python3', '-c', LAUNCHER, '-n', '-c', conf]
        env = dict(os.environ, PYTHONPATH=src)
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def state(name):
    try:
        return xmlrpc.client.ServerProxy(f'http://127.0.0.1:{PORTS[name]}').supvisors.get_supvisors_state()
    except (OSError, xmlrpc.client.Error):
        return None


def wait_for(what, names, master, deadline=90):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        states = {n: state(n) for n in names}
        if all(s and s['fsm_statename'] == 'OPERATION' and s['master_identifier'] == f'127.0.0.1:{PORTS[master]}'
               for s in states.values()):
            print(f'ok: {what}')
            return
        time.sleep(1)
    print(f'FAILED: {what}: {states}')
    sys.exit(1)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    src, daemon = sys.argv[1], os.path.abspath(sys.argv[2])
    workdir = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix='mixed-cluster-')
    print(f'logs in {workdir}')
    procs = {n: start(n, workdir, src, daemon) for n in PORTS}
    try:
        wait_for('A, B (Python) and C (ours) in OPERATION with Master A', 'ABC', 'A')
        procs['A'].send_signal(signal.SIGKILL)
        procs['A'].wait()
        wait_for('after SIGKILL of A, B and C agree on Master B', 'BC', 'B')
        procs['A'] = start('A', workdir, src, daemon)
        wait_for('A restarted rejoins with Master B', 'ABC', 'B')
        xmlrpc.client.ServerProxy(f'http://127.0.0.1:{PORTS["C"]}').supvisors.shutdown()
        for n, p in procs.items():
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                print(f'FAILED: {n} still running 60 s after supvisors.shutdown() on C')
                sys.exit(1)
        print('ok: supvisors.shutdown() on C stopped all three')
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


if __name__ == '__main__':
    main()
