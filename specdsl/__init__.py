"""specdsl: describe a swap-in protocol once; check it with TLC and Z3."""

__version__ = "0.1.0"
