"""The local engine: transformers + torch in this process.

Only inference workers (and the embedded default's worker) import this package; the web
process reaches it through the Celery ``inference`` queue (see ``apps.inference.client``).
"""
