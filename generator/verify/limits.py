"""Hard bounds on everything `scaffold verify` reads from an image: an image is untrusted input.

A pull request's image is verified in CI, so a hostile image must not hang the job, exhaust
its memory or crash verify. Every amount of work or memory that grows with what the image
says is bounded here; reaching a bound is one `LimitExceeded` line (exit 2: the image is
not verified), never a hang, a MemoryError or a traceback. Each bound is far above what
real images use (docs/verify.md, "Limits", gives the figures); together they keep a
verification within about 1 GiB of memory and seconds to minutes of CPU.
"""

from __future__ import annotations

from generator.verify.report import CannotVerify

#: bytes of the files whose content is kept (package databases, passwd/group, dpkg config), all layers together
MAX_KEPT_BYTES = 64 * 1024 * 1024
#: bytes of one JSON document (manifest, config), and of all JSON-looking blobs of the archive together
MAX_JSON = 8 * 1024 * 1024
MAX_JSON_TOTAL = 32 * 1024 * 1024
#: JSON-looking blobs in the archive (docker save writes a few per layer)
MAX_BLOBS = 4096
#: members of the outer archive (blobs, layer directories, manifests)
MAX_MEMBERS = 100_000
#: layers in the manifest (Docker stops at 127), counted again when one is repeated
MAX_LAYERS = 512
#: files, directories, links and whiteouts of all layers together, and the directories they imply
MAX_ENTRIES = 500_000
MAX_NODES = 1_000_000
#: one path: bytes (Linux's PATH_MAX) and components
MAX_PATH = 4096
MAX_DEPTH = 256
#: bytes of the paths in the directory tree (each implied directory counted with its full path)
MAX_TREE_BYTES = 64 * 1024 * 1024
#: bytes of all files' declared sizes (what decompressing the layers reads at most)
MAX_CONTENT_BYTES = 256 * 1024 * 1024 * 1024
#: bytes of one extended tar header (pax, GNU long name), and how many may follow each other
MAX_TAR_HEADER = 64 * 1024
MAX_TAR_HEADER_CHAIN = 8
#: symlinks followed in one lookup (Linux's own limit), and path components walked in all lookups
MAX_HOPS = 40
MAX_LOOKUP_STEPS = 20_000_000
#: entries of the image's PATH searched for a program
MAX_PATH_ENTRIES = 64
#: items in one list or mapping of the image config (ENTRYPOINT + CMD, Env, Labels, Volumes, ports)
MAX_CONFIG_ITEMS = 1024
#: dpkg path-exclude/path-include rules, and the characters they compare (a path's length per `*`, plus one)
MAX_DPKG_RULES = 1024
MAX_RULE_WORK = 1_000_000_000


class LimitExceeded(CannotVerify):
    """The image goes beyond one of verify's bounds: not verified (exit 2), in one line."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what}: over verify's limit of {limit:,} (docs/verify.md, Limits); the image is not verified")


class Counter:
    """A running total that raises LimitExceeded past its limit."""

    def __init__(self, what: str, limit: int) -> None:
        self.what, self.limit, self.used = what, limit, 0

    def add(self, amount: int = 1) -> None:
        self.used += amount
        if self.used > self.limit:
            raise LimitExceeded(self.what, self.limit)


def check_path(path: str) -> str:
    """A path of a layer, refused when it is longer or deeper than any a kernel would open."""
    if len(path) > MAX_PATH:
        raise LimitExceeded(f"a path of {len(path):,} characters ({path[:60]}...)", MAX_PATH)
    depth = path.count("/") + 1
    if depth > MAX_DEPTH:
        raise LimitExceeded(f"a path {depth:,} directories deep ({path[:60]}...)", MAX_DEPTH)
    return path
