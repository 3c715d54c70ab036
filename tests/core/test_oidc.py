"""统一身份认证: sign in through an OpenID Connect provider started by the test on 127.0.0.1.

The provider is tiny but real HTTP: a discovery document, a JWKS, a token endpoint issuing
RS256-signed ID tokens carrying the nonce the client sent, and a user-info endpoint.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from tests.world import USCC_A

CLIENT_ID = "qinqing-test"


class Provider:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict] = {}  # code -> {"nonce", "claims"}
        self.tokens: dict[str, dict] = {}  # access token -> claims
        self.signing_key = self.key
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body, status=200):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = urlparse(self.path).path
                if path == "/.well-known/openid-configuration":
                    return self._json(provider.discovery())
                if path == "/jwks":
                    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key()))
                    return self._json(
                        {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}
                    )
                if path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in provider.tokens:
                        return self._json({"error": "invalid_token"}, 401)
                    return self._json(provider.tokens[token])
                return self._json({"error": "not_found"}, 404)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                grant = provider.codes.pop(form.get("code", [""])[0], None)
                if urlparse(self.path).path != "/token" or grant is None:
                    return self._json({"error": "invalid_grant"}, 400)
                now = int(time.time())
                claims = {
                    "iss": provider.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                    "nonce": grant["nonce"], **grant["claims"],
                }  # fmt: skip
                id_token = jwt.encode(
                    claims, provider.signing_key, algorithm="RS256", headers={"kid": "k1"}
                )
                access = f"at-{len(provider.tokens)}"
                provider.tokens[access] = grant["claims"]
                return self._json(
                    {"access_token": access, "id_token": id_token, "token_type": "Bearer"}
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    p = Provider()
    import requests

    doc = requests.get(f"{p.issuer}/.well-known/openid-configuration", timeout=5).json()
    settings.QINQING_OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "test-secret"  # noqa: S105
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = doc["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = doc["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = doc["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = doc["jwks_uri"]
    yield p
    p.stop()


def _sign_in(provider, claims, client=None):
    """What the browser does: follow to the platform, sign in there, come back with a code."""
    client = client or Client()
    start = client.get("/account/oidc/authenticate/")
    assert start.status_code == 302 and start.url.startswith(provider.issuer + "/authorize")
    query = parse_qs(urlparse(start.url).query)
    assert query["client_id"] == [CLIENT_ID] and "openid" in query["scope"][0]
    code = f"code-{len(provider.codes)}-{time.time_ns()}"
    provider.codes[code] = {"nonce": query["nonce"][0], "claims": claims}
    back = client.get(f"/account/oidc/callback/?code={code}&state={query['state'][0]}")
    return client, back


def test_enterprise_signs_in_by_credit_code(world, provider, settings):
    settings.QINQING_OIDC_MATCH_CLAIM = "uscc"
    settings.QINQING_OIDC_MATCH_FIELD = "uscc"
    assert "使用统一身份认证平台登录" in Client().get("/login/").content.decode()
    client, back = _sign_in(provider, {"sub": "p-1", "uscc": USCC_A})
    assert back.status_code == 302 and "oidc=failed" not in back.url
    home = client.get("/")
    assert home.status_code == 200
    assert client.session["_auth_user_id"] == str(world.enterprise_a.pk)


def test_staff_sign_in_by_username_then_still_pass_the_totp_step(world, provider):
    client, back = _sign_in(provider, {"sub": "p-2", "preferred_username": "market_clerk"})
    assert back.status_code == 302 and "oidc=failed" not in back.url
    assert client.get("/").url.startswith("/account/otp/")


def test_unknown_identity_is_refused_and_no_account_created(world, provider):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.count()
    client, back = _sign_in(provider, {"sub": "p-3", "preferred_username": "stranger"})
    assert "oidc=failed" in back.url
    assert "_auth_user_id" not in client.session
    assert get_user_model().objects.count() == users
    assert "没有与该身份对应的账号" in client.get(back.url).content.decode()


def test_token_signed_by_another_key_is_refused(world, provider):
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client, back = _sign_in(provider, {"sub": "p-4", "preferred_username": "market_clerk"})
    assert "_auth_user_id" not in client.session


def test_local_password_login_stays_the_default(world, settings):
    settings.QINQING_OIDC_ENABLED = False
    assert Client().get("/account/oidc/authenticate/").status_code == 404
    page = Client().get("/login/").content.decode()
    assert "统一身份认证" not in page and 'name="password"' in page


ID_NUMBER = "11010519491231002X"


@pytest.fixture
def index_key(settings, tmp_path):
    settings.QINQING_INDEX_KEY = ""
    settings.QINQING_INDEX_KEY_FILE = tmp_path / "keys" / "index.key"
    return settings.QINQING_INDEX_KEY_FILE


def test_a_person_signs_in_by_id_number_matched_through_its_blind_index(
    world, provider, settings, index_key
):
    from django.db import connection

    settings.QINQING_OIDC_MATCH_CLAIM = "id_card"
    settings.QINQING_OIDC_MATCH_FIELD = "id_number"
    profile = world.enterprise_b.profile
    profile.id_number = ID_NUMBER.lower()  # typed with a small x
    profile.save()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, id_number_index FROM accounts_profile WHERE id = %s", [profile.pk]
        )
        stored, digest = cur.fetchone()
    assert stored.startswith("sm4gcm:") and ID_NUMBER not in stored
    assert len(digest) == 64 and ID_NUMBER not in digest and "19491231" not in digest

    # the platform sends the number in full-width characters: still the same person
    claims = {"sub": "p-5", "id_card": "１１０１０５１９４９１２３１００２Ｘ"}
    client, back = _sign_in(provider, claims)
    assert back.status_code == 302 and "oidc=failed" not in back.url
    assert client.session["_auth_user_id"] == str(world.enterprise_b.pk)


def test_an_unknown_id_number_is_refused(world, provider, settings, index_key):
    settings.QINQING_OIDC_MATCH_CLAIM = "id_card"
    settings.QINQING_OIDC_MATCH_FIELD = "id_number"
    profile = world.enterprise_b.profile
    profile.id_number = ID_NUMBER
    profile.save()
    client, back = _sign_in(provider, {"sub": "p-6", "id_card": "110105194912310037"})
    assert "oidc=failed" in back.url and "_auth_user_id" not in client.session


def test_the_index_key_is_outside_the_database_and_changes_every_digest(world, settings, tmp_path):
    from qinqing.core.accounts.models import Profile

    settings.QINQING_INDEX_KEY = "11" * 32
    profile = world.enterprise_b.profile
    profile.id_number = ID_NUMBER
    profile.save()
    first = Profile.objects.get(pk=profile.pk).id_number_index
    settings.QINQING_INDEX_KEY = "22" * 32
    profile.save()
    assert Profile.objects.get(pk=profile.pk).id_number_index != first
    assert Profile.objects.get(pk=profile.pk).id_number == ID_NUMBER


def test_a_wrong_id_number_is_refused_with_a_message(world):
    from django.core.exceptions import ValidationError

    profile = world.enterprise_b.profile
    profile.id_number = "110105194912310021"  # wrong check digit
    with pytest.raises(ValidationError, match="校验码"):
        profile.full_clean()
