"""`metaflow.client` under flowc: the client (flowc.client) by Metaflow's module name."""

from flowc.client import *  # noqa: F403
from flowc.client import __all__ as __all__
