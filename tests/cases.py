"""Answer sets covering every template x final flavour (and the options that change output)."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from generator.languages import LANGUAGES

COMMON = {"app_name": "demo", "source_dir": ".", "port": 8080, "uid": 10001, "gid": 10001, "syntax": ""}

BASE: Dict[str, Dict[str, Any]] = {
    "go": {"language": "go", "version": "1.22", "package": "./cmd/api", "binary": "api",
           "cgo": False, "vendor": False, "workspace": False},
    "python": {"language": "python", "version": "3.11", "package_manager": "pip",
               "requirements_file": "requirements.txt", "installable": False,
               "start_command": ["gunicorn", "--bind", "0.0.0.0:8080", "app:app"],
               "django": False, "django_settings": ""},
    "java": {"language": "java", "version": "17", "build_tool": "maven", "wrapper": False,
             "module": "", "spring_boot": False, "main_class": "com.example.App", "packaging": "jar"},
}

#: extra variants per language beyond the final flavours: (label, changes)
VARIANTS: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {
    "go": [("root", {"package": ".", "binary": "demo"}), ("cgo", {"cgo": True}),
           ("vendor", {"vendor": True}), ("workspace", {"workspace": True, "package": "./api"}),
           ("state", {"data": ["data"], "writable": ["cache", "/var/lib/demo"]}),
           ("tags", {"tags": ["netgo", "osusergo"], "ldflags": ["main.edition=oss"]})],
    "python": [("poetry", {"package_manager": "poetry", "requirements_file": ""}),
               ("uv", {"package_manager": "uv", "requirements_file": ""}),
               ("pdm", {"package_manager": "pdm", "requirements_file": ""}),
               ("pipenv", {"package_manager": "pipenv", "requirements_file": ""}),
               ("installable", {"installable": True, "requirements_file": ""}),
               ("django", {"django": True, "django_settings": "mysite.settings"}),
               ("state", {"data": ["instance"], "writable": ["uploads"], "env_file": True}),
               ("native", {"native": ["psycopg2", "python-ldap"]}),
               ("config-file", {"start_command": ["uwsgi", "--ini", "deploy/uwsgi.ini"],
                                "config_file": "deploy/uwsgi.ini"})],
    "java": [("wrapper", {"wrapper": True}), ("gradle", {"build_tool": "gradle"}),
             ("gradle-wrapper", {"build_tool": "gradle", "wrapper": True}),
             ("spring-boot", {"spring_boot": True, "packaging": "spring-boot", "main_class": "", "version": "21"}),
             ("spring-boot-2.1-old-wrapper", {"spring_boot": True, "packaging": "spring-boot", "main_class": "",
                                              "spring_boot_version": "2.1",
                                              "wrapper": True, "maven_version": "3.5.4"}),
             ("multi-module", {"module": "app", "packaging": "shade", "version": "21"}),
             ("java25", {"version": "25"}), ("state", {"data": ["data"], "writable": ["logs"]}),
             ("inheriting-module", {"module": "services/orders", "module_aggregated": False}),
             ("quarkus", {"packaging": "quarkus", "main_class": "", "version": "21"}),
             ("args", {"packaging": "shade", "args": ["server", "/app/config.yml"], "config_file": "config.yml"})],
}


def cases() -> List[Tuple[str, Dict[str, Any]]]:
    """(id, raw answers) for every language x final, then every variant x final."""
    result = []
    for language in LANGUAGES:
        variants = [("default", {})] + VARIANTS[language.name]
        for label, changes in variants:
            for final in language.final_names:
                answers = {**COMMON, **BASE[language.name], **changes, "final": final}
                if language.final_refusal(answers, final):
                    continue  # refused by validation (the language's one rule), e.g. cgo needs a libc
                result.append((f"{language.name}-{label}-{final}", answers))
    return result
