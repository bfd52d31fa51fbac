"""Marketing writes, one module per entity: campaigns and settings, copy generation and bulk copy,
variants and A/B tests."""
