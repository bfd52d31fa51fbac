from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from apps.accounts.models import ApiToken, AuditEvent, Invitation, Membership, Role, Store


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "first_name", "last_name"]


class StoreOutputSerializer(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    role = serializers.SerializerMethodField()

    class Meta:
        model = Store
        fields = [
            "id",
            "merchant",
            "merchant_name",
            "name",
            "slug",
            "default_language",
            "currency",
            "role",
            "created_at",
        ]

    def get_role(self, store: Store) -> str | None:
        roles: dict[int, str] = self.context.get("roles", {})
        return roles.get(store.pk)


class StoreCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    merchant = serializers.IntegerField(
        required=False, help_text="Add to this merchant; omit to create a merchant."
    )
    merchant_name = serializers.CharField(max_length=200, required=False)
    default_language = serializers.ChoiceField(choices=Store.Language.choices, default=Store.Language.ENGLISH)
    currency = serializers.RegexField(r"^[A-Z]{3}$", default="USD")


class StoreUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    default_language = serializers.ChoiceField(choices=Store.Language.choices, required=False)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)


class MembershipOutputSerializer(serializers.ModelSerializer):
    user = UserOutputSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]


class InvitationCreateInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="Where the invitation link is sent.")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class InvitationOutputSerializer(serializers.ModelSerializer):
    invited_by = serializers.CharField(
        source="invited_by.username", default=None, allow_null=True, read_only=True
    )
    accepted_by = serializers.CharField(
        source="accepted_by.username", default=None, allow_null=True, read_only=True
    )
    is_open = serializers.BooleanField(read_only=True, help_text="Pending and not expired: the link works.")

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "status",
            "is_open",
            "invited_by",
            "accepted_by",
            "created_at",
            "expires_at",
            "closed_at",
        ]


class InvitationCreatedOutputSerializer(InvitationOutputSerializer):
    accept_url = serializers.CharField(
        read_only=True,
        help_text="The invitation link, also e-mailed to the address. Shown once; pass it on only to them.",
    )

    class Meta(InvitationOutputSerializer.Meta):
        fields = [*InvitationOutputSerializer.Meta.fields, "accept_url"]


class InvitationTokenInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The last part of the invitation link.")


class MembershipUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "is_active",
        ]


class ApiTokenCreatedOutputSerializer(ApiTokenOutputSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret. Shown once; store it now.")

    class Meta(ApiTokenOutputSerializer.Meta):
        fields = [*ApiTokenOutputSerializer.Meta.fields, "token"]


class ApiTokenCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="In the future.")

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("A token must expire in the future.")
        return value


class AuditEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True, read_only=True)
    token_prefix = serializers.CharField(source="token.prefix", default=None, allow_null=True, read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "token_prefix",
            "source",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "ip_address",
            "metadata",
        ]


class UsageOutputSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the calendar month (UTC) counted.")
    requests = serializers.IntegerField(help_text="Generation calls made for the store this month.")
    prompt_tokens = serializers.IntegerField()
    generated_tokens = serializers.IntegerField()
    quota = serializers.IntegerField(help_text="Generated tokens allowed this month; 0 is no limit.")
    remaining = serializers.IntegerField(allow_null=True, help_text="null when there is no limit.")
    resets_on = serializers.DateField()
