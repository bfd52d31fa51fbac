"""Create (or refresh) the demo merchant, its English and Chinese stores and login; fill the stores with
the sample in apps/dashboard/demo/ unless ``--no-demo`` (or DEMO_DATA=false); print the login."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import merchant_create, store_create
from apps.dashboard.demo import demo_store_seed

EN_STORE = "Northwind Goods"
ZH_STORE = "青木生活馆"


class Command(BaseCommand):
    help = "Create the demo merchant, its English and Chinese stores and sample data; print the login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default=None, help="Default: a new random password each run.")
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="Create the login and empty stores, without sample data (also: DEMO_DATA=false).",
        )

    @transaction.atomic
    def handle(self, *args: Any, username: str, password: str | None, no_demo: bool, **options: Any) -> None:
        User = get_user_model()
        password = password or secrets.token_urlsafe(9)
        user, _created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.set_password(password)
        user.is_staff = user.is_superuser = True
        user.save()
        actor = Actor.cli(user)
        if not Store.objects.filter(memberships__user=user).exists():
            merchant_create(name="Demo Merchant", owner=user, store_name=EN_STORE, actor=actor)
            store = Store.objects.get(memberships__user=user)
            store_create(
                merchant=store.merchant, name=ZH_STORE, actor=actor, default_language="zh", currency="CNY"
            )
        if no_demo or not settings.DEMO_DATA:
            self.stdout.write("  Stores left as they are (no sample data).")
        else:
            for store in Store.objects.filter(memberships__user=user).order_by("pk"):
                language = "zh" if store.default_language == "zh" else "en"
                counts = demo_store_seed(store=store, language=language, actor=actor)
                added = ", ".join(f"{value} {name}" for name, value in counts.as_dict().items() if value)
                self.stdout.write(f"  {store.name}: {'added ' + added if added else 'sample already there'}")
        self.stdout.write(self.style.SUCCESS("\n  ecomai demo login"))
        self.stdout.write(f"  username: {username}\n  password: {password}\n")
