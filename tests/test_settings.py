"""Settings: defaults, one-sentence errors naming the variable, and the README table in step."""

from pathlib import Path

import pytest

from pipelines.settings import SETTINGS, Settings, SettingsError, settings_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_are_the_embedded_ones() -> None:
    settings = Settings.from_env({})
    assert settings.sync_api_url == "http://127.0.0.1:8787"
    assert settings.state_url == f"sqlite:///{Path('.syncrag').resolve()}/state.db"
    assert settings.qdrant_url is None
    assert settings.embedding_backend == "onnx-int8"
    assert settings.reconcile_max_delete_share == 0.5
    assert not settings.signing_key_set


def test_every_path_default_lies_under_the_home_made_absolute_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    home = tmp_path / ".syncrag"

    settings = Settings.from_env({})

    assert settings.home == home
    assert settings.state_url == f"sqlite:///{home}/state.db"
    assert settings.qdrant_edge_path == str(home / "qdrant")
    assert settings.signing_key_path == str(home / "keys" / "signing.pem")
    assert settings.dagster_home == str(home / "dagster")


def test_a_relative_home_is_taken_from_the_working_folder_and_explicit_paths_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    settings = Settings.from_env(
        {"SYNCRAG_HOME": "deploy/data", "SYNCRAG_QDRANT_EDGE_PATH": "/srv/qdrant"}
    )

    assert settings.home == tmp_path / "deploy" / "data"
    assert settings.state_url == f"sqlite:///{tmp_path}/deploy/data/state.db"
    assert settings.qdrant_edge_path == "/srv/qdrant"


def test_the_same_home_gives_the_same_paths_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {"SYNCRAG_HOME": str(tmp_path / "home")}
    seen = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        s = Settings.from_env(environ)
        seen.append((s.state_url, s.qdrant_edge_path, s.signing_key_path, s.dagster_home))

    assert seen[0] == seen[1]


def test_exported_models_go_to_the_setting_else_the_per_user_cache() -> None:
    home = {"HOME": "/home/ada"}
    assert Settings.from_env(home).model_dir == "/home/ada/.cache/syncrag/models"
    xdg = {**home, "XDG_CACHE_HOME": "/var/cache/ada"}
    assert Settings.from_env(xdg).model_dir == "/var/cache/ada/syncrag/models"
    chosen = {**xdg, "SYNCRAG_MODEL_DIR": "/srv/models"}
    assert Settings.from_env(chosen).model_dir == "/srv/models"


def test_secrets_are_recorded_as_set_but_not_held() -> None:
    settings = Settings.from_env({"SYNCRAG_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----x"})
    assert settings.signing_key_set
    assert "BEGIN PRIVATE KEY" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SYNCRAG_PAGE_SIZE", "0"),
        ("SYNCRAG_PAGE_SIZE", "5000"),
        ("SYNCRAG_EMBEDDING_BATCH_SIZE", "many"),
        ("SYNCRAG_RECONCILE_MAX_DELETE_SHARE", "1.5"),
        ("SYNCRAG_RECONCILE_MAX_DELETE_SHARE", "half"),
        ("SYNCRAG_STALE_AFTER_HOURS", "0"),
        ("SYNCRAG_ASSET_OWNERS", "ada"),
        ("SYNCRAG_ASSET_TAGS", "domain"),
        ("SYNCRAG_ASSET_TAGS", "domain=two words"),
    ],
)
def test_a_bad_value_fails_with_one_sentence_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({name: value})
    message = str(caught.value)
    assert message.startswith(f"Set {name}")
    assert "\n" not in message


def test_owners_and_tags_are_comma_separated_lists() -> None:
    settings = Settings.from_env(
        {"SYNCRAG_ASSET_OWNERS": "ada@example.com, team:search", "SYNCRAG_ASSET_TAGS": "a=1,b/c=x"}
    )
    assert settings.asset_owners == ("ada@example.com", "team:search")
    assert settings.asset_tags == {"a": "1", "b/c": "x"}
    assert Settings.from_env({}).asset_owners == ()


def test_blank_values_fall_back_to_defaults() -> None:
    assert Settings.from_env({"SYNCRAG_PAGE_SIZE": "  "}).page_size == 100


def test_readme_configuration_table_matches_the_code() -> None:
    assert settings_table() in README.read_text()


def test_every_setting_is_documented() -> None:
    assert all(s.help.strip() for s in SETTINGS)
