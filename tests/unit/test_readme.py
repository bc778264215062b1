"""The README documents every setting and keeps the two set-up commands at the top."""

from pathlib import Path

from landkontor.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_configuration_table():
    text = README.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`LANDKONTOR_{name.upper()}`" not in text]
    assert missing == [], f"settings missing from README: {missing}"


def test_readme_opens_with_the_two_setup_commands():
    head = README.read_text(encoding="utf-8")[:1500]
    assert "make up" in head and "make test" in head
