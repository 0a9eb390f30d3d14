"""The shape of the code, checked from its source with `ast` (nothing is imported).

Every module of gis_portal/, parcels/, layers/ and permits/ except migrations is read,
and every import in it counts, at module level or inside a function. The rules:

- Dependencies run one way: gis_portal.core (the kernel) imports no app; parcels
  imports nothing from layers (but the collection registry it plugs its data into),
  permits, the site or the benchmark; gis_portal.staff
  nothing from layers, permits, the site or the benchmark; layers nothing from permits
  or parcels (nor names their tables in SQL strings or asks `apps.get_model` for their
  models); permits nothing from the site or the benchmark. The site (gis_portal.site,
  gis_portal.urls) is at the top: no app imports it.
- Only the bench command (gis_portal/management/commands/bench.py) and the benchmark
  itself import gis_portal.bench.
- No module is over MAX_MODULE_LINES lines, no function over MAX_FUNCTION_LINES lines,
  unless the function's docstring says why it must be: it contains the words
  "Long because" (e.g. "Long because it is one SQL statement, kept whole so …").

Each failure lists the offending modules with their line numbers.
"""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gis_portal", "parcels", "layers", "permits")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
LONG_FUNCTION_MARKER = "Long because"

SITE = ("gis_portal.site", "gis_portal.urls")
BENCH = "gis_portal.bench"
BENCH_IMPORTERS = ("gis_portal.management.commands.bench", BENCH)

#: (modules the rule is about, what they must not import, exceptions to that)
LAYER_RULES = [
    ("gis_portal.core", ("parcels", "layers", "permits", "gis_portal"), ("gis_portal.core",)),
    # parcels plugs its districts and parcels into the layers registry, and nothing else.
    ("parcels", ("layers", "permits", *SITE, BENCH), ("layers.collections",)),
    ("gis_portal.staff", ("layers", "permits", *SITE, BENCH), ()),
    ("layers", ("permits", "parcels", *SITE, BENCH), ()),
    ("permits", (*SITE, BENCH), ()),
]

FOREIGN_TABLE = re.compile(r"\b(?:permits|parcels)_[a-z]\w*")
FOREIGN_APPS = ("permits", "parcels")


@dataclass(frozen=True)
class Module:
    name: str
    path: str
    source: str

    @property
    def tree(self) -> ast.Module:
        return ast.parse(self.source, filename=self.path)


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def project_modules() -> list[Module]:
    modules = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules.append(Module(".".join(parts), str(relative), path.read_text(encoding="utf-8")))
    return modules


def imports(module: Module) -> list[tuple[int, str]]:
    """(line, imported name) of every import, relative ones resolved; `from a import b`
    gives `a.b` (b may be a module or a name in a)."""
    is_package = module.path.endswith("__init__.py")
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found += [(node.lineno, f"{origin}.{alias.name}") for alias in node.names]
    return found


def layer_violations(module: Module) -> list[str]:
    out = []
    for subject, forbidden, allowed in LAYER_RULES:
        if not within(module.name, subject):
            continue
        for line, name in imports(module):
            if any(within(name, bad) for bad in forbidden) and not any(
                within(name, ok) for ok in allowed
            ):
                out.append(f"{module.path}:{line} imports {name}")
    return sorted(set(out))


def bench_violations(module: Module) -> list[str]:
    if any(within(module.name, allowed) for allowed in BENCH_IMPORTERS):
        return []
    return sorted(
        {
            f"{module.path}:{line} imports {name}"
            for line, name in imports(module)
            if within(name, BENCH)
        }
    )


def foreign_table_violations(module: Module) -> list[str]:
    """Strings naming a permits_/parcels_ table, and get_model("permits"|"parcels", …)."""
    out = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in FOREIGN_TABLE.finditer(node.value):
                out.append(f"{module.path}:{node.lineno} names the table {match.group()}")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == "get_model" and node.args and isinstance(node.args[0], ast.Constant):
                label = str(node.args[0].value)
                if label.split(".")[0] in FOREIGN_APPS:
                    out.append(f"{module.path}:{node.lineno} calls get_model({label!r}, …)")
    return sorted(set(out))


def size_violations(module: Module) -> list[str]:
    out = []
    lines = module.source.count("\n") + (0 if module.source.endswith("\n") else 1)
    if lines > MAX_MODULE_LINES:
        out.append(f"{module.path}: {lines} lines (max {MAX_MODULE_LINES})")
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            docstring = " ".join((ast.get_docstring(node) or "").lower().split())
            if length > MAX_FUNCTION_LINES and LONG_FUNCTION_MARKER.lower() not in docstring:
                out.append(
                    f"{module.path}:{node.lineno} {node.name}() is {length} lines "
                    f'(max {MAX_FUNCTION_LINES} unless its docstring says why ("Long because …"))'
                )
    return out


MODULES = project_modules()


def report(title: str, problems: list[str]) -> str:
    return f"{title} ({len(problems)}):\n  " + "\n  ".join(problems)


def test_the_checker_reads_every_app():
    names = {module.name for module in MODULES}
    assert {"gis_portal.core.geo", "parcels.models", "layers.models", "permits.models"} <= names
    assert not [module.path for module in MODULES if "migrations" in module.path]


@pytest.mark.parametrize("subject", [rule[0] for rule in LAYER_RULES])
def test_dependencies_run_one_way(subject):
    problems = [
        problem
        for module in MODULES
        if within(module.name, subject)
        for problem in layer_violations(module)
    ]
    assert not problems, report(f"{subject} imports what it must not", problems)


def test_only_the_bench_command_imports_the_benchmark():
    problems = [problem for module in MODULES for problem in bench_violations(module)]
    assert not problems, report("gis_portal.bench imported outside the bench command", problems)


def test_layers_names_no_table_or_model_of_permits_or_parcels():
    problems = [
        problem
        for module in MODULES
        if within(module.name, "layers")
        for problem in foreign_table_violations(module)
    ]
    assert not problems, report("layers names permits/parcels tables or models", problems)


def test_no_module_or_function_too_long():
    problems = [problem for module in MODULES for problem in size_violations(module)]
    assert not problems, report("too long", problems)


# --- The checker itself catches what it should (so the tests above cannot pass vacuously)


def synthetic(name: str, source: str, *, package: bool = False) -> Module:
    path = name.replace(".", "/") + ("/__init__.py" if package else ".py")
    return Module(name, path, source)


def test_the_checker_catches_imports_at_module_and_function_level():
    kernel = synthetic(
        "gis_portal.core.sample",
        "import json\n"
        "from gis_portal.core import geo\n"
        "from gis_portal import staff\n"
        "def f():\n"
        "    from permits.models import ServiceRequest\n"
        "    import layers.selectors\n",
    )
    assert layer_violations(kernel) == [
        "gis_portal/core/sample.py:3 imports gis_portal.staff",
        "gis_portal/core/sample.py:5 imports permits.models.ServiceRequest",
        "gis_portal/core/sample.py:6 imports layers.selectors",
    ]
    parcels = synthetic(
        "parcels.sample",
        "from . import models\nfrom .selectors import parcel_at\n"
        "from gis_portal.core.geo import point_from_lat_lon\n"
        "def g():\n    from gis_portal.site import views\n",
    )
    assert layer_violations(parcels) == [
        "parcels/sample.py:5 imports gis_portal.site.views",
    ]
    # Relative imports are resolved as Python does (a package counts as its own level).
    views = synthetic("permits.open311.views", "from ..models import ServiceRequest\n")
    assert imports(views) == [(1, "permits.models.ServiceRequest")]
    package = synthetic("permits.open311", "from .views import x\n", package=True)
    assert imports(package) == [(1, "permits.open311.views.x")]
    staff = synthetic("gis_portal.staff.sample", "from gis_portal.staff.models import X\n")
    assert layer_violations(staff) == []


def test_the_checker_catches_the_benchmark_outside_its_command():
    assert bench_violations(synthetic("permits.sample", "from gis_portal import bench\n")) == [
        "permits/sample.py:1 imports gis_portal.bench"
    ]
    command = synthetic(
        "gis_portal.management.commands.bench", "from gis_portal.bench import run\n"
    )
    assert bench_violations(command) == []


def test_the_checker_catches_foreign_tables_and_models():
    module = synthetic(
        "layers.sample",
        'SQL = "SELECT geom FROM parcels_parcel"\n'
        "def f(apps, t):\n"
        '    apps.get_model("permits", "ServiceRequest")\n'
        '    return f"JOIN permits_servicerequest r ON r.id = {t}"\n',
    )
    assert foreign_table_violations(module) == [
        "layers/sample.py:1 names the table parcels_parcel",
        "layers/sample.py:3 calls get_model('permits', …)",
        "layers/sample.py:4 names the table permits_servicerequest",
    ]


def test_the_checker_catches_long_modules_and_functions():
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    long_function = f"def long():\n{body}"
    excused = f'def excused():\n    """Long because it is one statement."""\n{body}'
    module = synthetic("permits.sample", long_function + excused)
    assert size_violations(module) == [
        f"permits/sample.py:1 long() is {MAX_FUNCTION_LINES + 1} lines "
        f'(max {MAX_FUNCTION_LINES} unless its docstring says why ("Long because …"))'
    ]
    big = synthetic("permits.big", "x = 1\n" * (MAX_MODULE_LINES + 1))
    assert size_violations(big) == [f"permits/big.py: {MAX_MODULE_LINES + 1} lines (max 500)"]
