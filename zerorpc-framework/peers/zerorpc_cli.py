# zerorpc-python's own command-line tool, made to run on Python 3.11: zerorpc 0.6.3's cli.py
# still looks for `collections.Iterator`, which moved to `collections.abc` (Python 3.10).
# Run: .venv/bin/python peers/zerorpc_cli.py --json tcp://127.0.0.1:4242 add 2 3
import collections, collections.abc, sys  # noqa: E401
collections.Iterator = collections.abc.Iterator
from zerorpc import cli; sys.exit(cli.main())  # noqa: E402, E702
