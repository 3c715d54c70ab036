"""Blind index (盲索引): find a row by an SM4-encrypted value without decrypting every row.

SM4-GCM uses a fresh nonce per write, so equal plain texts give different ciphertexts and
the database cannot compare them. Next to such a column we store
``HMAC-SM3(index key, normalised value)`` (GB/T 32905 in the RFC 2104 construction): equal
values give equal digests, so an exact-match lookup is an indexed equality, and without the
key the digest reveals nothing (an ID number's small space could be enumerated against a
plain hash; not against a keyed one).

The index key is separate from the data key: rotating the data key (``qinqing keys rotate``)
re-encrypts values but leaves every index digest valid. It comes from ``QINQING_INDEX_KEY``
(64 hex digits) or else the key file ``QINQING_INDEX_KEY_FILE`` (default
``var/keys/index.key``, created on first use, mode 0600). Never stored in the database; back
it up with the data key.
"""

from __future__ import annotations

import hmac
import os
import secrets
import unicodedata
from pathlib import Path

from django.conf import settings

DIGEST_HEX = 64  # SM3 output, hex


def _key() -> bytes:
    value = getattr(settings, "QINQING_INDEX_KEY", "")
    if value:
        return bytes.fromhex(value)
    path = Path(settings.QINQING_INDEX_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile
            return bytes.fromhex(path.read_text().strip())
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def normalise(value: str) -> str:
    """Full-width to half-width, no spaces, upper case (the ``x`` of an ID number).

    Examples:
        >>> normalise(" １１０１０５１９４９１２３１００２ｘ ")
        '11010519491231002X'
    """
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def blind_index(value: str, *, purpose: str) -> str:
    """The digest stored next to an encrypted value ("" for an empty value).

    ``purpose`` (e.g. ``"id_number"``) separates the columns: the same text in two columns
    gives two unrelated digests.
    """
    text = normalise(value)
    if not text:
        return ""
    message = f"{purpose}\x00{text}".encode()
    return hmac.new(_key(), message, "sm3").hexdigest()
