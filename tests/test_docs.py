"""docs/command-line.md against kernel/config.c: one row per option, with its default and range."""

import re

from conftest import ROOT


def config_options():
    """(name, kind, default, minimum, maximum) for each option of kernel/config.c."""
    text = (ROOT / "kernel" / "config.c").read_text()
    options = re.findall(r'\{\s*"([\w.]+)",\s*OPTION_(BOOL|INT|STRING),\s*"([^"]*)",\s*(-?\d+),'
                         r'\s*(-?\d+),', text)
    assert len(options) >= 10, "the option table of kernel/config.c was not found"
    return options


def documented_rows():
    """{name: [type, default, meaning]} from the option table of docs/command-line.md."""
    rows = {}
    for line in (ROOT / "docs" / "command-line.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`[\w.]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_option_is_documented_with_its_default_and_range():
    rows = documented_rows()
    for name, kind, default, minimum, maximum in config_options():
        assert name in rows, "docs/command-line.md has no row for option '%s'" % name
        type_cell, default_cell, meaning = rows[name]
        expected_type = {"BOOL": "on/off", "STRING": "text", "INT": "%s..%s" % (minimum, maximum)}
        assert type_cell == expected_type[kind], (name, type_cell)
        assert default_cell.strip("`") == (default or "empty"), (name, default_cell)
        assert meaning, name


def test_no_documented_option_is_missing_from_the_kernel():
    names = {option[0] for option in config_options()}
    assert set(documented_rows()) <= names, set(documented_rows()) - names
