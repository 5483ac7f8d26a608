"""Backing services: detection per language, the answers, the files that run them, the secret files.

The service table (generator/services) is the one place a service is described; these tests
check that detection reads each language's driver names and the address variables and URLs
an app names, that `--service`/`--no-services` are answers validated against the table and
recorded, that compose.yaml runs each service hardened beside the app and the manifests take
its address from the app's Secret, and that `scaffold new` makes each password once, private
and out of git and of the build context.
"""

from __future__ import annotations

#: the one compose-lint finding a service keeps: its image is pinned by tag, its digest at deploy time
#: (no registry answers here to resolve one; docs/runtime.md)
SERVICE_DIGEST = ("CL-0019 medium {service}: Image '{image}' is pinned to a tag but not a digest. Tags can be "
                  "overwritten on the registry, so this does not guarantee image immutability.")
