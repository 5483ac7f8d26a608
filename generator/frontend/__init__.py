"""Frontends: the Node-built UI a backend serves, whatever the backend's language.

`detect.py` finds a package.json with a build script and a lockfile inside an app and
where the backend expects its output (`frontend*` facts); `answers.py` declares the
answers every language shares for it and the rule across them; the stage itself is
`templates/_shared/frontend.jinja`. Kept apart from the languages so that a Node.js
language can reuse both.
"""
