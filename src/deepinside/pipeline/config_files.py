"""Config files read strictly, so that what is wrong with one is said in one line that names it.

Snakemake reads ``config.yaml`` and every ``--configfile`` leniently: a key written twice
keeps its last value without a word, and an empty file, a list, non-UTF-8 bytes or a YAML
"bomb" (aliases of aliases, a few hundred bytes that expand to gigabytes) surface as long
tracebacks that do not name the file, or not at all. :func:`check_file` reads a file the
way the pipeline means it to be written — one mapping of keys, each key once, UTF-8, of a
sane size and depth, at most a million values once its aliases are expanded — and raises :class:`ConfigFileError` with the file's name
and the line otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

MAX_BYTES = 1_000_000  # config.yaml is about 30 kB
MAX_DEPTH = 64  # config.yaml nests 7 levels deep
MAX_NODES = 1_000_000  # values after aliases are expanded (config.yaml: about 1,500)


class ConfigFileError(ValueError):
    """A config file that cannot be what the pipeline reads; the message names the file."""


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys and deep nesting."""

    def __init__(self, stream, name: str):
        super().__init__(stream)
        self._name = name
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ConfigFileError(f"{self._name}, line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise ConfigFileError(
                    f"{self._name}, line {key_node.start_mark.line + 1}: key {key!r} is written twice "
                    f"(first on line {seen[key]}); YAML would keep the last silently"
                )
            if isinstance(key, (str, int, float, bool)):
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def expanded_size(node, cap: int = MAX_NODES) -> int:
    """How many values the composed ``node`` holds once its aliases are expanded (an alias is the
    anchored node itself, so shared sizes are counted once and multiplied); stops past ``cap``."""
    sizes: dict[int, int] = {}

    def size(n) -> int:
        if id(n) in sizes:
            return sizes[id(n)]
        total = 1
        if isinstance(n, yaml.SequenceNode):
            children = n.value
        elif isinstance(n, yaml.MappingNode):
            children = [part for pair in n.value for part in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > cap:
                break
        sizes[id(n)] = total
        return total

    return size(node)


def check_file(path: str | os.PathLike) -> dict:
    """The mapping in the config file ``path``, read strictly (see the module docstring)."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigFileError(f"{name}: {size:,} bytes; a config file is at most {MAX_BYTES:,}")
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigFileError(f"{name}: cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(f"{name}: not UTF-8 text (byte {error.start} is {raw[error.start]:#04x})") from None
    loader = _StrictLoader(text, name)
    try:
        node = loader.get_single_node()
        if node is not None and expanded_size(node) > MAX_NODES:
            raise ConfigFileError(
                f"{name}: more than {MAX_NODES:,} values once its aliases (*name) are expanded; a config file needs "
                "no aliases, and these would fill the memory"
            )
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + 1}" if mark else ""
        raise ConfigFileError(f"{name}{where}: not valid YAML ({error.problem or error.context})") from None
    except yaml.YAMLError as error:
        raise ConfigFileError(f"{name}: not valid YAML ({str(error).splitlines()[0]})") from None
    except RecursionError:
        raise ConfigFileError(f"{name}: nested too deep to read") from None
    finally:
        loader.dispose()
    if data is None:
        raise ConfigFileError(f"{name}: empty; a config file is a mapping of keys (e.g. `preset: paper`)")
    if not isinstance(data, dict):
        raise ConfigFileError(
            f"{name}: a {type(data).__name__} at the top level; a config file is a mapping of keys (e.g. `preset: paper`)"
        )
    return data
