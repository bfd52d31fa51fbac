"""The catalog's text work, with no Django imports: a product's facts, generation options, few-shot
prompts, grounding checks, scoring drafts and diffing versions. Testable on plain dataclasses."""
