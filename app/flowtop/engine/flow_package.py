"""The package the workspace imports flow modules under (``flowtop_flows.etl``).

One name shared by the loader, which puts each flow file there so two folders' ``etl.py``
never collide; by settings, where a ``retry_on`` class from there is named bare (and by
records, in a traceback's last line); and by shipping, which pickles those modules by
value because no worker can import them. ``compat.children`` reads it by its path in a
process flowtop started (before anything of flowtop is imported there): it imports nothing.
"""

FLOW_PACKAGE = "flowtop_flows"
