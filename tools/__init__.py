"""Scripts that (re)build the committed data files; not imported by the app."""
