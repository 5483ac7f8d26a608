"""hardened-scaffold: detect a Go, Python or Java project and write a hardened Dockerfile."""

__version__ = "0.1.0"
