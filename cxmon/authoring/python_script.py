"""Python Playwright scripts (sync, async, pytest) → call chains, read with ``ast``."""

from __future__ import annotations

import ast
from typing import Any

from cxmon.authoring.chains import Chain, Link, Opaque, Statement
from cxmon.errors import InputError


def read_python(path: str, text: str) -> list[Chain | Statement]:
    """Every statement of the script's functions and module body, in order, as chains where possible."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise InputError(f"{path}:{exc.lineno or 1}: not a Python script: {exc.msg}") from None
    out: list[Chain | Statement] = []
    _walk(tree.body, text, out)
    return out


def _walk(body: list[ast.stmt], text: str, out: list[Chain | Statement]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.With | ast.AsyncWith):
            _walk(stmt.body, text, out)
        elif isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass):
            continue
        elif isinstance(stmt, ast.If) and _is_main_guard(stmt):
            _walk(stmt.body, text, out)
        elif isinstance(stmt, ast.Expr):
            chain = _chain(stmt.value, stmt, text)
            out.append(chain if chain is not None else Statement(stmt.lineno, _source(text, stmt)))
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            # `page = await context.new_page()`: set-up, reported only when it is not.
            value = stmt.value
            chain = _chain(value, stmt, text) if value is not None else None
            out.append(chain if chain is not None else Statement(stmt.lineno, _source(text, stmt)))
        else:
            out.append(Statement(stmt.lineno, _source(text, stmt)))


def _is_main_guard(stmt: ast.If) -> bool:
    test = stmt.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def _source(text: str, node: ast.AST) -> str:
    return (ast.get_source_segment(text, node) or "").strip().splitlines()[0] if hasattr(node, "lineno") else ""


def _chain(expr: ast.expr, stmt: ast.stmt, text: str) -> Chain | None:
    if isinstance(expr, ast.Await):
        expr = expr.value
    links: list[Link] = []
    node: ast.expr = expr
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            links.append(Link(node.func.attr, True, tuple(_value(a, text) for a in node.args),
                              {k.arg: _value(k.value, text) for k in node.keywords if k.arg}))
            node = node.func.value
        elif isinstance(node, ast.Attribute):
            links.append(Link(node.attr, False))
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            # expect(locator).to_be_visible(), asyncio.run(main()), run(playwright)
            inner = tuple(
                _chain(a, stmt, text) or _value(a, text) for a in node.args
            )
            return Chain(node.func.id, tuple(reversed(links)), stmt.lineno, _source(text, stmt), inner)
        elif isinstance(node, ast.Name):
            return Chain(node.id, tuple(reversed(links)), stmt.lineno, _source(text, stmt))
        else:
            return None


def _value(node: ast.expr, text: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value  # type: ignore[operator]
    return Opaque(ast.get_source_segment(text, node) or "?")
