"""collectif: build and rebuild a small association's server with Ansible."""

# The project's version, its one source (pyproject.toml reads it; CHANGELOG.md names it;
# each server records the one that last deployed it, and an older copy refuses to run).
__version__ = "0.1.0"
