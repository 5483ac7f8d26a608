"""The program's entry (`scaffold`, `python -m generator`): interrupts handled from the first instruction.

The signal handlers are installed before anything else is imported, so that Ctrl-C at any
moment, even while Python is still importing the commands, ends with one line and exit 130,
never a traceback. Before a command runs nothing can have been written, so an interrupt
then just says so and exits; once it runs, an interrupt (SIGINT, or SIGTERM) is raised as
`KeyboardInterrupt`, so every `finally` (temporary directories, a transaction's rollback)
runs, uninterrupted by a second Ctrl-C, and `generator.cli.main` says what was written.
"""

import _signal  # type: ignore  # the C module: `signal` imports enum, long enough to be interrupted in
import os


def _before_main(signum: int, frame: object) -> None:
    os.write(2, b"error: interrupted; nothing was written\n")
    os._exit(128 + signum)


_signal.signal(_signal.SIGINT, _before_main)
_signal.signal(_signal.SIGTERM, _before_main)


def _raise(signum: int, frame: object) -> None:
    from generator.errors import Interrupted

    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # the clean-up that follows is not interrupted again
    _signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
    raise Interrupted(signum)


def main() -> int:
    """Run `generator.cli.main` with the interrupt raised as an exception its handler reports."""
    from generator.cli import main as run

    _signal.signal(_signal.SIGINT, _raise)
    _signal.signal(_signal.SIGTERM, _raise)
    return run()
