# SPDX-License-Identifier: GPL-2.0
#
# The CPU models of the end-to-end runs: what one boot of the e2e kernel
# runs on.  Each model is a small file of data in scripts/e2e_models/,
# NAME.py, that binds MODEL to a Model; the runner boots once per model
# selected (CPUS, default: every file there).

"""CPU models of the end-to-end runs, and their loader."""

import dataclasses
from dataclasses import dataclass, field
import importlib.util
import os
import re
from typing import Dict, List, Optional

MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'e2e_models')

VENDOR_ID = {'amd': 'AuthenticAMD', 'intel': 'GenuineIntel'}


class ModelError(Exception):
    """A model file that is missing, malformed or names no known value."""


@dataclass(frozen=True)
class Model:
    """One CPU model: the emulator that provides it and what the guest
    must see in it.

    name:       the label of the model in the report ("PASS foo [NAME]");
                also the name of its file and of its log directory
    vendor:     "amd" or "intel": the CPU vendor the guest must see
    emulator:   "qemu" or "bochs" (scripts/e2e_emulator.py)
    cpu:        the emulator's name of the CPU model (QEMU's -cpu,
                Bochs's "cpu: model=")
    smp:        the guest's CPUs
    mem:        the guest's RAM in MiB, or with a K, M or G suffix
    append:     kernel command line of the model, e.g. "kvm_amd.nested=1"
    expect:     what the guest must report: a CPU flag of /proc/cpuinfo
                ("vgif") with 1 (present) or 0 (absent), or a module
                parameter ("kvm_intel.ept") with its value as a string
    time_scale: wall-clock seconds one second of a test's limit takes on
                this model (an emulator whose guest time runs slower than
                wall time has a larger one)
    ips:        Bochs: instructions per emulated second
    args:       more arguments of the emulator
    idle:       wall-clock seconds of silence after which the guest
                counts as hung (0: 120 s times time_scale); init prints
                a line every 20 s of guest time
    boot_noise: regexes of kernel splats this model's CPU causes while
                the guest boots, which are not KVM's: they are ignored
                before the first test of a boot, and only there
    """
    name: str
    vendor: str
    emulator: str
    cpu: str
    smp: int = 2
    mem: str = '4G'
    append: str = ''
    expect: Dict[str, object] = field(default_factory=dict)
    time_scale: float = 1.0
    ips: int = 0
    args: List[str] = field(default_factory=list)
    idle: float = 0
    boot_noise: List[str] = field(default_factory=list)

    def mem_mib(self) -> int:
        """The guest's RAM in MiB."""
        m = re.fullmatch(r'([0-9]+)([KMG]?)', self.mem.upper())
        if not m:
            raise ModelError(f'{self.name}: bad mem {self.mem!r}')
        n = int(m.group(1))
        return {'K': n // 1024, '': n, 'M': n, 'G': n * 1024}[m.group(2)]

    def with_mem(self, mem: Optional[str]) -> 'Model':
        """The same model with another guest RAM size (E2E_MEM)."""
        return dataclasses.replace(self, mem=mem) if mem else self


def model_names(models_dir: str = MODELS_DIR) -> List[str]:
    """The names of every model file, sorted."""
    return sorted(f[:-3] for f in os.listdir(models_dir)
                  if f.endswith('.py') and not f.startswith('_'))


def load_model(name: str, models_dir: str = MODELS_DIR) -> Model:
    """Load scripts/e2e_models/NAME.py and return its MODEL."""
    path = os.path.join(models_dir, name + '.py')
    if not os.path.isfile(path):
        raise ModelError(f'no CPU model {name!r} (models: '
                         f'{" ".join(model_names(models_dir))})')
    spec = importlib.util.spec_from_file_location('e2e_models.' + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, 'MODEL', None)
    if not isinstance(model, Model):
        raise ModelError(f'{path}: no MODEL = Model(...)')
    if model.name != name:
        raise ModelError(f'{path}: MODEL is named {model.name!r}')
    if model.vendor not in VENDOR_ID:
        raise ModelError(f'{path}: vendor must be one of {list(VENDOR_ID)}')
    return model


def select_models(names: str, models_dir: str = MODELS_DIR) -> List[Model]:
    """The models of a space-separated list of names, or every model for
    an empty one."""
    picked = names.split() or model_names(models_dir)
    return [load_model(n, models_dir) for n in picked]
