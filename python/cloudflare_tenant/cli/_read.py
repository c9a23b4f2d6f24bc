"""The read commands: one per ``GET`` operation of the client, made from the client's own
resource tree (its methods' signatures and docstrings), grouped as the dotted names are:
``accounts.members.list`` is ``cloudflare-tenant accounts members list ACCOUNT_ID``. An
operation added to the core shows up here with no change."""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import re
import sys
from typing import Any, Callable, Dict, List, Mapping, Sequence, Tuple, cast

from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from .._client import TenantClient
from .._core import operations
from .._pagination import PageIterator
from .._resources import TenantResources
from ._files import public

__all__ = ["add_read_commands", "run_read"]

# At most this many columns in a table of items; --json shows every field.
_MAX_COLUMNS = 7
# Columns shown first when items have them.
_FIRST = ("id", "name", "email", "status")


def add_read_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Adds a command for every ``GET`` operation, under one group per resource."""
    tree = TenantResources()
    tree._init_resources()  # resources without a client: only their signatures are read
    reads = [op for op in operations() if op["method"] == "GET"]
    names = [tuple(_command_name(part) for part in op["name"].split(".")) for op in reads]
    groups: Dict[Tuple[str, ...], "argparse._SubParsersAction[argparse.ArgumentParser]"] = {
        (): commands
    }
    for op, name in zip(reads, names):
        for depth in range(1, len(name)):
            path = name[:depth]
            if path not in groups:
                group = groups[path[:-1]].add_parser(
                    path[-1],
                    help=f"read: {', '.join(_under(names, path))}",
                    description=f"Reads {' '.join(path)}.",
                )
                groups[path] = group.add_subparsers(
                    title="commands", metavar="COMMAND", required=True
                )
        method = _method(tree, op["name"])
        _add_command(groups[name[:-1]], name[-1], op["name"], op["paginated"], method)


def _under(names: List[Tuple[str, ...]], path: Tuple[str, ...]) -> List[str]:
    """The commands and groups right under ``path``, in the catalog's order."""
    found: List[str] = []
    for name in names:
        if len(name) > len(path) and name[: len(path)] == path and name[len(path)] not in found:
            found.append(name[len(path)])
    return found


def _method(root: object, operation: str) -> Callable[..., Any]:
    """The method of ``root`` that the dotted name names (``accounts.members.list``)."""
    target: Any = root
    for part in operation.split("."):
        target = getattr(target, part)
    return cast(Callable[..., Any], target)


def _command_name(part: str) -> str:
    return part.replace("_", "-")


def _add_command(
    group: "argparse._SubParsersAction[argparse.ArgumentParser]",
    verb: str,
    operation: str,
    paginated: bool,
    method: Callable[..., Any],
) -> None:
    summary, route, params = _docs(method.__doc__ or "")
    description = f"{summary}\n\n{route}" + (" (every page)" if paginated else "")
    parser = group.add_parser(
        verb,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    positional: List[str] = []
    options: List[str] = []
    for name, parameter in inspect.signature(method).parameters.items():
        # Lists are read whole: the page to start from is not a choice here.
        if name == "credentials" or (name == "page" and paginated):
            continue
        doc = params.get(name, "")
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            settings = _option(str(parameter.annotation))
            if settings.get("action") != "store_const":
                settings.setdefault("metavar", name.upper())
            parser.add_argument(
                f"--{_command_name(name)}", dest=f"param_{name}", help=doc, **settings
            )
            options.append(name)
        else:
            parser.add_argument(f"param_{name}", metavar=name.upper(), help=doc)
            positional.append(name)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print JSON (every item, every field) instead of a table",
    )
    parser.set_defaults(command="read", operation=operation, positional=positional, options=options)


def _docs(doc: str) -> Tuple[str, str, Dict[str, str]]:
    """From a generated method's docstring: its first sentence, its route (``GET
    /accounts``) and the help of each parameter (its ``Args:`` section)."""
    text = inspect.cleandoc(doc).replace("``", "").replace("%", "%%")
    head, _, args = text.partition("\nArgs:\n")
    paragraphs = head.split("\n\n")
    route = re.search(r"\b(GET \S+?)\.?$", paragraphs[0])
    body = " ".join(paragraphs[1].split()) if len(paragraphs) > 1 else ""
    summary = re.split(r"(?<=\.) ", body, maxsplit=1)[0]
    params: Dict[str, str] = {}
    name = ""
    for line in args.splitlines():
        match = re.match(r"\s{0,4}(\w+): (.*)", line)
        if match:
            name = match.group(1)
            params[name] = match.group(2)
        elif name and line.strip():
            params[name] += " " + line.strip()
    return summary, route.group(1) if route else "", params


def _option(annotation: str) -> Dict[str, Any]:
    """argparse's settings for a keyword parameter, from its annotation (a string)."""
    if re.search(r"\bbool\b", annotation):
        return {"action": "store_const", "const": True}
    literal = re.search(r"Literal\[(.*?)\]", annotation)
    if literal:
        values = ast.literal_eval(f"({literal.group(1)},)")
        by_text = {str(v): v for v in values}

        def choice(text: str) -> Any:
            if text not in by_text:
                raise argparse.ArgumentTypeError(f"choose from {', '.join(by_text)}")
            return by_text[text]

        return {"type": choice, "choices": list(values), "metavar": "{" + ",".join(by_text) + "}"}
    if re.search(r"\bint\b", annotation):
        return {"type": int}
    if "Sequence[" in annotation:
        return {"action": "append"}
    return {}


def run_read(client: TenantClient, args: argparse.Namespace, out: Console) -> int:
    """Calls the operation; prints every item of a list (all pages), or the one result."""
    given = vars(args)
    method = _method(client, args.operation)
    options = {
        name: given[f"param_{name}"] for name in args.options if given[f"param_{name}"] is not None
    }
    result = method(*(given[f"param_{name}"] for name in args.positional), **options)
    if isinstance(result, PageIterator):
        result = list(result)
    if args.json:
        sys.stdout.write(json.dumps(public(result), indent=2, ensure_ascii=False) + "\n")
    elif isinstance(result, list):
        out.print(_items_table(public(result)))
    elif isinstance(result, Mapping):
        out.print(_fields_table(public(result)))
    else:
        out.print(Text(str(public(result))))
    return 0


def _items_table(items: Sequence[Any]) -> Table:
    """Items as rows; the columns are the fields every item has as a plain value (a nested
    object or list is left to ``--json``)."""
    count = f"{len(items)} item{'' if len(items) == 1 else 's'}"
    if not items or not all(isinstance(item, Mapping) for item in items):
        table = Table(Column("value", overflow="fold"), caption=count)
        for item in items:
            table.add_row(_cell(item))
        return table
    columns: List[str] = []
    nested = set()
    for item in items:
        for key, value in item.items():
            if isinstance(value, (Mapping, list)):
                nested.add(key)
            elif key not in columns:
                columns.append(key)
    columns = [c for c in columns if c not in nested]
    columns = [c for c in _FIRST if c in columns] + [c for c in columns if c not in _FIRST]
    hidden = len(columns) > _MAX_COLUMNS or bool(nested)
    columns = columns[:_MAX_COLUMNS]
    caption = count + ("; --json shows every field" if hidden else "")
    table = Table(*(Column(c, overflow="fold") for c in columns), caption=caption)
    for item in items:
        table.add_row(*(_cell(item.get(c)) for c in columns))
    return table


def _fields_table(result: Mapping[str, Any]) -> Table:
    """One object as field and value; a nested value as compact JSON."""
    table = Table("field", Column("value", overflow="fold"), show_header=False)
    for key, value in result.items():
        table.add_row(Text(key, style="bold"), _cell(value))
    return table


def _cell(value: Any) -> Text:
    """A value as plain text (a name with ``[brackets]`` is not taken for markup)."""
    if value is None:
        return Text("")
    if isinstance(value, bool):
        return Text(str(value).lower())
    if isinstance(value, (Mapping, list)):
        return Text(json.dumps(value, ensure_ascii=False))
    return Text(str(value))
