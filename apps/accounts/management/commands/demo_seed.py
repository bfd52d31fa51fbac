"""Create (or refresh) the demo merchant, store and login, and print the login."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import merchant_create


class Command(BaseCommand):
    help = "Create the demo merchant with a store and an owner login; print the login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default=None, help="Default: a new random password each run.")

    @transaction.atomic
    def handle(self, *args: Any, username: str, password: str | None, **options: Any) -> None:
        User = get_user_model()
        password = password or secrets.token_urlsafe(9)
        user, _created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.set_password(password)
        user.is_staff = user.is_superuser = True
        user.save()
        if not Store.objects.filter(memberships__user=user).exists():
            actor = Actor.cli(user)
            merchant_create(name="Demo Merchant", owner=user, store_name="Demo Store (EN)", actor=actor)
            store = Store.objects.get(memberships__user=user)
            from apps.accounts.services import store_create

            store_create(
                merchant=store.merchant,
                name="演示店铺 (中文)",
                actor=actor,
                default_language="zh",
                currency="CNY",
            )
        self.stdout.write(self.style.SUCCESS("\n  ecomai demo login"))
        self.stdout.write(f"  username: {username}\n  password: {password}\n")
