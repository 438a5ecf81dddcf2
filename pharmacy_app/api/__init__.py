"""The JSON API for e-prescribing and practice-management systems."""

from .routes import bp

__all__ = ["bp"]
