"""The picture beside an official's name in the Wagtail admin is Wagtail's default avatar from the site's own
static files (or one they uploaded): no Gravatar, which sent a hash of their e-mail address to a third
party and showed a broken picture wherever that site was out of reach."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", [reverse("cms_proposals:index"), reverse("wagtailadmin_home")])
def test_the_admin_shows_the_default_avatar_from_our_static_files(client_as, path):
    moderator = factories.moderator(email="sam.okafor@example.org")
    html = client_as(moderator).get(path).content.decode()

    assert "gravatar" not in html.lower()
    # The menu (and its account entry with the avatar) is drawn by Wagtail's script from these props.
    avatars = re.findall(r'"avatarUrl": "([^"]+)"', html)
    assert avatars and all(
        url.startswith("/static/wagtailadmin/images/default-user-avatar.png") for url in avatars
    )
    assert finders.find("wagtailadmin/images/default-user-avatar.png")
