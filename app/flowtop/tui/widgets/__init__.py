"""The main screen's widgets, one file each."""
