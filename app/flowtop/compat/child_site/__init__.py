"""The folder ``flowtop.compat.children`` puts first on a drop-in process's
``PYTHONPATH``: its ``sitecustomize`` runs in every Python process started from there."""
