"""The examples of README.md and docs/ against the real thing: commands shown run and say what is shown.

The cheap examples are run (`tools/cairn-qemu --cmdline "help"` and the
`run=counter:3,pingpong:1000` boot of README); every program README lists
must be a file under user/programs/, and every `make` target README or
docs/ name must be a target of the Makefile. Every repository path README or
docs/ name in inline code (or at the start of a command in a code block) must
exist, and every C identifier they name in inline code must occur in the
source: names of things that do not exist yet are written in italics.
"""

import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "qemu"))
from conftest import ROOT  # noqa: E402
from cairn import powercut, window_shim_environment  # noqa: E402

README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))
STATUS_FATAL = 2


def code_blocks(text):
    """The fenced code blocks of a Markdown text, as lists of lines."""
    return [block.splitlines() for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)]


def readme_program_list():
    """The programs named in README's paragraph "The programs (`user/programs/`): ..."."""
    start = README.index("The programs (`user/programs/`)")
    paragraph = README[start:README.index("\n\n", start)]
    names = {name.split(":")[0] for name in re.findall(r"`([a-z][\w:A-Z]*)`", paragraph)}
    names.discard("monitor")            # a kernel option, named at the paragraph's end
    return names


def makefile_targets():
    text = (ROOT / "Makefile").read_text()
    return {target for line in re.findall(r"^([\w .-]+):(?!=)", text, re.M) for target in line.split()}


def make_targets_named(text):
    """Targets named as `make X` in inline code or at the start of a line of a code block."""
    named = set(re.findall(r"`make ([a-z][\w-]*)", text))
    for block in code_blocks(text):
        named |= {m.group(1) for m in (re.match(r"^\$? ?make ([a-z][\w-]*)", l) for l in block) if m}
    return named


# Top-level folders of the repository; a path named under build/ is made by make, not kept.
REPOSITORY_FOLDERS = ("arch/", "checkpoint/", "docs/", "include/", "kernel/", "tests/", "tools/",
                      "user/", ".ci/")
SOURCE_FOLDERS = ("arch", "checkpoint", "include", "kernel", "tests", "tools", "user")
PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*(\.\w+)?")     # NAME.c, IMAGE: stands for any name
IDENTIFIER = re.compile(r"(?:struct |enum )?([A-Za-z_]\w*_\w*)(?:\(\))?")


def inline_code(text):
    """The inline code spans of a Markdown text (one may wrap onto the next line), code blocks
    left out."""
    outside = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", outside)
            if "\n\n" not in span]


def repository_paths_named(text):
    """Paths in the repository a text names: the first word of an inline code span, or of a
    command line in a code block, when it starts with a top-level folder."""
    words = [span.split()[0] for span in inline_code(text) if span.strip()]
    for line in (line for block in code_blocks(text) for line in block):
        command = line.split()[1:] if line.startswith("$ ") else line.split()
        words += command[:1]
    return {word.rstrip(".,;:") for word in words if word.startswith(REPOSITORY_FOLDERS)}


def path_exists(path):
    if any(PLACEHOLDER.fullmatch(part) for part in path.strip("/").split("/")):
        return True
    if "*" in path:
        return any(ROOT.glob(path))
    return (ROOT / path).exists()


def source_words():
    """Every identifier-like word of the source files (and the Makefile)."""
    words = set(re.findall(r"\w+", (ROOT / "Makefile").read_text()))
    for folder in SOURCE_FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "corpus" not in path.parts:
                words |= set(re.findall(r"\w+", path.read_text(errors="ignore")))
    return words


def test_every_repository_path_named_in_the_docs_exists():
    checked = 0
    for path in [ROOT / "README.md"] + DOCS:
        named = repository_paths_named(path.read_text())
        checked += len(named)
        missing = sorted(name for name in named if not path_exists(name))
        assert not missing, "%s names paths that do not exist: %s" % (path.name, missing)
    assert checked >= 50, checked


def test_every_identifier_named_in_the_docs_exists():
    words = source_words()
    checked = 0
    for path in [ROOT / "README.md"] + DOCS:
        named = {m.group(1) for m in map(IDENTIFIER.fullmatch, inline_code(path.read_text())) if m}
        checked += len(named)
        missing = sorted(name for name in named
                         if name not in words and "CAIRN_" + name not in words)  # CAP_COPY
        assert not missing, "%s names identifiers the source lacks: %s" % (path.name, missing)
    assert checked >= 100, checked


def test_every_program_readme_lists_exists():
    names = readme_program_list()
    assert len(names) >= 15, names
    missing = sorted(name for name in names if not (ROOT / "user" / "programs" / (name + ".c")).exists())
    assert not missing, "README lists programs with no user/programs/NAME.c: %s" % missing


def test_every_make_target_named_in_the_docs_exists():
    targets = makefile_targets()
    for path in [ROOT / "README.md"] + DOCS:
        named = make_targets_named(path.read_text())
        missing = sorted(named - targets)
        assert not missing, "%s names make targets the Makefile lacks: %s" % (path.name, missing)
    assert {"run", "test", "gdb", "bench"} <= make_targets_named(README)


def test_help_example_lists_every_documented_option(boot):
    # README: tools/cairn-qemu --cmdline "help" (no disk: the option table, then a clean stop).
    guest = boot(cmdline="help", disk=None)
    guest.expect(r"^kernel command-line options")
    assert guest.wait_exit() == STATUS_FATAL, guest.describe()
    documented = re.findall(r"^\| `([\w.]+)` \|", (ROOT / "docs" / "command-line.md").read_text(), re.M)
    assert len(documented) >= 10
    for option in documented:
        assert re.search(r"^  %s " % re.escape(option), guest.output, re.M), (option, guest.describe())


def readme_run_example():
    """(command line, program lines) of README's `--cmdline "run=counter:3,pingpong:1000"` block."""
    for block in code_blocks(README):
        match = re.match(r'^\$ tools/cairn-qemu --disk cairn.img --cmdline "(run=[^"]*)"$', block[0])
        if match and any(line.startswith("[k] ") for line in block):
            return match.group(1), [line for line in block[1:] if not line.startswith("[k] ")]
    raise AssertionError("README has no boot example with a run= command line")


def test_readme_run_example_prints_what_it_shows(tmp_path, boot):
    cmdline, lines = readme_run_example()
    assert cmdline == "run=counter:3,pingpong:1000"
    image = tmp_path / "cairn.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    guest = boot(disk=image, snapshot=False, cmdline=cmdline)
    guest.expect(r"^command line: %s$" % re.escape(cmdline))
    guest.expect(r"^starting init with 2 programs$")
    deadline = time.monotonic() + 25
    while not (re.search(r"^counter: 3$", guest.output, re.M) and
               re.search(r"^pingpong: \d+ ns per round trip$", guest.output, re.M)):
        assert time.monotonic() < deadline, guest.describe()
        time.sleep(0.05)
    # Each program line shown, in any order between programs (figures like "50000 ns" vary).
    for line in lines:
        pattern = re.sub(r"\d+\\ ns", r"\\d+\\ ns", re.escape(line))
        assert re.search(r"^%s$" % pattern, guest.output, re.M), (line, guest.describe())
    counters = re.findall(r"^counter: (\d+)$", guest.output, re.M)
    assert counters == ["1", "2", "3"], guest.describe()


def readme_tour_blocks():
    """The two boots of README's one-minute tour, as lists of lines."""
    start = README.index("## A one-minute tour")
    blocks = code_blocks(README[start:README.index("\n## ", start + 1)])[:2]
    assert all(block[0] == "$ make run" for block in blocks), blocks
    return blocks


def tour_line_pattern(line):
    """A shown line as a regex: figures (PIDs, epochs, times, dates) may differ, the words not.
    Guest.output has the kernel's marks "[k] " taken off."""
    if line.startswith("[k] "):
        line = line[len("[k] "):]
    return r"^(?:cairn> )?%s$" % re.sub(r"\d+", r"\\d+", re.escape(line))


def tour_boot(guest, block):
    """Types the block's commands one by one; every other line shown must come, in order
    (with other figures: "counter: 17" stands for the next counter line)."""
    for line in block[1:]:
        if line.startswith("cairn> ") and line != "cairn> ":
            guest.send(line[len("cairn> "):] + "\n")
        elif line != "...":
            guest.expect(tour_line_pattern(line), timeout=20)


def test_readme_tour_runs_as_shown(tmp_path, boot):
    """The tour's two boots, with a power cut right after the first one's last line. The
    counter goes on from the line after the last one shown; the one exception is the output
    window (docs/abi.md), which a cut right after a line can hit on a loaded host: then that
    line shows again, and the window shim must have seen it reach the port after the last
    release record (as tools/powercut accepts it)."""
    first_boot, second_boot = readme_tour_blocks()
    image = tmp_path / "cairn.img"
    shutil.copyfile(ROOT / "build" / "fresh.img", image)
    window_log = tmp_path / "window.log"
    environment = window_shim_environment(window_log)
    first = boot(disk=image, snapshot=False, cmdline="run=shell",    # what make run passes
                 environment=environment)
    tour_boot(first, first_boot)
    first.close()                                       # the power cut
    shown = [int(n) for n in re.findall(r"^(?:cairn> )?counter: (\d+)$", first.output, re.M)]
    second = boot(disk=image, snapshot=False)
    tour_boot(second, second_boot)
    resumed = [int(n) for n in re.findall(r"^(?:cairn> )?counter: (\d+)$", second.output, re.M)]
    repeat = powercut.window_repeat(resumed, shown[-1],
                                    powercut.unrecorded_lines(str(window_log)))
    assert resumed[repeat:] and resumed[repeat] == shown[-1] + 1, (shown[-3:], resumed[:3])
