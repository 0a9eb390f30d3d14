"""The planners' workflow: explicit transition tables and the services that act on them.

Two tables, one per kind of service type:

service requests   submitted → accepted → in progress → resolved, with rejected and
                   duplicate on the way; a resolved request can be reopened (back to in
                   progress), a rejected one taken back (accepted)
permits            submitted → document review → site inspection → approved / rejected,
                   with "needs more information" back to the citizen and back again

Every service here runs in one transaction with the request row locked
(`select_for_update`) and writes exactly one RequestEvent (who, when, what, public or
internal). Two planners acting at once are serialised by the lock: the second one
sees the new status and gets `StaleTransition` (HTTP 409) instead of a corrupt row.
Public changes notify the requester (permits.notifications.request_notify_status) after
the transaction commits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_portal.core.i18n import in_both_languages
from gis_portal.staff import access as roles
from gis_portal.staff.models import StaffRole
from parcels.models import District
from permits.access import requests_visible_to
from permits.models import (
    CLOSED_STATUSES,
    Department,
    EventKind,
    RequestEvent,
    RequestStatus,
    ServiceKind,
    ServiceRequest,
    Support,
)
from permits.notifications import request_notify_status
from permits.photos import PhotoRejected, photo_attach, photo_clean

S = RequestStatus

#: Service requests (potholes, street lights, tree pruning…).
SERVICE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.SUBMITTED: (S.ACCEPTED, S.REJECTED, S.DUPLICATE),
    S.ACCEPTED: (S.IN_PROGRESS, S.REJECTED, S.DUPLICATE),
    S.IN_PROGRESS: (S.RESOLVED, S.REJECTED, S.DUPLICATE),
    S.RESOLVED: (S.IN_PROGRESS,),  # reopen: the problem came back
    S.REJECTED: (S.ACCEPTED,),  # taken back after a wrong rejection
    S.DUPLICATE: (),
}

#: Building permits.
PERMIT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.SUBMITTED: (S.DOCUMENT_REVIEW, S.REJECTED),
    S.DOCUMENT_REVIEW: (S.SITE_INSPECTION, S.NEEDS_INFO, S.REJECTED),
    S.NEEDS_INFO: (S.DOCUMENT_REVIEW, S.REJECTED),
    S.SITE_INSPECTION: (S.APPROVED, S.NEEDS_INFO, S.REJECTED),
    S.APPROVED: (),
    S.REJECTED: (),
}

#: Targets that need a public reason.
NEEDS_REASON = frozenset({S.REJECTED, S.NEEDS_INFO})
#: Targets that may carry a photo (the work done).
PHOTO_ALLOWED = frozenset({S.RESOLVED})
MAX_NOTE = 2000


def transitions_for(kind: str) -> dict[str, tuple[str, ...]]:
    return PERMIT_TRANSITIONS if kind == ServiceKind.PERMIT else SERVICE_TRANSITIONS


def allowed_targets(request: ServiceRequest) -> list[str]:
    """Statuses `request` may move to by `request_transition` (duplicate has its own
    action, `request_mark_duplicate`)."""
    table = transitions_for(request.service_type.kind)
    return [target for target in table.get(request.status, ()) if target != S.DUPLICATE]


# --- errors ------------------------------------------------------------------------------


class WorkflowError(Exception):
    """An action that cannot be done; `message` is for a person, nothing was changed."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidAction(WorkflowError):
    """Bad input: unknown status, missing reason, note too long, bad photo (400)."""


class IllegalTransition(WorkflowError):
    """Not allowed from the request's current status (409)."""

    status_code = 409
    code = "illegal_transition"


class StaleTransition(WorkflowError):
    """Someone changed the request since the planner loaded it (409)."""

    status_code = 409
    code = "stale"


class NotAllowed(WorkflowError):
    """The user's role may not do this (403)."""

    status_code = 403
    code = "forbidden"


class NotVisible(WorkflowError):
    """The request is not one this user may see (404, like a missing one)."""

    status_code = 404
    code = "not_found"


# --- helpers -----------------------------------------------------------------------------


def _both(function) -> dict[str, str]:
    """A system note's two texts, for a RequestEvent."""
    fa, en = in_both_languages(function)
    return {"note_fa": fa, "note_en": en}


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Past its due date and not closed."""
    return Q(due_at__lt=now or timezone.now()) & ~Q(status__in=CLOSED_STATUSES)


def _status_label(status: str) -> str:
    try:
        return str(RequestStatus(status).label)
    except ValueError:
        return status


def _clean_note(note, *, required: bool = False, what: str = "") -> str:
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise InvalidAction(_("The note must be text."))
    note = note.replace("\x00", "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidAction(_("At most %(limit)s characters, please.") % {"limit": MAX_NOTE})
    if required and not note:
        raise InvalidAction(what or _("Write a note."))
    return note


def _locked(request: ServiceRequest | int, user) -> ServiceRequest:
    """The request row, locked for this transaction, if `user` may see it (else 404)."""
    pk = request.pk if isinstance(request, ServiceRequest) else request
    queryset = requests_visible_to(
        user, ServiceRequest.objects.select_for_update(of=("self",)).select_related("service_type")
    )
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotVisible(_("No request found."))
    return found


def _check_expected(request: ServiceRequest, expected_status: str | None) -> None:
    if expected_status is not None and expected_status != request.status:
        raise StaleTransition(
            _(
                "This request was changed by someone else: it is now “%(status)s”. "
                "Reload the page and try again."
            )
            % {"status": _status_label(request.status)}
        )


def _event(request: ServiceRequest, **fields) -> RequestEvent:
    event = RequestEvent(request=request, **fields)
    event.full_clean()
    event.save()
    if event.public:
        request_notify_status(request=request, event=event)
    return event


# --- services ----------------------------------------------------------------------------


def _transition_photo(photo, to_status: str):
    """The photo a planner sent with a transition, cleaned; only a resolution takes one."""
    if photo is None:
        return None
    if to_status not in PHOTO_ALLOWED:
        raise InvalidAction(_("A photo can be added when the request is resolved."))
    try:
        return photo_clean(photo)
    except PhotoRejected as rejected:
        raise InvalidAction(str(rejected)) from None


def request_transition(
    *,
    request: ServiceRequest | int,
    user,
    to_status: str,
    note: str = "",
    expected_status: str | None = None,
    photo=None,
) -> RequestEvent:
    """Move a request to `to_status` by its service type's table; one public history row.

    `expected_status` is the status the planner saw: if the request has moved on since,
    `StaleTransition`. Rejecting and asking for more information need a reason (the
    public note); resolving may carry a public note and one photo.
    """
    if not isinstance(to_status, str) or to_status not in RequestStatus.values:
        raise InvalidAction(_("Unknown status."))
    if to_status == S.DUPLICATE:
        raise InvalidAction(_("Use “mark as duplicate” and name the original request."))
    note = _clean_note(
        note,
        required=to_status in NEEDS_REASON,
        what=_("Give the reason: the citizen will read it."),
    )
    clean_photo = _transition_photo(photo, to_status)
    with transaction.atomic():
        locked = _locked(request, user)
        _check_expected(locked, expected_status)
        table = transitions_for(locked.service_type.kind)
        if to_status not in table.get(locked.status, ()):
            raise IllegalTransition(
                _("A request that is “%(from)s” cannot become “%(to)s”.")
                % {"from": _status_label(locked.status), "to": _status_label(to_status)}
            )
        from_status = locked.status
        locked.status = to_status
        if to_status in CLOSED_STATUSES:
            locked.closed_at = timezone.now()
        else:
            locked.closed_at = None
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        if clean_photo is not None:
            photo_attach(request=locked, photo=clean_photo)
        system = {} if note else _both(lambda: _("Status: %s") % _status_label(to_status))
        event = _event(
            locked,
            kind=EventKind.STATUS_CHANGE,
            from_status=from_status,
            to_status=to_status,
            note=note,
            public=True,
            actor=user,
            **system,
        )
    if isinstance(request, ServiceRequest):
        request.status, request.closed_at = locked.status, locked.closed_at
    return event


def request_add_note(
    *, request: ServiceRequest | int, user, note: str, public: bool = False
) -> RequestEvent:
    """A note in the history: internal (staff only) or public (the citizen sees it and
    is told)."""
    note = _clean_note(note, required=True)
    with transaction.atomic():
        locked = _locked(request, user)
        return _event(
            locked,
            kind=EventKind.PUBLIC_NOTE if public else EventKind.INTERNAL_NOTE,
            note=note,
            public=bool(public),
            actor=user,
        )


def request_reassign(
    *,
    request: ServiceRequest | int,
    user,
    reason: str,
    district: District | None = None,
    department: Department | None = None,
) -> RequestEvent:
    """Send a request to another district and/or department (supervisors and admins):
    for points routed wrongly near a boundary. One internal history row with the reason."""
    if not roles.can_reassign(user):
        # Still a 404 for a request this user cannot see at all.
        with transaction.atomic():
            _locked(request, user)
        raise NotAllowed(_("Only a supervisor can reassign requests."))
    reason = _clean_note(reason, required=True, what=_("Give the reason for the reassignment."))
    if district is None and department is None:
        raise InvalidAction(_("Choose another district or department."))
    with transaction.atomic():
        locked = _locked(request, user)
        if not locked.is_open:
            raise IllegalTransition(_("A closed request cannot be reassigned."))
        old_district, old_department = locked.district, locked.department
        new_district = district or old_district
        new_department = department or old_department
        if new_district.pk == old_district.pk and new_department.pk == old_department.pk:
            raise InvalidAction(_("The request is already there."))
        locked.district, locked.department = new_district, new_department
        locked.save(update_fields=["district", "department", "updated_at"])

        def text() -> str:
            return _("Reassigned from %(old)s to %(new)s: %(reason)s") % {
                "old": f"{old_district.name} / {old_department.name}",
                "new": f"{new_district.name} / {new_department.name}",
                "reason": reason,
            }

        return _event(
            locked,
            kind=EventKind.REASSIGNED,
            note=reason,
            public=False,
            actor=user,
            **_both(text),
        )


def request_mark_duplicate(
    *,
    request: ServiceRequest | int,
    user,
    original: ServiceRequest | int,
    note: str = "",
    expected_status: str | None = None,
) -> RequestEvent:
    """Close `request` as a duplicate of `original` (an open request of the same kind the
    user may also see); its supporters move over to the original. One public row."""
    note = _clean_note(note)
    with transaction.atomic():
        locked = _locked(request, user)
        try:
            target = _locked(original, user)
        except NotVisible:
            raise InvalidAction(_("The original request was not found.")) from None
        _check_expected(locked, expected_status)
        if target.pk == locked.pk:
            raise InvalidAction(_("A request cannot be a duplicate of itself."))
        if not target.is_open or target.duplicate_of_id:
            raise InvalidAction(_("The original request must be open."))
        table = transitions_for(locked.service_type.kind)
        if S.DUPLICATE not in table.get(locked.status, ()):
            raise IllegalTransition(
                _("A request that is “%(from)s” cannot be marked as a duplicate.")
                % {"from": _status_label(locked.status)}
            )
        moved = locked.supporters
        # Supporters that also supported the original stay where they are (once each).
        already = Support.objects.filter(request=target).exclude(contact_hash="")
        Support.objects.filter(request=locked).exclude(
            contact_hash__in=already.values("contact_hash")
        ).update(request=target)
        ServiceRequest.objects.filter(pk=target.pk).update(supporters=F("supporters") + moved)
        from_status = locked.status
        locked.status = S.DUPLICATE
        locked.duplicate_of = target
        locked.supporters = 0
        locked.closed_at = timezone.now()
        locked.save(
            update_fields=["status", "duplicate_of", "supporters", "closed_at", "updated_at"]
        )

        def text() -> str:
            same = _("Same as request %(code)s, which continues.") % {"code": target.tracking_code}
            return f"{same} {note}".strip()

        return _event(
            locked,
            kind=EventKind.DUPLICATE,
            from_status=from_status,
            to_status=S.DUPLICATE,
            note=note,
            public=True,
            actor=user,
            **_both(text),
        )


# --- escalation --------------------------------------------------------------------------


@dataclass
class EscalationReport:
    escalated: list[str] = field(default_factory=list)  # tracking codes
    recipients: list[str] = field(default_factory=list)


def _digest(requests: list[ServiceRequest], now) -> tuple[str, str]:
    def one_language() -> tuple[str, str]:
        subject = _("%(count)s newly overdue requests") % {"count": len(requests)}
        lines = [subject, ""]
        for request in requests:
            days = max(1, (now - request.due_at).days)
            lines.append(
                _("%(code)s — %(service)s — %(district)s — due %(due)s (%(days)s days late)")
                % {
                    "code": request.tracking_code,
                    "service": request.service_type.name,
                    "district": request.district.name,
                    "due": timezone.localtime(request.due_at).date().isoformat(),
                    "days": days,
                }
            )
            lines.append(f"    /staff/requests/{request.tracking_code}/")
        return subject, "\n".join(lines)

    (subject_fa, body_fa), (subject_en, body_en) = in_both_languages(one_language)
    return f"{subject_fa} / {subject_en}", f"{body_fa}\n\n---\n\n{body_en}\n"


def requests_escalate_overdue(*, now=None) -> EscalationReport:
    """Email the supervisors a digest of newly overdue requests and record an internal
    'escalated' row in each one's history. A request is escalated once per due date:
    running this again sends nothing new. Without a supervisor to tell, nothing is
    recorded (the requests stay due for escalation)."""
    now = now or timezone.now()
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True, staff_profile__role=StaffRole.SUPERVISOR)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    report = EscalationReport(recipients=recipients)
    if not recipients:
        return report
    with transaction.atomic():
        already = RequestEvent.objects.filter(
            request=OuterRef("pk"), kind=EventKind.ESCALATED, created_at__gte=OuterRef("due_at")
        )
        overdue = list(
            ServiceRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(overdue_q(now))
            .exclude(Exists(already))
            .select_related("service_type", "district")
            .order_by("district__code", "due_at", "id")
        )
        if not overdue:
            return report
        for request in overdue:
            RequestEvent.objects.create(
                request=request,
                kind=EventKind.ESCALATED,
                public=False,
                **_both(lambda: _("Overdue: reported to the supervisors.")),
            )
        report.escalated = [request.tracking_code for request in overdue]
        subject, body = _digest(overdue, now)
    send_mass_mail([(subject, body, None, [email]) for email in recipients])
    return report
