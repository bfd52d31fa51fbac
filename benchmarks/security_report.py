"""Reliability and security report: what the hostile-input, isolation, fault and load checks tried.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecomai_report \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python benchmarks/security_report.py [--load-seconds 60] [--load-clients 8]

Runs the checks the suite runs on every build, counting what each tried: the API fuzzing
(tests/security/test_api_fuzz.py: operations and generated requests), the tenant isolation matrix
(routes under a store, each called for every method by another tenant), hostile files
(tests/security/test_hostile_files.py), faults with real processes (a worker killed with SIGKILL, the
broker killed and restarted with its queues lost, the database connections cut, a model server that
answers garbage or nothing) and the effects lost or doubled (each test asserts none); then the load
benchmark (benchmarks/load_bench.py) with the given clients and seconds. Writes
benchmarks/results/security.json and security.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

GROUPS = {
    "API fuzzing (schemathesis)": ["tests/security/test_api_fuzz.py"],
    "tenant isolation matrix": ["tests/security/test_isolation_matrix.py"],
    "hostile files": ["tests/security/test_hostile_files.py"],
    "faults with real processes": [
        "tests/jobs/test_faults.py",
        "tests/jobs/test_worker.py::test_a_worker_killed_mid_job_loses_and_duplicates_nothing",
        "tests/security/test_backend_faults.py",
    ],
    "abuse limits": [
        "tests/security/test_quotas_and_rate_limits.py",
        "tests/security/test_login_throttling.py",
    ],
    "constant query counts": ["tests/security/test_query_counts.py"],
}


def run_group(name: str, targets: list[str], directory: Path, env: dict[str, str]) -> dict[str, Any]:
    junit = directory / f"{abs(hash(name))}.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", f"--junitxml={junit}", *targets]
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    outcomes: Counter[str] = Counter()
    cases = []
    if junit.exists():
        # pytest's own report of this run, not outside input.
        for case in ElementTree.parse(junit).getroot().iter("testcase"):  # noqa: S314
            outcome = "passed"
            for tag in ("failure", "error", "skipped"):
                if case.find(tag) is not None:
                    outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
            outcomes[outcome] += 1
            cases.append(f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}")
    return {
        "targets": targets,
        "exit_code": completed.returncode,
        "tests": sum(outcomes.values()),
        "outcomes": dict(outcomes),
        "cases": cases,
        "tail": completed.stdout[-2000:] if completed.returncode else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--load-clients", type=int, default=8)
    parser.add_argument("--load-describes", type=int, default=4)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to PostgreSQL and CELERY_BROKER_URL to Redis.")
    groups: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as directory:
        cases_log = Path(directory) / "fuzz-cases.log"
        env = {**os.environ, "CI": "1", "FUZZ_CASES_LOG": str(cases_log)}
        for name, targets in GROUPS.items():
            print(f"running {name} ...", flush=True)
            groups[name] = run_group(name, targets, Path(directory), env)
        fuzz_requests = cases_log.read_text().splitlines() if cases_log.exists() else []
    load_command = [
        sys.executable,
        "benchmarks/load_bench.py",
        "--seconds",
        str(args.load_seconds),
        "--clients",
        str(args.load_clients),
        "--describes",
        str(args.load_describes),
    ]
    print("running the load benchmark ...", flush=True)
    subprocess.run(load_command, cwd=ROOT, check=True, capture_output=True)
    load = json.loads((RESULTS / "load.json").read_text(encoding="utf-8"))
    fuzz = groups["API fuzzing (schemathesis)"]
    results = {
        "command": "DATABASE_URL=… CELERY_BROKER_URL=… .venv/bin/python benchmarks/security_report.py"
        + "".join(f" {arg}" for arg in sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "fuzz_operations": len(set(fuzz_requests)),
        "fuzz_requests": len(fuzz_requests),
        "fuzz_tests": fuzz["tests"],
        "groups": {name: {k: v for k, v in group.items() if k != "tail"} for name, group in groups.items()},
        "failures": {name: group["tail"] for name, group in groups.items() if group["tail"]},
        "load": load,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "security.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (RESULTS / "security.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    if results["failures"]:
        raise SystemExit(1)


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Reliability and security checks",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Machine: {results['machine']}; {results['date']}.",
        "",
        "| check | tests | passed | failed or errors |",
        "|---|---|---|---|",
    ]
    for name, group in results["groups"].items():
        outcomes = group["outcomes"]
        bad = outcomes.get("failed", 0) + outcomes.get("error", 0) + outcomes.get("skipped", 0)
        lines.append(f"| {name} | {group['tests']} | {outcomes.get('passed', 0)} | {bad} |")
    faults = results["groups"]["faults with real processes"]["cases"]
    hostile = results["groups"]["hostile files"]["cases"]
    load = results["load"]
    lines += [
        "",
        f"API fuzzing: {results['fuzz_requests']} generated requests over {results['fuzz_operations']} "
        "operations of the schema, each answer checked against the schema, none a 5xx; another tenant's ids "
        "answered 404 and changed nothing.",
        "",
        "Faults injected (each test asserts every item's effect applied exactly once: items lost or "
        "doubled are a failure above):",
        *[f"- {case}" for case in faults],
        "",
        "Hostile files tried (each answered a clear 4xx or a per-row error, memory bounded, the store's "
        "data unchanged):",
        *[f"- {case}" for case in hostile],
        "",
        f"Load ({load['clients']} clients for {load['seconds']} s, {load['requests_per_second']} requests/s; "
        f"benchmarks/results/load.md): errors {load['errors']}; imports {load['imports_started']} started, "
        f"{load['imports_finished']} finished, rows {load['rows_imported']} of {load['rows_expected']}.",
        "",
        "| request | requests | errors | p50 ms | p95 ms |",
        "|---|---|---|---|---|",
    ]
    for kind, f in load["kinds"].items():
        lines.append(f"| {kind} | {f['requests']} | {f['errors']} | {f['p50_ms']} | {f['p95_ms']} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
