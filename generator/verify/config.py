"""The image config blob, read with its JSON types checked: an image's config is untrusted input.

`docker build` writes strings, lists of strings and objects where the checks expect them; a
config written by hand or by a broken tool may hold a number for ENTRYPOINT or a list for
Labels. Such a value is reported as a finding of the check it feeds, and then treated as
absent, so no check ever meets a type it does not expect. A list or mapping longer than
MAX_CONFIG_ITEMS is a LimitExceeded: no real config comes near it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

from generator.verify import limits
from generator.verify.limits import LimitExceeded
from generator.verify.report import Finding

FIX = ("rebuild the image with `docker build` (or buildx): its config blob holds a value of a type Docker never "
       "writes, so the check cannot read it")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _mapping(value: Any) -> bool:
    return isinstance(value, dict)


def _labels(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


def _healthcheck(value: Any) -> bool:
    return isinstance(value, dict) and (value.get("Test") is None or _strings(value.get("Test")))


#: key of the config's "config" object -> (its test, what it should be, the check it feeds)
SHAPES: Dict[str, Tuple[Callable[[Any], bool], str, str]] = {
    "User": (lambda value: isinstance(value, str), "a string", "user"),
    "Entrypoint": (_strings, "a list of strings", "exec-form"),
    "Cmd": (_strings, "a list of strings", "exec-form"),
    "Env": (_strings, "a list of strings", "exec-form"),
    "Healthcheck": (_healthcheck, "an object whose Test is a list of strings", "healthcheck"),
    "Labels": (_labels, "an object of strings", "labels"),
    "ExposedPorts": (_mapping, "an object", "labels"),
    "WorkingDir": (lambda value: isinstance(value, str), "a string", "app-files"),
    "Volumes": (_mapping, "an object", "app-files"),
}

NAMES = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}


def image_config(blob: Any) -> Tuple[Dict[str, Any], List[Finding]]:
    """The config's "config" object with every value of a wrong type left out, and a finding for each."""
    if not isinstance(blob, dict):
        return {}, [Finding("exec-form", f"the image config is {NAMES.get(type(blob), 'not an object')}, not an "
                            "object: nothing it says can be read", FIX)]
    config = blob.get("config")
    if config is None:
        return {}, []
    if not isinstance(config, dict):
        return {}, [Finding("exec-form", f"the image config's \"config\" is {NAMES.get(type(config), '?')}, not an "
                            "object: its user, entrypoint and the rest cannot be read", FIX)]
    kept: Dict[str, Any] = {}
    findings = []
    for key, value in config.items():
        if isinstance(value, (list, dict)) and len(value) > limits.MAX_CONFIG_ITEMS:
            raise LimitExceeded(f"the image config's {key[:40]} has {len(value):,} items", limits.MAX_CONFIG_ITEMS)
        shape = SHAPES.get(key)
        if value is None or shape is None or shape[0](value):
            kept[key] = value
        else:
            findings.append(Finding(shape[2], f"the image config's {key} is {NAMES.get(type(value), '?')}, not "
                                    f"{shape[1]}: ignored", FIX))
    return kept, findings


def diff_ids(blob: Any) -> List[str]:
    """The config's rootfs layer digests, lowest first ([] when it has none of the right shape)."""
    rootfs = blob.get("rootfs") if isinstance(blob, dict) else None
    ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    return [item for item in ids if isinstance(item, str)] if isinstance(ids, list) else []
