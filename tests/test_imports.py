"""The suite's own floor plan: what tests share lives in tests/support/, and no module imports a test module
or a conftest (an imported test module couples files that look independent, and an imported fixture runs
under another module's name). bench/ may import tests/support/ too, and nothing else under tests/."""

import ast
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SUPPORT = "tests.support"


def imported_names(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of each import; `from a import b` gives `a.b`, whether b is a module or not."""
    package = path.relative_to(BASE_DIR).parent.parts
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = [*package[: len(package) - node.level + 1], *([node.module] if node.module else [])]
                base = ".".join(parts)
            else:
                base = node.module
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def outside_support(name: str) -> bool:
    """A module of the test suite other than tests/support/ (or something in one)."""
    in_tests = name == "tests" or name.startswith("tests.")
    return in_tests and not (name == SUPPORT or name.startswith(SUPPORT + "."))


def test_tests_and_bench_import_only_tests_support_from_the_suite():
    files = sorted([*(BASE_DIR / "tests").rglob("*.py"), *(BASE_DIR / "bench").rglob("*.py")])
    assert len(files) > 100  # the walk found the suite
    wrong = [
        f"{path.relative_to(BASE_DIR)}:{line} imports {name}"
        for path in files
        for line, name in imported_names(path)
        if outside_support(name)
    ]
    assert not wrong, "move what is shared to tests/support/:\n" + "\n".join(wrong)
