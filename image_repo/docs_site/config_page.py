"""The configuration reference: every option of the settings tree, by section, as `-Yt` prints
it (its comment and its default line), with an anchor of its own (`#images.max_pixels`)."""

from __future__ import annotations

import re

import attrs

from image_repo.docs_site.markdown import escaped
from image_repo.settings import MASK, AppConfig, render_template

_SECTION = re.compile(r"[a-z_]+:")
_OPTION = re.compile(r"  ([a-z_]+): (.*)")

INTRO = """# Configuration options

Every option of the configuration file, by section: its comment and its default, exactly as
`image_repo -Yt` prints them. `image_repo -Yt > image_repo.yaml` writes the whole file to start
from; [Configuration](../configuration.md) says how the file is read, checked and shown."""


@attrs.frozen
class Option:
    section: str
    name: str
    doc: str
    default_line: str  # `name: value`, as -Yt prints it
    is_secret: bool


def options() -> list[Option]:
    """The options in -Yt's order, parsed from the text it prints (a comment line, then the
    option's line), so the page says what the command says."""
    lines = render_template().splitlines()
    secrets = _secrets()
    found, section = [], ""
    for index, line in enumerate(lines):
        if _SECTION.fullmatch(line):
            section = line[:-1]
        elif (match := _OPTION.fullmatch(line)) is not None:
            comment = lines[index - 1]
            if not comment.startswith("  # "):
                raise ValueError(f"-Yt prints {section}.{match[1]} without its comment")
            name = match[1]
            found.append(Option(section, name, comment[4:], line[2:], (section, name) in secrets))
    return found


def _secrets() -> set[tuple[str, str]]:
    defaults = AppConfig()
    return {
        (section.name, field.name)
        for section in attrs.fields(AppConfig)
        for field in attrs.fields(type(getattr(defaults, section.name)))
        if field.metadata.get("is_secret", False)
    }


def config_page() -> str:
    parts = [INTRO]
    docs = {section.name: section.metadata["doc"] for section in attrs.fields(AppConfig)}
    section = ""
    for option in options():
        if option.section != section:
            section = option.section
            parts.append(f"## {section}\n\n{escaped(docs[section])}.")
        entry = [
            f"### {option.section}.{option.name} {{#{option.section}.{option.name}}}",
            escaped(option.doc),
            f"```yaml\n{option.section}:\n  {option.default_line}\n```",
        ]
        if option.is_secret:
            entry.append(f"A secret: `image_repo -Y` shows it as `{MASK}`.")
        parts.append("\n\n".join(entry))
    return "\n\n".join(parts) + "\n"
