"""`python -m turnout.fakeupstream [--host H] [--port P]`."""

from __future__ import annotations

import argparse

from turnout.fakeupstream.standalone import run_standalone


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m turnout.fakeupstream",
                                     description="Serve the fake LLM upstream.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    args = parser.parse_args()
    run_standalone(args.host, args.port)


if __name__ == "__main__":
    main()
