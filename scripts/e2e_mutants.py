# SPDX-License-Identifier: GPL-2.0
#
# Mutation proof end to end (scripts/e2e.py mutants, make e2e-mutants):
# for each mutant in scripts/e2e-mutants/ (a patch applied with -F0 on
# top of the series), build the layer kernel with it under a name of its
# own, run the tests it names (scripts/e2e.py run) and require them to
# fail.  Prints a table, "mutant | test | result", and exits non-zero if
# a mutant expected to be killed survived, one expected to survive was
# killed, or a run broke.
#
# Each scripts/e2e-mutants/NAME.patch says, in its description:
#   E2E-Tests: the tests to run (space-separated)
#   E2E-Expect: "killed", or "survives: why" for a mutant that these
#               tests cannot catch under QEMU TCG
# The build of mutant NAME is $NESTED_CACHE/build/PREFIX-NAME-layer, with
# PREFIX from --name (E2E_NAME, default "mutant").

"""The mutants subcommand: each mutant of the series must fail its tests."""

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
from typing import List, Optional, Tuple

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(SCRIPTS, 'e2e.py')
MUTANTS = os.path.join(SCRIPTS, 'e2e-mutants')


def log(msg: str) -> None:
    """A message of the mutation run, on stderr."""
    print(f'e2e-mutants: {msg}', file=sys.stderr, flush=True)


def field(name: str, text: str) -> str:
    """The value of the first "NAME: value" line of TEXT."""
    m = re.search(rf'^{name}: *(.*)$', text, re.M)
    return m.group(1) if m else ''


def run_mutant(patch: str, name: str, tests: str, prefix: str,
               cache: str) -> Optional[dict]:
    """Build the layer kernel with PATCH and run TESTS; the run's results
    (scripts/e2e.py --json), or None if it produced no report.  A guest
    that died before the tests says nothing of the mutant: it boots once
    more."""
    logfile = os.path.join(cache, f'e2e-mutant-{name}.log')
    result = os.path.join(cache, f'e2e-mutant-{name}.json')
    doc = None
    for attempt in (1, 2):
        log(f'{name}: building and running {tests} (log: {logfile})')
        if os.path.exists(result):
            os.remove(result)
        with open(logfile, 'w') as f:
            subprocess.run([sys.executable, E2E, 'run', '--kernel', 'layer',
                            '--name', f'{prefix}-{name}', '--extra-patches',
                            patch, '--tests', tests, '--json', result],
                           stdout=f, stderr=subprocess.STDOUT)
        try:
            with open(result) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            doc = None
        # Under a loaded host, TCG sometimes fails the kernel's IO-APIC
        # timer check before the tests.
        if doc is None or not not_run(doc):
            break
        if attempt == 1:
            log(f'{name}: the tests did not run, booting again')
    if doc is None or not_run(doc):
        with open(logfile, errors='replace') as f:
            errors = [l for l in f.read().split('\n') if 'e2e: error' in l]
        for line in errors[-3:]:
            print(line, file=sys.stderr)
        return None
    return doc


def not_run(doc: dict) -> bool:
    """Whether a test of the run failed as "not run"."""
    return any(t['status'] == 'FAIL' and t['reason'] == 'not run'
               for m in doc['models'] for t in m['tests'])


def verdict(doc: dict, test: str, expect: str,
            build: str) -> Tuple[str, bool]:
    """The result column of TEST, and whether it is what the mutant's
    E2E-Expect says."""
    lines = [t for m in doc['models'] for t in m['tests'] if t['name'] == test]
    fails = [t for t in lines if t['status'] == 'FAIL']
    if fails:
        f = fails[0]
        result = (f'KILLED on {len(fails)} of {len(lines)} CPU models: '
                  f'{test} [{f["model"]}] ({f["reason"]})')
        # The selftests print "ok N name" per passing case.
        out = os.path.join(build, re.sub(r'[^A-Za-z0-9._-]', '_', f['model']),
                           'out', test + '.log')
        try:
            with open(out, errors='replace') as fh:
                oks = [l for l in fh.read().split('\n')
                       if re.match(r'^ok [0-9]+ ', l)]
        except OSError:
            oks = []
        if oks:
            result += f'; failed after "{oks[-1]}"'
        if expect != 'killed':
            return result + '; expected to survive', False
        return result, True
    if lines and all(t['status'] == 'PASS' for t in lines):
        if expect == 'killed':
            return 'SURVIVED (expected to be killed)', False
        return ('SURVIVED, as expected: ' +
                re.sub(r'^survives: ', '', expect), True)
    shown = '; '.join(f'{t["status"]} {test} [{t["model"]}]' +
                      (f' ({t["reason"]})' if t['reason'] else '')
                      for t in lines)
    return f'ERROR ({shown or "no result"})', False


def run(pick: str, prefix: str, cache: str) -> int:
    """Run every mutant whose name matches the glob PICK; print the
    table; return the exit status."""
    rows: List[str] = []
    bad = 0
    for fname in sorted(os.listdir(MUTANTS)):
        if not fname.endswith('.patch'):
            continue
        name = fname[:-len('.patch')]
        if not fnmatch.fnmatchcase(name, pick):
            continue
        patch = os.path.join(MUTANTS, fname)
        with open(patch, errors='replace') as f:
            text = f.read()
        tests, expect = field('E2E-Tests', text), field('E2E-Expect', text)
        if not tests or not expect:
            rows.append(f'{name} | - | ERROR (no E2E-Tests or E2E-Expect '
                        'line)')
            bad += 1
            continue
        doc = run_mutant(patch, name, tests, prefix, cache)
        if doc is None:
            logfile = os.path.join(cache, f'e2e-mutant-{name}.log')
            rows.append(f'{name} | {tests} | ERROR (no test report: build or '
                        f'boot failed, see {logfile})')
            bad += 1
            continue
        build = os.path.join(cache, 'build', f'{prefix}-{name}-layer')
        for t in tests.split():
            result, good = verdict(doc, t, expect, build)
            bad += not good
            rows.append(f'{name} | {t} | {result}')
    print('mutant | test | result')
    print('\n'.join(rows))
    return 1 if bad else 0


def handler(args: argparse.Namespace) -> int:
    """The mutants subcommand."""
    return run(args.pick, args.name, args.cache)


def add_parser(sub: argparse._SubParsersAction, env) -> None:
    """The mutants subcommand's options; ENV reads their defaults."""
    p = sub.add_parser('mutants', help='build the layer kernel with each '
                       'mutant of scripts/e2e-mutants/ and require its tests '
                       'to fail')
    p.add_argument('pick', nargs='?', default=env('MUTANT', default='*'),
                   metavar='NAME_GLOB',
                   help='the mutants to run (MUTANT; default: all)')
    p.add_argument('--name', default=env('E2E_NAME', default='mutant'),
                   help='prefix of the mutants\' build directories '
                   '(E2E_NAME; default: mutant)')
    p.add_argument('--cache', default=env(
        'NESTED_CACHE', default=os.path.expanduser('~/.cache/nested')),
                   help='cache directory (NESTED_CACHE)')
    p.set_defaults(handler=handler)
