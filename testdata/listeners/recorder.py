"""An event listener written with Debian's supervisor.childutils, for tests.

Run it with /usr/bin/python3 (the interpreter that has the supervisor
module). It appends one JSON line per event it receives to the file named by
its first argument: the header tokens, the payload, the listener's process
name and the answer it gave.

It answers OK, except:
  * a payload containing "failonce" is answered FAIL the first time that
    event serial is seen (Supervisor must send it again);
  * a payload containing "crashonce" makes it exit without answering the
    first time, once per marker file (argument 2): the event must come back
    to the respawned listener;
  * with RECORDER_SLEEP set, it sleeps that many seconds before answering.
"""
import json
import os
import sys
import time

from supervisor import childutils


def main():
    out_path = sys.argv[1]
    marker = sys.argv[2] if len(sys.argv) > 2 else out_path + '.crashed'
    pause = float(os.environ.get('RECORDER_SLEEP', '0'))
    failed = set()
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        record = dict(headers)
        record['payload'] = payload
        record['listener'] = os.environ.get('SUPERVISOR_PROCESS_NAME', '')
        if 'crashonce' in payload and not os.path.exists(marker):
            open(marker, 'w').close()
            record['result'] = 'CRASH'
            write(out_path, record)
            os._exit(1)
        if 'failonce' in payload and headers['serial'] not in failed:
            failed.add(headers['serial'])
            record['result'] = 'FAIL'
        else:
            record['result'] = 'OK'
        write(out_path, record)
        if pause:
            time.sleep(pause)
        if record['result'] == 'FAIL':
            childutils.listener.fail(sys.stdout)
        else:
            childutils.listener.ok(sys.stdout)


def write(path, record):
    with open(path, 'a') as f:
        f.write(json.dumps(record, sort_keys=True) + '\n')


if __name__ == '__main__':
    main()
