"""Fixtures of the adversarial suite: uploads go to a temporary folder, and the policy
fixtures (``pw``) are shared with tests/policies."""

from tests.policies.conftest import _uploads_in_tmp, pw  # noqa: F401 (fixtures)
