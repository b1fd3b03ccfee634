"""Read a YAML policy file into a Pydantic model, with errors that name file, line and field.

A CX manager edits these files by hand; "escalation.yaml, line 14, rules.2.when.frustration:
Input should be 'calm', 'annoyed', 'frustrated' or 'angry'" is an error they can act on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

# libyaml's parser when PyYAML was built with it (the PyPI wheels are): the same documents and
# errors, about ten times faster; every assistant, test and replay worker reads these files.
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """`yaml.safe_load`, through libyaml when it is there."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree (with line marks) of a document, through libyaml when it is there."""
    return yaml.compose(text, Loader=_LOADER)


class PolicyError(ValueError):
    """A policy file is missing, unreadable or does not match its model.

    `problems` lists each one as "file, line N, field: message"."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else problems
        super().__init__("; ".join(self.problems))


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc` (or of its nearest existing parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:
                # The field is missing or unknown: point at the key if there is one.
                key = next((k for k, _ in node.value if k.value == part), None)
                return key.start_mark.line + 1 if key is not None else line
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            # Discriminated unions add the tag name to the path; it has no node of its own.
            continue
        line = node.start_mark.line + 1
    return line


def load_model(path: Path, model: type[M]) -> M:
    try:
        text = path.read_text(encoding="utf-8")
        data = parse_yaml(text)
    except FileNotFoundError:
        raise PolicyError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # The node tree only to name lines: a valid file (every start) never needs it.
        root = compose_yaml(text)
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _line_of(root, loc)
            # A tagged union repeats its tag before the field ("any.any"): say it once.
            parts = [str(p) for i, p in enumerate(loc) if i == 0 or p != loc[i - 1]]
            field = ".".join(parts) or "(top level)"
            problems.append(f"{path}, line {line}, {field}: {err['msg']}")
        raise PolicyError(problems) from None
