"""Set-up steps for a ``serve`` under test, run in its environment (its database, its broker).

``python -m tests.core.embedded seed`` creates a store with its owner, an API token and a logged-in
session, and prints them as JSON; ``python -m tests.core.embedded job STORE_ID ITEMS SLEEP`` creates
a ``test.square`` job (tests/jobs/handlers.py) of ITEMS items taking SLEEP seconds each, and prints
its id. Used where the test process cannot reach the database itself (the embedded SQLite file).
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.test")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.actor import Actor
    from apps.accounts.models import Role, Store
    from apps.accounts.services import api_token_create
    from apps.jobs import services
    from tests.factories import MembershipFactory

    if argv[0] == "seed":
        membership = MembershipFactory(role=Role.OWNER)
        user = membership.user
        _token, secret = api_token_create(user=user, name="serve tests", actor=Actor.system())
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        print(json.dumps({"store": membership.store_id, "token": secret, "session": session.session_key}))
    elif argv[0] == "job":
        store = Store.objects.get(pk=int(argv[1]))
        job = services.job_create(
            store=store,
            kind="test.square",
            items=[(str(n), {"n": n}) for n in range(int(argv[2]))],
            actor=Actor.system(),
            params={"sleep": float(argv[3])},
        )
        print(json.dumps({"job": job.pk}))
    else:
        raise SystemExit(f"unknown step {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
