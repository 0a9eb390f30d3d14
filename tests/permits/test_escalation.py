"""`manage.py escalate_overdue`: one digest of newly overdue requests to the
supervisors, an internal history row on each, nothing new on a second run."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from permits.models import EventKind, RequestEvent

from . import staff_fixtures

staff, request_maker = staff_fixtures.staff, staff_fixtures.request_maker


@pytest.fixture
def overdue(request_maker):
    return {
        "late11": request_maker(due_in_days=-2, status="accepted"),
        "late2": request_maker(district=2, due_in_days=-1),
        "on_time": request_maker(due_in_days=3),
        "closed_late": request_maker(due_in_days=-5, status="resolved"),
    }


def _escalations(request) -> int:
    return RequestEvent.objects.filter(request=request, kind=EventKind.ESCALATED).count()


def test_escalation_is_sent_once(staff, overdue):
    out = io.StringIO()
    call_command("escalate_overdue", stdout=out)
    assert "escalated 2 requests" in out.getvalue()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["supervisor@example.org"]
    assert overdue["late11"].tracking_code in message.body
    assert overdue["late2"].tracking_code in message.body
    assert overdue["on_time"].tracking_code not in message.body
    assert overdue["closed_late"].tracking_code not in message.body
    assert "sara@example.org" not in message.body and "0912" not in message.body
    assert [_escalations(r) for r in overdue.values()] == [1, 1, 0, 0]
    row = RequestEvent.objects.get(request=overdue["late11"], kind=EventKind.ESCALATED)
    assert not row.public and row.actor is None

    mail.outbox.clear()
    call_command("escalate_overdue", stdout=io.StringIO())
    assert mail.outbox == []  # nothing new
    assert [_escalations(r) for r in overdue.values()] == [1, 1, 0, 0]


def test_a_newly_overdue_request_is_sent_on_the_next_run(staff, overdue, request_maker):
    call_command("escalate_overdue", stdout=io.StringIO())
    mail.outbox.clear()
    later = request_maker(due_in_days=-0.1)
    call_command("escalate_overdue", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert later.tracking_code in mail.outbox[0].body
    assert overdue["late11"].tracking_code not in mail.outbox[0].body


def test_without_a_supervisor_nothing_is_recorded(request_maker, catalogue):
    late = request_maker(due_in_days=-2)
    err = io.StringIO()
    call_command("escalate_overdue", stdout=io.StringIO(), stderr=err)
    assert "no supervisor" in err.getvalue()
    assert mail.outbox == [] and _escalations(late) == 0


def test_overdue_requests_stand_out_in_the_queue(client, staff, overdue):
    client.force_login(staff["planner11"])
    page = client.get("/staff/?lang=en&sort=due").content.decode()
    late_row = page.split(f'data-code="{overdue["late11"].tracking_code}"')[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in late_row
    only = client.get("/staff/?overdue=1&lang=en").content.decode()
    assert overdue["late11"].tracking_code in only
    assert overdue["on_time"].tracking_code not in only
