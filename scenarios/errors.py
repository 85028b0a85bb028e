"""The error every package raises for bad user input."""


class InputError(ValueError):
    """Bad user input: a file, row or config key that cannot be used.

    The message is one line that names the file, row or key and says what is
    wrong. The command line prints it and exits with code 2.
    """
