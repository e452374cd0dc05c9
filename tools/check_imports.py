"""Every module imports only what Package.swift declares for it.

Reads `swift package dump-package` (JSON on stdin) and every Swift file of every target, and lists each import of a
package module (a target of this package or a product of a dependency) that the importing target does not declare
as a direct dependency. A transitive dependency does not count: SwiftPM builds such an import today, but the graph a
reader sees in Package.swift would be wrong. Exit status 1 when there is any.

    swift package dump-package | python3 tools/check_imports.py
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_exported\s+)?import\s+(?:(?:struct|class|enum|func|protocol|var|let)\s+)?(\w+)", re.M)


def declared(target):
    names = set()
    for dependency in target["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.add(dependency[kind][0])
    return names


def main():
    package = json.load(sys.stdin)
    targets = {t["name"]: t for t in package["targets"]}
    module_names = set(targets) | {"Yams", "GRDB", "ArgumentParser"}
    problems = []
    for name, target in sorted(targets.items()):
        directory = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", name)
        allowed = declared(target) | {name}
        for folder, _, files in os.walk(os.path.join(ROOT, directory)):
            for file in sorted(files):
                if not file.endswith(".swift"):
                    continue
                path = os.path.join(folder, file)
                text = open(path, encoding="utf-8").read()
                for module in sorted(set(IMPORT.findall(text))):
                    if module in module_names and module not in allowed:
                        problems.append(f"{os.path.relpath(path, ROOT)}: imports {module}, which target {name} does not declare")
    for problem in problems:
        print(problem)
    print(f"imports: {len(problems)} undeclared" if problems else f"imports: every import of {len(targets)} targets is declared")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
