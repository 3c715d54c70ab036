"""The 12345 platform API: calling systems and their idempotent intake."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, transaction

from qinqing.appeals.choices import (
    Channel,
)
from qinqing.appeals.models import (
    ApiClient,
    Appeal,
)
from qinqing.appeals.service.intake import clean_intake, submit_appeal
from qinqing.core import audit
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_client(*, actor, name: str, code: str, locality: Unit, now) -> tuple[ApiClient, str]:
    """Register a calling system; returns the token (shown once, only its hash is kept)."""
    if ApiClient.objects.filter(code=code).exists():
        raise InvalidInput(f"系统代码“{code}”已被使用，请换一个代码。")
    token = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name, code=code, token_hash=token_digest(token), locality=locality, created_at=now
    )
    audit.record(actor, "apiclient.created", client, after={"code": code, "name": name}, now=now)
    return client, token


def submit_from_api(client: ApiClient, payload: dict, *, now: dt.datetime) -> tuple[Appeal, bool]:
    """Idempotent intake for a calling system: the same ``external_id`` returns the same appeal."""
    external_id = str(payload.get("external_id") or "").strip()
    if not external_id:
        raise InvalidInput("缺少“external_id”（来源系统的工单编号），请补充后重新提交。")
    if len(external_id) > 64:
        raise InvalidInput("“external_id”超过 64 个字符。")
    existing = Appeal.objects.filter(
        channel=Channel.API, source=client.code, external_id=external_id
    ).first()
    if existing is not None:
        _check_same_submission(existing, payload)
        return existing, False
    try:
        appeal = submit_appeal(
            actor=f"接口：{client.name}",
            now=now,
            channel=Channel.API,
            data=payload,
            locality=client.locality,
            source=client.code,
            external_id=external_id,
        )
    except IntegrityError:
        # a concurrent request with the same external id won the race
        existing = Appeal.objects.filter(
            channel=Channel.API, source=client.code, external_id=external_id
        ).first()
        if existing is None:
            raise
        _check_same_submission(existing, payload)
        return existing, False
    return appeal, True


class ConflictingReplay(InvalidInput):
    """The same external id sent again with different content (the API answers 409)."""


def _check_same_submission(existing: Appeal, payload: dict) -> None:
    """A replay is idempotent only if it says the same thing as the first submission."""
    clean = clean_intake(payload)
    changed = [
        name
        for name in ("enterprise_uscc", "enterprise_name", "contact_name", "contact_phone",
                     "appeal_type", "title", "content", "place")
        if str(getattr(existing, name) or "") != str(clean.get(name) or "")
    ]  # fmt: skip
    if changed:
        raise ConflictingReplay(
            f"编号为“{existing.external_id}”的诉求已提交（诉求编号 {existing.number}），"
            f"本次内容与原提交不同（{'、'.join(changed)}）。同一编号不能用于不同的诉求；"
            "如需补充，请使用新的编号。"
        )
