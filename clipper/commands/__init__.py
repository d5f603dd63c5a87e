"""One module per ``clipper`` sub-command; each defines a click command named ``command``."""
