"""Where a Java app that is not Spring Boot listens, read from its sources.

Web frameworks that set the port in code are found by the call that starts the server:
Spark `port(8080)` (or its default 4567 when the app uses Spark and never calls `port`),
Javalin `.start(7070)`, Vert.x `.listen(8080)`, the JDK's HttpServer and sockets
`new InetSocketAddress(8080)` / `new ServerSocket(8080)`, Jetty `new Server(8080)`. The
argument is a literal, a constant of the same file (`static final int PORT = 8080`), or a
lookup with a default (`getOrDefault("PORT", "8080")`, `: 8080`), which is only likely (weak).

When nothing listens and no server framework is among the dependencies the app is a
command-line program: no EXPOSE, no probe (see `Listener` and `scan`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

from generator.detect.model import Evidence, excerpt
from generator.detect.walker import Repo
from generator.languages.java.frameworks import named

#: source roots read below a project's directory, and the files in them
SOURCE_ROOTS = ("src/main/java", "src/main/kotlin")
SOURCE_SUFFIXES = (".java", ".kt")
#: files read per project at most (a generated-code tree must not make detection slow)
MAX_SOURCES = 400

#: the calls that start a server on a port: (framework, the call up to its opening parenthesis,
#: which argument is the port: 0 the first, -1 the last, as in InetSocketAddress(host, port))
LISTEN_CALLS = (
    ("Spark", re.compile(r"(?<![\w.])(?:Spark\.)?port\("), 0),
    ("Javalin", re.compile(r"\.start\("), 0),
    ("Vert.x", re.compile(r"\.listen\("), 0),
    ("JDK HttpServer", re.compile(r"\bnew\s+InetSocketAddress\("), -1),
    ("ServerSocket", re.compile(r"\bnew\s+ServerSocket\("), 0),
    ("Jetty", re.compile(r"\bnew\s+Server\("), 0),
)
#: a framework is in use when a source file imports it; its default port when the code sets none
FRAMEWORK_IMPORTS = (
    ("Spark", re.compile(r"^\s*import\s+(?:static\s+)?spark\.Spark\b"), named("Spark").default_port),
    ("Javalin", re.compile(r"^\s*import\s+io\.javalin\.Javalin\b"), named("Javalin").default_port),
)
#: a call counts only in a file that names its framework (`.start(` is common; an InetSocketAddress
#: may be where a client connects)
CALL_NEEDS = {"Spark": ("spark",), "Javalin": ("javalin",), "Vert.x": ("vertx",), "Jetty": ("org.eclipse.jetty",),
              "JDK HttpServer": ("HttpServer", "ServerSocket", ".bind(")}
#: artifacts that make a project a server even when the listening call was not found
SERVER_ARTIFACTS = re.compile(
    r"^(?:spark-core|javalin|vertx-web|vertx-core|jetty-server|undertow-core|micronaut-http-server(?:-netty)?|"
    r"quarkus-resteasy(?:-reactive)?|quarkus-vertx-http|helidon-webserver|dropwizard-core|tomcat-embed-core|"
    r"netty-codec-http|jersey-container-grizzly2-http|ktor-server-core)$"
)
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
DIGITS = re.compile(r"[0-9]{1,5}")
#: a default beside a lookup: getOrDefault("PORT", "8080"), orElse(8080), ": 8080" of a ternary
FALLBACK = re.compile(r"(?:getOrDefault|getProperty|orElse|getInteger|getenv)\s*\([^()]*?\"?([0-9]{2,5})\"?\s*\)"
                      r"|:\s*\"?([0-9]{2,5})\"?\s*$")
JAVA_COMMENT = ("//", "/*", "*")
#: the lines after a listening call's own that its arguments may take
CALL_LINES = 4


@dataclass(frozen=True)
class Listener:
    """Where a project listens: the port (None: a server whose port was not found) and why."""

    framework: str
    port: Optional[int]
    evidence: Optional[Evidence]
    weak: str = ""


def sources(repo: Repo, directory: str) -> List[str]:
    """The project's main source files, shallowest first (the app's entry point sits on top)."""
    found: List[str] = []
    for root in SOURCE_ROOTS:
        under = directory + "/" + root if directory != "." else root
        found.extend(f for f in repo.files(under) if f.endswith(SOURCE_SUFFIXES))
    return sorted(found, key=lambda p: (p.count("/"), p))[:MAX_SOURCES]


def scan(repo: Repo, directory: str, dependencies: Iterable[str]) -> Optional[Listener]:
    """The first listener in the project's sources; else a server framework's default; else None."""
    files = sources(repo, directory)
    for file in files:
        found = _listener_in(repo, file)
        if found is not None:
            return found
    for file in files:
        for framework, pattern, default in FRAMEWORK_IMPORTS:
            hit = repo.find_line(file, pattern)
            if hit:
                return Listener(framework, default, hit[1], weak=f"{framework}'s default port: no call in the "
                                "code sets another (set --port)")
    for artifact in dependencies:
        if SERVER_ARTIFACTS.match(artifact):
            return Listener(artifact, None, None, weak=f"{artifact} is a dependency but no listening call was found")
    return None


def _listener_in(repo: Repo, file: str) -> Optional[Listener]:
    text = repo.read_text(file) or ""
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(JAVA_COMMENT):
            continue
        for framework, pattern, which in LISTEN_CALLS:
            if not any(needed in text for needed in CALL_NEEDS.get(framework, ("",))):
                continue
            match = pattern.search(line)
            # a call's arguments may go on over the next lines (`.listen(port,` then a handler)
            arguments, closed = _arguments("\n".join(lines[number - 1:number + CALL_LINES]), match.end()) \
                if match else ([], False)
            if not arguments or (which == -1 and not closed):
                continue
            evidence = Evidence(file, number, excerpt(line))
            port, weak = _value(arguments[which], lines)
            if port is None and framework == "Javalin":
                continue  # .start(...) of something else
            return Listener(framework, port, evidence,
                            weak=weak or ("" if port is not None else f"the {framework} port is computed in code"))
    return None


def _arguments(text: str, start: int) -> Tuple[List[str], bool]:
    """The top-level arguments of the call whose "(" ends at `start`, and whether the call closes in `text`
    (when it does not, the arguments complete before its end: a handler may run on for many lines)."""
    depth, current, found = 0, "", []
    for char in text[start:]:
        if char == ")" and depth == 0:
            found.append(current.strip())
            return (found if any(found) else []), True
        if char == "," and depth == 0:
            found.append(current.strip())
            current = ""
            continue
        depth += 1 if char == "(" else -1 if char == ")" else 0
        current += char
    return found, False


def _value(argument: str, lines: List[str], hops: int = 3) -> Tuple[Optional[int], str]:
    """(port, weak) of a call argument: a literal, a constant of the file (a few hops, so loops
    end), or a lookup's default."""
    if DIGITS.fullmatch(argument):
        return (int(argument) or None), ""  # 0: a port the system picks
    if IDENTIFIER.fullmatch(argument):
        constant = re.compile(rf"\b{re.escape(argument)}\s*=\s*(.+?);")
        for line in lines:
            match = constant.search(line)
            if match and hops:
                return _value(match.group(1).strip(), lines, hops - 1)
        return None, ""
    fallback = FALLBACK.search(argument)
    if fallback:
        return int(fallback.group(1) or fallback.group(2)), "the default of a setting read at run time (set --port " \
                                                            "if the deployment sets another)"
    return None, ""
