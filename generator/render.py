"""Answers to files: copier renders a template source into a temporary directory.

copier is imported lazily (it costs about half a second) and always runs with empty
settings, so the person's own copier defaults or trust list never change what is
generated. What it renders is a `TemplateSource`: the built-ins, or a catalog
template assembled over them by `generator.catalogs`. A source that is not trusted
renders with copier's unsafe features refused and with the filters that reach the
host (environment variables, home directory, file listings, real paths) replaced by
refusals, so a template can read nothing but its own files and the answers. Nothing
here writes into a project: `generator.plan` does, through `generator.fs`.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional

from generator import __version__, fs
from generator.errors import TemplateError, TrustError
from generator.images import mirrored_images
from generator.languages import by_name
from generator.templates import TemplateSource, builtin_source, builtin_templates, template_version

#: filters of copier's default Jinja extension (jinja2-ansible-filters) that read the host
HOST_FILTERS = ("expanduser", "expandvars", "fileglob", "realpath", "relpath")
#: copier.yml keys that run code on the machine, and how messages call them
UNSAFE_KEYS = (("_tasks", "tasks"), ("_migrations", "migrations"), ("_jinja_extensions", "Jinja extensions"))
#: one part of a file name a template may generate
_OUTPUT_PART = re.compile(r"[A-Za-z0-9_.@+-]{1,128}")
#: directories a template never writes into
_RESERVED = (".git", ".scaffold")
#: what one render may produce at most (files, bytes): a template is not a disk filler
MAX_OUTPUT_FILES, MAX_OUTPUT_BYTES = 200, 16 << 20


def render_context(answers: Mapping[str, Any], version: str, base_registry: str = "") -> Dict[str, Any]:
    """What templates see: the validated answers plus values derived from them.

    `base_registry` (a registry mirror) rewrites every base image (generator.images.mirrored).
    `runtime` is the runtime contract (generator.runtime) that the Dockerfile, compose.yaml
    and the Kubernetes manifests all render from; `build` is the language's build plan
    (`Language.build`), the choices its Dockerfile lays out; `ci_pins` the actions, images and
    runner the CI pipelines pin (generator.pins); `secret_entries` the .dockerignore entries
    of generator.secret_names (the list `scaffold check` holds a build context to).
    """
    from generator.pins import CI_ACTIONS, CI_IMAGES, CI_RUNNER
    from generator.frontend.answers import images as frontend_images
    from generator.runtime import runtime_for
    from generator.secret_names import dockerignore_entries

    language = by_name(answers["language"])
    return {
        **answers,
        "runtime": runtime_for(answers),
        "secret_entries": dockerignore_entries(),
        "build": language.build(answers),
        "images": mirrored_images({**language.images(answers), **frontend_images(answers)}, base_registry),
        "ci_pins": {"actions": CI_ACTIONS, "images": CI_IMAGES, "runner": CI_RUNNER},
        "scaffold_version": __version__,
        "template_version": version,
    }


def render(answers: Mapping[str, Any], source: Optional[TemplateSource] = None, *, base_registry: str = "",
           dry_run: bool = False) -> Dict[str, str]:
    """Render `source` (the built-ins by default); returns {relative path: text}.

    With `dry_run` nothing on the machine runs: copier tasks are skipped, and a
    template that needs Jinja extensions (code) is refused rather than run.
    """
    source = source or builtin_source()
    if source.unsafe_features and not source.trusted:
        raise TrustError(f"template {source.name} uses copier {', '.join(source.unsafe_features)} (code run on your "
                         f"machine), refused because it is not trusted{source.trust_hint}; nothing was written")
    if dry_run and "Jinja extensions" in source.unsafe_features:
        raise TrustError(f"template {source.name} uses Jinja extensions (code run on your machine); --dry-run never "
                         "runs code, so it cannot show what this template generates")
    context = {**render_context(answers, template_version(builtin_templates()), base_registry), **source.context}
    with fs.scratch_dir("scaffold-render-") as work:
        out = Path(work, "out")
        out.mkdir()
        _run_copier(source, out, context, skip_tasks=dry_run)
        return _collect(out, source.name)


def _run_copier(source: TemplateSource, out: Path, context: Dict[str, Any], skip_tasks: bool) -> None:
    """copier's copy, every failure turned into one TemplateError naming the template."""
    from copier._settings import SettingsModel
    from copier.errors import CopierError
    from jinja2 import TemplateError as JinjaError
    from yaml import YAMLError

    worker_class = _worker_base() if source.trusted else _untrusted_worker()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # copier's notices (dirty template, old version) are not ours to print
            with worker_class(src_path=str(source.directory), dst_path=out, data=context, defaults=True,
                              overwrite=True, quiet=True, unsafe=source.trusted, settings=SettingsModel(),
                              vcs_ref=None, skip_tasks=skip_tasks) as worker:
                worker.run_copy()
    except JinjaError as error:
        where = ""
        filename = getattr(error, "filename", None)  # syntax errors say where; other Jinja errors do not
        if filename:
            where = f" ({Path(str(filename)).name}:{getattr(error, 'lineno', '?')})"
        raise TemplateError(f"template {source.name} cannot be rendered{where}: {_first_line(error)}") from None
    except RecursionError:
        raise TemplateError(f"template {source.name} cannot be rendered: it recurses without end") from None
    except AssertionError:  # copier asserts what it cannot handle (an absolute or `..` answers file)
        raise TemplateError(f"template {source.name} cannot be rendered: copier refused its settings (is "
                            "_answers_file a relative path?)") from None
    except (CopierError, YAMLError, OSError, TypeError, ValueError) as error:
        raise TemplateError(f"template {source.name} cannot be rendered: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _refusal(name: str) -> Callable[..., Any]:
    def refuse(*_: Any, **__: Any) -> Any:
        from jinja2.exceptions import SecurityError

        raise SecurityError(f"the {name} filter reads the machine running scaffold; templates that are not "
                            "trusted cannot use it")

    return refuse


def _worker_base() -> Any:
    """copier's Worker: the class behind run_copy, used directly so that an untrusted
    template's Jinja environment can be restricted (copier <10; tests/test_security.py
    fails if a copier release changes what this relies on)."""
    from copier import _main

    return _main.Worker


def _untrusted_worker() -> Any:
    """A Worker whose Jinja environment cannot reach the host.

    copier always loads jinja2-ansible-filters; its path filters read the environment
    (`expandvars`), the home directory (`expanduser`), file listings (`fileglob`) and
    the real layout of the disk (`realpath`, `relpath`). They become refusals, and the
    interpreter's path (`_copier_python`) is not offered to templates.
    """
    from functools import cached_property

    base = _worker_base()

    class UntrustedWorker(base):  # type: ignore[misc, valid-type]
        @cached_property
        def jinja_env(self) -> Any:
            env = super().jinja_env
            for name in HOST_FILTERS:
                env.filters[name] = _refusal(name)
            return env

        def _render_context(self) -> Any:
            context = super()._render_context()
            context.pop("_copier_python", None)
            return context

    return UntrustedWorker


def _collect(out: Path, template: str) -> Dict[str, str]:
    """The rendered files, as text: regular files with plain names outside .git and .scaffold.

    copier can render a symbolic link (`_preserve_symlinks`); following one here would
    read a host file into the project, so a link is refused like any odd file.
    """
    files: Dict[str, str] = {}
    total = 0
    for current, dirs, names in os.walk(out):
        dirs.sort()
        for name in sorted(names) + [d for d in dirs if os.path.islink(os.path.join(current, d))]:
            path = Path(current, name)
            rel = path.relative_to(out).as_posix()
            parts = rel.split("/")
            if parts[0] in _RESERVED or not all(_OUTPUT_PART.fullmatch(p) and p not in (".", "..") for p in parts):
                raise TemplateError(f"template {template} generates {rel!r}, which is not a plain file name outside "
                                    ".git and .scaffold; refused, nothing was written")
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                raise TemplateError(f"template {template} generates {rel!r} as a symbolic link or special file; "
                                    "only regular files are written; refused, nothing was written")
            total += info.st_size
            if len(files) >= MAX_OUTPUT_FILES or total > MAX_OUTPUT_BYTES:
                raise TemplateError(f"template {template} generates more than {MAX_OUTPUT_FILES} files or "
                                    f"{MAX_OUTPUT_BYTES >> 20} MiB; refused, nothing was written")
            try:
                files[rel] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise TemplateError(f"template {template} generates {rel!r}, which is not UTF-8 text; refused") from None
    return dict(sorted(files.items()))
