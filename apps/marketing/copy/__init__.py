"""Marketing copy work with no Django imports: channel limits and how each channel counts, compliance
(advertising-law absolute claims, the store's banned words), fact checks against product facts and
promotion terms, repair at sentence or phrase boundaries, few-shot prompts, and A/B significance.

Plain dataclasses in and out; the grounding checks for invented product claims are the catalog's
(``apps.catalog.text.grounding``), called, not copied."""
