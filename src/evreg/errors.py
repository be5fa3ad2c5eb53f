"""Errors that the command line reports as one clear line, without a traceback."""


class EvregError(Exception):
    """A user-facing error: the message names the file, row and field where it can."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
