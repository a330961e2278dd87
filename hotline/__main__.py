"""`python -m hotline` is the `hotline` command."""

import sys

from hotline.cli import main

sys.exit(main())
