"""The `robot` command: `python -m robot`, and the installed `robot` (pyproject.toml's script)."""


def main() -> None:
    from robot.worker import heap

    with heap.paused():  # the command's modules live as long as the process: no collections while they load
        from robot.cli.main import app
    app(prog_name="robot")


if __name__ == "__main__":
    main()
