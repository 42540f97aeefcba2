"""The ICE servers a visit's browsers use: STUN and TURN from the environment, none built in.

TURN credentials are made per visit and person with the shared-secret scheme that coturn
(`use-auth-secret`) and hosted TURN services accept (the "REST API for access to TURN services"
draft): the username is "<expiry as a Unix timestamp>:<user id>" and the password is
base64(HMAC-SHA1(shared secret, username)). The TURN server recomputes the HMAC and refuses an
expired username, so no long-lived TURN password ever reaches a browser.
"""

import base64
import datetime
import hashlib
import hmac

from django.conf import settings


def turn_credentials(
    *, user_id: object, secret: str, ttl: datetime.timedelta, now: datetime.datetime
) -> tuple[str, str]:
    """(username, credential) valid until `now` + `ttl`, for one person."""
    expiry = int(now.timestamp() + ttl.total_seconds())
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(*, user_id: object, now: datetime.datetime) -> list[dict]:
    """RTCPeerConnection's `iceServers`: the configured STUN URLs, and TURN with fresh
    credentials for this person; empty when nothing is configured (one machine, one network)."""
    servers: list[dict] = []
    if settings.VIDEO_STUN_URLS:
        servers.append({"urls": list(settings.VIDEO_STUN_URLS)})
    if settings.VIDEO_TURN_URLS and settings.VIDEO_TURN_SECRET:
        username, credential = turn_credentials(
            user_id=user_id,
            secret=settings.VIDEO_TURN_SECRET,
            ttl=settings.VIDEO_TURN_TTL,
            now=now,
        )
        servers.append(
            {"urls": list(settings.VIDEO_TURN_URLS), "username": username, "credential": credential}
        )
    return servers
