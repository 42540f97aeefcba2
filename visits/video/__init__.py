"""Virtual visits: check-in, the pre-call device check, the waiting room, and the visit room
with its signalling and ICE servers."""
