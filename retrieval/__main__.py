"""`python -m retrieval`: the offline command line (see retrieval/cli.py)."""

import sys

from retrieval.cli import main

if __name__ == "__main__":
    sys.exit(main())
