"""collectif: build and rebuild a small association's server with Ansible."""

__version__ = "0.1.0"
