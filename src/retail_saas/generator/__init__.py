"""Synthetic lake generator: `retail-saas generate`.

Writes every table of the raw contract (8 app snapshots, 16 event logs) as
parquet under `<out>/<table>/`, deterministic for a seed, with documented
rates of late arrivals, redeliveries and bad rows, and a ground-truth
`<out>/_generator_manifest.json`. See docs/generator.md.
"""

from .config import GenConfig
from .pipeline import generate

__all__ = ["GenConfig", "generate"]
