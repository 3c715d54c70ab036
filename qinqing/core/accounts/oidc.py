"""统一身份认证: sign in through the province's unified identity platform (OpenID Connect).

The code flow, token checks (RS256 signature against the platform's JWKS, audience, expiry,
nonce) and user-info call are mozilla-django-oidc's. Qinqing adds only the account match:
the claim ``QINQING_OIDC_MATCH_CLAIM`` (e.g. ``preferred_username``, the enterprise's
统一社会信用代码, or the person's 身份证号) is looked up in ``QINQING_OIDC_MATCH_FIELD``
(``username``, ``uscc`` or ``id_number``). ID numbers are stored SM4-encrypted, so they are
matched through their blind index (HMAC-SM3 of the normalised number, ``Profile.id_number_index``):
an indexed equality, without decrypting any row.
Accounts, roles and units stay local: an identity with no matching active account, or with
several, is refused (no account is created from the platform). Local password accounts
remain the embedded default; staff still pass the TOTP step after the platform's sign-in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from qinqing.core.crypto.blind_index import blind_index


def oidc_enabled() -> bool:
    return bool(getattr(settings, "QINQING_OIDC_ENABLED", False))


def _match_value(claims: dict[str, Any]) -> str:
    return str(claims.get(settings.QINQING_OIDC_MATCH_CLAIM) or "").strip()


class UnifiedIdentityBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if not oidc_enabled():
            return None
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(_match_value(claims))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        value = _match_value(claims)
        users = get_user_model().objects.filter(is_active=True)
        if not value:
            return users.none()
        field = settings.QINQING_OIDC_MATCH_FIELD
        if field == "uscc":
            return users.filter(profile__uscc=value.upper())
        if field == "id_number":
            return users.filter(profile__id_number_index=blind_index(value, purpose="id_number"))
        return users.filter(username=value)

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        return user  # the local account (role, unit) is the source of truth


class AuthenticateView(OIDCAuthenticationRequestView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        response: HttpResponse = super().get(request)
        return response


class CallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        response: HttpResponse = super().get(request)
        return response
