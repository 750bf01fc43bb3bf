"""How long `siliconfleet size` takes: import, one model against the whole catalog, a fleet lint.

Prints its figures and never fails on a time (design.md, Tests).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def _cold_import_seconds() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import siliconfleet.sizing"], check=True)
    return time.perf_counter() - start


def main() -> None:
    from siliconfleet.catalog.llm_models import llm_models
    from siliconfleet.sizing import build_request, size

    print(f"cold import of siliconfleet.sizing (new interpreter): {_cold_import_seconds():.3f} s")
    names = list(llm_models())
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for name in names:
            for dtype in ("bf16", "fp8", "int4"):
                size(build_request(name, dtype=dtype, batch=8))
        runs.append(time.perf_counter() - start)
    per_call = statistics.median(runs) / (len(names) * 3)
    print(f"size(): {len(names)} models x 3 dtypes against the whole catalog, median {statistics.median(runs) * 1e3:.1f} ms "
          f"per sweep, {per_call * 1e3:.2f} ms per call")


if __name__ == "__main__":
    main()
