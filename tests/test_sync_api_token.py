"""User token signing: claims, caching, key loading errors and the SYNCRAG_* settings."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from resources.sync_api import (
    SigningKeyError,
    SyncApiConfigError,
    UserTokenSigner,
    signer_from_env,
)
from tests.test_sync_api_support import PROJECT_ID, FakeTime, rsa_key_pair

KEY_BODY_MARKER = "MII"  # every PEM body of a 2048-bit key starts with these characters


def decode(token: str, audience: str) -> dict[str, object]:
    _, public_pem = rsa_key_pair()
    return jwt.decode(token, public_pem, algorithms=["RS256"], audience=audience)


def assert_one_sentence_naming_settings(error: Exception) -> None:
    message = str(error)
    assert "SYNCRAG_SIGNING_KEY" in message
    assert "SYNCRAG_SIGNING_KEY_PATH" in message
    assert "\n" not in message
    assert message.endswith(".")
    assert message.count(". ") == 0, message
    assert KEY_BODY_MARKER not in message and "BEGIN" not in message
    # The parser's own exception could quote the key: it must not ride along as the cause.
    assert error.__cause__ is None


def test_token_claims_verify_with_the_public_key() -> None:
    time = FakeTime(now=1_751_000_000.4)
    signer = UserTokenSigner(rsa_key_pair()[0], PROJECT_ID, clock=time.clock)

    token = signer.token_for("user-42")

    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(
        token,
        rsa_key_pair()[1],
        algorithms=["RS256"],
        audience=f"useparagon.com/{PROJECT_ID}",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {
        "sub": "user-42",
        "aud": f"useparagon.com/{PROJECT_ID}",
        "iat": 1_751_000_000,
        "exp": 1_751_003_600,
    }


def test_token_is_valid_now_under_the_real_clock() -> None:
    signer = UserTokenSigner(rsa_key_pair()[0], PROJECT_ID)

    claims = decode(signer.token_for("user-42"), f"useparagon.com/{PROJECT_ID}")

    assert claims["sub"] == "user-42"


def test_aud_host_and_lifetime_are_configurable() -> None:
    time = FakeTime(now=1_000_000.0)
    signer = UserTokenSigner(
        rsa_key_pair()[0],
        "proj-1",
        aud_host="paragon.acme.internal/",
        lifetime_seconds=600,
        clock=time.clock,
    )

    token = signer.token_for("u")
    claims = jwt.decode(
        token,
        rsa_key_pair()[1],
        algorithms=["RS256"],
        audience="paragon.acme.internal/proj-1",
        options={"verify_exp": False, "verify_iat": False},
    )

    assert signer.audience == "paragon.acme.internal/proj-1"
    assert claims["exp"] == 1_000_600


def test_token_is_reused_until_sixty_seconds_before_expiry() -> None:
    time = FakeTime(now=1_000_000.0)
    signer = UserTokenSigner(rsa_key_pair()[0], PROJECT_ID, clock=time.clock)
    first = signer.token_for("user-42")

    time.now += 3600 - 61
    assert signer.token_for("user-42") == first

    time.now += 1
    renewed = signer.token_for("user-42")
    assert renewed != first
    claims = jwt.decode(
        renewed,
        rsa_key_pair()[1],
        algorithms=["RS256"],
        audience=signer.audience,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iat"] == 1_000_000 + 3600 - 60


def test_short_lifetime_renews_ten_percent_before_expiry() -> None:
    time = FakeTime(now=2_000_000.0)
    signer = UserTokenSigner(rsa_key_pair()[0], PROJECT_ID, lifetime_seconds=300, clock=time.clock)
    first = signer.token_for("user-42")

    time.now += 269
    assert signer.token_for("user-42") == first
    time.now += 1
    assert signer.token_for("user-42") != first


def test_tokens_are_cached_per_user() -> None:
    signer = UserTokenSigner(rsa_key_pair()[0], PROJECT_ID, clock=FakeTime().clock)

    ana, bob = signer.token_for("ana"), signer.token_for("bob")

    assert ana != bob
    assert signer.token_for("ana") == ana


def test_repr_holds_no_key_material_or_token() -> None:
    signer = UserTokenSigner(rsa_key_pair()[0], PROJECT_ID)
    token = signer.token_for("user-42")

    text = repr(signer) + str(signer)

    assert PROJECT_ID in text
    assert KEY_BODY_MARKER not in text
    assert token not in text


def test_missing_key_names_both_settings() -> None:
    with pytest.raises(SigningKeyError) as caught:
        UserTokenSigner.from_settings(None, None, project_id=PROJECT_ID)

    assert isinstance(caught.value, SyncApiConfigError)
    assert_one_sentence_naming_settings(caught.value)


def test_missing_key_file_names_the_path_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "absent.pem"

    with pytest.raises(SigningKeyError) as caught:
        UserTokenSigner.from_settings(None, str(path), project_id=PROJECT_ID)

    assert str(path) in str(caught.value)
    assert_one_sentence_naming_settings(caught.value)


def test_unreadable_key_file_names_the_settings(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError) as caught:
        UserTokenSigner.from_settings(None, str(tmp_path), project_id=PROJECT_ID)

    assert_one_sentence_naming_settings(caught.value)


def test_text_that_is_not_a_key_is_refused_without_echoing_it() -> None:
    not_a_key = "-----BEGIN PRIVATE KEY-----\nMIIsecretbutbroken\n-----END PRIVATE KEY-----\n"

    with pytest.raises(SigningKeyError) as caught:
        UserTokenSigner.from_settings(not_a_key, None, project_id=PROJECT_ID)

    assert "secretbutbroken" not in str(caught.value) + repr(caught.value)
    assert_one_sentence_naming_settings(caught.value)


def test_an_ec_key_is_not_an_rsa_key(tmp_path: Path) -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    path = tmp_path / "ec.pem"
    path.write_text(ec_pem)

    with pytest.raises(SigningKeyError) as caught:
        UserTokenSigner.from_settings(None, str(path), project_id=PROJECT_ID)

    assert "not an RSA private key" in str(caught.value)
    assert_one_sentence_naming_settings(caught.value)


def test_an_encrypted_key_is_refused() -> None:
    private_pem, _ = rsa_key_pair()
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    ).decode()

    with pytest.raises(SigningKeyError) as caught:
        UserTokenSigner.from_settings(encrypted, None, project_id=PROJECT_ID)

    assert_one_sentence_naming_settings(caught.value)


def test_key_text_wins_over_key_path(tmp_path: Path) -> None:
    signer = UserTokenSigner.from_settings(
        rsa_key_pair()[0], str(tmp_path / "absent.pem"), project_id=PROJECT_ID
    )

    assert decode(signer.token_for("u"), signer.audience)["sub"] == "u"


def test_blank_project_id_is_a_config_error() -> None:
    with pytest.raises(SyncApiConfigError, match="SYNCRAG_PARAGON_PROJECT_ID"):
        UserTokenSigner(rsa_key_pair()[0], "  ")


def test_signer_from_env_reads_every_setting(tmp_path: Path) -> None:
    key_file = tmp_path / "k.pem"
    key_file.write_text(rsa_key_pair()[0])

    signer = signer_from_env(
        {
            "SYNCRAG_SIGNING_KEY_PATH": str(key_file),
            "SYNCRAG_PARAGON_PROJECT_ID": "proj-9",
            "SYNCRAG_PARAGON_AUD_HOST": "paragon.acme.internal",
            "SYNCRAG_TOKEN_LIFETIME_SECONDS": "120",
        }
    )

    claims = decode(signer.token_for("u"), "paragon.acme.internal/proj-9")
    assert claims["exp"] == int(str(claims["iat"])) + 120


def test_signer_from_env_defaults_to_the_demo_project_and_local_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / ".syncrag" / "keys"
    keys.mkdir(parents=True)
    (keys / "signing.pem").write_text(rsa_key_pair()[0])
    monkeypatch.chdir(tmp_path)

    signer = signer_from_env({})

    assert signer.audience == "useparagon.com/5e1f3c2a-9d4b-4c6e-8a7f-2b3c4d5e6f70"
    assert signer.lifetime_seconds == 3600


def test_signer_from_env_without_a_key_names_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(SigningKeyError) as caught:
        signer_from_env({})

    assert ".syncrag/keys/signing.pem" in str(caught.value)
    assert_one_sentence_naming_settings(caught.value)


def test_signer_from_env_refuses_a_lifetime_that_is_not_a_number() -> None:
    with pytest.raises(SyncApiConfigError, match="SYNCRAG_TOKEN_LIFETIME_SECONDS"):
        signer_from_env(
            {"SYNCRAG_SIGNING_KEY": rsa_key_pair()[0], "SYNCRAG_TOKEN_LIFETIME_SECONDS": "1h"}
        )
