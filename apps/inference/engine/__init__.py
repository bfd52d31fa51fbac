"""The local engine: transformers + torch in this process.

Only inference workers (and the embedded default's worker) import this package; the web
process reaches it through the Celery ``inference`` queue (see ``apps.inference.client``).
"""

import os

# OpenMP threads that spin while waiting collapse when another process shares the cores
# (the embedded default runs web server, worker and database on one small machine): a
# decoder-sized mat-vec took many times longer on 2 busy cores. Sleeping waiters cost a
# little on an idle machine. Must be set before torch loads OpenMP; the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
