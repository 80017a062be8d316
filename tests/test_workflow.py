"""The pull-request workflow and the pre-commit files: valid YAML, and the commands the README documents."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import yaml
from test_readme import quick_start

from validator.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"
ACTIVATE = ". .venv/bin/activate && "

# The hook languages pre-commit 4 knows (https://pre-commit.com/#supported-languages).
PRE_COMMIT_LANGUAGES = {
    "conda",
    "coursier",
    "dart",
    "docker",
    "docker_image",
    "dotnet",
    "fail",
    "golang",
    "haskell",
    "julia",
    "lua",
    "node",
    "perl",
    "pygrep",
    "python",
    "r",
    "ruby",
    "rust",
    "swift",
    "system",
    "script",
    "unsupported",
    "unsupported_script",
}


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _steps() -> list[dict]:
    return _load(WORKFLOW)["jobs"]["validate"]["steps"]


def workflow_commands() -> list[str]:
    """The shell commands of the workflow's steps, without the virtualenv activation that joins them."""
    out = []
    for step in _steps():
        for line in step.get("run", "").splitlines():
            line = line.strip()
            if line:
                out.append(line[len(ACTIVATE) :] if line.startswith(ACTIVATE) else line)
    return out


def readme_ci_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Contributing and change checks", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "no bash block in the README's Contributing and change checks section"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_workflow_is_valid_yaml_on_pull_requests() -> None:
    data = _load(WORKFLOW)
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    assert data["permissions"] == {"contents": "read"}
    job = data["jobs"]["validate"]
    assert job["env"]["BASE"] == "origin/${{ github.base_ref }}"


def test_workflow_runs_the_readme_commands() -> None:
    assert workflow_commands() == readme_ci_commands()
    install = workflow_commands()[0]
    assert install.startswith(quick_start()[0]), "the workflow installs and validates as the Quick start does"


def test_workflow_uses_the_projects_own_cli() -> None:
    uses = [step["uses"].split("@")[0] for step in _steps() if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python"]
    checkout = next(step for step in _steps() if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0, "the change rules need the base branch's history"
    parser = build_parser()
    commands = [c.split(" && ")[-1] for c in workflow_commands()]
    assert [c.split()[:2] for c in commands] == [["tda", "validate"], ["tda", "validate"], ["tda", "diff"]]
    for command in commands:
        words = shlex.split(command.replace('"$BASE"', "origin/main").split(">>")[0])
        parser.parse_args(words[1:])  # exits (fails the test) on an unknown option
    assert "--format github" in commands[0] and '--since "$BASE"' in commands[1] and "--format markdown" in commands[2]
    assert workflow_commands()[2].endswith('>> "$GITHUB_STEP_SUMMARY"')


def _tda_entry_parses(entry: str) -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    program, *args = shlex.split(entry)
    assert program in scripts or program == "ruff", entry
    if program == "tda":
        build_parser().parse_args(args)


def _check_hook(hook: dict, *, local: bool) -> None:
    required = ("id", "name", "entry", "language") if local else ("id",)
    assert all(isinstance(hook.get(k), str) and hook[k] for k in required), hook
    if local:
        assert hook["language"] in PRE_COMMIT_LANGUAGES, hook
        _tda_entry_parses(hook["entry"])
    if "files" in hook:
        re.compile(hook["files"])


def test_pre_commit_hooks_manifest() -> None:
    hooks = _load(ROOT / ".pre-commit-hooks.yaml")
    assert isinstance(hooks, list) and [h["id"] for h in hooks] == ["tda-validate"]
    (hook,) = hooks
    _check_hook(hook, local=True)
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("data/entities.csv") and files.search("datapackage.json") and not files.search("README.md")


def test_pre_commit_config() -> None:
    config = _load(ROOT / ".pre-commit-config.yaml")
    repos = config["repos"]
    assert isinstance(repos, list) and repos
    for repo in repos:
        assert isinstance(repo["repo"], str) and isinstance(repo["hooks"], list) and repo["hooks"]
        local = repo["repo"] in ("local", "meta")
        if not local:
            assert repo.get("rev"), f"{repo['repo']} needs a rev"
        for hook in repo["hooks"]:
            _check_hook(hook, local=repo["repo"] == "local")
    ids = [h["id"] for r in repos for h in r["hooks"]]
    assert "tda-validate" in ids and "tda-generate-check" in ids
