"""Open311 API keys: issued once, stored hashed, revoked, rate-limited; command and admin."""

import hashlib
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from permits.models import Open311Client
from permits.open311.keys import (
    Open311KeyError,
    open311_client_authenticate,
    open311_client_create,
    open311_client_revoke,
    open311_post_allowed,
)

pytestmark = pytest.mark.django_db

KEY = re.compile(r"^o311_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}$")


def test_create_returns_the_key_once_and_stores_only_its_hash():
    client, raw_key = open311_client_create(name="call-centre-137")
    assert KEY.match(raw_key)
    stored = Open311Client.objects.get(pk=client.pk)
    assert raw_key not in str(list(Open311Client.objects.values()))
    assert stored.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key.split("_")[1] == stored.key_prefix
    assert stored.active and stored.revoked_at is None
    assert open311_client_authenticate(raw_key) == stored


@pytest.mark.parametrize(
    "candidate",
    [None, "", "nope", "o311_12345678", "o311_zzzzzzzz_x", "x" * 500, 42],
)
def test_malformed_keys_do_not_authenticate(candidate):
    open311_client_create(name="app")
    assert open311_client_authenticate(candidate) is None


def test_a_key_with_the_right_prefix_but_wrong_secret_is_refused():
    _client, raw_key = open311_client_create(name="app")
    wrong = raw_key[:-2] + ("AA" if raw_key[-2:] != "AA" else "BB")
    assert open311_client_authenticate(wrong) is None
    assert open311_client_authenticate(raw_key + "x") is None


def test_revoke_stops_the_key_and_a_new_key_replaces_it():
    _client, old_key = open311_client_create(name="app")
    with pytest.raises(Open311KeyError):
        open311_client_create(name="app")  # one active key per client
    revoked = open311_client_revoke(name="app")
    assert not revoked.active and revoked.revoked_at is not None
    assert open311_client_authenticate(old_key) is None
    _client, new_key = open311_client_create(name="app")
    assert new_key != old_key
    assert open311_client_authenticate(new_key).name == "app"
    assert open311_client_authenticate(old_key) is None
    with pytest.raises(Open311KeyError):
        open311_client_revoke(name="nobody")
    with pytest.raises(Open311KeyError):
        open311_client_create(name="")


def test_rate_limit_counts_per_client(settings):
    settings.OPEN311_POST_RATE = (3, 3600)
    first, _key = open311_client_create(name="a")
    second, _key = open311_client_create(name="b")
    assert [open311_post_allowed(first) for _ in range(4)] == [True, True, True, False]
    assert open311_post_allowed(second)


def test_command_prints_the_key_once_and_revokes():
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", "create", "call-centre-137", stdout=out, stderr=err)
    raw_key = out.getvalue().strip()
    assert KEY.match(raw_key) and "shown once" in err.getvalue()
    assert open311_client_authenticate(raw_key).name == "call-centre-137"
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "call-centre-137", stdout=io.StringIO())
    out = io.StringIO()
    call_command("open311_key", "revoke", "call-centre-137", stdout=out)
    assert "revoked" in out.getvalue()
    assert open311_client_authenticate(raw_key) is None
    with pytest.raises(CommandError):
        call_command("open311_key", "revoke", "nobody", stdout=io.StringIO())


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-12345678")
    client.force_login(user)
    return client


def test_admin_issues_a_key_shown_once_and_revokes(admin_client):
    response = admin_client.post(
        "/admin/permits/open311client/add/?lang=en", {"name": "mobile-app"}, follow=True
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    [raw_key] = [m.split(": ", 1)[1].split(" ")[0] for m in messages if "API key for" in m]
    assert open311_client_authenticate(raw_key).name == "mobile-app"
    client = Open311Client.objects.get(name="mobile-app")
    # the change page never shows the key or its hash
    page = admin_client.get(f"/admin/permits/open311client/{client.pk}/change/").content.decode()
    assert raw_key not in page and client.key_hash not in page
    assert admin_client.get("/admin/permits/open311client/").content.decode().count(raw_key) == 0

    response = admin_client.post(
        "/admin/permits/open311client/",
        {"action": "revoke_keys", "_selected_action": [client.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert open311_client_authenticate(raw_key) is None
    response = admin_client.post(
        "/admin/permits/open311client/",
        {"action": "issue_new_keys", "_selected_action": [client.pk]},
        follow=True,
    )
    [new_key] = [
        str(m).split(": ", 1)[1].split(" ")[0]
        for m in response.context["messages"]
        if "API key for" in str(m)
    ]
    assert new_key != raw_key and open311_client_authenticate(new_key).name == "mobile-app"
