"""The dock feed: docks report their bays over a line protocol on TCP (docs/dock-protocol.md).

``protocol`` parses and frames lines (pure), ``server`` listens for docks on a background
thread and hands each message to callbacks, ``simulator`` plays believable docks for demos
and tests. Nothing here touches the database or Qt; the services decide what a report means.
"""

from bwc_desk.adapters.dockfeed.protocol import (
    BayReport,
    Connection,
    Heartbeat,
    Hello,
    Message,
    ProtocolError,
    error_reply,
    parse_line,
    to_reading,
)
from bwc_desk.adapters.dockfeed.server import DEFAULT_HOST, DEFAULT_PORT, DockFeedServer

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "BayReport",
    "Connection",
    "DockFeedServer",
    "Heartbeat",
    "Hello",
    "Message",
    "ProtocolError",
    "error_reply",
    "parse_line",
    "to_reading",
]
