"""A real terminal for tests of what a command draws only on a terminal: a pseudo-terminal
pair, the writing end as a text stream, and what reached the reading end."""

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO


@contextmanager
def terminal() -> Iterator[tuple[TextIO, Callable[[], str]]]:
    """(a stream whose isatty() is true, a function returning what was written so far)."""
    reader, writer = os.openpty()
    os.set_blocking(reader, False)
    stream = os.fdopen(writer, "w")
    seen = bytearray()

    def drawn() -> str:
        stream.flush()
        while True:
            try:
                chunk = os.read(reader, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            seen.extend(chunk)
        return seen.decode(errors="replace")

    try:
        yield stream, drawn
    finally:
        stream.close()
        os.close(reader)


_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(drawn: str) -> str:
    """What a person reads on the terminal: the text without colour and cursor escapes."""
    return _ESCAPE.sub("", drawn)
