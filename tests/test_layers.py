"""One-way layers, read from the imports themselves (AST), so that the rule stays true as the code grows.

    kernel < foundation < core (documents) < its extensions < consumers

A package's modules (routes, forms and the API excepted: they compose pages and may use any service)
import only their own package, the layers below, and within their own layer either another package's
models (the shared schema: tables refer to each other) or the services of a package earlier in the
layer's order. A layer tells the layers above it what happened through the signals it declares
(documents.signals, endorsements.signals, audit.services.chain_verified), never by naming them.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# Each layer in order; within a layer, its packages in the order their services may use each other.
LAYERS = [
    ("kernel", ["extensions", "i18n", "errors", "validation", "util", "ordering", "caching", "tasks", "concurrency",
                "seal_key"]),
    ("foundation", ["mail", "audit", "auth", "organisations", "groups"]),
    ("core", ["documents"]),
    ("extensions", ["comments", "roadmaps", "endorsements"]),
    ("consumers", ["notifications", "activity", "export", "word", "integrity"]),
]
LAYER_OF = {package: index for index, (_name, packages) in enumerate(LAYERS) for package in packages}
ORDER_IN_LAYER = {package: position for _name, packages in LAYERS for position, package in enumerate(packages)}
# Modules that compose the app rather than belong to a layer: they may import anything.
COMPOSERS = {"__init__", "models", "main", "cli", "demo", "demo_texts", "templating", "api", "admin", "forms"}
EXEMPT_MODULES = {"routes", "forms", "fragments"}  # pages: they compose what the services give


def is_pages(module: str) -> bool:
    """routes.py, or a package's second set of pages named for what they serve (documents/workflow_routes.py)."""
    return module in EXEMPT_MODULES or module.endswith("_routes")


def app_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "app" else [f"app.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.extend((node.lineno, name) for name in names if name.startswith("app."))
    return found


def layered_modules() -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP).with_suffix("").parts
        package = parts[0]
        if package in COMPOSERS or is_pages(parts[-1]):
            continue
        modules.append((package, path))
    return modules


def upward(package: str, imported: str) -> str | None:
    """Why importing `imported` (a dotted name) from `package` breaks the rule, or None."""
    parts = imported.split(".")
    target = parts[1]
    if target == package or target in COMPOSERS - {"models"}:
        return None if target == package else f"{package} imports the composer {imported}"
    if target == "models":
        return f"{package} imports app.models, which gathers every package's tables"
    if target not in LAYER_OF:
        return f"{target} is in no layer: add it to LAYERS"
    mine, theirs = LAYER_OF[package], LAYER_OF[target]
    if theirs < mine:
        return None
    if theirs > mine:
        return f"{package} ({LAYERS[mine][0]}) imports {imported} ({LAYERS[theirs][0]}), a layer above"
    if len(parts) > 2 and parts[2] == "models":
        return None
    if ORDER_IN_LAYER[target] < ORDER_IN_LAYER[package]:
        return None
    return f"{package} imports {imported}, which comes after it in the {LAYERS[mine][0]} layer"


def test_every_package_is_in_a_layer():
    packages = {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in APP.glob("*.py")}
    assert (packages | modules) - set(LAYER_OF) - COMPOSERS == set()


def test_no_module_imports_upward():
    problems = [f"{path.relative_to(APP.parent)}:{line}: {why}"
                for package, path in layered_modules() if package in LAYER_OF
                for line, name in app_imports(path) if (why := upward(package, name))]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("package, imported, allowed", [
    ("documents", "app.comments.services", False),  # the core naming an extension
    ("documents", "app.roadmaps.receivers", False),
    ("groups", "app.documents.models", False),  # foundation reaching into the core
    ("export", "app.roadmaps.services", True),  # a consumer uses what is below it
    ("comments", "app.documents.services", True),
    ("auth", "app.organisations.models", True),  # the schema of the same layer
    ("mail", "app.auth.services", False),  # services only downward within a layer
    ("groups", "app.auth.services", True),
])
def test_the_rule_itself(package, imported, allowed):
    assert (upward(package, imported) is None) is allowed


@pytest.mark.parametrize("module, pages", [
    ("routes", True), ("workflow_routes", True), ("forms", True),
    ("services", False), ("workflow", False), ("routes_helpers", False),
])
def test_only_pages_compose_freely(module, pages):
    assert is_pages(module) is pages


def test_the_app_refuses_to_start_when_the_core_would_miss_a_receiver(monkeypatch):
    """Without the discussion's receiver a save would leave every comment's anchor behind: no app starts."""
    from app import create_app
    from app.comments import receivers
    from app.documents.signals import section_saved

    monkeypatch.setattr(receivers, "connect_receivers", lambda: None)
    section_saved.disconnect(receivers._carry_anchors)
    try:
        with pytest.raises(RuntimeError, match="section-saved"):
            create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    finally:
        section_saved.connect(receivers._carry_anchors)


API_SHARED = {"__init__", "openapi", "fields", "serialise"}  # the envelope, the document, field types, serialisers


def test_each_api_module_mirrors_the_package_it_serves():
    """app/api/<x>.py serves app/<x>/: whoever changes a package finds its endpoints under the same name."""
    strays = [path.name for path in sorted((APP / "api").glob("*.py"))
              if path.stem not in API_SHARED and not (APP / path.stem).is_dir()]
    assert strays == []
