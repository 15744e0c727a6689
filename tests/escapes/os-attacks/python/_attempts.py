"""Shared by the Python attacks: run each attempt, log what happened, exit 0 if any worked."""
import sys

_won = []


def attempt(name, action):
    try:
        outcome = action()
    except Exception as err:  # every refusal is an ordinary error: OSError, ValueError, ...
        print(f"refused: {name}: {err.__class__.__name__}: {err}", flush=True)
        return
    if outcome is False:
        print(f"refused: {name}", flush=True)
        return
    _won.append(name)
    print(f"ESCAPED: {name}: {outcome}", flush=True)


def finish():
    if _won:
        print(f"escaped through: {', '.join(_won)}", flush=True)
        sys.exit(0)
    sys.exit(1)
