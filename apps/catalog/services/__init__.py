"""Catalog writes, one module per entity: products, descriptions (drafting, review), brand voices.

Catalog files are imported through the imports app (this app's target is in ``imports.py``).
"""
