"""Customer-service dashboard pages: inbox, knowledge base, orders and the widget; thin over services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role
from apps.core.errors import ApplicationError

from . import selectors
from .faq_files import FaqFileError, read_faq_file
from .forms import (
    AssignForm,
    DocumentPasteForm,
    DocumentUploadForm,
    FaqForm,
    FaqUploadForm,
    MessageForm,
    WidgetForm,
)
from .models import ConversationStatus
from .services import inbox, knowledge
from .services import settings as support_settings

PAGE_SIZE = 50


@login_required
def inbox_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    status = request.GET.get("status", "pending")
    if status not in (*ConversationStatus.values, "all"):
        status = "pending"
    conversations = selectors.conversation_list(store=store, status="" if status == "all" else status)
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "store": store,
        "membership": membership,
        "page": page,
        "status": status,
        "statuses": [*ConversationStatus.choices, ("all", _("All"))],
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "support/_conversation_rows.html", context)
    return render(request, "support/inbox.html", context)


def _staff_choices(store: object) -> list[tuple[int, str]]:
    return [(m.user.pk, m.user.get_username()) for m in selectors.store_staff(store=store)]  # type: ignore[arg-type]


@login_required
def conversation_page(request: HttpRequest, store_id: int, conversation_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    conversation = selectors.conversation_get(store=store, conversation_id=conversation_id)
    context = {
        "store": store,
        "membership": membership,
        "conversation": conversation,
        "messages_list": selectors.conversation_messages(conversation=conversation),
        "notes": selectors.conversation_notes(conversation=conversation),
        "handoffs": conversation.handoffs.all(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "support/_thread.html", context)
    context.update(
        {
            "reply_form": MessageForm(),
            "note_form": MessageForm(),
            "assign_form": AssignForm(
                staff=_staff_choices(store), initial={"assignee": conversation.assignee_id}
            ),
        }
    )
    return render(request, "support/conversation.html", context)


@login_required
@require_POST
def conversation_action(
    request: HttpRequest, store_id: int, conversation_id: int, action: str
) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    conversation = selectors.conversation_get(store=store, conversation_id=conversation_id)
    actor = Actor.from_request(request)
    try:
        if action == "reply":
            form = MessageForm(request.POST)
            if form.is_valid():
                inbox.agent_reply(conversation=conversation, actor=actor, text=form.cleaned_data["text"])
                messages.success(request, _("Reply sent."))
        elif action == "note":
            form = MessageForm(request.POST)
            if form.is_valid():
                inbox.note_add(conversation=conversation, actor=actor, text=form.cleaned_data["text"])
                messages.success(request, _("Note added."))
        elif action == "assign":
            assign = AssignForm(request.POST, staff=_staff_choices(store))
            if assign.is_valid():
                inbox.conversation_assign(
                    conversation=conversation, actor=actor, assignee_id=assign.cleaned_data["assignee"]
                )
                messages.success(request, _("Assignment saved."))
        elif action == "resolve":
            inbox.conversation_resolve(conversation=conversation, actor=actor)
            messages.success(request, _("Conversation resolved."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("support:conversation", store_id=store.pk, conversation_id=conversation.pk)


@login_required
def knowledge_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    forms = {
        "upload_form": DocumentUploadForm(),
        "paste_form": DocumentPasteForm(),
        "faq_form": FaqForm(),
        "faq_upload_form": FaqUploadForm(),
    }
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OPERATOR)
        actor = Actor.from_request(request)
        action = request.POST.get("action", "")
        form: Form
        try:
            if action == "upload":
                form = forms["upload_form"] = DocumentUploadForm(request.POST, request.FILES)
                if form.is_valid():
                    upload = form.cleaned_data["file"]
                    knowledge.document_create(
                        store=store,
                        actor=actor,
                        data=upload.read(),
                        filename=upload.name,
                        content_type=upload.content_type or "",
                        title=form.cleaned_data["title"],
                    )
                    messages.success(request, _("Document added; it is being indexed."))
                    return redirect("support:knowledge", store_id=store.pk)
            elif action == "paste":
                form = forms["paste_form"] = DocumentPasteForm(request.POST)
                if form.is_valid():
                    suffix = {"markdown": "md", "text": "txt", "html": "html"}[form.cleaned_data["format"]]
                    knowledge.document_create(
                        store=store,
                        actor=actor,
                        data=form.cleaned_data["text"].encode("utf-8"),
                        filename=f"pasted.{suffix}",
                        title=form.cleaned_data["title"],
                    )
                    messages.success(request, _("Document added; it is being indexed."))
                    return redirect("support:knowledge", store_id=store.pk)
            elif action == "faq":
                form = forms["faq_form"] = FaqForm(request.POST)
                if form.is_valid():
                    knowledge.faq_create(store=store, actor=actor, **form.cleaned_data)
                    messages.success(request, _("FAQ entry added; it is being indexed."))
                    return redirect("support:knowledge", store_id=store.pk)
            elif action == "faq_upload":
                form = forms["faq_upload_form"] = FaqUploadForm(request.POST, request.FILES)
                if form.is_valid():
                    upload = form.cleaned_data["file"]
                    try:
                        pairs = read_faq_file(upload.read(), filename=upload.name)
                    except FaqFileError as error:
                        form.add_error("file", str(error))
                    else:
                        created = knowledge.faq_import(store=store, actor=actor, entries=pairs)
                        messages.success(
                            request,
                            _("%(count)d FAQ entries added; they are being indexed.")
                            % {"count": len(created)},
                        )
                        return redirect("support:knowledge", store_id=store.pk)
            elif action == "reindex":
                job = knowledge.knowledge_reindex_all(store=store, actor=actor)
                return redirect("jobs:detail", store_id=store.pk, job_id=job.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
    return render(
        request,
        "support/knowledge.html",
        {
            "store": store,
            "membership": membership,
            "documents": selectors.document_list(store=store),
            "faq": selectors.faq_list(store=store)[:500],
            **forms,
        },
    )


@login_required
def document_page(request: HttpRequest, store_id: int, document_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    document = selectors.document_get(store=store, document_id=document_id)
    form = DocumentUploadForm()
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OPERATOR)
        actor = Actor.from_request(request)
        try:
            if request.POST.get("action") == "delete":
                knowledge.document_delete(document=document, actor=actor)
                messages.success(request, _("Document deleted."))
                return redirect("support:knowledge", store_id=store.pk)
            form = DocumentUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                knowledge.document_update(
                    document=document,
                    actor=actor,
                    data=upload.read(),
                    filename=upload.name,
                    content_type=upload.content_type or "",
                    title=form.cleaned_data["title"] or None,
                )
                messages.success(request, _("New version saved; it is being indexed."))
                return redirect("support:document", store_id=store.pk, document_id=document.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
    return render(
        request,
        "support/document.html",
        {
            "store": store,
            "membership": membership,
            "document": document,
            "versions": document.versions.all()[:20],
            "chunks": document.chunks.order_by("position")[:300],
            "form": form,
        },
    )


@login_required
@require_POST
def faq_delete_action(request: HttpRequest, store_id: int, faq_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    knowledge.faq_delete(
        entry=selectors.faq_get(store=store, faq_id=faq_id), actor=Actor.from_request(request)
    )
    messages.success(request, _("FAQ entry deleted."))
    return redirect("support:knowledge", store_id=store.pk)


@login_required
def orders_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    search = request.GET.get("q", "").strip()
    page = Paginator(selectors.order_list(store=store, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "support/orders.html",
        {"store": store, "membership": membership, "page": page, "search": search},
    )


@login_required
def widget_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OWNER)
    widget = support_settings.support_settings_for(store=store)
    form = WidgetForm(
        initial={"allowed_origins": "\n".join(widget.allowed_origins), "greeting": widget.greeting}
    )
    if request.method == "POST":
        actor = Actor.from_request(request)
        if request.POST.get("action") == "rotate":
            support_settings.widget_key_rotate(store=store, actor=actor)
            messages.success(request, _("New widget key: paste the new snippet into your site."))
            return redirect("support:widget", store_id=store.pk)
        form = WidgetForm(request.POST)
        if form.is_valid():
            try:
                support_settings.widget_settings_update(
                    store=store,
                    actor=actor,
                    allowed_origins=form.origins(),
                    greeting=form.cleaned_data["greeting"],
                )
            except ApplicationError as error:
                form.add_error("allowed_origins", error.message)
            else:
                messages.success(request, _("Widget settings saved."))
                return redirect("support:widget", store_id=store.pk)
    base = f"{request.scheme}://{request.get_host()}"
    return render(
        request,
        "support/widget_settings.html",
        {"store": store, "membership": membership, "widget": widget, "form": form, "base_url": base},
    )
