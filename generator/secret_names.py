"""The names of files and directories that carry secrets: kept out of every build context.

One list, read by both sides so that they can never disagree: the generated
`.dockerignore` (templates/_shared/dockerignore.jinja renders `secret_entries`) and
`scaffold check`'s `dockerignore-secrets` rule (which names a leak by these families
and, with --fix, adds their entries). A family is a kind of secret: the names that
carry it (a regular expression over one file or directory name), the `.dockerignore`
entries that keep every such name out at any depth, and examples (for the tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple


@dataclass(frozen=True)
class Family:
    """One kind of secret-bearing file or directory."""

    what: str
    #: a full match on one file or directory name
    names: "re.Pattern[str]"
    #: the .dockerignore entries that exclude every such name, at any depth
    entries: Tuple[str, ...]
    #: names of this family (the tests check that the entries exclude them and that check finds them)
    examples: Tuple[str, ...]


def _family(what: str, names: str, entries: Tuple[str, ...], examples: Tuple[str, ...]) -> Family:
    return Family(what, re.compile(names), entries, examples)


FAMILIES: Tuple[Family, ...] = (
    _family("the git history (and every secret ever committed)", r"\.git", ("**/.git",), (".git",)),
    _family("git credentials", r"\.git-credentials", ("**/.git-credentials",), (".git-credentials",)),
    _family("an environment file", r"\.env|\.env\.(?!example$|sample$|template$|dist$|defaults?$).+|.+\.env",
            ("**/.env", "**/.env.*", "**/*.env"), (".env", ".env.production", "prod.env")),
    _family("a directory environment file (direnv)", r"\.envrc", ("**/.envrc",), (".envrc",)),
    _family("credentials", r"\.(?:netrc|npmrc|pypirc|pgpass)",
            ("**/.netrc", "**/.npmrc", "**/.pypirc", "**/.pgpass"), (".netrc", ".npmrc", ".pypirc", ".pgpass")),
    _family("an SSH key", r"id_(?:rsa|dsa|ecdsa|ed25519)(?:[._-].*)?",
            ("**/id_rsa*", "**/id_dsa*", "**/id_ecdsa*", "**/id_ed25519*"),
            ("id_rsa", "id_dsa.pub", "id_ecdsa", "id_ed25519", "id_ed25519_deploy")),
    _family("a private key or key store", r".+\.(?:pem|key|p12|pfx|jks|keystore)",
            ("**/*.pem", "**/*.key", "**/*.p12", "**/*.pfx", "**/*.jks", "**/*.keystore"),
            ("tls.pem", "server.key", "client.p12", "cert.pfx", "app.jks", "release.keystore")),
    _family("a credentials directory", r"\.(?:aws|ssh|docker|gnupg|kube)",
            ("**/.aws", "**/.ssh", "**/.docker", "**/.gnupg", "**/.kube"), (".aws", ".ssh", ".docker", ".gnupg", ".kube")),
    _family("cloud credentials", r"credentials\.json|service-account.*\.json",
            ("**/credentials.json", "**/service-account*.json"), ("credentials.json", "service-account-prod.json")),
    _family("Terraform state (holds secrets)", r".+\.tfstate(?:\..+)?", ("**/*.tfstate", "**/*.tfstate.*"),
            ("terraform.tfstate", "terraform.tfstate.backup")),
    _family("a secrets file", r"secrets\.(?:ya?ml|json|toml|ini|properties|env)",
            ("**/secrets.yml", "**/secrets.yaml", "**/secrets.json", "**/secrets.toml", "**/secrets.ini",
             "**/secrets.properties", "**/secrets.env"),
            ("secrets.yml", "secrets.json")),
)


def family_of(name: str) -> Optional[Family]:
    """The family a file or directory so named belongs to, or None."""
    return next((family for family in FAMILIES if family.names.fullmatch(name)), None)


def dockerignore_entries() -> List[str]:
    """Every family's entries, in order (what the generated .dockerignore lists)."""
    return [entry for family in FAMILIES for entry in family.entries]
