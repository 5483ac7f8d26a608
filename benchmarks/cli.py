"""Measure the CLI's speed goals and print the figures (not a test: machines differ).

Goals (issue 2): `scaffold --help` < 0.15 s, `scaffold detect` < 0.3 s on a fixture
and < 2 s on a generated 50,000-file monorepo, `scaffold new --yes` < 1 s; (issue 13)
`scaffold check` < 0.3 s on one Dockerfile (it imports no copier nor jinja; the figure
includes the .dockerignore and build-context scan).

    python benchmarks/cli.py [--runs N] [--files N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "python" / "django"
CHECK_FIXTURE = ROOT / "tests" / "check_fixtures" / "single-stage-root" / "Dockerfile"


def scaffold_command() -> List[str]:
    """The installed console script when there is one (what people run), else the module."""
    script = Path(sys.executable).parent / "scaffold"
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def timed(args: List[str], runs: int, prepare=None, ok=(0,)) -> Tuple[float, float]:
    """(median, worst) wall-clock seconds of `runs` runs; each run must exit with a code in `ok`."""
    samples = []
    for _ in range(runs):
        if prepare:
            prepare()
        start = time.perf_counter()
        result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        samples.append(time.perf_counter() - start)
        if result.returncode not in ok:
            raise SystemExit(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return statistics.median(samples), max(samples)


def make_monorepo(root: Path, files: int) -> None:
    """A monorepo of `files` files: many Go, Python and Java services plus noise."""
    per_service = 50
    services = max(1, files // per_service)
    for index in range(services):
        service = root / "services" / f"svc{index:04d}"
        src = service / "src"
        src.mkdir(parents=True)
        kind = index % 3
        if kind == 0:
            (service / "go.mod").write_text(f"module example.com/svc{index}\n\ngo 1.22\n")
            (service / "main.go").write_text('package main\n\nimport "net/http"\n\nfunc main() { http.ListenAndServe(":8080", nil) }\n')
        elif kind == 1:
            (service / "requirements.txt").write_text("flask==3.0.3\n")
            (service / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
        else:
            (service / "pom.xml").write_text(f"<project><modelVersion>4.0.0</modelVersion><groupId>x</groupId>"
                                             f"<artifactId>svc{index}</artifactId><version>1</version></project>\n")
            (src / "App.java").write_text("class App { public static void main(String[] a) {} }\n")
        for n in range(per_service - 2):
            (src / f"module_{n}.txt").write_text("data\n")
    nodes = root / "node_modules" / "pkg"
    nodes.mkdir(parents=True)
    (nodes / "package.json").write_text("{}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--files", type=int, default=50_000)
    args = parser.parse_args()
    command = scaffold_command()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp, "project")

        def fresh_project() -> None:
            shutil.rmtree(project, ignore_errors=True)
            shutil.copytree(FIXTURE, project)

        monorepo = Path(tmp, "monorepo")
        make_monorepo(monorepo, args.files)
        file_count = sum(len(names) for _, _, names in os.walk(monorepo))
        rows.append(("scaffold --help", 0.15, *timed(command + ["--help"], args.runs)))
        rows.append(("scaffold detect (fixture)", 0.3, *timed(command + ["detect", str(FIXTURE)], args.runs)))
        rows.append((f"scaffold detect ({file_count:,}-file monorepo)", 2.0,
                     *timed(command + ["detect", str(monorepo)], max(3, args.runs // 2))))
        rows.append(("scaffold new --yes (fixture)", 1.0,
                     *timed(command + ["new", "--yes", str(project)], args.runs, prepare=fresh_project)))
        rows.append(("scaffold check (one Dockerfile)", 0.3,
                     *timed(command + ["check", "--no-docker", str(CHECK_FIXTURE)], args.runs, ok=(1,))))
    print(f"{'command':<44} {'goal':>7} {'median':>8} {'worst':>8}  verdict")
    for name, goal, median, worst in rows:
        verdict = "ok" if median < goal else "SLOW"
        print(f"{name:<44} {goal:>6.2f}s {median:>7.3f}s {worst:>7.3f}s  {verdict}")


if __name__ == "__main__":
    main()
