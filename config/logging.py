"""No protected data in logs, ever: errors are logged by kind and place, never by content."""

import logging
import re
import traceback

# What databases put after their message: the failing row, the key, the JSON being parsed.
DATABASE_DETAIL = re.compile(r"\s*(DETAIL|CONTEXT|HINT|LINE \d+|Failing row contains):?.*", re.S)
SQL_LOGGERS = ("django.db.backends",)


def exception_outline(exc_info) -> str:
    """An exception chain as its kinds and frames only: where it happened, not what it said."""
    _, error, _ = exc_info
    lines: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.extract_tb(error.__traceback__)
        lines.append(f"{type(error).__module__}.{type(error).__qualname__} (message withheld)")
        lines += [
            f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}' for frame in frames
        ]
        error = error.__cause__ or error.__context__
    return "Traceback, most recent error first:\n" + "\n".join(lines)


class RedactProtectedData(logging.Filter):
    """Strip what an error or a query carried from every log record before it is written.

    Exceptions keep their type and traceback frames but lose their messages (a database error's
    message holds the row it refused, a patient's JSON among it); SQL is logged without its
    parameters; and any database detail that reached a message is cut off.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(SQL_LOGGERS):
            duration = getattr(record, "duration", None)
            record.msg, record.args = "(%s s) query withheld", (duration,)
            for name in ("sql", "params"):
                if hasattr(record, name):
                    setattr(record, name, None)
        if record.exc_info:
            record.exc_text = exception_outline(record.exc_info)
            record.exc_info = None
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = DATABASE_DETAIL.sub(" (details withheld)", record.msg)
        return True
