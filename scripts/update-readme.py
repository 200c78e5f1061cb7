#!/usr/bin/env python3
"""Refreshes every `<!-- example-output: calc ARGS -->` block of README.md with the real output
of `target/release/calc ARGS` (build it first). Tests fail when a block is stale."""
import os
import re, subprocess, sys, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
readme = root / "README.md"
text = readme.read_text(encoding="utf-8")
pattern = re.compile(r"(<!-- example-output: calc (.*?) -->\n```text\n)(.*?)(```\n<!-- /example-output -->)", re.S)

def refresh(m):
    args = m.group(2).split()
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # tables at the default 100 columns
    out = subprocess.run([str(root / "target/release/calc"), *args], cwd=root, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"calc {' '.join(args)} failed: {out.stderr}")
    return m.group(1) + out.stdout + m.group(4)

readme.write_text(pattern.sub(refresh, text), encoding="utf-8")
