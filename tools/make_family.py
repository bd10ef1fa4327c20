"""Make ``veo_widgets/schema/family.json``, the Veo family table, from the API's published specs.

The AI/ML API's documentation repository (``aimlapi/api-docs``) holds one OpenAPI file per
model under ``docs/api-references/video-models/Google/``. This script takes each Veo model's
request schema from there, as published, and adds what the specs leave out and this package
knows (``OURS`` below): the short names and titles, the aliases, the cross-field rules
Google documents (1080p and reference images force 8 s...), limits such as at most three
reference images, the ids the generation ids carry, and how the emulator paces each model.

    git clone https://github.com/aimlapi/api-docs /tmp/api-docs   (or any checkout of it)
    python tools/make_family.py /tmp/api-docs

It reads the checkout's ``HEAD`` with git (the work tree is not needed) and rewrites the data
file; ``git diff`` then shows what the API changed. The package and its emulator read that
one file; ``client.models(refresh=True)`` reads the same schemas live from the catalogue.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

FOLDER = "docs/api-references/video-models/Google"
TARGET = Path(__file__).resolve().parent.parent / "veo_widgets" / "schema" / "family.json"

#: The cross-field rules, by name: when ``if`` is ``is`` (``<given>``: an input was passed),
#: ``then`` must be one of ``in``. ``blame`` is the field an error names (default ``if``).
RULES: dict[str, dict[str, Any]] = {
    "hd-needs-8": {
        "if": "resolution", "is": "1080p", "then": "duration", "in": [8],
        "message": "resolution 1080p needs duration 8 (choose duration 8, or 720p)",
        "source": "Google: on Veo 3, 3 Fast, 3.1, 3.1 Fast and 3.1 Lite, 1080p forces 8 s",
    },
    "refs-need-8": {
        "if": "reference_images", "is": "<given>", "then": "duration", "in": [8],
        "message": "reference images need duration 8", "blame": "duration",
        "source": "Google: reference images force 8 s",
    },
    "last-needs-8": {
        "if": "last_image", "is": "<given>", "then": "duration", "in": [8],
        "message": "a last frame (last_image) needs duration 8", "blame": "duration",
        "source": "the lite-preview spec's last_image_url description",
    },
    "last-needs-first": {
        "if": "last_image", "is": "<given>", "then": "image", "in": ["<given>"],
        "message": "a last frame needs a first frame (image=...)", "blame": "image",
        "source": "a last frame ends a clip that starts at a first frame",
    },
}  # fmt: skip

_EXTEND_HELP = {"aspect_ratio": {"help": "auto (follow the input video), 16:9 or 9:16"}}

#: Ours, per spec file: short name, title, aliases, rules, overrides of the derived options
#: and inputs, notes, and the wire facts the emulator needs (``id_suffix``: generation ids
#: are ``<uuid>:<suffix>``, None for a 21-character id; ``also``: other field names the API
#: is known to take; ``also_ids``: other ids it answers to; ``fold_case``: it takes either
#: letter case of a resolution; ``speed``: the emulator's time per job against Veo 3 Fast).
OURS: list[dict[str, Any]] = [
    {"spec": "veo-3.0-i2v-fast.json", "short": "veo-3-fast-i2v", "title": "Veo 3 Fast, image to video",
     "aliases": ["veo-3-fast", "veo-3.0-fast-i2v", "veo3-fast"], "rules": ["hd-needs-8"],
     "wire": {"id_suffix": "veo-3.0-fast-generate-001", "fold_case": True, "speed": 1.0}},
    {"spec": "veo-3.0-i2v.json", "short": "veo-3-i2v", "title": "Veo 3, image to video",
     "aliases": ["veo-3", "veo-3.0-i2v"], "rules": ["hd-needs-8"],
     "wire": {"id_suffix": "veo-3.0-generate-001", "fold_case": True, "speed": 1.5}},
    {"spec": "veo-3.0-fast.json", "short": "veo-3-fast-t2v", "title": "Veo 3 Fast, text to video",
     "aliases": ["veo-3.0-fast-t2v"], "rules": ["hd-needs-8"],
     "wire": {"id_suffix": "veo-3.0-fast-generate-001", "fold_case": True, "speed": 1.0}},
    {"spec": "veo3.json", "short": "veo-3-t2v", "title": "Veo 3, text to video",
     "aliases": ["veo-3.0-t2v", "veo3-t2v"], "rules": ["hd-needs-8"],
     "wire": {"id_suffix": "veo-3.0-generate-001", "fold_case": True, "speed": 1.5}},
    {"spec": "veo-3.1-i2v-fast.json", "short": "veo-3.1-fast-i2v", "title": "Veo 3.1 Fast, image to video",
     "aliases": ["veo-3.1-fast"], "rules": ["hd-needs-8"],
     "wire": {"id_suffix": "google/veo-3.1-i2v-fast", "speed": 1.8}},
    {"spec": "veo-3.1-i2v.json", "short": "veo-3.1-i2v", "title": "Veo 3.1, image to video",
     "aliases": ["veo-3.1"], "rules": ["hd-needs-8"],
     "wire": {"id_suffix": "google/veo-3.1-i2v", "speed": 2.5}},
    {"spec": "veo-3.1-t2v-fast.json", "short": "veo-3.1-fast-t2v", "title": "Veo 3.1 Fast, text to video",
     "rules": ["hd-needs-8"], "wire": {"id_suffix": "google/veo-3.1-t2v-fast", "speed": 1.8}},
    {"spec": "veo-3.1-t2v.json", "short": "veo-3.1-t2v", "title": "Veo 3.1, text to video",
     "rules": ["hd-needs-8"], "wire": {"id_suffix": "google/veo-3.1-t2v", "speed": 2.5}},
    {"spec": "veo-3.1-first-last-image-to-video-fast.json", "short": "veo-3.1-fast-first-last",
     "title": "Veo 3.1 Fast, first and last frame", "rules": ["hd-needs-8"],
     "wire": {"id_suffix": "google/veo-3.1-first-last-image-to-video-fast", "speed": 1.8}},
    {"spec": "veo-3.1-first-last-image-to-video.json", "short": "veo-3.1-first-last",
     "title": "Veo 3.1, first and last frame", "rules": ["hd-needs-8"],
     "wire": {"id_suffix": "google/veo-3.1-first-last-image-to-video", "speed": 2.5}},
    {"spec": "veo-3.1-reference-to-video.json", "short": "veo-3.1-reference", "title": "Veo 3.1, reference images",
     "aliases": ["veo-3.1-ref", "veo-3.1-references"], "rules": ["refs-need-8", "hd-needs-8"],
     "overrides": {"reference_images": {"max_items": 3}},
     "notes": "No maxItems in the spec (its example sends 3); Google documents up to 3. "
              "aspect_ratio was removed from this schema in Dec 2025; 8 s is the only length.",
     "wire": {"id_suffix": "google/veo-3.1-reference-to-video", "speed": 2.5}},
    {"spec": "veo3-1-fast-extend-video.json", "short": "veo-3.1-fast-extend", "title": "Veo 3.1 Fast, extend a video",
     "overrides": _EXTEND_HELP, "wire": {"id_suffix": None, "speed": 0.7}},
    {"spec": "veo3-1-extend-video.json", "short": "veo-3.1-extend", "title": "Veo 3.1, extend a video",
     "overrides": _EXTEND_HELP, "wire": {"id_suffix": None, "speed": 1.0}},
    {"spec": "veo-3-1-lite-generate-preview.json", "short": "veo-3.1-lite-preview", "title": "Veo 3.1 Lite (preview)",
     "rules": ["last-needs-first", "last-needs-8", "hd-needs-8"],
     "notes": "Its spec lists the staging server; only it says a last frame forces 8 s.",
     "wire": {"id_suffix": None, "speed": 0.8}},
    {"spec": "veo-3.1-lite-generate-001.json", "short": "veo-3.1-lite", "title": "Veo 3.1 Lite",
     "aliases": ["veo-3.1-lite-001"], "rules": ["last-needs-first", "hd-needs-8"],
     "notes": "The spec's id has no google/ prefix (the page's has; both are accepted, the spec's is sent). "
              "The page example sends tail_image_url; the spec defines last_image_url, which is sent.",
     "wire": {"id_suffix": None, "speed": 0.8, "also": {"last_image_url": ["tail_image_url"]},
              "also_ids": ["google/veo-3.1-lite-generate-001"]}},
    {"spec": "Veo2-Image-to-Video.json", "short": "veo-2-i2v", "title": "Veo 2, image to video",
     "aliases": ["veo-2", "veo2-i2v"], "wire": {"id_suffix": "veo-2.0-generate-001", "speed": 1.2}},
    {"spec": "veo2.json", "short": "veo-2-t2v", "title": "Veo 2, text to video", "aliases": ["veo2-t2v"],
     "wire": {"id_suffix": "veo-2.0-generate-001", "speed": 1.2}},
]  # fmt: skip


def git_show(repo: Path, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True, text=True
    ).stdout


def request_part(document: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The server, the path and the JSON request schema of a spec's one POST."""
    server = (document.get("servers") or [{}])[0].get("url", "")
    for path, operations in document["paths"].items():
        post = operations.get("post")
        if post and "requestBody" in post:
            return server, path, post["requestBody"]["content"]["application/json"]["schema"]
    raise ValueError("no POST with a JSON body")


def make(repo: Path) -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    models = []
    for ours in OURS:
        server, path, schema = request_part(json.loads(git_show(repo, f"{FOLDER}/{ours['spec']}")))
        model_id = schema["properties"]["model"]["enum"][0]
        wire = {"spec": ours["spec"], "server": server, "path": path, **ours.get("wire", {})}
        entry = {
            "id": model_id,
            "short": ours["short"],
            "title": ours["title"],
            "aliases": ours.get("aliases", []),
            "rules": ours.get("rules", []),
            "overrides": ours.get("overrides", {}),
            "notes": ours.get("notes", ""),
            "wire": wire,
            "schema": schema,
        }
        models.append(entry)
    return {
        "about": "The Veo family. Made by tools/make_family.py from the AI/ML API's published model "
        "specs; edit that script, not this file.",
        "source": {"repository": "aimlapi/api-docs", "commit": commit, "folder": FOLDER},
        "default": "google/veo-3.0-i2v-fast",
        "rules": RULES,
        "models": models,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a git checkout (or bare mirror) of aimlapi/api-docs")
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    data = make(args.repo)
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(data['models'])} models from {data['source']['repository']}@{data['source']['commit'][:8]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
