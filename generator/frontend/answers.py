"""The frontend answers every language has, and the one rule across them.

Declared once here and added to every language's answers (`Language.answer_fields`), so
flags, `--set` keys, copier.yml and validation come from them like any other answer.
`frontend` is the UI's directory relative to the app's root ("" : no frontend stage);
`frontend_output` is where its build writes, relative to the app's root, which is where
the backend's build finds it unless `frontend_target` says another place (a Makefile's or
Dockerfile's move).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from generator.answer_field import AnswerField
from generator.parsers import one_of, parse_argv, parse_bool, parse_optional_relpath, text

#: the Node major the stage builds with when the repository says none (an active LTS)
DEFAULT_NODE = "20"
MANAGERS = ("npm", "yarn", "yarn-berry", "pnpm")


def parse_frontend(raw: Any) -> str:
    """The UI's directory inside the app, or "" (also written `none`) for no frontend stage."""
    return "" if raw in (None, False, "none") else parse_optional_relpath(raw)


def parse_node_major(raw: Any) -> str:
    """A Node.js major version the official image is tagged with (16 to 99)."""
    value = text(raw).strip().lstrip("v")
    if not re.fullmatch(r"\d{1,2}", value) or not 16 <= int(value) <= 99:
        raise ValueError("must be a Node.js major version (a number from 16, like 20)")
    return value


def parse_build(raw: Any) -> List[str]:
    """The build command as argv (exec form, no shell); [] when there is no frontend."""
    if raw in (None, "", []):
        return []
    try:
        return parse_argv(raw)
    except ValueError as error:
        said = str(error)
        if said.startswith("contains shell syntax"):  # parse_argv's reason speaks of the ENTRYPOINT
            said = (said.split(", which")[0] + ", which the exec-form RUN would hand to the program as plain "
                    "text; give one command, and chain steps in a package.json script")
        raise ValueError(said) from None


def parse_sources(raw: Any) -> List[str]:
    """Paths inside the frontend its build reads ([]: the whole directory), at most 32."""
    if raw in (None, "", []):
        return []
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, (list, tuple)) or len(raw) > 32:
        raise ValueError("expected paths inside the frontend (at most 32)")
    paths = [parse_optional_relpath(item) for item in raw]
    if "." in paths or "" in paths:
        raise ValueError("names the whole directory; leave it empty for that")
    return paths


FIELDS: Tuple[AnswerField, ...] = (
    AnswerField("frontend", parse_frontend, "directory of the UI built with Node before the app (package.json and "
                "its lockfile); none: no frontend stage (a UI served from elsewhere, or none)", default="",
                flag="--frontend", metavar="PATH|none", settable=True, detected=True, off_flag=("--no-frontend", "none")),
    AnswerField("frontend_manager", one_of("", *MANAGERS), "package manager of the frontend, from its lockfile "
                f"({', '.join(MANAGERS)})", default="", flag="--frontend-manager", metavar="|".join(MANAGERS),
                settable=True, detected=True),
    AnswerField("frontend_node", parse_node_major, "Node.js major version of the frontend stage (.nvmrc, "
                ".node-version, engines)", default=DEFAULT_NODE, settable=True, detected=True),
    AnswerField("frontend_build", parse_build, "command that builds the frontend (exec form, no shell)",
                type="json", default=[], flag="--frontend-build", metavar="CMD", settable=True, detected=True),
    AnswerField("frontend_output", parse_optional_relpath, "directory the frontend build writes, relative to the "
                "app; copied to the same place in the app's build", default="", flag="--frontend-output",
                metavar="DIR", settable=True, detected=True),
    AnswerField("frontend_target", parse_optional_relpath, "where the app's build expects the frontend's output, "
                "relative to the app, when not where the build writes it (a Makefile or Dockerfile moves it); "
                "empty: the same place", default="", flag="--frontend-target", metavar="DIR", settable=True,
                detected=True),
    AnswerField("frontend_sources", parse_sources, "what the frontend's build reads when it shares the app's "
                "directory (configuration files, source folders); empty: the whole frontend directory", type="json",
                default=[], settable=True, detected=True),
    AnswerField("frontend_maven_exec", parse_bool, "the Maven build runs Node's tools through exec-maven-plugin: "
                "skipped there (-Dexec.skip), the frontend stage builds the UI", type="bool", default=False,
                settable=True, detected=True),
    AnswerField("frontend_scripts", parse_bool, "let the frontend's packages run their install scripts (off: "
                "--ignore-scripts, the usual npm supply-chain vector)", type="bool", default=False,
                flag="--frontend-scripts", settable=True, flag_value=True),
)


def refusal(answers: Mapping[str, Any]) -> Optional[str]:
    """Why the frontend answers cannot be built together (None: they can, or there is no frontend)."""
    if not answers.get("frontend"):
        return None
    missing = [(key, flag) for key, flag in (("frontend_manager", "--frontend-manager npm"),
                                             ("frontend_build", "--frontend-build CMD"),
                                             ("frontend_output", "--frontend-output DIR")) if not answers.get(key)]
    if missing:
        key, flag = missing[0]
        return (f"{key.replace('_', ' ')} is missing for the frontend in {answers['frontend']}: a lockfile "
                f"(package-lock.json, yarn.lock, pnpm-lock.yaml) and a build script were looked for; set it with "
                f"{flag}, or leave the frontend out with --frontend none")
    output, frontend = answers["frontend_output"], answers["frontend"]
    if output == "." or f"{frontend}/".startswith(f"{output}/"):
        # only the build's output may reach the app's build: never the frontend's sources or node_modules
        return (f"frontend output {output!r} holds the frontend {frontend!r} itself (its sources and node_modules "
                "would be copied into the app's build); set the folder its build writes with --frontend-output")
    if answers.get("frontend_target") == ".":
        return ("frontend target '.' is the app's whole directory (the UI's files would be mixed into its sources); "
                "set the folder the app's build expects with --frontend-target")
    return None


def images(answers: Mapping[str, Any]) -> Dict[str, str]:
    """The frontend stage's base image, when there is one: the official node image, Debian slim."""
    return {"frontend": f"node:{answers['frontend_node']}-bookworm-slim"} if answers.get("frontend") else {}
