"""`python -m bench` runs the load benchmark (see `python -m bench --help`)."""

import sys

from bench.cli import main

sys.exit(main())
