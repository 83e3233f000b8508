"""``python -m studio.services.jobs.child render ...``: ``studio render`` that ends with its parent.

A render runs in its own process group so a cancel can stop it and its ffmpeg at once; the price
is that it would outlive a runner killed with SIGKILL and keep writing beside the output while the
restarted runner renders again. So the parent holds this process's stdin open and nothing else:
end of file means the parent is gone, and the render cancels itself the way Ctrl-C would (its
partial file removed), with a hard exit if it does not stop in time.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from studio import cli

GRACE_SECONDS = 2.0


def _exit_with_parent() -> None:
    # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader's lock aborts
    # the interpreter's shutdown.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    signal.raise_signal(signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os._exit(130)


def main() -> int:
    threading.Thread(target=_exit_with_parent, name="parent-watch", daemon=True).start()
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
