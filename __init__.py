"""saferkit: a starter kit and evaluation harness for child-safety triage tools.

Everything is built and tested on synthetic data the kit generates, or on benign
proxy data with a provenance file. No real abuse material, ever.
"""

__version__ = "0.1.0"
