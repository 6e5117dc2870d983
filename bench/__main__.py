"""``python -m bench`` (``make bench``): baselines first, then every benchmark against them."""

from __future__ import annotations

import importlib
import pkgutil

import bench
from bench import baselines

if __name__ == "__main__":
    print("== baselines")
    baselines.main()
    for module in sorted(m.name for m in pkgutil.iter_modules(bench.__path__)):
        if module in {"baselines", "__main__"}:
            continue
        print(f"\n== {module}")
        importlib.import_module(f"bench.{module}").main()
