"""The benchmarks' CPU record: family keys, and the switch that forces an AVX2-only run."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cpu_family() -> Any:
    spec = importlib.util.spec_from_file_location("cpu_family", ROOT / "benchmarks" / "cpu_family.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cpu_family = _cpu_family()


def _cpu(vendor: str, flags: str, family: int = 6) -> dict[str, Any]:
    return {"vendor": vendor, "cpu_family": family, "flags": flags.split()}


@pytest.mark.parametrize(
    ("cpu", "capability", "family"),
    [
        (
            _cpu("GenuineIntel", "avx2 avx512f avx512_vnni amx_tile amx_bf16 amx_int8"),
            "AVX512",
            "intel-avx512-amx",
        ),
        (_cpu("GenuineIntel", "avx2 avx512f avx512_vnni"), "AVX512", "intel-avx512"),
        (_cpu("AuthenticAMD", "avx2 avx512f avx512_vnni avx512_bf16", 25), "AVX512", "amd-zen4"),
        (_cpu("AuthenticAMD", "avx2 avx512f avx512_vnni avx512_bf16", 26), "AVX512", "amd-zen5"),
        # AVX2-only CPUs, each its own family.
        (_cpu("AuthenticAMD", "avx2 fma", 25), "AVX2", "amd-zen3"),
        (_cpu("AuthenticAMD", "avx2", 23), "AVX2", "amd-zen2"),
        (_cpu("GenuineIntel", "avx2 fma"), "AVX2", "intel-avx2"),
        (_cpu("GenuineIntel", "sse4_2"), "DEFAULT", "baseline"),
        # An AVX-512 CPU whose kernels were limited to AVX2 is measured as the AVX2 family.
        (_cpu("GenuineIntel", "avx2 avx512f avx512_vnni amx_int8"), "AVX2", "avx2"),
    ],
)
def test_family_keys(cpu: dict[str, Any], capability: str, family: str) -> None:
    assert cpu_family.family_key(cpu, capability) == family


@pytest.mark.skipif("avx2" not in cpu_family.proc_cpuinfo()["flags"], reason="this CPU has no AVX2")
def test_forcing_avx2_reaches_torch_mkl_onednn_and_fbgemm() -> None:
    """Every library runs AVX2 kernels, and fbgemm's int8 kernel then needs 7-bit weights
    (AVX2 adds pairs of 8-bit products in 16 bits), which the engine's probe finds."""
    code = (
        "import json, sys; sys.path.insert(0, 'benchmarks'); import cpu_family; "
        "cpu_family.force_isa('avx2'); record = cpu_family.cpu_record(); "
        "from apps.inference.engine.quantization import weight_qmax; "
        "record['weight_qmax'] = weight_qmax(); print(json.dumps(record))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ATEN_", "ONEDNN_", "MKL_"))
        },
    )
    record = json.loads(done.stdout.strip().splitlines()[-1])
    # On a CPU that has only AVX2 the switch changes nothing: its results stay its own family's.
    forced_family = "avx2" if "avx512f" in record["flags"] else cpu_family.family_key(record, "AVX2")
    assert record["family"] == forced_family and record["forced_isa"] == "avx2"
    assert record["torch_cpu_capability"] == "AVX2"
    assert record["fbgemm_isa"] == "AVX2"
    assert "AVX2" in record["onednn_isa"] and "512" not in record["onednn_isa"]
    assert "512" not in record["mkl_isa"]
    if record["vendor"] == "GenuineIntel":  # MKL names no instruction set on other CPUs
        assert "AVX2" in record["mkl_isa"]
    assert record["weight_qmax"] == 63


def test_forcing_after_torch_is_imported_is_refused() -> None:
    import torch  # noqa: F401

    with pytest.raises(RuntimeError, match="before torch"):
        cpu_family.force_isa("avx2")
