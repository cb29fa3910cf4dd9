"""Regenerate the bundled demo data (seeded: the same bytes every time).

    python data/generate_demo.py [--comments 3000] [--days 42] [--seed 7] [--out data/demo]
"""

import argparse
from pathlib import Path

from voc.demo import generate

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("data/demo"))
    args = parser.parse_args()
    files = generate(args.out, n_comments=args.comments, n_days=args.days, seed=args.seed)
    print(f"wrote {files.n_rows} rows to {files.comments} and the ground truth to {files.truth}")
