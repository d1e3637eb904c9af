from robot.cli.main import app

app(prog_name="robot")
