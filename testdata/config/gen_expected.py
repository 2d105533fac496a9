#!/usr/bin/python3
"""Regenerate the expected results of the configuration corpus.

Run with Debian's Python (/usr/bin/python3), which has supervisor 4.2.5:

    /usr/bin/python3 testdata/config/gen_expected.py [OUTDIR]

For every good/NAME.conf it realizes the file exactly as supervisord would
(ServerOptions.realize with "-c NAME.conf" plus the arguments listed in
NAME.args, if any), without starting anything, and writes OUTDIR/good/NAME.json:
a normalized dump of the supervisord options, the HTTP servers, the groups with
every field of their process configs, the rpcinterface sections, the
[supervisorctl] section as supervisorctl reads it, and the parse messages.
For every bad/NAME.conf it writes OUTDIR/bad/NAME.pyerr, the message
supervisord prints after "Error: ".

With "--files F...", it realizes the given files instead (working directory:
the first file's directory) and prints a JSON list with, for each file,
{"ok": dump} or {"err": message}; the Go tests use this for randomized
differential checks.

The environment, host name and working directory are fixed (environment.json,
and the good/ or bad/ directory as cwd) so the Go test can load each file under
the same conditions. Absolute paths under the corpus directory are written as
<GOOD> or <BAD>. OUTDIR defaults to this script's directory.
"""
import glob
import json
import os
import platform
import pwd
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class Usage(Exception):
    """Raised instead of supervisord's usage() exit."""


def load_environment():
    with open(os.path.join(HERE, 'environment.json')) as f:
        return json.load(f)


def pairs(d):
    if d is None:
        return []
    return [[k, v] for k, v in d.items()]


def norm(value, base, token):
    """Replace the corpus directory in every string of value by token."""
    if isinstance(value, str):
        return value.replace(base, token)
    if isinstance(value, list):
        return [norm(v, base, token) for v in value]
    if isinstance(value, dict):
        return {k: norm(v, base, token) for k, v in value.items()}
    return value


def callable_spec(obj):
    return '%s:%s' % (obj.__module__, obj.__name__)


def logfile(value):
    from supervisor.datatypes import Automatic
    if value is Automatic:
        return 'AUTO'
    if not value:
        return None
    return os.path.abspath(value)


def autorestart(value):
    from supervisor.datatypes import RestartUnconditionally
    if value is False:
        return 'false'
    if value is RestartUnconditionally:
        return 'true'
    return 'unexpected'


def process(pc):
    gid = -1
    if pc.uid is not None:
        gid = pwd.getpwuid(pc.uid).pw_gid

    def channel(ch):
        return {
            'logfile': logfile(getattr(pc, ch + '_logfile')),
            'maxbytes': getattr(pc, ch + '_logfile_maxbytes'),
            'backups': getattr(pc, ch + '_logfile_backups'),
            'capture_maxbytes': getattr(pc, ch + '_capture_maxbytes'),
            'events_enabled': bool(getattr(pc, ch + '_events_enabled')),
            'syslog': bool(getattr(pc, ch + '_syslog')),
        }
    return {
        'name': pc.name,
        'uid': -1 if pc.uid is None else pc.uid,
        'gid': gid,
        'command': pc.command,
        'directory': pc.directory or '',
        'umask': -1 if pc.umask is None else pc.umask,
        'priority': pc.priority,
        'autostart': bool(pc.autostart),
        'autorestart': autorestart(pc.autorestart),
        'startsecs': pc.startsecs,
        'startretries': pc.startretries,
        'stopsignal': int(pc.stopsignal),
        'stopwaitsecs': pc.stopwaitsecs,
        'stopasgroup': bool(pc.stopasgroup),
        'killasgroup': bool(pc.killasgroup),
        'exitcodes': list(pc.exitcodes),
        'redirect_stderr': bool(pc.redirect_stderr),
        'environment': pairs(pc.environment),
        'serverurl': 'AUTO' if pc.serverurl is None else pc.serverurl,
        'stdout': channel('stdout'),
        'stderr': channel('stderr'),
    }


def group(gc):
    from supervisor.events import getEventNameByType
    from supervisor.options import EventListenerPoolConfig, FastCGIGroupConfig
    out = {
        'name': gc.name,
        'kind': 'program',
        'priority': gc.priority,
        'processes': [process(pc) for pc in gc.process_configs],
    }
    if isinstance(gc, EventListenerPoolConfig):
        out['kind'] = 'eventlistener'
        out['events'] = sorted(getEventNameByType(e) for e in gc.pool_events)
        out['buffer_size'] = gc.buffer_size
        out['result_handler'] = callable_spec(gc.result_handler)
    elif isinstance(gc, FastCGIGroupConfig):
        out['kind'] = 'fcgi'
        sc = gc.socket_config
        owner = getattr(sc, 'owner', None)
        mode = getattr(sc, 'mode', None)
        out['socket'] = {
            'url': sc.url,
            'backlog': -1 if sc.backlog is None else sc.backlog,
            'owner': [-1, -1] if owner is None else list(owner),
            'mode': -1 if mode is None else mode,
        }
    return out


def server(sc):
    import socket
    out = {
        'section': sc['section'],
        'username': sc['username'] or '',
        'password': sc['password'] or '',
    }
    if sc['family'] == socket.AF_INET:
        out.update(kind='inet', host=sc['host'], port=sc['port'])
    else:
        out.update(kind='unix', file=sc['file'], chmod=sc['chmod'],
                   chown=list(sc['chown']))
    return out


def supervisorctl(path):
    from supervisor.options import ClientOptions
    copts = ClientOptions()
    try:
        section = copts.read_config(path)
    except ValueError:
        return None, []
    ctl = {
        'serverurl': section.serverurl,
        'prompt': section.prompt,
        'username': section.username or '',
        'password': section.password or '',
        'history_file': section.history_file or '',
    }
    plugins = [{'name': name, 'factory': callable_spec(factory), 'options': pairs(extras)}
               for name, factory, extras in copts.plugin_factories[1:]]
    return ctl, plugins


def realize(path, extra_args):
    from supervisor.options import ServerOptions
    opts = ServerOptions()

    def usage(msg):
        raise Usage(str(msg))
    opts.usage = usage
    opts.realize(args=['-c', path] + extra_args, progname='supervisord')
    return opts


def dump(opts, path):
    section = opts.configroot.supervisord
    ctl, ctlplugins = supervisorctl(path)
    return {
        'supervisord': {
            'logfile': opts.logfile,
            'logfile_maxbytes': opts.logfile_maxbytes,
            'logfile_backups': opts.logfile_backups,
            'loglevel': opts.loglevel,
            'pidfile': opts.pidfile,
            'umask': opts.umask,
            'nodaemon': bool(opts.nodaemon),
            'silent': bool(opts.silent),
            'minfds': opts.minfds,
            'minprocs': opts.minprocs,
            'nocleanup': bool(opts.nocleanup),
            'childlogdir': opts.childlogdir,
            'user': opts.user or '',
            'directory': opts.directory or '',
            'strip_ansi': bool(opts.strip_ansi),
            'environment': pairs(section.environment),
            'identifier': opts.identifier,
        },
        'http_servers': [server(sc) for sc in opts.server_configs],
        'groups': [group(gc) for gc in opts.process_group_configs],
        'rpcinterfaces': [{'name': name, 'factory': callable_spec(factory), 'options': pairs(extras)}
                          for name, factory, extras in opts.rpcinterface_factories],
        'supervisorctl': ctl,
        'ctlplugins': ctlplugins,
        'messages': ([['CRIT', m] for m in opts.parse_criticals] +
                     [['WARN', m] for m in opts.parse_warnings] +
                     [['INFO', m] for m in opts.parse_infos]),
    }


def extra_args(conf):
    args_file = conf[:-len('.conf')] + '.args'
    if not os.path.exists(args_file):
        return []
    with open(args_file) as f:
        return shlex.split(f.read())


def check_files(paths):
    results = []
    os.chdir(os.path.dirname(os.path.abspath(paths[0])))
    for conf in paths:
        try:
            opts = realize(conf, extra_args(conf))
            results.append({'ok': dump(opts, conf)})
        except (Usage, ValueError) as exc:
            results.append({'err': str(exc)})
    json.dump(results, sys.stdout)


def main():
    environment = load_environment()
    platform.node = lambda: environment['hostname']
    os.environ.clear()
    os.environ.update(environment['env'])
    if len(sys.argv) > 1 and sys.argv[1] == '--files':
        check_files(sys.argv[2:])
        return
    outdir = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for kind, token, suffix in (('good', '<GOOD>', '.json'), ('bad', '<BAD>', '.pyerr')):
        base = os.path.join(HERE, kind)
        os.makedirs(os.path.join(outdir, kind), exist_ok=True)
        for conf in sorted(glob.glob(os.path.join(base, '*.conf'))):
            os.chdir(base)
            name = os.path.basename(conf)[:-len('.conf')]
            target = os.path.join(outdir, kind, name + suffix)
            try:
                opts = realize(conf, extra_args(conf))
            except (Usage, ValueError) as exc:
                if kind == 'good':
                    sys.exit('%s: unexpected error: %s' % (conf, exc))
                with open(target, 'w') as f:
                    f.write(norm(str(exc), base, token) + '\n')
                continue
            if kind == 'bad':
                sys.exit('%s: expected an error, got none' % conf)
            with open(target, 'w') as f:
                json.dump(norm(dump(opts, conf), base, token), f, indent=1, sort_keys=True)
                f.write('\n')


if __name__ == '__main__':
    main()
