"""JavaScript and TypeScript Playwright scripts (``@playwright/test`` or the library) → call chains.

Parsed with esprima (ECMAScript 2017). Playwright's TypeScript codegen output has no type
annotations, so it parses as JavaScript; a script with annotations is reported as not parseable,
with the line, rather than guessed at.
"""

from __future__ import annotations

import re
from typing import Any

import esprima

from cxmon.authoring.chains import Chain, Link, Opaque, Statement, snake
from cxmon.errors import InputError


def read_javascript(path: str, text: str) -> list[Chain | Statement]:
    """Every statement inside the script's test bodies and functions, in order."""
    try:
        tree = esprima.parseModule(text, {"loc": True, "range": True})
    except esprima.Error as exc:
        # A snippet with top-level await: parse it as the body of an async function (same lines).
        try:
            tree = esprima.parseModule(f"(async () => {{{text}\n}})();", {"loc": True, "range": True})
            text = f"(async () => {{{text}\n}})();"
        except esprima.Error:
            line = getattr(exc, "lineNumber", 1)
            message = re.sub(r"^Line \d+: ", "", str(getattr(exc, "message", exc)))
            hint = " (TypeScript type annotations are not supported; remove them)" if path.endswith(".ts") else ""
            raise InputError(f"{path}:{line}: not a JavaScript script: {message}{hint}") from None
    out: list[Chain | Statement] = []
    _walk(tree.body, text, out)
    return out


def _source(text: str, node: Any) -> str:
    start, end = node.range
    return text[start:end].strip().splitlines()[0]


def _walk(body: list[Any], text: str, out: list[Chain | Statement]) -> None:
    for stmt in body:
        kind = stmt.type
        if kind in ("ImportDeclaration", "EmptyStatement"):
            continue
        if kind == "ExpressionStatement":
            expr = stmt.expression
            fn = _function_argument(expr)
            if fn is not None:
                # test('name', async ({ page }) => {...}), (async () => {...})(), test.describe(...)
                _walk(_body_of(fn), text, out)
                continue
            chain = _chain(expr, stmt, text)
            out.append(chain if chain is not None else Statement(stmt.loc.start.line, _source(text, stmt)))
        elif kind == "VariableDeclaration":
            for decl in stmt.declarations:
                chain = _chain(decl.init, stmt, text) if decl.init is not None else None
                if chain is not None and chain.root == "require":
                    continue
                out.append(chain if chain is not None else Statement(stmt.loc.start.line, _source(text, stmt)))
        elif kind in ("FunctionDeclaration",):
            _walk(stmt.body.body, text, out)
        else:
            out.append(Statement(stmt.loc.start.line, _source(text, stmt)))


def _function_argument(expr: Any) -> Any:
    """The function a statement runs: a test body, or an immediately called async function."""
    if expr.type == "CallExpression":
        if expr.callee.type in ("ArrowFunctionExpression", "FunctionExpression"):
            return expr.callee
        fns = [a for a in expr.arguments if a.type in ("ArrowFunctionExpression", "FunctionExpression")]
        if fns:
            return fns[-1]
    return None


def _body_of(fn: Any) -> list[Any]:
    body = fn.body
    if body.type == "BlockStatement":
        return list(body.body)
    return [_Wrapped(body)]


class _Wrapped:
    """An arrow function's expression body, as if it were a statement."""

    type = "ExpressionStatement"

    def __init__(self, expr: Any) -> None:
        self.expression = expr
        self.loc = expr.loc
        self.range = expr.range


def _chain(expr: Any, stmt: Any, text: str) -> Chain | None:
    if expr.type == "AwaitExpression":
        expr = expr.argument
    links: list[Link] = []
    node = expr
    while True:
        if node.type == "CallExpression" and node.callee.type == "MemberExpression" and not node.callee.computed:
            args, kwargs = _arguments(node.arguments, text)
            links.append(Link(snake(node.callee.property.name), True, args, kwargs))
            node = node.callee.object
        elif node.type == "MemberExpression" and not node.computed:
            links.append(Link(snake(node.property.name), False))
            node = node.object
        elif node.type == "CallExpression" and node.callee.type == "Identifier":
            inner = tuple(
                _chain(a, stmt, text) or _value(a, text) for a in node.arguments
            )
            return Chain(node.callee.name, tuple(reversed(links)), stmt.loc.start.line, _source(text, stmt), inner)
        elif node.type == "Identifier":
            return Chain(node.name, tuple(reversed(links)), stmt.loc.start.line, _source(text, stmt))
        else:
            return None


def _arguments(nodes: list[Any], text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Positional arguments, and the options object's keys as keyword arguments (``{ name: 'X' }``)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for i, node in enumerate(nodes):
        if node.type == "ObjectExpression" and i == len(nodes) - 1:
            for prop in node.properties:
                key = prop.key.name if prop.key.type == "Identifier" else prop.key.value
                kwargs[snake(str(key))] = _value(prop.value, text)
        else:
            args.append(_value(node, text))
    return tuple(args), kwargs


def _value(node: Any, text: str) -> Any:
    if node.type == "Literal" and getattr(node, "regex", None) is None:
        return node.value
    if node.type == "TemplateLiteral" and not node.expressions:
        return node.quasis[0].value.cooked
    if node.type == "UnaryExpression" and node.operator == "-" and node.argument.type == "Literal":
        return -node.argument.value
    if node.type == "ArrayExpression" and all(e.type == "Literal" for e in node.elements):
        return [e.value for e in node.elements]
    start, end = node.range
    return Opaque(text[start:end])
