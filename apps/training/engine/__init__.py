"""Training code with no Django in it: corpora, splits and the classifier trainer.

The training app's services and installers call it with paths and plain dataclasses, so the
same code runs inside ``manage.py models install``, a Celery training job, a benchmark or a test.
"""
