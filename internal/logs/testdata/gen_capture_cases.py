# Regenerates capture_cases.json and capture_cases_strip.json: random child
# output cut into random reads, fed to Supervisor 4.2.5's own
# POutputDispatcher, with what it wrote to the log file and the
# PROCESS_COMMUNICATION data it emitted. Run with Debian's Python, which has
# the supervisor module:  cd testdata && /usr/bin/python3 gen_capture_cases.py
import json
import os
import random
import tempfile

from supervisor import events, loggers
from supervisor.dispatchers import POutputDispatcher
from supervisor.tests.base import DummyOptions, DummyPConfig, DummyProcess

PIECES = [b'<!--XSUPERVISOR:BEGIN-->', b'<!--XSUPERVISOR:END-->', b'<!--', b'<!--XSUP',
          b'ERVISOR:', b'END-->', b'BEGIN-->', b'a', b'bc', b'hello\n', b'\x1b[31m', b'<',
          b'-->', b'0123456789']
# Plain bytes that end every stream in a read of their own, longer than a
# marker, so that Supervisor's hold-back of short output loses nothing.
TAIL = b'Z' * 30

captured = []
events.subscribe(events.ProcessCommunicationEvent, lambda e: captured.append(e.data))


def run(chunks, capture_maxbytes, strip_ansi):
    fd, path = tempfile.mkstemp()
    os.close(fd)
    options = DummyOptions()
    options.getLogger = lambda *a, **k: loggers.getLogger()
    options.strip_ansi = strip_ansi
    config = DummyPConfig(options, 'p', '/bin/p', stdout_logfile=path,
                          stdout_capture_maxbytes=capture_maxbytes)
    dispatcher = POutputDispatcher(DummyProcess(config),
                                   events.ProcessCommunicationStdoutEvent, 0)
    captured.clear()
    for chunk in chunks:
        dispatcher.output_buffer += chunk
        dispatcher.record_output()
    dispatcher.normallog.handlers[0].close()
    with open(path, 'rb') as f:
        data = f.read()
    os.remove(path)
    return data, list(captured)


def generate(seed, strip):
    rng = random.Random(seed)
    cases = []
    for _ in range(500):
        chosen = [rng.choice(PIECES) for _ in range(rng.randint(1, 40))]
        stream = b''.join(chosen)
        forbidden, pos = set(), 0
        if strip:
            # Never cut inside an escape sequence: how a split sequence is
            # stripped depends on how reads are grouped, here as in Go.
            for p in chosen:
                if p.startswith(b'\x1b'):
                    forbidden.update(range(pos + 1, pos + len(p)))
                pos += len(p)
        allowed = [i for i in range(1, len(stream)) if i not in forbidden]
        cuts = sorted(rng.sample(allowed, rng.randint(0, min(10, len(allowed)))))
        chunks = [stream[i:j] for i, j in zip([0] + cuts, cuts + [len(stream)])] + [TAIL]
        maxbytes = rng.choice([10, 40, 1000])
        strip_ansi = strip and rng.random() < 0.5
        data, caps = run(chunks, maxbytes, strip_ansi)
        cases.append({'chunks': [c.decode('latin-1') for c in chunks],
                      'capture_maxbytes': maxbytes, 'strip_ansi': strip_ansi,
                      'file': data.decode('latin-1'),
                      'captures': [c.decode('latin-1') for c in caps]})
    return cases


for name, seed, strip in [('capture_cases.json', 42, False),
                          ('capture_cases_strip.json', 43, True)]:
    with open(name, 'w') as f:
        json.dump(generate(seed, strip), f, indent=0)
