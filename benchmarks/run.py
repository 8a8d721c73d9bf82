"""Run every benchmark: ``python benchmarks/run.py [--quick] [-k NAME]``.

Each ``bench_*.py`` beside this file defines ``main(quick: bool = False)``
that prints a Markdown table (times of ours and the peer, their ratio, and
quality figures). ``--quick`` uses smaller data so that all of them finish in
a few minutes; the numbers quoted in closing notes come from full runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data, fast")
    parser.add_argument("-k", default="", help="only benchmarks whose name has K")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from _harness import environment

    print(f"# skvariance benchmarks ({'quick' if args.quick else 'full'})")
    print(environment(), "\n", flush=True)
    names = sorted(p.stem for p in HERE.glob("bench_*.py") if args.k in p.stem)
    failed = []
    for name in names:
        start = time.perf_counter()
        print(f"## {name}\n", flush=True)
        try:
            importlib.import_module(name).main(quick=args.quick)
        except Exception as exc:  # report and go on to the next benchmark
            failed.append(name)
            print(f"{name} FAILED: {type(exc).__name__}: {exc}\n", flush=True)
        print(f"({name}: {time.perf_counter() - start:.1f} s)\n", flush=True)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
