"""Training code with no Django in it: corpora, splits and the classifier trainer.

The training app's services and installers call it with paths and plain dataclasses, so the
same code runs inside ``manage.py models install``, a Celery training job, a benchmark or a test.
"""

import os

# OpenMP threads that spin while waiting starve everything else on a busy CPU (a 6x slower
# training step was measured with other processes running); set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
