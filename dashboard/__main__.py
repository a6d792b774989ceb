from dashboard.cli import main

main(prog_name="smartsup")
