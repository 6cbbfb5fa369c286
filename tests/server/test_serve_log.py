"""`assistant serve` as an operator runs it: its log (stderr) names a page origin that is not in
ASSISTANT_CORS_ORIGINS, once per origin, at WARNING (issue 19, item 9)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from server_helpers import free_port

pytestmark = pytest.mark.slow
COMMAND = Path(sys.executable).parent / "assistant"


@pytest.mark.skipif(not COMMAND.exists(), reason="the `assistant` command is not installed beside this Python")
def test_serve_logs_a_refused_origin_once_per_origin_with_the_setting(assistant, tmp_path):
    port = free_port()
    config = assistant.config
    env = {**os.environ, "ASSISTANT_HOME": str(config.home), "ASSISTANT_CORPUS_DIR": str(config.corpus_dir),
           "ASSISTANT_CACHE_DIR": str(config.cache), "ASSISTANT_CORS_ORIGINS": "https://intranett.example.no",
           "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    log = tmp_path / "serve.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([str(COMMAND), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                stderr=err)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(url + "/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        refused, other = "http://127.0.0.1:8765", "http://annen.example"
        for origin in (refused, refused, other, "https://intranett.example.no"):
            httpx.get(url + "/api/documents", headers={"Origin": origin}, timeout=30)
        httpx.options(url + "/api/ask/stream", headers={"Origin": refused, "Access-Control-Request-Method": "POST"},
                      timeout=30)
        lines = log.read_text().splitlines()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    named = [ln for ln in lines if "ASSISTANT_CORS_ORIGINS" in ln]
    assert [ln for ln in named if refused in ln] and len([ln for ln in named if refused in ln]) == 1, lines
    assert len([ln for ln in named if other in ln]) == 1 and len(named) == 2, lines
    assert all(ln.startswith("WARNING") for ln in named), named
