"""The CPU a benchmark ran on, and the instruction sets torch's kernel libraries really used.

A figure measured on one CPU says little about another: MKL runs its AVX2 kernels on AMD
CPUs, oneDNN and fbgemm pick kernels by instruction set (AVX-512, VNNI, AMX), so the same code
takes different paths on an AMD EPYC, an Intel Xeon with or without AMX, and an AVX2-only CPU.
Benchmarks therefore record the CPU and key their results by a CPU family (``family_key``).

``force_isa("avx2")`` limits every library to AVX2 for a run (a stand-in for an AVX2-only
server on a newer CPU). It sets, before torch is imported:

- ``ATEN_CPU_CAPABILITY=avx2``: torch's own vectorised kernels;
- ``ONEDNN_MAX_CPU_ISA=AVX2``: oneDNN (fp32 Linear layers, the packed encoder);
- ``MKL_ENABLE_INSTRUCTIONS=AVX2``: MKL, torch's BLAS;
- ``FBGEMM_ENABLE_INSTRUCTIONS=AVX2``: fbgemm, the int8 Linear kernels (without it fbgemm would
  still use AVX-512 VNNI).

``cpu_record`` reads back what each library uses, so a forced run that did not take is seen.
"""

from __future__ import annotations

import ctypes
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

FORCED_ISA_ENVIRONMENT = {
    "avx2": {
        "ATEN_CPU_CAPABILITY": "avx2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2",
    }
}
# The /proc/cpuinfo flags that decide which kernels torch's libraries run.
RELEVANT_FLAGS = (
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)
# fbgemm's inst_set_t (fbgemm/Utils.h), as fbgemmInstructionSet() returns it.
_FBGEMM_ISA = {
    0: "any",
    1: "AVX2",
    2: "AVX-512",
    3: "AVX-512 on 256-bit registers",
    4: "AVX-512 VNNI",
    5: "AVX-512 VNNI on 256-bit registers",
}


def force_isa(isa: str) -> dict[str, str]:
    """Limit torch's kernel libraries to ``isa`` for this process and its children; call before
    torch is imported. Returns the variables set."""
    if "torch" in sys.modules:
        raise RuntimeError("force_isa must run before torch is imported")
    try:
        environment = FORCED_ISA_ENVIRONMENT[isa]
    except KeyError:
        raise SystemExit(f"--cpu-isa: one of {', '.join(FORCED_ISA_ENVIRONMENT)}, not {isa!r}") from None
    os.environ.update(environment)
    return dict(environment)


def forced_isa() -> str | None:
    """The ISA this process was limited to by ``force_isa`` (or the same variables), if any."""
    for isa, environment in FORCED_ISA_ENVIRONMENT.items():
        if all(os.environ.get(name, "").lower() == value.lower() for name, value in environment.items()):
            return isa
    return None


def proc_cpuinfo() -> dict[str, Any]:
    """Model name, vendor, family and flags of the first processor in /proc/cpuinfo."""
    fields: dict[str, str] = {}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    flags = set(fields.get("flags", "").split())
    return {
        "model": fields.get("model name") or platform.processor() or platform.machine(),
        "vendor": fields.get("vendor_id", "unknown"),
        "cpu_family": int(fields["cpu family"]) if fields.get("cpu family", "").isdigit() else None,
        "flags": [flag for flag in RELEVANT_FLAGS if flag in flags],
    }


def _verbose_line(probe: str, variable: str, pattern: str) -> str:
    """What a library's verbose mode prints about its instruction set, in a child process with
    this one's environment."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", f"import torch; {probe}"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, variable: "1"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    found = re.search(pattern, done.stdout + done.stderr)
    return found.group(1).strip() if found else "unknown"


def onednn_isa() -> str:
    """The instruction set oneDNN dispatches to in a process like this one."""
    probe = "torch.ops.mkldnn._linear_pointwise(torch.randn(4, 64), torch.randn(8, 64), None, 'none', [], '')"
    return _verbose_line(probe, "ONEDNN_VERBOSE", r",isa:([^\n]+)")


def mkl_isa() -> str:
    """The instruction set MKL (torch's BLAS) runs in a process like this one."""
    probe = "a = torch.randn(64, 64); torch.matmul(a, a)"
    return _verbose_line(probe, "MKL_VERBOSE", r"architecture (.+?)(?: enabled processors)?, Lnx")


def fbgemm_isa() -> str:
    """The instruction set fbgemm's int8 kernels use here (``fbgemm::fbgemmInstructionSet``)."""
    import torch

    try:
        library = ctypes.CDLL(str(Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"))
        function = library._ZN6fbgemm20fbgemmInstructionSetEv
    except (OSError, AttributeError):
        return "unknown"
    function.restype = ctypes.c_int
    return _FBGEMM_ISA.get(int(function()), "unknown")


def family_key(cpu: dict[str, Any], torch_capability: str) -> str:
    """By vendor and the instruction sets torch's kernels run: ``intel-avx512-amx``,
    ``intel-avx512``, ``amd-zen4``, ``amd-zen3`` (AVX2 only)...; ``avx2`` for an AVX-512 CPU
    whose kernels were limited to AVX2 (a forced run), so it never overwrites a real AVX2 CPU's."""
    flags = set(cpu["flags"])
    vendor = {"GenuineIntel": "intel", "AuthenticAMD": "amd"}.get(cpu["vendor"], "")
    if "avx512f" not in flags:  # an AVX2-only CPU
        if "avx2" not in flags:
            return "baseline"
        if vendor == "amd":
            # Zen 3 (family 25 without AVX-512); Zen 1 and 2 are family 23.
            return {25: "amd-zen3", 23: "amd-zen2"}.get(cpu["cpu_family"] or 0, "amd-avx2")
        return f"{vendor}-avx2" if vendor else "avx2-only"
    if torch_capability.upper() != "AVX512":
        return "avx2"
    if vendor == "intel":
        return "intel-avx512-amx" if "amx_int8" in flags or "amx_bf16" in flags else "intel-avx512"
    if vendor == "amd":
        # AVX-512 on AMD: Zen 4 (family 25) and Zen 5 (family 26).
        return {25: "amd-zen4", 26: "amd-zen5"}.get(cpu["cpu_family"] or 0, "amd-avx512")
    return "avx512"


def cpu_record() -> dict[str, Any]:
    """The CPU and what torch, oneDNN and fbgemm run on it in this process; imports torch."""
    import torch

    cpu = proc_cpuinfo()
    capability = str(torch.backends.cpu.get_cpu_capability())
    forced = forced_isa()
    return {
        **cpu,
        "family": family_key(cpu, capability),
        "forced_isa": forced,
        "forced_environment": FORCED_ISA_ENVIRONMENT.get(forced or "", {}),
        "torch_cpu_capability": capability,
        "mkl_isa": mkl_isa(),
        "onednn_isa": onednn_isa(),
        "fbgemm_isa": fbgemm_isa(),
    }
