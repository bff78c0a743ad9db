"""`python -m analyzer`."""

from analyzer.cli import command

if __name__ == "__main__":
    command()
