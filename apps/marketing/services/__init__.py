"""Marketing writes, one module per entity: campaigns and settings, copy generation, variants and A/B tests."""
