"""TURN credentials with the shared-secret scheme coturn accepts, and ICE servers from settings."""

import base64
import datetime
import hashlib
import hmac

from visits.video.ice import ice_servers, turn_credentials

NOW = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.UTC)  # 1700000000
SECRET = "north-wind-secret"


class TestTurnCredentials:
    def test_a_known_vector(self):
        """username "<expiry>:<user id>", password base64(HMAC-SHA1(secret, username)): the value
        `openssl dgst -sha1 -hmac north-wind-secret -binary | base64` gives for it."""
        username, credential = turn_credentials(
            user_id=42, secret=SECRET, ttl=datetime.timedelta(hours=1), now=NOW
        )
        assert username == "1700003600:42"
        assert credential == "lX5Gk8AKmXn0FUqv/skP+33Jzio="

    def test_the_credential_is_the_hmac_of_the_username(self):
        """A TURN server recomputing the HMAC with the shared secret gets the same password."""
        username, credential = turn_credentials(
            user_id=7, secret="another", ttl=datetime.timedelta(minutes=5), now=NOW
        )
        expected = base64.b64encode(
            hmac.new(b"another", username.encode(), hashlib.sha1).digest()
        ).decode()
        assert credential == expected
        assert not hmac.compare_digest(
            credential,
            base64.b64encode(hmac.new(b"wrong", username.encode(), hashlib.sha1).digest()).decode(),
        )

    def test_expiry_is_now_plus_the_ttl(self):
        """The username's timestamp is when the server stops accepting it: now plus the TTL."""
        username, _ = turn_credentials(
            user_id=7, secret=SECRET, ttl=datetime.timedelta(minutes=90), now=NOW
        )
        expiry = int(username.split(":")[0])
        assert expiry == int(NOW.timestamp()) + 90 * 60
        assert datetime.datetime.fromtimestamp(expiry, datetime.UTC) > NOW


class TestIceServers:
    def test_nothing_configured_means_no_servers(self, settings):
        """No STUN or TURN is built in: two browsers on one network need none."""
        settings.VIDEO_STUN_URLS = []
        settings.VIDEO_TURN_URLS = []
        assert ice_servers(user_id=1, now=NOW) == []

    def test_stun_and_turn_from_the_environment(self, settings):
        """STUN URLs as given; TURN with this person's short-lived credentials, never the secret."""
        settings.VIDEO_STUN_URLS = ["stun:stun.example.org:3478"]
        settings.VIDEO_TURN_URLS = [
            "turn:turn.example.org:3478?transport=udp",
            "turns:turn.example.org:5349",
        ]
        settings.VIDEO_TURN_SECRET = SECRET
        settings.VIDEO_TURN_TTL = datetime.timedelta(hours=1)
        stun, turn = ice_servers(user_id=42, now=NOW)
        assert stun == {"urls": ["stun:stun.example.org:3478"]}
        assert turn == {
            "urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
            "username": "1700003600:42",
            "credential": "lX5Gk8AKmXn0FUqv/skP+33Jzio=",
        }
        assert SECRET not in str(turn)
