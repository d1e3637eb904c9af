"""Procrastinate's side of `bench.queue_compare`: an app with one empty task, and one worker process.

    .venv/bin/python -m bench.procrastinate_app postgresql://postgres@127.0.0.1:5432/DB --concurrency 1

Needs the `bench` extra (`pip install -e '.[bench]'`). The task is `async` and does nothing, so what a
job costs is procrastinate's own work: fetch it, run it, mark it succeeded (and its events).
"""

from __future__ import annotations

import argparse

from procrastinate import App, PsycopgConnector

TASK = "empty"


def make_app(conninfo: str) -> App:
    app = App(connector=PsycopgConnector(conninfo=conninfo))

    @app.task(name=TASK)
    async def empty() -> None:
        """Nothing: the queue's own cost per job."""

    return app


async def prepare(conninfo: str, jobs: int, chunk: int = 1000) -> None:
    """Procrastinate's schema on an empty database, then `jobs` empty jobs deferred in batches."""
    app = make_app(conninfo)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        task = app.tasks[TASK]
        if not hasattr(task, "batch_defer_async"):  # procrastinate before batch deferring: one by one
            for _ in range(jobs):
                await task.defer_async()
            return
        for start in range(0, jobs, chunk):
            await task.batch_defer_async(*({} for _ in range(min(chunk, jobs - start))))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.procrastinate_app", description=__doc__.split("\n")[0])
    parser.add_argument("conninfo", help="a libpq URL (postgresql://…)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="jobs in flight per worker (procrastinate's default: 1)"
    )
    parser.add_argument("--name", default="worker")
    args = parser.parse_args(argv)
    # Stops gracefully on SIGTERM (procrastinate's own signal handlers).
    make_app(args.conninfo).run_worker(concurrency=args.concurrency, name=args.name)


if __name__ == "__main__":
    # By the module's own name: procrastinate warns about an app made in `__main__`.
    from bench.procrastinate_app import main as worker_main

    worker_main()
