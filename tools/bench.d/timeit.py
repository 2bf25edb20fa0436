#!/usr/bin/env python3
"""Stand-in for GNU `/usr/bin/time -f '%e %M %U %S' -o FILE CMD...`.

    timeit.py FILE CMD [ARG...]

Runs CMD (stdin, stdout and stderr inherited), then writes
"<wall seconds> <peak RSS KiB> <user CPU s> <system CPU s>" to FILE and exits with CMD's status
(128+signal if it was killed).  The peak RSS is ru_maxrss of RUSAGE_CHILDREN
of this fresh process, so it is CMD's own (or its largest descendant's),
never that of anything run before.
"""
import os
import resource
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out, cmd = sys.argv[1], sys.argv[2:]
    t0 = time.monotonic()
    try:
        rc = subprocess.call(cmd)
    except OSError as e:
        print("timeit.py: %s: %s" % (cmd[0], e), file=sys.stderr)
        return 127
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        f.write("%.2f %d %.2f %.2f\n" % (wall, ru.ru_maxrss, ru.ru_utime,
                                          ru.ru_stime))
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
