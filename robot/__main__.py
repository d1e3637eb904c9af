"""The `robot` command: `python -m robot`, and the installed `robot` (pyproject.toml's script)."""

import gc


def main() -> None:
    gc.disable()  # the command's modules live as long as the process: no collections while they load (worker/heap.py)
    try:
        from robot.cli.main import app
    finally:
        gc.enable()
    app(prog_name="robot")


if __name__ == "__main__":
    main()
