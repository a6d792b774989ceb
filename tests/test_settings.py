"""Every setting is documented (help text and README) and the precedence is argument > env > default."""

import re
from pathlib import Path

from click.testing import CliRunner

from dashboard.cli import main
from dashboard.settings import Settings, get_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_set001_every_setting_has_a_help_text():
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 10, f"{name} has no help text"


def test_set002_every_setting_is_in_the_readme_table():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"`SMARTSUP_([A-Z_]+)`", text))
    declared = {name.upper() for name in Settings.model_fields}
    assert declared - documented == set(), "settings missing from README's configuration table"
    stale = documented - declared - {"TEST_PG_URL", "TEST_REDIS_URL"}
    assert stale == set(), "README documents settings that do not exist"


def test_set003_environment_overrides_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTSUP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SMARTSUP_PORT", "9001")
    s = Settings()
    assert s.port == 9001
    assert s.effective_database_url == f"sqlite:///{(tmp_path / 'smartsup.sqlite').resolve()}"
    monkeypatch.delenv("SMARTSUP_PORT")
    assert Settings().port == 8050


def test_set004_argument_overrides_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTSUP_DATABASE_URL", "sqlite:///" + str(tmp_path / "from-env.sqlite"))
    get_settings.cache_clear()
    try:
        url = "sqlite:///" + str(tmp_path / "from-arg.sqlite")
        result = CliRunner().invoke(main, ["--database-url", url, "init"])
        assert result.exit_code == 0, result.output
        assert (tmp_path / "from-arg.sqlite").exists()
        assert not (tmp_path / "from-env.sqlite").exists()
    finally:
        get_settings.cache_clear()
