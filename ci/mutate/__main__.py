import sys

from ci.mutate.cli import main

sys.exit(main())
