"""What an app keeps and writes at run time, found in its code and settings (docs/runtime.md).

`paths.detect_state` adds the `data` (kept: a volume) and `writable` (lost on exit: a
tmpfs) facts to a detected app; the answers of the same names (generator/languages/base.py)
take them, and generator/runtime.py turns them into the folders the image creates.
"""
