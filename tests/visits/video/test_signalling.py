"""What a signalling message may hold: everything else is refused with a reason."""

import json

import pytest

from visits.video.signalling import (
    BODY_MAX,
    CANDIDATE_MAX,
    SDP_MAX,
    BadSignal,
    parse_after,
    parse_signal,
)

SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def body(**message) -> bytes:
    return json.dumps(message).encode()


class TestAccepted:
    def test_each_kind(self):
        """join, offer, answer, candidate and bye with their fields."""
        assert parse_signal(body(type="join", peer="p1")) == ("join", {"peer": "p1"})
        assert parse_signal(body(type="offer", peer="p1", session="s1", sdp=SDP))[0] == "offer"
        assert parse_signal(body(type="answer", peer="p1", session="s1", sdp=SDP))[0] == "answer"
        kind, payload = parse_signal(
            body(
                type="candidate",
                peer="p1",
                session="s1",
                candidate="candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
                sdpMid="0",
                sdpMLineIndex=0,
            )
        )
        assert kind == "candidate"
        assert payload["sdpMLineIndex"] == 0
        assert parse_signal(body(type="bye", peer="p1")) == ("bye", {"peer": "p1"})

    def test_a_candidate_may_leave_out_its_media_ids(self):
        """sdpMid and sdpMLineIndex may be null or absent, as browsers send them."""
        kind, payload = parse_signal(
            body(type="candidate", peer="p", session="s", candidate="candidate:1", sdpMid=None)
        )
        assert kind == "candidate"
        assert payload["sdpMid"] is None


class TestRefused:
    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            (b"{not json", "not JSON"),
            (b"\xff\xfe", "not JSON"),
            (b"[1, 2]", "JSON object"),
            (b'"offer"', "JSON object"),
            (body(type="shout", peer="p"), "'type' must be one of"),
            (body(peer="p"), "'type' must be one of"),
            (body(type=3, peer="p"), "'type' must be one of"),
            (body(type="join"), "Missing fields for join: peer"),
            (body(type="offer", peer="p", session="s"), "Missing fields for offer: sdp"),
            (body(type="join", peer="p", extra=1), "Unknown fields for join: extra"),
            (body(type="join", peer=5), "'peer' must be a string"),
            (body(type="join", peer="has space"), "'peer' must be 1 to 64"),
            (body(type="join", peer="x" * 65), "'peer' must be 1 to 64"),
            (body(type="join", peer=None), "'peer' may not be null"),
            (body(type="offer", peer="p", session="s", sdp="hello"), "not a session description"),
            (body(type="offer", peer="p", session="s", sdp=["v=0"]), "'sdp' must be a string"),
            (
                body(type="candidate", peer="p", session="s", candidate="c", sdpMLineIndex=True),
                "'sdpMLineIndex' must be a whole number",
            ),
            (
                body(type="candidate", peer="p", session="s", candidate="c", sdpMLineIndex=-1),
                "'sdpMLineIndex' must be a whole number",
            ),
            (
                body(type="candidate", peer="p", session="s", candidate="c", sdpMid="m" * 65),
                "'sdpMid' is longer than",
            ),
        ],
    )
    def test_bad_messages(self, raw, reason):
        """Bad JSON, an unknown type, missing, unknown and mistyped fields: refused, with why."""
        with pytest.raises(BadSignal, match=reason):
            parse_signal(raw)

    def test_oversized_sdp_and_candidate(self):
        """An SDP over 16 KB, a candidate over 2 KB and a body over the limit are refused."""
        with pytest.raises(BadSignal, match="'sdp' is longer than 16384"):
            parse_signal(body(type="offer", peer="p", session="s", sdp="v=0" + "a" * SDP_MAX))
        with pytest.raises(BadSignal, match="'candidate' is longer than 2048"):
            parse_signal(
                body(type="candidate", peer="p", session="s", candidate="c" * (CANDIDATE_MAX + 1))
            )
        with pytest.raises(BadSignal, match="at most"):
            parse_signal(b" " * (BODY_MAX + 1))

    @pytest.mark.parametrize("value", ["-1", "abc", "1.5", "1" * 19, "١٢"])
    def test_bad_after(self, value):
        """`after` is a message id or nothing."""
        with pytest.raises(BadSignal):
            parse_after(value)

    def test_after(self):
        """Absent means from the start."""
        assert parse_after(None) == 0
        assert parse_after("") == 0
        assert parse_after("42") == 42
