"""k-SAT benchmark: the high-order Hopfield network and its digital baselines on SATLIB and generated instances.

```bash
python examples/ksat.py --json ksat.json [--quick]
```

See `analogsim_lab.ksat_bench` for what each row holds. SATLIB instances are looked up in `$HNN_SATLIB`, then in
`../shared/data/satlib` and `shared/data/satlib` from the working directory.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")

from analogsim import io as _io  # noqa: E402
from analogsim_lab import ksat_bench  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", required=True, help="output JSON path")
    parser.add_argument("--quick", action="store_true", help="a few instances per set (CI)")
    parser.add_argument("--mode", choices=ksat_bench.MODES, default=None, help="benchmark size (default: full)")
    args = parser.parse_args(argv)
    mode = args.mode or ("quick" if args.quick else "full")
    out = ksat_bench.run(mode, progress=lambda m: print(m, file=sys.stderr, flush=True))
    _io.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
