"""`assistant bench`: how fast the assistant is on this machine, against the tutorial pipeline.

    synthetic → corpora 1x, 10x, 100x (the real corpus plus word-shuffled copies of it)
    worker    → one measurement in a process of its own (build, warm API, peer, e5 runtimes)
    run       → every measurement for every size, a live `assistant serve` included
    load      → `--load`: simulated users (open model) and saturation against `assistant serve --workers N`
    report    → bench/reports/latest.md, .json and .png, targets checked, ratios to the peer
    cli       → the command (registered in assistant/cli.py)

Timings are reported, never asserted: the test suite runs `assistant bench --quick` only to check
that the report has its shape.
"""
