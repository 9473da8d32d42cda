"""derivcheck: check claimed derivatives against sympy and an independent backprop engine."""

__version__ = "0.1.0"
