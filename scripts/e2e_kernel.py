# SPDX-License-Identifier: GPL-2.0
#
# The kernel of the end-to-end runs: the source tree (a symlink farm of
# the extracted Debian source, scripts/ktree.sh, with the patch series
# applied and this project linked in as arch/x86/kvm/nested), its
# configuration and build, the KVM selftests built statically from the
# same tree (with the project's selftests/*.c linked in), and the
# initramfs that runs them.
#
# Cache layout ($NESTED_CACHE, default ~/.cache/nested):
#   trees/NAME-VARIANT   the farm; .nested-e2e holds its recipe's stamp
#   build/NAME-VARIANT   kernel/ (O=), selftests/, logs, initramfs.cpio,
#                        and one directory per CPU model with its logs
# where NAME is E2E_NAME (e2e) and VARIANT the kernel, stock or layer,
# with "-gcov" for a kernel built with gcov.

"""Source tree, configuration and build of the e2e kernel and selftests."""

import hashlib
import os
import re
import shutil
import subprocess
import time
from typing import List, Optional, Sequence

from e2e_report import log

PROJ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KVMST = 'tools/testing/selftests/kvm'
# Bumped when the recipe of the layer tree changes.
FARM_RECIPE = 1


class BuildError(Exception):
    """A step of preparing or building the kernel that failed."""


def _read(path: str) -> str:
    """The text of PATH without its trailing newline ('' if missing)."""
    try:
        with open(path) as f:
            return f.read().rstrip('\n')
    except OSError:
        return ''


def _tail(path: str, n: int) -> str:
    """The last N lines of PATH ('' for none)."""
    if n <= 0:
        return ''
    with open(path, errors='replace') as f:
        return ''.join(f.readlines()[-n:])


def touched(patch: str) -> List[str]:
    """The paths a patch touches, both sides, without /dev/null."""
    paths = set()
    with open(patch, errors='replace') as f:
        for line in f:
            m = re.match(r'^(---|\+\+\+) [ab]/(\S+)', line)
            if m:
                paths.add(m.group(2))
    return sorted(paths)


class KernelTree:
    """The tree, build directory and selftests of one e2e kernel.

    kernel:        "layer" (the patch series applied, the project linked
                   in) or "stock" (the source as it is)
    name:          prefix of the tree and build directories (E2E_NAME)
    gcov:          build arch/x86/kvm/ and the layer with gcov
    sanitize:      build the kernel with KASAN, UBSAN, KFENCE and fault
                   injection (scripts/e2e-sanitize.config)
    extra_patches: layer: applied after the series, also with -F0
    config:        one more configuration fragment (E2E_CONFIG)
    """

    def __init__(self, kernel: str, cache: str, name: str = 'e2e',
                 gcov: bool = False, extra_patches: Sequence[str] = (),
                 config: str = '', jobs: int = 2,
                 sanitize: bool = False) -> None:
        if kernel not in ('stock', 'layer'):
            raise BuildError(f"KERNEL must be 'stock' or 'layer', not "
                             f"'{kernel}'")
        for p in extra_patches:
            if not os.path.isfile(p):
                raise BuildError(f'E2E_EXTRA_PATCHES: no such file: {p}')
        self.kernel = kernel
        self.cache = cache
        self.gcov = gcov
        self.sanitize = sanitize
        self.extra_patches = list(extra_patches)
        self.config = config
        self.jobs = jobs
        self.variant = (kernel + ('-gcov' if gcov else '') +
                        ('-san' if sanitize else ''))
        self.build = os.path.join(cache, 'build', f'{name}-{self.variant}')
        self.tree = os.path.join(cache, 'trees', f'{name}-{self.variant}')
        self.src = ''
        self.ksrc = ''
        self.proj_tests: List[str] = []

    # The tree.

    def series(self) -> List[str]:
        """The patches of the layer tree, in order: patches/*.patch
        without the cover letter, then the extra patches."""
        if self.kernel != 'layer':
            return []
        d = os.path.join(PROJ, 'patches')
        names = sorted(f for f in os.listdir(d) if f.endswith('.patch')
                       and f != '0000-cover-letter.patch')
        return [os.path.join(d, f) for f in names] + self.extra_patches

    def stamp(self) -> str:
        """What the farm is made of; it is made again when this changes."""
        gcov = (' gcov' if self.gcov else '') + \
            (' sanitize' if self.sanitize else '')
        if self.kernel == 'stock':
            return f'stock {FARM_RECIPE}{gcov}'
        h = hashlib.sha256(f'layer {FARM_RECIPE}{gcov}\n'.encode())
        for p in self.series():
            h.update(os.path.basename(p).encode() + b'\n')
            with open(p, 'rb') as f:
                h.update(f.read())
        return h.hexdigest()

    def _farm(self) -> None:
        """Make the symlink farm of the source, patched, unless its stamp
        is that of the current recipe."""
        stamp = self.stamp()
        if _read(os.path.join(self.tree, '.nested-e2e')) == stamp:
            return
        log(f'preparing tree {self.tree}')
        shutil.rmtree(self.tree, ignore_errors=True)
        os.makedirs(os.path.dirname(self.tree), exist_ok=True)
        subprocess.run(['cp', '-rs', self.src, self.tree], check=True)
        series = self.series()
        # What a patch changes must be a file of the farm's own.
        for p in series:
            for f in touched(p):
                if os.path.islink(os.path.join(self.tree, f)):
                    self._own(f)
        plog = os.path.join(self.tree, '.nested-e2e-patch.log')
        for p in series:
            with open(p, 'rb') as inp, open(plog, 'wb') as out:
                r = subprocess.run(
                    ['patch', '-d', self.tree, '-p1', '-F0', '--batch',
                     '--forward', '--no-backup-if-mismatch', '-s'],
                    stdin=inp, stdout=out, stderr=subprocess.STDOUT)
            if r.returncode:
                raise BuildError(
                    f'{_read(plog)}\npatch {os.path.basename(p)} does not '
                    f'apply cleanly to {os.path.basename(self.src)}')
            log(f'applied {os.path.basename(p)}')
        if self.gcov:
            self._gcov_profile()
        with open(os.path.join(self.tree, '.nested-e2e'), 'w') as f:
            f.write(stamp + '\n')

    def _own(self, f: str) -> None:
        """Replace the link of F in the farm by a writable copy."""
        dst = os.path.join(self.tree, f)
        os.remove(dst)
        shutil.copyfile(os.path.join(self.src, f), dst)
        os.chmod(dst, os.stat(dst).st_mode | 0o200)

    def _gcov_profile(self) -> None:
        """Profile arch/x86/kvm/ (which builds svm/, vmx/, mmu/ and
        virt/kvm/) and, through subdir-ccflags-y, its subdirectory
        nested/, the layer; nothing else of the kernel."""
        mk = 'arch/x86/kvm/Makefile'
        if os.path.islink(os.path.join(self.tree, mk)):
            self._own(mk)
        with open(os.path.join(self.tree, mk), 'a') as f:
            f.write('\n# scripts/e2e.py --gcov\nGCOV_PROFILE := y\n'
                    'subdir-ccflags-y += $(CFLAGS_GCOV)\n')
        log('arch/x86/kvm/ and its subdirectories built with gcov')

    def prepare(self) -> None:
        """The tree the kernel is built from and the one the selftests
        are built from (a farm in both cases: the project's selftests are
        linked into it)."""
        ktree = os.path.join(PROJ, 'scripts', 'ktree.sh')
        if subprocess.run([ktree, 'deps']).returncode:
            raise BuildError('scripts/ktree.sh deps failed')
        r = subprocess.run([ktree, 'src'], stdout=subprocess.PIPE, text=True)
        if r.returncode:
            raise BuildError('scripts/ktree.sh src failed')
        self.src = r.stdout.strip()
        self._farm()
        if self.kernel == 'layer':
            link = os.path.join(self.tree, 'arch/x86/kvm/nested')
            if os.path.islink(link) or os.path.exists(link):
                os.remove(link)
            os.symlink(PROJ, link)
            self.ksrc = self.tree
        else:
            # Only the gcov tree has a file of its own to build with.
            self.ksrc = self.tree if self.gcov else self.src
        self._link_selftests()

    def _link_selftests(self) -> None:
        """Link every selftests/*.c of the project in as x86_64/<name> of
        the KVM selftests, built with libkvm like the others, and the
        project's headers, selftests/*.h, beside them.  The list of links
        made is kept in the tree so that the next run removes them
        first."""
        d = os.path.join(self.tree, KVMST, 'x86_64')
        listing = os.path.join(self.tree, '.nested-e2e-selftests')
        for n in _read(listing).split('\n'):
            # Lists of older runs hold test names without ".c".
            for f in (n, n + '.c'):
                if n and os.path.lexists(os.path.join(d, f)):
                    os.remove(os.path.join(d, f))
        sdir = os.path.join(PROJ, 'selftests')
        names = sorted(f for f in os.listdir(sdir)
                       if f.endswith('.c') or f.endswith('.h'))
        # The order of the glob "*.c *.h": sources first.
        names = ([n for n in names if n.endswith('.c')] +
                 [n for n in names if n.endswith('.h')])
        self.proj_tests = []
        with open(listing, 'w') as f:
            for n in names:
                if os.path.lexists(os.path.join(d, n)):
                    raise BuildError(f"selftests/{n}: KVM's selftests have "
                                     'a file of that name')
                os.symlink(os.path.join(sdir, n), os.path.join(d, n))
                f.write(n + '\n')
                if n.endswith('.c'):
                    self.proj_tests.append(n[:-2])

    # The kernel.

    def fragments(self) -> List[str]:
        """The configuration fragments merged over tinyconfig."""
        s = os.path.join(PROJ, 'scripts')
        frags = [os.path.join(s, 'e2e.config')]
        kconfig = _read(os.path.join(self.ksrc, 'arch/x86/kvm/Kconfig'))
        # The layer's own options, once the series wires it into KVM.
        if self.kernel == 'layer' and 'arch/x86/kvm/nested/Kconfig' in kconfig:
            frags.append(os.path.join(s, 'e2e-layer.config'))
        if self.gcov:
            frags.append(os.path.join(s, 'e2e-gcov.config'))
        if self.sanitize:
            frags.append(os.path.join(s, 'e2e-sanitize.config'))
        if self.config:
            frags.append(self.config)
        return frags

    @property
    def kobj(self) -> str:
        """The kernel's build directory (O=)."""
        return os.path.join(self.build, 'kernel')

    @property
    def bzimage(self) -> str:
        """The built kernel."""
        return os.path.join(self.kobj, 'arch/x86/boot/bzImage')

    def _make(self, args: Sequence[str], logfile: str, append: bool = False,
              tail: int = 30) -> None:
        """make in the kernel tree, output into LOGFILE; on failure its
        last lines and a BuildError."""
        with open(logfile, 'a' if append else 'w') as f:
            r = subprocess.run(['make', '-C', self.ksrc, f'O={self.kobj}',
                                'ARCH=x86_64', f'-j{self.jobs}', *args],
                               stdout=f, stderr=subprocess.STDOUT)
        if r.returncode:
            raise BuildError(f'{_tail(logfile, tail)}make {" ".join(args)} '
                             f'failed (see {logfile})')

    def _verify_config(self, frags: List[str]) -> None:
        """Every =y of the fragments must have survived olddefconfig."""
        have = set(_read(os.path.join(self.kobj, '.config')).split('\n'))
        missing = []
        for frag in frags:
            for line in _read(frag).split('\n'):
                if re.fullmatch(r'CONFIG_[A-Z0-9_]+=y', line) and \
                   line not in have:
                    missing.append(line)
        if missing:
            raise BuildError(f'not set in {self.kobj}/.config: '
                             f'{" ".join(missing)}; the kernel configuration '
                             'lacks requested options')

    def configure(self) -> None:
        """tinyconfig, the fragments merged over it, olddefconfig, unless
        the fragments are those of the last configuration."""
        frags = self.fragments()
        os.makedirs(self.kobj, exist_ok=True)
        h = hashlib.sha256()
        for frag in frags:
            with open(frag, 'rb') as f:
                h.update(f.read())
        stamp = os.path.join(self.kobj, '.nested-e2e-config')
        if _read(stamp) == h.hexdigest() and \
           os.path.isfile(os.path.join(self.kobj, '.config')):
            return
        names = ' '.join(os.path.basename(f) for f in frags)
        log(f'configuring {self.kobj} (tinyconfig + {names})')
        clog = os.path.join(self.build, 'config.log')
        self._make(['tinyconfig'], clog)
        with open(clog, 'a') as f:
            r = subprocess.run(
                [os.path.join(self.ksrc, 'scripts/kconfig/merge_config.sh'),
                 '-m', '-O', self.kobj, os.path.join(self.kobj, '.config'),
                 *frags], stdout=f, stderr=subprocess.STDOUT)
        if r.returncode:
            raise BuildError(f'{_tail(clog, 30)}merge_config.sh failed')
        self._make(['olddefconfig'], clog, append=True)
        self._verify_config(frags)
        with open(stamp, 'w') as f:
            f.write(h.hexdigest() + '\n')

    def build_kernel(self) -> None:
        """Configure and build bzImage and the exported UAPI headers."""
        t0 = time.monotonic()
        os.makedirs(self.build, exist_ok=True)
        self.configure()
        klog = os.path.join(self.build, 'kernel.log')
        log(f'building the {self.kernel} kernel in {self.kobj} (log: {klog})')
        try:
            self._make(['bzImage'], klog, tail=0)
        except BuildError:
            with open(klog, errors='replace') as f:
                lines = f.read().split('\n')
            errors = []
            for i, line in enumerate(lines):
                if re.search(r'error|Error', line):
                    errors.extend(lines[i:i + 4])
            raise BuildError('\n'.join(errors[:40]) +
                             f'\nkernel build failed (see {klog})') from None
        # The exported UAPI headers, as headers_install would copy them;
        # "headers" leaves them in place, untouched when unchanged, so the
        # selftests are rebuilt only when a header changes.
        self._make(['headers'], klog, append=True, tail=0)
        log(f'kernel built in {time.monotonic() - t0:.0f} s')

    # The selftests.

    def _selftests_make(self, args: Sequence[str],
                        **kw) -> subprocess.CompletedProcess:
        """make in the KVM selftests, with the project's tests added."""
        extended = ['x86_64/nx_huge_pages_test'] + \
                   [f'x86_64/{n}' for n in self.proj_tests]
        return subprocess.run(
            ['make', '-C', os.path.join(self.tree, KVMST),
             '--no-print-directory',
             f'OUTPUT={os.path.join(self.build, "selftests")}',
             'EXTRA_CFLAGS=-static',
             f'KHDR_INCLUDES=-isystem {os.path.join(self.kobj, "usr/include")}',
             f'TEST_GEN_PROGS_EXTENDED_x86_64={" ".join(extended)}', *args],
            **kw)

    def build_selftests(self) -> None:
        """Build the KVM selftests statically."""
        t0 = time.monotonic()
        out = os.path.join(self.build, 'selftests')
        slog = os.path.join(self.build, 'selftests.log')
        log(f'building the KVM selftests in {out}')
        os.makedirs(out, exist_ok=True)
        with open(slog, 'w') as f:
            r = self._selftests_make([f'-j{self.jobs}', 'all'], stdout=f,
                                     stderr=subprocess.STDOUT)
        if r.returncode:
            lines = _read(slog).split('\n')
            errors = []
            for i, line in enumerate(lines):
                if 'error' in line:
                    errors.extend(lines[max(i - 2, 0):i + 4])
            raise BuildError('\n'.join(errors[:40]) +
                             f'\nselftests build failed (see {slog})')
        log(f'selftests built in {time.monotonic() - t0:.0f} s')

    def build_all(self) -> None:
        """The kernel and the selftests."""
        self.build_kernel()
        self.build_selftests()

    def all_tests(self) -> List[str]:
        """The tests of the selftests Makefile, without directory, then
        the project's."""
        mk = os.path.join(self.build, 'e2e-list.mk')
        os.makedirs(self.build, exist_ok=True)
        with open(mk, 'w') as f:
            f.write('e2e-list:\n\t@echo $(TEST_GEN_PROGS)\n')
        r = self._selftests_make(['-s', '-f', 'Makefile', '-f', mk,
                                  'e2e-list'], stdout=subprocess.PIPE,
                                 text=True)
        if r.returncode:
            raise BuildError('cannot list the KVM selftests')
        return [p.rsplit('/', 1)[1] for p in r.stdout.split() if '/' in p] + \
            self.proj_tests

    def binary_of(self, name: str) -> str:
        """The built binary of test NAME."""
        for f in (os.path.join(self.build, 'selftests', 'x86_64', name),
                  os.path.join(self.build, 'selftests', name)):
            if os.access(f, os.X_OK) and os.path.isfile(f):
                return f
        raise BuildError(f"no binary for test '{name}' in "
                         f'{self.build}/selftests')

    # The initramfs.

    def make_initramfs(self, lines: Sequence[Sequence[object]],
                       tests: Optional[List[str]] = None) -> str:
        """Pack busybox, the selftests (TESTS, default: all), init
        (scripts/e2e-init.sh), the gcov dump and the command list LINES
        ("name", limit, "command") into BUILD/initramfs.cpio (newc,
        uncompressed); return its path."""
        root = os.path.join(self.build, 'initramfs')
        shutil.rmtree(root, ignore_errors=True)
        for d in ('bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'kvm', 'e2e'):
            os.makedirs(os.path.join(root, d))
        shutil.copy('/bin/busybox', os.path.join(root, 'bin', 'busybox'))
        for n in tests if tests is not None else self.all_tests():
            subprocess.run(['strip', '--strip-debug', '-o',
                            os.path.join(root, 'kvm', n), self.binary_of(n)],
                           check=True)
        with open(os.path.join(root, 'e2e', 'cmds'), 'w') as f:
            for name, limit, command in lines:
                f.write(f'{name}\t{limit}\t{command}\n')
        scripts = os.path.join(PROJ, 'scripts')
        for src, dst in (('e2e-init.sh', 'init'),
                         ('e2e-gcov-dump.sh', 'e2e/gcov-dump')):
            shutil.copy(os.path.join(scripts, src), os.path.join(root, dst))
            os.chmod(os.path.join(root, dst), 0o755)
        cpio = os.path.join(self.build, 'initramfs.cpio')
        subprocess.run(f'find . | LC_ALL=C sort | cpio -o -H newc --quiet '
                       f'>"{cpio}"', shell=True, cwd=root, check=True)
        return cpio
