"""Answers to files: copier renders into a temporary directory, we write atomically.

copier is imported lazily (it costs about half a second). It always runs with
`unsafe=False` and empty settings, so neither template tasks nor the person's own
copier defaults or trust list can change what is generated. The answers, the template
version and the pristine render of every file are recorded under `.scaffold/`, which
is everything `scaffold upgrade` needs, on any machine.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from generator import __version__
from generator.images import images_for, mirrored_images
from generator.validate import InputError

RECORD_DIR = ".scaffold"
ANSWERS_FILE = f"{RECORD_DIR}/answers.yml"
PRISTINE_DIR = f"{RECORD_DIR}/pristine"
BUILTIN_CATALOG = "builtin"

if TYPE_CHECKING:  # pragma: no cover
    from generator.catalogs import Resolved


#: for template development and tests only: a directory used instead of the built-in templates
TEMPLATES_ENV = "SCAFFOLD_TEMPLATES"


def builtin_templates() -> Path:
    """The templates shipped with the package (wheel) or beside it (source checkout).

    `SCAFFOLD_TEMPLATES` points at a modified copy instead, so that template changes
    (and `scaffold upgrade` across them) can be tried without reinstalling.
    """
    override = os.environ.get(TEMPLATES_ENV)
    if override:
        path = Path(override)
        if not (path / "VERSION").is_file():
            raise InputError(f"{TEMPLATES_ENV}={override} is not a templates directory (no VERSION file)")
        return path
    packaged = Path(__file__).parent / "_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def template_version(templates: Path) -> str:
    return (templates / "VERSION").read_text(encoding="utf-8").strip()


def render_context(answers: Mapping[str, Any], templates: Path, base_registry: str = "") -> Dict[str, Any]:
    """What templates see: the validated answers plus values derived from them.

    `base_registry` (a registry mirror) rewrites every base image (generator.images.mirrored).
    """
    return {
        **answers,
        "images": mirrored_images(images_for(answers), base_registry),
        "scaffold_version": __version__,
        "template_version": template_version(templates),
    }


def render(answers: Mapping[str, Any], templates: Path | None = None, *, base_registry: str = "",
           catalog_template: "Optional[Resolved]" = None) -> Dict[str, str]:
    """Render the language's template (or a catalog template); returns {relative path: text}.

    A catalog template is rendered from a temporary copier template assembled from the
    built-ins plus its files (generator.catalogs.assemble), so that it can extend them;
    copier's unsafe features are refused unless its catalog is trusted.
    """
    from copier import Settings, run_copy
    from copier.errors import UnsafeTemplateError

    templates = templates or builtin_templates()
    context = render_context(answers, templates, base_registry)
    with tempfile.TemporaryDirectory(prefix="scaffold-render-") as work:
        source, unsafe = templates, False
        if catalog_template is not None and not catalog_template.builtin:
            from generator.catalogs import assemble, check_outputs, refused

            source = Path(work, "template")
            features = assemble(catalog_template, templates, source)
            if features and not catalog_template.trusted:
                raise refused(catalog_template, features)
            unsafe = catalog_template.trusted
            context.update(catalog_template=catalog_template.name, catalog_version=catalog_template.version)
        out = Path(work, "out")
        out.mkdir()
        try:
            run_copy(
                str(source),
                str(out),
                data=context,
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=unsafe,
                settings=Settings(),
                vcs_ref=None,
            )
        except UnsafeTemplateError as error:
            if catalog_template is None:
                raise
            raise refused(catalog_template, [str(error).split(":", 1)[-1].split(".")[0].strip()]) from None
        files = {
            path.relative_to(out).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }
        if catalog_template is not None and not catalog_template.builtin:
            check_outputs(catalog_template, files)
        return files


@dataclass
class Plan:
    """Files to write into a project, and the record that goes with them."""

    project: Path
    files: Dict[str, str]
    answers: Dict[str, Any]
    template: str
    template_version: str
    #: the registry mirror the base images were rewritten for ("" for none); recorded
    base_registry: str = ""

    def record(self) -> Dict[str, str]:
        """The `.scaffold/` files: answers and the pristine copy of each generated file."""
        import yaml

        header = (
            "# Recorded by hardened-scaffold: `scaffold upgrade` regenerates the files below\n"
            "# from these answers and merges your edits. Change answers with `scaffold upgrade --set`.\n"
        )
        body = yaml.safe_dump(
            {
                "scaffold_version": __version__,
                "template": self.template,
                "template_version": self.template_version,
                **({"base_registry": self.base_registry} if self.base_registry else {}),
                "files": sorted(self.files),
                "answers": self.answers,
            },
            sort_keys=False,
            default_flow_style=False,
        )
        record = {ANSWERS_FILE: header + body}
        record.update({f"{PRISTINE_DIR}/{name}": text for name, text in self.files.items()})
        return record

    def conflicts(self) -> List[str]:
        """Generated files that already exist in the project."""
        return [name for name in sorted(self.files) if (self.project / name).exists()]

    def write(self, force: bool = False) -> List[str]:
        """Write every file atomically; refuse to replace existing ones unless forced."""
        existing = self.conflicts()
        if existing and not force:
            raise InputError(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; pass --force to overwrite")
        return write_atomically(self.project, {**self.files, **self.record()})


def write_atomically(root: Path, files: Mapping[str, str]) -> List[str]:
    """Stage every file beside its target first, then rename them all into place.

    A failure while staging leaves the project untouched; each rename is atomic.
    """
    staged: List[tuple] = []
    try:
        for name, text in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                raise InputError(f"{name} is a symbolic link; refusing to write through it")
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)
            staged.append((tmp, target))
    except BaseException:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return list(files)
