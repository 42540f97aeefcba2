"""Django's PostgreSQL backend, with its connection health check made without a query.

A kept connection is checked before each request reuses it (CONN_HEALTH_CHECKS). Django checks
by running `SELECT 1`: a round trip to the server on every request, which under load cost the
worker as much as one of the page's own queries. An idle connection has nothing to say until it
is asked, so the check here looks at the connection itself instead: it is usable if the driver
holds it open and in a sound state, and the server has sent nothing on it since its last answer.
A server that ends a connection (restarting, failing over, an administrator or an idle timeout
terminating it) sends its last message or closes the socket, and either makes the socket
readable; the connection is then closed, and the request opens a new one. Anything else
unexpected on the socket, such as a notice, also counts as unusable: the cost of being wrong
that way is one new connection. A connection the server ends in the very instant before the
check is found by the request's first query instead, which fails as it would with no check.
`tests/config/test_postgresql.py` terminates connections on a real server and checks that pages
still answer.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq

# A connection at rest, or inside a transaction that has not failed: the states a request may
# find it in. In any other (a failed transaction, a query still running, unknown) it is unusable.
_USABLE_STATES = frozenset({pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS})


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status not in _USABLE_STATES:
            return False
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not readable
