"""Tooling around the retail SaaS analytics dbt project."""

__version__ = "0.1.0"
