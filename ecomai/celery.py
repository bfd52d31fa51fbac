"""The Celery application: three queues, late acknowledgement where work is expensive."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")

app = Celery("ecomai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("inference"), Queue("training"))
app.conf.task_default_queue = "default"
# A task is acknowledged only once it has finished, so a killed worker's task is delivered
# again; every task is safe to run twice (jobs claim their items in the database).
app.conf.task_acks_late = True
app.conf.task_reject_on_worker_lost = True
app.conf.worker_prefetch_multiplier = 1
app.autodiscover_tasks()
