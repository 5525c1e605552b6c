"""Events one feature announces and another acts on, so that neither imports the other.

A request approved on its sending (the pool's auto-approval) is announced by the requests feature after
its commit; the planning feature books it at once when the pool allows instant booking.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Flask app; request_id: the request just approved and committed; now: the moment it was sent.
request_approved_on_sending = _signals.signal("request-approved-on-sending")
