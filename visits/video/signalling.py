"""Signalling between a visit's two browsers: what a message may hold, sending and reading them.

Browsers post one JSON object per message and poll for the ones that came after the last id
they read. A message is checked field by field before it is stored (type in a fixed set, the
fields of that type and nothing else, each of its type and size), so a bad or oversized one is
refused with a message, never stored and never a server error. Messages are pruned minutes
after they are sent (they hold network addresses and are useless once read): on every send for
the visit, when the visit closes, and by `manage.py prune_video_signals` for the rest.
"""

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from visits.scheduling.models import Visit
from visits.video.models import SignalMessage

Kind = SignalMessage.Kind

# Sizes: an SDP offer or answer with audio and video is a few kilobytes; a candidate line some
# hundred bytes. Anything larger is not a browser's message.
SDP_MAX = 16 * 1024
CANDIDATE_MAX = 2 * 1024
BODY_MAX = SDP_MAX + 1024
# How many messages one poll returns at most; the next poll fetches the rest.
POLL_LIMIT = 100
# A browser's own identifiers for itself (one per page load) and for one connection attempt.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MID_MAX = 64
MLINE_MAX = 64


class BadSignal(ValueError):
    """A message that cannot be a signalling message, with why (for the 400 answer)."""


@dataclass(frozen=True)
class Field:
    """One field of a message: its JSON type and limits."""

    kind: str  # "token", "sdp", "candidate", "mid", "mline"
    nullable: bool = False


FIELDS: dict[str, dict[str, Field]] = {
    Kind.JOIN: {"peer": Field("token")},
    Kind.OFFER: {"peer": Field("token"), "session": Field("token"), "sdp": Field("sdp")},
    Kind.ANSWER: {"peer": Field("token"), "session": Field("token"), "sdp": Field("sdp")},
    Kind.CANDIDATE: {
        "peer": Field("token"),
        "session": Field("token"),
        "candidate": Field("candidate"),
        "sdpMid": Field("mid", nullable=True),
        "sdpMLineIndex": Field("mline", nullable=True),
    },
    Kind.BYE: {"peer": Field("token")},
}


def _check_value(name: str, spec: Field, value: Any) -> None:
    if value is None:
        if spec.nullable:
            return
        raise BadSignal(f"'{name}' may not be null.")
    if spec.kind == "mline":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MLINE_MAX:
            raise BadSignal(f"'{name}' must be a whole number from 0 to {MLINE_MAX}.")
        return
    if not isinstance(value, str):
        raise BadSignal(f"'{name}' must be a string.")
    if spec.kind == "token" and not TOKEN.fullmatch(value):
        raise BadSignal(f"'{name}' must be 1 to 64 letters, digits, '-' or '_'.")
    limits = {"sdp": SDP_MAX, "candidate": CANDIDATE_MAX, "mid": MID_MAX}
    if spec.kind in limits and len(value.encode()) > limits[spec.kind]:
        raise BadSignal(f"'{name}' is longer than {limits[spec.kind]} bytes.")
    if spec.kind == "sdp" and not value.startswith("v=0"):
        raise BadSignal(f"'{name}' is not a session description.")


def parse_signal(body: bytes) -> tuple[str, dict]:
    """The (kind, payload) of a posted message, or BadSignal saying what is wrong with it."""
    if len(body) > BODY_MAX:
        raise BadSignal(f"A message may be at most {BODY_MAX} bytes.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BadSignal("The message is not JSON.") from error
    if not isinstance(data, dict):
        raise BadSignal("The message must be a JSON object.")
    kind = data.pop("type", None)
    if not isinstance(kind, str) or kind not in FIELDS:
        raise BadSignal(f"'type' must be one of {', '.join(FIELDS)}.")
    fields = FIELDS[kind]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise BadSignal(f"Unknown fields for {kind}: {', '.join(unknown)}.")
    missing = [name for name, spec in fields.items() if name not in data and not spec.nullable]
    if missing:
        raise BadSignal(f"Missing fields for {kind}: {', '.join(missing)}.")
    for name, spec in fields.items():
        _check_value(name, spec, data.get(name))
    return kind, data


def parse_after(value: str | None) -> int:
    """The `after` id of a poll: a whole number, 0 when absent; BadSignal otherwise."""
    if value in (None, ""):
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadSignal("'after' must be a message id (a whole number).")
    return int(value)


def signal_send(
    *, visit: Visit, sender, kind: str, payload: dict, now: datetime.datetime
) -> SignalMessage:
    """Store one message for the other side, dropping this visit's messages old enough to be
    useless (settings.VIDEO_SIGNAL_KEEP)."""
    with transaction.atomic():
        SignalMessage.objects.filter(
            visit=visit, created_at__lt=now - settings.VIDEO_SIGNAL_KEEP
        ).delete()
        return SignalMessage.objects.create(visit=visit, sender=sender, kind=kind, payload=payload)


def signals_for(*, visit: Visit, reader, after: int) -> list[dict]:
    """The other side's messages after id `after`, oldest first, as the browser reads them."""
    messages = (
        SignalMessage.objects.filter(visit=visit, pk__gt=after)
        .exclude(sender=reader)
        .order_by("pk")
        .values("pk", "kind", "payload")[:POLL_LIMIT]
    )
    return [{"id": row["pk"], "type": row["kind"], **row["payload"]} for row in messages]


def last_signal_id(visit: Visit) -> int:
    """The newest message id of the visit (0 if none): a page that opens reads only later ones."""
    newest = SignalMessage.objects.filter(visit=visit).order_by("-pk").values_list("pk", flat=True)
    return newest.first() or 0


def prune_signals(*, now: datetime.datetime) -> int:
    """Delete every message older than settings.VIDEO_SIGNAL_KEEP; returns how many."""
    deleted, _ = SignalMessage.objects.filter(
        created_at__lt=now - settings.VIDEO_SIGNAL_KEEP
    ).delete()
    return deleted
