"""YAML check of the pre-commit hook and the test suite: every file given
parses (all its documents) and no mapping repeats a key (PyYAML would keep
the last one silently, so a second `columns:` or `data_tests:` would drop
the first). One line per problem, `file:line: message`; exit 1 if any.

Usage: python scripts/check_yaml.py FILE...
"""

from __future__ import annotations

import sys

import yaml


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def problems(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            for _ in yaml.load_all(f, Loader=_UniqueKeyLoader):
                pass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else "?"
        return [f"{path}:{line}: {e.problem or e.context}"]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return [f"{path}: {e}"]
    return []


def main(paths: list[str]) -> int:
    found = [p for path in paths for p in problems(path)]
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
