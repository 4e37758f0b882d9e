"""flowc's stand-in for `import metaflow` where Metaflow is not installed (flowc's docs/metaflow.md).

`flowc-metaflow.pth` imports this module at interpreter start. It only appends a finder to the END of
`sys.meta_path`: Python asks it about `metaflow` only after every normal finder has failed, so a real
Metaflow install always wins and flowc never shadows it. Nothing else is imported until `metaflow` is
asked for, so start-up pays for this one small module. `FLOWC_METAFLOW_STANDIN=0` turns it off.
"""

import os
import sys


class MetaflowStandIn:
    """A meta path finder for `metaflow` and `metaflow.*`, consulted last."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "metaflow" and not name.startswith("metaflow."):
            return None
        if os.environ.get("FLOWC_METAFLOW_STANDIN", "1").lower() in ("0", "false", "no", "off"):
            return None
        from flowc.metaflow_compat.finder import find_spec

        return find_spec(name)

    @classmethod
    def invalidate_caches(cls):
        pass


def install():
    if not any(getattr(f, "__name__", "") == "MetaflowStandIn" for f in sys.meta_path):
        sys.meta_path.append(MetaflowStandIn)


install()
